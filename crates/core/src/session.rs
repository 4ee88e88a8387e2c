//! Profiles and signed-in sessions: the public face of the offline store.
//!
//! A `Profile` is a data directory (keyring + encrypted store + config). Signing in opens the
//! officer's sealed copy of the data key with their PIN, opens the store with it, and yields a
//! `Session` that checks the officer's role and the idle timer before every operation.

use crate::application::{Application, ApplicationState, NewApplication, ReviewOutcome, Transition};
use crate::catalogue::{Catalogue, CatalogueError, FormCheck, Service, form};
use crate::citizen::{Citizen, NewCitizen};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crypto::{self, DataKey};
use crate::error::{CoreError, Problem, Reason, Result};
use crate::keyring::{Keyring, KeyringEntry, KeyringFile};
use crate::officer::{Action, Officer, OfficerNumber, Role, validate_pin};
use crate::reference::{LaptopPrefix, Reference};
use crate::store::{ApplicationChange, AuditReport, CheckedRecord, Store};
use crate::validate;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

const STORE_FILE: &str = "fieldkit.db";

/// Largest form (answers as JSON) a laptop stores; far above any real form, far below trouble.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// The built-in catalogue, parsed and checked once per process.
fn built_in_catalogue() -> Result<Arc<Catalogue>> {
    static BUILT_IN: std::sync::OnceLock<std::result::Result<Arc<Catalogue>, CatalogueError>> =
        std::sync::OnceLock::new();
    BUILT_IN
        .get_or_init(|| match Catalogue::built_in() {
            Ok(catalogue) => Ok(Arc::new(catalogue)),
            Err(CoreError::CatalogueInvalid(e)) => Err(*e),
            Err(other) => Err(CatalogueError {
                file: crate::catalogue::BUILT_IN_FILE.into(),
                service: None,
                field: None,
                message: other.to_string(),
            }),
        })
        .clone()
        .map_err(|e| CoreError::CatalogueInvalid(Box::new(e)))
}

/// Raw input for a new officer.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOfficer {
    pub number: String,
    pub display_name: String,
    pub role: Role,
}

impl NewOfficer {
    fn validate(&self) -> Result<Officer> {
        Ok(Officer {
            number: OfficerNumber::parse(&self.number)?,
            display_name: validate::free_text("display_name", &self.display_name, 80)?,
            role: self.role,
        })
    }
}

#[derive(Clone)]
pub struct Profile {
    dir: PathBuf,
    config: Config,
    clock: Arc<dyn Clock>,
    /// The catalogue forms are checked against; the built-in one unless set.
    catalogue: Option<Arc<Catalogue>>,
    /// What a profile created through this handle will be; an existing one says in its store.
    deployment: fieldkit_protocol::Deployment,
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

    fn keyring_file(&self) -> KeyringFile {
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

    fn unlock(&self, number: &OfficerNumber, pin: &str) -> Result<(Officer, Store)> {
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
}

/// Delay imposed after `failed` consecutive wrong PINs: none for the free attempts, then the base
/// delay doubling with each further failure, up to the maximum.
pub fn lockout_delay(config: &Config, failed: u32) -> Option<std::time::Duration> {
    let beyond = failed.checked_sub(config.free_pin_attempts)?;
    let factor = 2u32.checked_pow(beyond).unwrap_or(u32::MAX);
    Some(config.lockout_base.saturating_mul(factor).min(config.lockout_max))
}

fn seal_entry(key: &DataKey, profile_id: Uuid, officer: &Officer, pin: &str, config: &Config) -> Result<KeyringEntry> {
    let binding = Keyring::binding(profile_id, &officer.number, officer.role);
    Ok(KeyringEntry {
        number: officer.number.clone(),
        role: officer.role,
        sealed_key: crypto::seal(key, pin, &binding, config.kdf)?,
        failed_attempts: 0,
        locked_until: None,
    })
}

/// Removes the files directly in `folder` last written before `cutoff`; a missing folder is empty.
fn remove_files_older_than(folder: &Path, cutoff: OffsetDateTime) -> Result<u64> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(CoreError::io(folder, e)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(|e| CoreError::io(folder, e))?;
        let metadata = entry.metadata().map_err(|e| CoreError::io(&entry.path(), e))?;
        let modified = metadata.modified().map_err(|e| CoreError::io(&entry.path(), e))?;
        if metadata.is_file() && OffsetDateTime::from(modified) < cutoff {
            std::fs::remove_file(entry.path()).map_err(|e| CoreError::io(&entry.path(), e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| CoreError::io(dir, e))?;
    restrict_permissions(dir)
}

fn restrict_permissions(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if path.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| CoreError::io(path, e))?;
    }
    let _ = path;
    Ok(())
}

/// A form checked in full, and what the store keeps beside its answers.
struct FormChecked {
    check: FormCheck,
    catalogue_version: u32,
    /// The ID number that identifies the applicant (the service's `duplicate_key` answer, else the
    /// citizen's), indexed for duplicate warnings.
    applicant_id_number: Option<String>,
}

impl FormChecked {
    /// The record to store, or the refusal listing every problem.
    fn into_record(self) -> Result<CheckedRecord> {
        let check = self.check.into_result()?;
        Ok(CheckedRecord {
            form: check.answers,
            catalogue_version: self.catalogue_version,
            applicant_id_number: self.applicant_id_number,
        })
    }
}

fn find_service<'c>(catalogue: &'c Catalogue, service_id: &str) -> Result<&'c Service> {
    validate::service_id(service_id)?;
    catalogue.service(service_id).ok_or_else(|| CoreError::invalid("service_id", Reason::ServiceUnknown))
}

