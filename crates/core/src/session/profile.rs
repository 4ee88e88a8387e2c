//! `Profile`: a laptop's data directory (keyring, encrypted store, configuration), its creation and signing in.

use super::*;

#[derive(Clone)]
pub struct Profile {
    pub(super) dir: PathBuf,
    pub(super) config: Config,
    pub(super) clock: Arc<dyn Clock>,
    /// The catalogue forms are checked against; the built-in one unless set.
    pub(super) catalogue: Option<Arc<Catalogue>>,
    /// What a profile created through this handle will be; an existing one says in its store.
    pub(super) deployment: fieldkit_protocol::Deployment,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Profile {
    pub fn new(dir: impl Into<PathBuf>, config: Config) -> Profile {
        Profile::with_clock(dir, config, Arc::new(SystemClock))
    }

    pub fn with_clock(dir: impl Into<PathBuf>, config: Config, clock: Arc<dyn Clock>) -> Profile {
        Profile {
            dir: dir.into(),
            config,
            clock,
            catalogue: None,
            deployment: fieldkit_protocol::Deployment::Production,
        }
    }

    /// What a profile created through this handle will be (an existing one says in its store).
    pub fn deployment(&self) -> fieldkit_protocol::Deployment {
        self.deployment
    }

    /// A trainer's demo profile: created as `training`, so it refuses production enrolments and
    /// servers, and its slips, reports and screens say TRAINING.
    pub fn for_training(mut self) -> Profile {
        self.deployment = fieldkit_protocol::Deployment::Training;
        self
    }

    /// Uses `catalogue` instead of the built-in one (a newer version received through sync).
    pub fn with_catalogue(mut self, catalogue: Arc<Catalogue>) -> Profile {
        self.catalogue = Some(catalogue);
        self
    }

    /// The catalogue in force for this profile.
    pub fn catalogue(&self) -> Result<Arc<Catalogue>> {
        match &self.catalogue {
            Some(catalogue) => Ok(Arc::clone(catalogue)),
            None => built_in_catalogue(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn store_path(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(super) fn keyring_file(&self) -> KeyringFile {
        KeyringFile::in_dir(&self.dir)
    }

    pub fn exists(&self) -> bool {
        self.keyring_file().exists()
    }

    /// Creates a new profile: a fresh random data key, the encrypted store, and the first officer
    /// (normally the ICT officer who provisions the laptop), who is signed in on return.
    pub fn create(&self, prefix: &LaptopPrefix, first: &NewOfficer, pin: &str) -> Result<Session> {
        let officer = first.validate()?;
        validate_pin(pin, self.config.min_pin_length)?;
        if !officer.role.may(Action::ManageOfficers) {
            return Err(CoreError::invalid("role", Reason::FirstOfficerMustManageRoster));
        }
        create_private_dir(&self.dir)?;
        let keyring_file = self.keyring_file();
        let lock = keyring_file.lock()?;
        if keyring_file.exists() {
            return Err(CoreError::ProfileExists(self.dir.display().to_string()));
        }
        // A store without a keyring is the remains of a creation that crashed before finishing; its
        // key was never saved, so nothing in it can be read. Start again.
        for suffix in ["", "-wal", "-shm"] {
            let path = self.dir.join(format!("{STORE_FILE}{suffix}"));
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(CoreError::io(&path, e)),
            }
        }
        let key = DataKey::generate()?;
        let profile_id = Uuid::now_v7();
        let mut store = Store::open(&self.store_path(), &key)?;
        restrict_permissions(&self.store_path())?;
        let now = self.clock.now();
        store.initialise(profile_id, prefix, &officer, self.deployment, now)?;

        let mut keyring = Keyring::new(profile_id);
        keyring.upsert(seal_entry(&key, profile_id, &officer, pin, &self.config)?);
        keyring_file.write(&keyring, &lock)?;
        drop(lock);
        store.record_sign_in(&officer.number, now)?;
        Session::open(self, store, officer, now)
    }

    /// Signs an officer in with their PIN, enforcing the wrong-PIN lockout.
    pub fn sign_in(&self, number: &str, pin: &str) -> Result<Session> {
        let number = OfficerNumber::parse(number)?;
        let (officer, store) = self.unlock(&number, pin)?;
        let now = self.clock.now();
        Session::open(self, store, officer, now)
    }

    pub(super) fn unlock(&self, number: &OfficerNumber, pin: &str) -> Result<(Officer, Store)> {
        let (key, role, profile_id) = self.open_sealed_key(number, pin)?;
        let now = self.clock.now();
        let mut store = Store::open(&self.store_path(), &key)?;
        if store.profile_id()? != profile_id {
            return Err(CoreError::KeyringTampered("the keyring belongs to another profile".into()));
        }
        // The store's roster has the last word: a removed officer whose keyring entry lingered
        // after a crash, or a keyring role that disagrees with the store, does not get in.
        let officer = store.officer(number)?.ok_or(CoreError::WrongPin)?;
        if officer.role != role {
            return Err(CoreError::KeyringTampered(format!("role of {number} differs")));
        }
        store.record_sign_in(number, now)?;
        Ok((officer, store))
    }

    /// Opens `number`'s sealed copy of the data key with `pin`, enforcing the wrong-PIN lockout
    /// (a wrong PIN counts, a right one clears the count). Returns the key, the keyring's role for
    /// the officer and the profile id the keyring belongs to.
    pub(super) fn open_sealed_key(&self, number: &OfficerNumber, pin: &str) -> Result<(DataKey, Role, Uuid)> {
        if !self.exists() {
            return Err(CoreError::ProfileMissing(self.dir.display().to_string()));
        }
        let keyring_file = self.keyring_file();
        let lock = keyring_file.lock()?;
        let mut keyring = keyring_file.read()?;
        let profile_id = keyring.profile_id;
        let now = self.clock.now();
        let entry = keyring.entry_mut(number).ok_or(CoreError::WrongPin)?;
        if let Some(until) = entry.locked_until
            && until > now.unix_timestamp()
        {
            return Err(CoreError::LockedOut { retry_after_secs: (until - now.unix_timestamp()) as u64 });
        }
        let binding = Keyring::binding(profile_id, number, entry.role);
        let key = match crypto::open(&entry.sealed_key, pin, &binding) {
            Ok(key) => key,
            Err(CoreError::WrongPin) => {
                entry.failed_attempts += 1;
                let delay = lockout_delay(&self.config, entry.failed_attempts);
                entry.locked_until = delay.map(|d| now.unix_timestamp() + d.as_secs() as i64);
                keyring_file.write(&keyring, &lock)?;
                return Err(match delay {
                    Some(d) => CoreError::LockedOut { retry_after_secs: d.as_secs() },
                    None => CoreError::WrongPin,
                });
            }
            Err(other) => return Err(other),
        };
        let role = entry.role;
        if entry.failed_attempts > 0 || entry.locked_until.is_some() {
            entry.failed_attempts = 0;
            entry.locked_until = None;
            keyring_file.write(&keyring, &lock)?;
        }
        drop(lock);
        Ok((key, role, profile_id))
    }
}
