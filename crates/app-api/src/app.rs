//! The state every command runs in: the profile, the signed-in officer's session, the officer's
//! language, and the handle of the background sync that runs while someone is signed in. Plain
//! data behind mutexes; the shell adds its window and threads around it.

use crate::error::{Answer, UiError};
use fieldkit_core::sync::{PowerReading, Progress, Triggers};
use fieldkit_core::{CoreError, Lang, Profile, Session};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::Thread;
use std::time::Duration;

pub struct App {
    pub profile: Profile,
    /// Training mode (`--demo`): the profile is the trainers' demo profile, and every screen,
    /// slip and report says so.
    pub demo: bool,
    /// The local demo server's (training) enrolment that scenarios enrol the demo laptop with.
    pub demo_enrolment: Option<fieldkit_protocol::Enrolment>,
    /// The training scenario started last, whose simulated battery the status bar shows.
    scenario: Mutex<Option<fieldkit_core::demo::Scenario>>,
    session: Mutex<Option<Session>>,
    /// Shared with the sync thread, which renders its errors in the language chosen now.
    pub lang: Arc<Mutex<Lang>>,
    sync: Mutex<Option<BackgroundSync>>,
    /// The last progress a sync reported, for a sync panel opened mid-run.
    pub progress: Arc<Mutex<Option<Progress>>>,
    /// The laptop's power as last read, for the sync thread's low-battery policy.
    pub power: Arc<Mutex<PowerReading>>,
    /// The device monitor's thread, woken early when the idle deadline moves (sign-in, unlock).
    monitor: Mutex<Option<Thread>>,
}

/// The sync thread of a signed-in officer: wake it with `triggers`, stop it by dropping `stop`.
pub struct BackgroundSync {
    pub triggers: Arc<Triggers>,
    pub stop: tokio::sync::oneshot::Sender<()>,
}

impl App {
    pub fn new(profile: Profile, demo: bool, demo_enrolment: Option<fieldkit_protocol::Enrolment>) -> App {
        App {
            profile,
            demo,
            demo_enrolment,
            scenario: Mutex::new(None),
            session: Mutex::new(None),
            lang: Arc::new(Mutex::new(Lang::En)),
            sync: Mutex::new(None),
            progress: Arc::new(Mutex::new(None)),
            power: Arc::new(Mutex::new(PowerReading::default())),
            monitor: Mutex::new(None),
        }
    }

    pub fn scenario(&self) -> Option<fieldkit_core::demo::Scenario> {
        *lock(&self.scenario)
    }

    pub fn set_scenario(&self, scenario: Option<fieldkit_core::demo::Scenario>) {
        *lock(&self.scenario) = scenario;
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

    /// Runs `work` on the signed-in session; `session_locked` when there is none.
    pub fn with_session<T>(&self, work: impl FnOnce(&mut Session) -> Result<T, CoreError>) -> Answer<T> {
        let mut guard = lock(&self.session);
        let session = guard.as_mut().ok_or_else(|| self.ui(CoreError::SessionLocked))?;
        work(session).map_err(|e| self.ui(e))
    }

    pub fn replace_session(&self, session: Option<Session>) {
        *lock(&self.session) = session;
        self.wake_monitor();
    }

    /// Locks the signed-in session if it has idled past its limit. True only when this call
    /// locked it (so the UI is told once).
    pub fn lock_if_idle(&self) -> bool {
        match lock(&self.session).as_mut() {
            Some(session) if !session.is_locked() => session.lock_if_idle(),
            _ => false,
        }
    }

    /// How long until the signed-in session would lock for idleness; `None` when there is no
    /// unlocked session.
    pub fn until_idle_lock(&self) -> Option<Duration> {
        let deadline = lock(&self.session).as_ref()?.idle_deadline()?;
        let left = deadline - time::OffsetDateTime::now_utc();
        Some(left.try_into().unwrap_or(Duration::ZERO))
    }

    /// Flushes the signed-in session's store (the battery is running low).
    pub fn flush(&self) {
        if let Some(session) = lock(&self.session).as_mut()
            && let Err(e) = session.flush()
        {
            eprintln!("huduma-fieldkit: flushing the store failed: {e}");
        }
    }

    pub fn set_monitor(&self, thread: Thread) {
        *lock(&self.monitor) = Some(thread);
    }

    /// Wakes the device monitor so it re-reads the idle deadline.
    pub fn wake_monitor(&self) {
        if let Some(thread) = lock(&self.monitor).as_ref() {
            thread.unpark();
        }
    }

    pub fn replace_sync(&self, sync: Option<BackgroundSync>) {
        // Dropping the old one's `stop` sender ends its thread.
        *lock(&self.sync) = sync;
    }

    pub fn sync_triggers(&self) -> Option<Arc<Triggers>> {
        lock(&self.sync).as_ref().map(|s| Arc::clone(&s.triggers))
    }

    /// Ends the session and its background sync (sign-out, a new scenario, a mode switch).
    pub fn sign_out(&self) {
        self.replace_sync(None);
        self.replace_session(None);
    }
}

/// A poisoned lock means a command panicked mid-way; the data behind it (a session handle) is
/// still consistent because every change is one store transaction, so carry on.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