fn check_catalogue_version(catalogue: &Catalogue, expected: Option<u32>) -> Result<()> {
    match expected {
        Some(version) if version != catalogue.version => {
            Err(CoreError::invalid("catalogue_version", Reason::CatalogueVersionMismatch))
        }
        _ => Ok(()),
    }
}

/// The form's own answers over the profile's: what the officer typed (even a cleared field) wins.
fn with_prefill(
    service: &Service,
    citizen: &crate::citizen::CitizenDetails,
    answers: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut merged = form::prefill(service, citizen);
    merged.extend(answers.iter().map(|(k, v)| (k.clone(), v.clone())));
    merged
}

fn check_size(answers: &serde_json::Map<String, serde_json::Value>) -> Result<()> {
    let bytes = serde_json::to_vec(answers).map_err(|_| CoreError::invalid("form", Reason::FormEncoding))?.len();
    if bytes > MAX_FORM_BYTES {
        return Err(CoreError::FormInvalid {
            service_id: String::new(),
            problems: vec![Problem::new("form", Reason::FormTooLarge).with_param("max", MAX_FORM_BYTES)],
        });
    }
    Ok(())
}

/// `current`, or the newest catalogue the store received if that is newer. A received catalogue
/// was checked when it arrived; should this build refuse it, `current` serves rather than locking
/// the officer out.
fn newest_catalogue(current: Arc<Catalogue>, store: &Store) -> Result<Arc<Catalogue>> {
    if let Some((version, text)) = store.received_catalogue()?
        && version > current.version
        && let Ok(received) = Catalogue::parse(&format!("catalogue {version} received from the server"), &text)
    {
        return Ok(Arc::new(received));
    }
    Ok(current)
}

/// A signed-in officer's handle on the store.
pub struct Session {
    profile: Profile,
    /// `None` while locked: the connection (and with it the key) is dropped.
    store: Option<Store>,
    officer: Officer,
    last_activity: OffsetDateTime,
    /// The catalogue in force: the newest of the profile's and those received through sync.
    catalogue: Arc<Catalogue>,
    /// A background handle ([`Session::fork`]) does not lock for idleness: nobody types into it,
    /// and sync should go on while the screen is locked. It ends when the officer signs out.
    background: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("officer", &self.officer.number).field("locked", &self.is_locked()).finish()
    }
}

impl Session {
    fn open(profile: &Profile, store: Store, officer: Officer, now: OffsetDateTime) -> Result<Session> {
        let catalogue = newest_catalogue(profile.catalogue()?, &store)?;
        Ok(Session {
            profile: profile.clone(),
            store: Some(store),
            officer,
            last_activity: now,
            catalogue,
            background: false,
        })
    }

    /// A second handle on the same store for the same officer, for background work (sync) that
    /// must not hold up the officer's own session: its own connection, the same key. The caller
    /// drops it when the officer signs out.
    pub fn fork(&mut self) -> Result<Session> {
        let path = self.profile.store_path();
        let (store, now) = self.store_for(Action::RecordSyncOutcome)?;
        let second = Store::open(&path, store.data_key())?;
        Ok(Session {
            profile: self.profile.clone(),
            store: Some(second),
            officer: self.officer.clone(),
            last_activity: now,
            catalogue: Arc::clone(&self.catalogue),
            background: true,
        })
    }

    /// Picks up a catalogue another handle (a background sync) received since this session began.
    /// Returns the version in force.
    pub fn refresh_catalogue(&mut self) -> Result<u32> {
        let current = Arc::clone(&self.catalogue);
        let (store, _) = self.store_for(Action::RecordSyncOutcome)?;
        self.catalogue = newest_catalogue(current, store)?;
        Ok(self.catalogue.version)
    }

    pub fn officer(&self) -> &Officer {
        &self.officer
    }

    pub fn is_locked(&self) -> bool {
        self.store.is_none()
    }

    /// Locks now: drops the store connection and the key with it.
    pub fn lock(&mut self) {
        self.store = None;
    }

    /// When the session locks itself for idleness if nothing happens first; `None` while locked.
    pub fn idle_deadline(&self) -> Option<OffsetDateTime> {
        if self.background {
            return None;
        }
        self.store.as_ref().map(|_| self.last_activity + self.profile.config.idle_lock)
    }

    /// Locks the session if it has been idle for the configured time. Returns whether it is now
    /// locked. For a timer that locks the screen without waiting for the officer's next action.
    pub fn lock_if_idle(&mut self) -> bool {
        if self.idle_deadline().is_some_and(|deadline| self.profile.clock.now() >= deadline) {
            self.lock();
        }
        self.is_locked()
    }

    /// Makes sure everything saved is in the main store file (see `Store::checkpoint`); for the
    /// moment the battery runs low. A locked session has nothing open to flush.
    pub fn flush(&mut self) -> Result<()> {
        match self.store.as_ref() {
            Some(store) => store.checkpoint(),
            None => Ok(()),
        }
    }

