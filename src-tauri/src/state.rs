//! The app's one piece of shared state: the profile, the signed-in officer's session, the
//! officer's language, and the background sync that runs while someone is signed in.

use crate::error::UiError;
use fieldkit_core::sync::{Progress, Triggers};
use fieldkit_core::{CoreError, Lang, Profile, Session};
use std::sync::{Arc, Mutex, MutexGuard};

pub struct AppState {
    pub profile: Profile,
    /// Trainers' demo profiles say so on every screen.
    pub demo: bool,
    session: Mutex<Option<Session>>,
    lang: Mutex<Lang>,
    sync: Mutex<Option<BackgroundSync>>,
    /// The last progress a sync reported, for a sync panel opened mid-run.
    pub progress: Arc<Mutex<Option<Progress>>>,
}

/// The sync thread of a signed-in officer: wake it with `triggers`, stop it by dropping `stop`.
pub struct BackgroundSync {
    pub triggers: Arc<Triggers>,
    pub stop: tokio::sync::oneshot::Sender<()>,
}

impl AppState {
    pub fn new(profile: Profile, demo: bool) -> AppState {
        AppState {
            profile,
            demo,
            session: Mutex::new(None),
            lang: Mutex::new(Lang::En),
            sync: Mutex::new(None),
            progress: Arc::new(Mutex::new(None)),
        }
    }

    pub fn lang(&self) -> Lang {
        *lock(&self.lang)
    }

    pub fn set_lang(&self, lang: Lang) {
        *lock(&self.lang) = lang;
    }

    /// Turns a core error into what the UI shows, in the officer's language.
    pub fn ui(&self, error: CoreError) -> UiError {
        UiError::new(&error, self.lang())
    }

    /// Runs `work` on the signed-in session; `not_signed_in` when there is none.
    pub fn with_session<T>(&self, work: impl FnOnce(&mut Session) -> Result<T, CoreError>) -> Result<T, UiError> {
        let mut guard = lock(&self.session);
        let session = guard.as_mut().ok_or_else(|| self.ui(CoreError::SessionLocked))?;
        work(session).map_err(|e| self.ui(e))
    }

    pub fn replace_session(&self, session: Option<Session>) {
        *lock(&self.session) = session;
    }

    pub fn replace_sync(&self, sync: Option<BackgroundSync>) {
        // Dropping the old one's `stop` sender ends its thread.
        *lock(&self.sync) = sync;
    }

    pub fn sync_triggers(&self) -> Option<Arc<Triggers>> {
        lock(&self.sync).as_ref().map(|s| Arc::clone(&s.triggers))
    }
}

/// A poisoned lock means a command panicked mid-way; the data behind it (a session handle) is
/// still consistent because every change is one store transaction, so carry on.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
