//! Background sync for the signed-in officer: its own thread and its own store connection (a
//! forked session), so capture never waits for a slow link. It runs the core's scheduler (timer,
//! link up, "sync now", backoff) and reports progress and outcomes to the UI as Tauri events.

use fieldkit_app_api::sync::{FINISHED_EVENT, PROGRESS_EVENT, ProgressView, SyncFinished};
use fieldkit_app_api::{App, BackgroundSync, lock};
use fieldkit_core::Session;
use fieldkit_core::sync::engine::Attempt;
use fieldkit_core::sync::{
    Backoff, BatchSizer, PowerReading, Progress, SyncReport, Triggers, run_scheduler, sync_unless_held,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Emitter};

/// How often to sync when nothing else prompts it.
const INTERVAL: Duration = Duration::from_secs(15 * 60);

struct AppAttempt {
    session: Session,
    sizer: BatchSizer,
    app: AppHandle,
    progress: Arc<Mutex<Option<Progress>>>,
    triggers: Arc<Triggers>,
    power: Arc<Mutex<PowerReading>>,
}

impl Attempt for AppAttempt {
    async fn attempt(&mut self) -> fieldkit_core::Result<SyncReport> {
        let client = self.session.sync_client()?;
        let (app, progress) = (self.app.clone(), Arc::clone(&self.progress));
        let mut report = |p: &Progress| {
            *lock(&progress) = Some(p.clone());
            let _ = app.emit(PROGRESS_EVENT, ProgressView::from(p));
        };
        let (power, asked) = (*lock(&self.power), self.triggers.take_asked());
        sync_unless_held(&mut self.session, &client, &mut self.sizer, &mut report, power, asked).await
    }
}

/// Starts the sync thread on `session` (a fork of the officer's). It shares with the rest of the
/// app the last progress, the laptop's power (kept fresh by the device monitor) and the officer's
/// language (read at each outcome so errors render as chosen now).
pub fn start(session: Session, app: AppHandle, state: &App) -> std::io::Result<BackgroundSync> {
    let (progress, power, lang) = (Arc::clone(&state.progress), Arc::clone(&state.power), Arc::clone(&state.lang));
    let triggers = Arc::new(Triggers::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread_triggers = Arc::clone(&triggers);
    std::thread::Builder::new().name("sync".into()).spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        let notify = app.clone();
        let mut attempt = AppAttempt {
            session,
            sizer: BatchSizer::default(),
            app,
            progress,
            triggers: Arc::clone(&thread_triggers),
            power,
        };
        runtime.block_on(run_scheduler(
            &mut attempt,
            &thread_triggers,
            Backoff::default(),
            INTERVAL,
            |outcome| {
                let _ = notify.emit(FINISHED_EVENT, SyncFinished::new(outcome, *lock(&lang)));
            },
            async {
                // Either a stop message or the sender dropped at sign-out.
                let _ = stopped.await;
            },
        ));
    })?;
    Ok(BackgroundSync { triggers, stop })
}