    /// The battery level at which the laptop warns and holds back large automatic syncs.
    pub fn low_battery_percent(&self) -> u8 {
        self.profile.config.low_battery_percent
    }

    /// Unlocks a locked session for the same officer.
    pub fn unlock(&mut self, pin: &str) -> Result<()> {
        let (officer, store) = self.profile.unlock(&self.officer.number, pin)?;
        self.officer = officer;
        self.store = Some(store);
        self.last_activity = self.profile.clock.now();
        Ok(())
    }

    /// Gate for every operation: idle lock first, then the role check, then the store.
    pub(crate) fn store_for(&mut self, action: Action) -> Result<(&mut Store, OffsetDateTime)> {
        let now = self.profile.clock.now();
        let idle = now - self.last_activity;
        if idle >= self.profile.config.idle_lock && !self.background {
            self.store = None;
        }
        let store = self.store.as_mut().ok_or(CoreError::SessionLocked)?;
        if !self.officer.role.may(action) {
            return Err(CoreError::NotPermitted(action.describe()));
        }
        self.last_activity = now;
        Ok((store, now))
    }

    // --- roster ----------------------------------------------------------------------------------

    pub fn officers(&mut self) -> Result<Vec<Officer>> {
        let (store, _) = self.store_for(Action::ManageOfficers)?;
        store.officers()
    }

    /// Adds an officer: a new sealed copy of the existing data key, no re-encryption.
    pub fn add_officer(&mut self, new: &NewOfficer, pin: &str) -> Result<Officer> {
        let officer = new.validate()?;
        validate_pin(pin, self.profile.config.min_pin_length)?;
        if !self.officer.role.may_manage(officer.role) {
            return Err(CoreError::NotPermitted("add an officer with that role"));
        }
        let by = self.officer.number.clone();
        let config = self.profile.config.clone();
        let keyring_file = self.profile.keyring_file();
        let (store, now) = self.store_for(Action::ManageOfficers)?;
        if store.officer(&officer.number)?.is_some() {
            return Err(CoreError::OfficerExists(officer.number.to_string()));
        }
        // The open store holds the data key for exactly as long as the session is unlocked.
        let key = store.data_key().clone();
        let lock = keyring_file.lock()?;
        let mut keyring = keyring_file.read()?;
        // Keyring first, store second: a crash in between leaves an orphan entry that cannot sign
        // in (the store's roster lacks the officer) and that a retry overwrites.
        keyring.upsert(seal_entry(&key, keyring.profile_id, &officer, pin, &config)?);
        keyring_file.write(&keyring, &lock)?;
        drop(lock);
        store.add_officer(&officer, &by, now)?;
        Ok(officer)
    }

    /// Removes an officer: their sealed key is deleted; the data key and the store are unchanged.
    pub fn remove_officer(&mut self, number: &str) -> Result<Officer> {
        let number = OfficerNumber::parse(number)?;
        if number == self.officer.number {
            return Err(CoreError::CannotRemoveSelf);
        }
        let by = self.officer.number.clone();
        let my_role = self.officer.role;
        let (store, _) = self.store_for(Action::ManageOfficers)?;
        let target = store.officer(&number)?.ok_or_else(|| CoreError::UnknownOfficer(number.to_string()))?;
        if !my_role.may_manage(target.role) {
            return Err(CoreError::NotPermitted("remove an officer with that role"));
        }
        self.drop_officer(&number, &by)
    }

    /// Removes `number` from the store's roster and their sealed key from the keyring. The caller
    /// has decided it may.
    fn drop_officer(&mut self, number: &OfficerNumber, by: &OfficerNumber) -> Result<Officer> {
        let keyring_file = self.profile.keyring_file();
        let (store, now) = self.store_for(Action::RecordSyncOutcome)?;
        // Store first, keyring second: a lingering keyring entry of a removed officer is refused at
        // sign-in by the store's roster.
        let removed = store.remove_officer(number, by, now)?;
        let lock = keyring_file.lock()?;
        let mut keyring = keyring_file.read()?;
        keyring.remove(number);
        keyring_file.write(&keyring, &lock)?;
        Ok(removed)
    }

    // --- citizens --------------------------------------------------------------------------------

