//! Profiles and signed-in sessions: the public face of the offline store.
//!
//! A `Profile` is a data directory (keyring + encrypted store + config). Signing in opens the
//! officer's sealed copy of the data key with their PIN, opens the store with it, and yields a
//! `Session` that checks the officer's role and the idle timer before every operation.

mod applications;
mod citizens;
mod feedback;
mod officers;
mod planning;
mod profile;
mod sync;

pub use planning::{PlanCheck, PlanSaved, PlanUploadTally};
pub use profile::Profile;

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
use applications::newest_catalogue;
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
            Err(fieldkit_domain::DomainError::CatalogueInvalid(e)) => Err(*e),
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

    /// A second handle on the same store for the same officer, for background sync that must
    /// not hold up the officer's own session (so only for roles that may sync): its own connection, the same key. The caller
    /// drops it when the officer signs out.
    pub fn fork(&mut self) -> Result<Session> {
        let path = self.profile.store_path();
        let (store, now) = self.store_for(Action::Sync)?;
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
        let (store, _) = self.store_for(Action::ReadDeployment)?;
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

    // --- audit -----------------------------------------------------------------------------------

    pub fn verify_audit(&mut self) -> Result<AuditReport> {
        let (store, _) = self.store_for(Action::VerifyAudit)?;
        store.verify_audit()
    }

    /// The underlying store, for tests and benchmarks that must look beneath the session (the
    /// `testing` feature); nothing else reaches the store but through the session's role checks.
    #[cfg(any(test, feature = "testing"))]
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }
}