    pub fn register_citizen(&mut self, new: &NewCitizen) -> Result<Citizen> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::CaptureApplications)?;
        let details = new.validate(now)?;
        store.register_citizen(details, &by, now)
    }

    pub fn citizen(&mut self, id: Uuid) -> Result<Citizen> {
        let (store, _) = self.store_for(Action::ViewCitizens)?;
        store.citizen(id)
    }

    pub fn find_citizens(&mut self, query: &str) -> Result<Vec<Citizen>> {
        let (store, _) = self.store_for(Action::ViewCitizens)?;
        store.find_citizens(query)
    }

    // --- applications ----------------------------------------------------------------------------

    /// The catalogue this session checks forms against.
    pub fn catalogue(&self) -> Result<Arc<Catalogue>> {
        Ok(Arc::clone(&self.catalogue))
    }

    /// What the citizen's profile fills in on `service_id`'s form: typed once, used everywhere.
    pub fn prefill(
        &mut self,
        citizen_id: Uuid,
        service_id: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        let catalogue = self.catalogue()?;
        let service = find_service(&catalogue, service_id)?;
        let (store, _) = self.store_for(Action::CaptureApplications)?;
        let citizen = store.citizen(citizen_id)?;
        Ok(form::prefill(service, &citizen.details))
    }

    /// Checks a form without saving it: every error, and warnings such as an earlier application
    /// for the same service by the same ID number. The app calls this before "Save".
    pub fn check_application(&mut self, new: &NewApplication) -> Result<FormCheck> {
        Ok(self.check_form(new.citizen_id, &new.service_id, new.catalogue_version, &new.form, None)?.check)
    }

    /// Saves a new application as a draft: incomplete answers are kept as typed, to finish later.
    pub fn save_draft(&mut self, new: &NewApplication) -> Result<Application> {
        let catalogue = self.catalogue()?;
        let service = find_service(&catalogue, &new.service_id)?;
        check_catalogue_version(&catalogue, new.catalogue_version)?;
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::CaptureApplications)?;
        let citizen = store.citizen(new.citizen_id)?;
        let answers = with_prefill(service, &citizen.details, &new.form);
        check_size(&answers)?;
        let record = CheckedRecord {
            form: answers,
            catalogue_version: catalogue.version,
            applicant_id_number: citizen.details.id_number,
        };
        store.create_application(new, record, false, &by, now)
    }

    /// Saves a new application straight into the outbox (the officer's "Save and submit"), once
    /// its form passes every check.
    pub fn save_and_submit(&mut self, new: &NewApplication) -> Result<Application> {
        let checked = self.check_form(new.citizen_id, &new.service_id, new.catalogue_version, &new.form, None)?;
        let record = checked.into_record()?;
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::CaptureApplications)?;
        store.create_application(new, record, true, &by, now)
    }

    /// Checks a form for `citizen_id` against the catalogue in force, with the profile's answers
    /// filled in where the form has none.
    fn check_form(
        &mut self,
        citizen_id: Uuid,
        service_id: &str,
        expected_version: Option<u32>,
        answers: &serde_json::Map<String, serde_json::Value>,
        except: Option<Uuid>,
    ) -> Result<FormChecked> {
        let catalogue = self.catalogue()?;
        let service = find_service(&catalogue, service_id)?;
        check_catalogue_version(&catalogue, expected_version)?;
        let (store, now) = self.store_for(Action::CaptureApplications)?;
        let citizen = store.citizen(citizen_id)?;
        let merged = with_prefill(service, &citizen.details, answers);
        check_size(&merged)?;
        let mut check = form::check(service, &merged, validate::today(now));
        let id_number = service
            .duplicate_key
            .as_ref()
            .and_then(|key| check.answers.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .or_else(|| citizen.details.id_number.clone());
        if let Some(id_number) = &id_number {
            let key_field = service.duplicate_key.as_deref();
            let label = key_field.and_then(|k| service.field(k)).map(|f| Box::new(f.label.clone()));
            for earlier in store.applications_by_id_number(&service.id, id_number, except)? {
                let mut warning = Problem::new(key_field.unwrap_or("id_number"), Reason::DuplicateApplication)
                    .with_param("reference", earlier.reference.as_str())
                    .with_param("state", earlier.state.as_str())
                    .with_param("date", validate::today(earlier.created_at));
                warning.label = label.clone();
                check.warnings.push(warning);
            }
        }
        Ok(FormChecked { check, catalogue_version: catalogue.version, applicant_id_number: id_number })
    }

    /// Checks new answers for an existing draft or queried application, as `check_application`
    /// does for a new one (the application is not reported as a duplicate of itself).
    pub fn check_edit(&mut self, id: Uuid, form: &serde_json::Map<String, serde_json::Value>) -> Result<FormCheck> {
        let application = {
            let (store, _) = self.store_for(Action::CaptureApplications)?;
            store.application(id)?
        };
        Ok(self.check_form(application.citizen_id, &application.service_id, None, form, Some(id))?.check)
    }

    /// Changes the answers of a draft or of a queried application.
    pub fn edit_application(
        &mut self,
        id: Uuid,
        form: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Application> {
        check_size(&form)?;
        self.transition(id, Transition::Edit, ApplicationChange::Form(form), Action::CaptureApplications)
    }

    /// Queues a draft, or resubmits a corrected queried application, once its form passes every
    /// check against the catalogue in force (whose version it then records).
    pub fn submit_application(&mut self, id: Uuid) -> Result<Application> {
        let application = {
            let (store, _) = self.store_for(Action::CaptureApplications)?;
            store.application(id)?
        };
        // Checked here, not only in the store's transition, so the officer is told before the
        // form is checked that, say, a synced application cannot be submitted again.
        application.state.after(Transition::Submit)?;
        let checked =
            self.check_form(application.citizen_id, &application.service_id, None, &application.form, Some(id))?;
        let change =
            ApplicationChange::Checked { record: checked.into_record()?, expected_revision: application.revision };
        self.transition(id, Transition::Submit, change, Action::CaptureApplications)
    }

    // --- planning ----------------------------------------------------------------------------------

    /// What saving `plan` would meet, without saving it: every problem with it, the people,
    /// laptops and equipment it double-books with other outreaches this laptop knows, and its
    /// budget. The planning screen shows this as the manager types.
    pub fn check_outreach_plan(&mut self, plan: &fieldkit_protocol::OutreachPlan) -> Result<PlanCheck> {
        let catalogue = Arc::clone(&self.catalogue);
        let (store, now) = self.store_for(Action::PlanOutreaches)?;
        let today = crate::clock::kenyan_date(now);
        let others = store.outreaches()?;
        Ok(PlanCheck {
            problems: crate::planning::check_plan(plan, &catalogue, today),
            clashes: crate::planning::clashes(plan, &others),
            budget: plan.budget.as_ref().map(crate::planning::summarise),
        })
    }

    /// Saves a plan the centre manager made or changed (a new plan gets an id; each save is a new
    /// revision), to be uploaded at the next sync and published by the server to the laptops it
    /// names. A plan with problems is refused (`form_invalid`, every problem listed); one that
    /// double-books someone or something is not saved unless `allow_clashes`, and the clashes
    /// come back so they can be shown.
    pub fn save_outreach_plan(
        &mut self,
        mut plan: fieldkit_protocol::OutreachPlan,
        allow_clashes: bool,
    ) -> Result<PlanSaved> {
        let check = self.check_outreach_plan(&plan)?;
        if !check.problems.is_empty() {
            return Err(CoreError::FormInvalid { service_id: "outreach_plan".into(), problems: check.problems });
        }
        if !check.clashes.is_empty() && !allow_clashes {
            return Ok(PlanSaved { saved: false, plan, clashes: check.clashes });
        }
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::PlanOutreaches)?;
        if plan.id.is_nil() {
            plan.id = uuid::Uuid::now_v7();
        }
        let kept = store.outreaches()?.into_iter().find(|p| p.id == plan.id).map_or(0, |p| p.revision);
        plan.revision = kept.max(plan.revision.saturating_sub(1)) + 1;
        store.save_plan(&plan, &by, now)?;
        Ok(PlanSaved { saved: true, plan, clashes: check.clashes })
    }

    /// A kept plan by id (made here or received from the server).
    pub fn outreach_plan(&mut self, id: uuid::Uuid) -> Result<fieldkit_protocol::OutreachPlan> {
        let (store, _) = self.store_for(Action::ViewOutreaches)?;
        store
            .outreaches()?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| CoreError::invalid("outreach", crate::error::Reason::OutreachUnknown))
    }

    /// The plan as a PDF to share with stakeholders (`training` watermarks it in demo mode).
    /// Audited as `plan.exported` with the PDF's SHA-256.
    pub fn outreach_plan_pdf(&mut self, id: uuid::Uuid, training: bool) -> Result<Vec<u8>> {
        let training = training || self.deployment()? == fieldkit_protocol::Deployment::Training;
        let plan = self.outreach_plan(id)?;
        let catalogue = Arc::clone(&self.catalogue);
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::PlanOutreaches)?;
        let pdf = crate::documents::plan_pdf(&plan, &catalogue, now, training)?;
        store.record_document("plan.exported", "outreach", &id.to_string(), &pdf, &by, now)?;
        Ok(pdf)
    }

    /// The plan's dates as an iCalendar file (`.ics`) for phones and calendars.
    pub fn outreach_plan_ics(&mut self, id: uuid::Uuid) -> Result<String> {
        let plan = self.outreach_plan(id)?;
        let catalogue = Arc::clone(&self.catalogue);
        let (_, now) = self.store_for(Action::ViewOutreaches)?;
        crate::planning::calendar(std::slice::from_ref(&plan), Some(&catalogue), now)
    }

    /// Plans made here that the server has not answered for yet (sync uploads them).
    pub fn plans_waiting_upload(&mut self) -> Result<Vec<fieldkit_protocol::OutreachPlan>> {
        let (store, _) = self.store_for(Action::RecordSyncOutcome)?;
        store.plans_waiting_upload()
    }

    /// Applies the server's answers to an upload: a published or already-known revision stops
    /// waiting; a refused one stops too (sending it again would be refused again) and its reason
    /// is returned for the sync panel.
    pub fn apply_plan_results(&mut self, results: &[fieldkit_protocol::PlanResult]) -> Result<PlanUploadTally> {
        use fieldkit_protocol::PlanOutcome;
        let (store, _) = self.store_for(Action::RecordSyncOutcome)?;
        let mut tally = PlanUploadTally::default();
        for result in results {
            store.plan_uploaded(result.id, result.revision)?;
            match &result.outcome {
                PlanOutcome::Published { .. } | PlanOutcome::AlreadyKnown { .. } => tally.published += 1,
                PlanOutcome::Refused { reason } => tally.refused.push((result.id, reason.clone())),
            }
        }
        Ok(tally)
    }

    // --- sync ------------------------------------------------------------------------------------

    /// Seals the whole outbox into an export bundle for a USB stick (centre manager only), for a
    /// laptop that has had no link for days. The applications stay in the outbox: the next sync
    /// is acknowledged for them as already stored, so they are delivered once either way.
    pub fn export_bundle(&mut self) -> Result<crate::sync::export::ExportedBundle> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::ExportOutbox)?;
        let enrolment = store.enrolment()?.ok_or(CoreError::NotEnrolled)?;
        let outbox = store.outbox_page(usize::MAX)?;
        if outbox.is_empty() {
            return Err(CoreError::NothingToExport);
        }
        let records = crate::sync::records(store, &outbox)?;
        let bundle = crate::sync::export::seal(&enrolment, records, now)?;
        store.record_export(&bundle, &by, now)?;
        Ok(bundle)
    }

    /// Up to `limit` outbox applications as wire records, oldest first.
    pub fn outbox_records(&mut self, limit: usize) -> Result<Vec<fieldkit_protocol::ApplicationRecord>> {
        Ok(self.outbox_records_after(None, limit)?.0)
    }

    /// Up to `limit` outbox applications after `after` (all of them from the oldest when `None`),
    /// as wire records, and the position of the last one for the next call.
    pub fn outbox_records_after(
        &mut self,
        after: Option<&crate::store::OutboxPosition>,
        limit: usize,
    ) -> Result<(Vec<fieldkit_protocol::ApplicationRecord>, Option<crate::store::OutboxPosition>)> {
        let (store, _) = self.store_for(Action::RecordSyncOutcome)?;
        let (outbox, positions): (Vec<_>, Vec<_>) = store.outbox_page_after(after, limit)?.into_iter().unzip();
        Ok((crate::sync::records(store, &outbox)?, positions.into_iter().last()))
    }

    /// Applies a push's per-record answers: acknowledged records still in the outbox at the same
    /// revision become `synced`; everything else is left as it is and counted.
    pub fn apply_push_results(
        &mut self,
        results: &[fieldkit_protocol::RecordResult],
    ) -> Result<crate::sync::PushTally> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::RecordSyncOutcome)?;
        store.apply_push_results(results, by.as_str(), now)
    }

    /// Applies pulled events, each idempotently: an MDA decision moves the revision it was made
    /// on, once; a catalogue is checked whole and put in force if newer; a roster's inactive
    /// officers can no longer sign in here; an outreach plan is kept at its newest revision.
    pub fn apply_events(&mut self, events: &[fieldkit_protocol::Event]) -> Result<crate::sync::PullTally> {
        use fieldkit_protocol::Event;
        let mut tally = crate::sync::PullTally::default();
        let by = self.officer.number.clone();
        for event in events {
            match event {
                Event::Review { application_id, .. } => {
                    let application = {
                        let (store, _) = self.store_for(Action::RecordSyncOutcome)?;
                        store.application(*application_id).ok()
                    };
                    match application.as_ref().and_then(|a| crate::sync::applicable_decision(event, a)) {
                        Some(decision) => {
                            self.apply_review(*application_id, crate::sync::review_outcome(decision))?;
                            tally.decisions_applied += 1;
                        }
                        None => tally.decisions_skipped += 1,
                    }
                }
                Event::Catalogue { version, text } => {
                    let name = format!("catalogue {version} received from the server");
                    match Catalogue::parse(&name, text) {
                        Ok(catalogue) if catalogue.version == *version => {
                            let (store, now) = self.store_for(Action::RecordSyncOutcome)?;
                            store.keep_catalogue(*version, text, &by, now)?;
                            if catalogue.version > self.catalogue.version {
                                self.catalogue = Arc::new(catalogue);
                                tally.catalogues_installed += 1;
                            }
                        }
                        // Checked by the server with this same code: a refusal here means this
                        // build is older than the catalogue's format. Keep working on the old one.
                        _ => tally.catalogues_refused += 1,
                    }
                }
                Event::Roster { officers } => {
                    let (store, now) = self.store_for(Action::RecordSyncOutcome)?;
                    store.keep_roster(officers, &by, now)?;
                    let mut deactivate = Vec::new();
                    for officer in officers.iter().filter(|o| !o.active) {
                        if let Ok(number) = OfficerNumber::parse(&officer.number)
                            && store.officer(&number)?.is_some()
                        {
                            deactivate.push(number);
                        }
                    }
                    for number in deactivate {
                        self.drop_officer(&number, &by)?;
                        tally.officers_deactivated += 1;
                    }
                    tally.rosters += 1;
                }
                Event::Outreach { plan } => {
                    let (store, now) = self.store_for(Action::RecordSyncOutcome)?;
                    if store.keep_outreach(plan, &by, now)? {
                        tally.outreaches_updated += 1;
                    }
                }
            }
        }
        Ok(tally)
    }

    /// The officers the server assigned to this laptop, and whether each is set up here.
    pub fn roster(&mut self) -> Result<Vec<crate::store::RosterEntry>> {
        let (store, _) = self.store_for(Action::ManageOfficers)?;
        store.roster()
    }

    /// Outreach plans this laptop is assigned to, soonest first.
    pub fn outreaches(&mut self) -> Result<Vec<fieldkit_protocol::OutreachPlan>> {
        let (store, _) = self.store_for(Action::ViewOutreaches)?;
        store.outreaches()
    }

    /// The outreach running today (confirmed or running, today within its dates) and the
    /// services it offers, in its order; with no such outreach, every service in the catalogue.
    /// Services a plan names that the catalogue in force lacks are left out.
    pub fn services_today(
        &mut self,
    ) -> Result<(Option<fieldkit_protocol::OutreachPlan>, Vec<crate::catalogue::Service>)> {
        use fieldkit_protocol::OutreachStatus;
        let today = crate::clock::kenyan_date(self.profile.clock.now()).to_string();
        let plan = self.outreaches()?.into_iter().find(|plan| {
            matches!(plan.status, OutreachStatus::Confirmed | OutreachStatus::Running)
                && plan.starts_on.as_str() <= today.as_str()
                && today.as_str() <= plan.ends_on.as_str()
        });
        let catalogue = Arc::clone(&self.catalogue);
        let services = match &plan {
            Some(plan) => plan.services.iter().filter_map(|id| catalogue.service(id).cloned()).collect(),
            None => catalogue.services.clone(),
        };
        Ok((plan, services))
    }

    /// Records that the server refused this laptop as revoked: sync stops until it is enrolled
    /// again.
    pub fn record_revocation(&mut self) -> Result<()> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::RecordSyncOutcome)?;
        store.record_revocation(&by, now)
    }

    /// What the laptop remembers about syncing (pull cursor, last success, last error).
    pub fn sync_state(&mut self) -> Result<crate::store::SyncState> {
        let (store, _) = self.store_for(Action::RecordSyncOutcome)?;
        store.sync_state()
    }

    /// Records the end of a sync attempt: `Ok(cursor)` after a pull was applied, or the error to
    /// show. Survives restarts.
    pub fn record_sync_attempt(
        &mut self,
        outcome: std::result::Result<u64, &crate::store::SyncFailure>,
    ) -> Result<crate::store::SyncState> {
        let (store, now) = self.store_for(Action::RecordSyncOutcome)?;
        store.record_sync_attempt(now, outcome)
    }

    /// Installs the laptop's enrolment for sync (ICT officer only). The file is checked whole
    /// before anything is stored: its device id must be this laptop's reference prefix, its
    /// server https, its certificates and key usable together.
    pub fn enrol(&mut self, enrolment: &fieldkit_protocol::Enrolment) -> Result<()> {
        crate::sync::client::tls_config(enrolment)?;
        let theirs = crate::sync::client::enrolment_deployment(enrolment)?;
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::EnrolDevice)?;
        let ours = store.deployment()?;
        if theirs != ours {
            return Err(CoreError::WrongDeployment { profile: ours, other: theirs, what: "enrolment" });
        }
        let prefix = store.laptop_prefix()?;
        if enrolment.device_id != prefix.as_str() {
            return Err(CoreError::EnrolmentInvalid(format!(
                "it is for device {}, but this laptop is {}",
                enrolment.device_id,
                prefix.as_str()
            )));
        }
        store.set_enrolment(enrolment, &by, now)
    }

    /// Purges what this laptop no longer needs (`Config::retention_days`, 30 by default): applications
    /// decided that long ago, citizens with nothing left here, feedback the server has, and saved
    /// slips and reports (plain PDFs) in the profile's `slips/` and `reports/` folders. Run after
    /// every successful sync; any signed-in officer's session may run it (it only removes).
    pub fn purge_expired(&mut self) -> Result<crate::store::Purged> {
        let days = i64::from(self.profile.config.retention_days);
        let dir = self.profile.dir.clone();
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::RecordSyncOutcome)?;
        let cutoff = now - time::Duration::days(days);
        let mut purged = store.purge_before(cutoff, &by, now)?;
        for folder in ["slips", "reports"] {
            purged.files += remove_files_older_than(&dir.join(folder), cutoff)?;
        }
        Ok(purged)
    }

    /// Whether this is a trainer's demo profile (`Training`) or a real one; any signed-in officer
    /// may ask, since every screen shows it.
    pub fn deployment(&mut self) -> Result<fieldkit_protocol::Deployment> {
        let (store, _) = self.store_for(Action::RecordSyncOutcome)?;
        store.deployment()
    }

    /// A client for the server this laptop is enrolled with.
    pub fn sync_client(&mut self) -> Result<crate::sync::SyncClient> {
        let (store, _) = self.store_for(Action::RecordSyncOutcome)?;
        let enrolment = store.enrolment()?.ok_or(CoreError::NotEnrolled)?;
        if store.revoked_at()?.is_some() {
            return Err(CoreError::DeviceRevoked);
        }
        let (ours, theirs) = (store.deployment()?, crate::sync::client::enrolment_deployment(&enrolment)?);
        if theirs != ours {
            return Err(CoreError::WrongDeployment { profile: ours, other: theirs, what: "enrolment" });
        }
        crate::sync::SyncClient::new(&enrolment)
    }

    /// Called by the sync client once the server has durably acknowledged the application.
    pub fn mark_synced(&mut self, id: Uuid) -> Result<Application> {
        self.transition(id, Transition::MarkSynced, ApplicationChange::None, Action::RecordSyncOutcome)
    }

    /// Called by the sync client when an MDA's decision arrives.
    pub fn apply_review(&mut self, id: Uuid, outcome: ReviewOutcome) -> Result<Application> {
        let transition = match &outcome {
            ReviewOutcome::Accepted => Transition::Accept,
            ReviewOutcome::Rejected { reason } => {
                validate::free_text("reason", reason, 500)?;
                Transition::Reject
            }
            ReviewOutcome::Queried { question } => {
                validate::free_text("question", question, 500)?;
                Transition::Query
            }
        };
        self.transition(id, transition, ApplicationChange::Review(outcome), Action::RecordSyncOutcome)
    }

    fn transition(
        &mut self,
        id: Uuid,
        transition: Transition,
        change: ApplicationChange,
        action: Action,
    ) -> Result<Application> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(action)?;
        store.transition_application(id, transition, change, by.as_str(), now)
    }

    /// One application by id (UUID) or human reference.
    pub fn application(&mut self, id_or_reference: &str) -> Result<Application> {
        let (store, _) = self.store_for(Action::ViewCitizens)?;
        match Uuid::parse_str(id_or_reference.trim()) {
            Ok(id) => store.application(id),
            Err(_) => store.application_by_reference(&Reference::parse(id_or_reference)?),
        }
    }

    pub fn applications(&mut self, state: Option<ApplicationState>) -> Result<Vec<Application>> {
        let (store, _) = self.store_for(Action::ViewCitizens)?;
        store.applications(state)
    }

    /// The outbox: applications waiting for the next sync.
    pub fn queue(&mut self) -> Result<Vec<Application>> {
        self.applications(Some(ApplicationState::Submitted))
    }

    /// Applications captured today (Kenyan time) on this laptop, drafts included.
    pub fn captured_today(&mut self) -> Result<u64> {
        let (store, now) = self.store_for(Action::CaptureApplications)?;
        let (from, to) = crate::clock::kenyan_day_bounds(crate::clock::kenyan_date(now));
        store.count_created_between(from, to)
    }

    /// Applications waiting in the outbox (submitted, not yet acknowledged by the server).
    pub fn outbox_len(&mut self) -> Result<u64> {
        Ok(self
            .counts_by_state()?
            .into_iter()
            .find(|(state, _)| *state == ApplicationState::Submitted)
            .map_or(0, |(_, n)| n))
    }

    pub fn counts_by_state(&mut self) -> Result<Vec<(ApplicationState, u64)>> {
        let (store, _) = self.store_for(Action::CaptureApplications)?;
        store.count_by_state()
    }

    // --- feedback ----------------------------------------------------------------------------------

    /// Records a citizen's feedback (a rating, a comment, a complaint) once it passes
    /// `feedback::check_feedback` against the catalogue in force, on today's Kenyan date, with the
    /// outreach this laptop is at today attached (`sync::outreach_at`). Never linked to a citizen
    /// or an application. A refusal names every problem and records nothing.
    pub fn record_feedback(&mut self, new: &crate::feedback::NewFeedback) -> Result<fieldkit_protocol::FeedbackRecord> {
        let catalogue = Arc::clone(&self.catalogue);
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::RecordFeedback)?;
        let plans = store.outreaches()?;
        let outreach = crate::sync::outreach_at(&plans, now).map(|plan| plan.id);
        let record = crate::feedback::check_feedback(new, &catalogue, crate::clock::kenyan_date(now), outreach)?;
        store.insert_feedback(&record, &by, now)?;
        Ok(record)
    }

    /// Up to `limit` feedback records waiting for the server, oldest first.
    pub fn feedback_waiting(&mut self, limit: usize) -> Result<Vec<fieldkit_protocol::FeedbackRecord>> {
        let (store, _) = self.store_for(Action::RecordSyncOutcome)?;
        store.feedback_waiting(limit)
    }

    /// Marks feedback the server acknowledged as synced; ids already synced or unknown change
    /// nothing. Returns how many were marked now.
    pub fn mark_feedback_synced(&mut self, ids: &[Uuid]) -> Result<u64> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::RecordSyncOutcome)?;
        store.mark_feedback_synced(ids, &by, now)
    }

    /// The feedback given on the Kenyan day `date` (today when `None`), counted.
    pub fn feedback_summary_for_day(&mut self, date: Option<time::Date>) -> Result<crate::feedback::FeedbackSummary> {
        let (store, now) = self.store_for(Action::ViewFeedback)?;
        let date = date.unwrap_or_else(|| crate::clock::kenyan_date(now));
        store.feedback_summary_on(&crate::documents::format_date(date))
    }

    /// The feedback given at the outreach `outreach_id` on this laptop, counted.
    pub fn feedback_summary_for_outreach(&mut self, outreach_id: Uuid) -> Result<crate::feedback::FeedbackSummary> {
        let (store, _) = self.store_for(Action::ViewFeedback)?;
        store.feedback_summary_for_outreach(outreach_id)
    }

    // --- end of feedback ---------------------------------------------------------------------------

    // --- audit -----------------------------------------------------------------------------------

    pub fn verify_audit(&mut self) -> Result<AuditReport> {
        let (store, _) = self.store_for(Action::VerifyAudit)?;
        store.verify_audit()
    }

    /// The underlying store, for tests and tools that must look beneath the session.
    #[doc(hidden)]
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }
}

/// What [`Session::check_outreach_plan`] found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlanCheck {
    pub problems: Vec<crate::error::Problem>,
    pub clashes: Vec<crate::planning::Clash>,
    pub budget: Option<crate::planning::BudgetSummary>,
}

/// What [`Session::save_outreach_plan`] did: `saved` is false when clashes stopped it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlanSaved {
    pub saved: bool,
    pub plan: fieldkit_protocol::OutreachPlan,
    pub clashes: Vec<crate::planning::Clash>,
}

/// What the server said about the plans one sync uploaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PlanUploadTally {
    pub published: u32,
    /// Refused plans and why.
    pub refused: Vec<(uuid::Uuid, String)>,
}
