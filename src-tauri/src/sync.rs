//! Background sync for the signed-in officer: its own thread and its own store connection (a
//! forked session), so capture never waits for a slow link. It runs the core's scheduler (timer,
//! link up, "sync now", backoff) and reports progress and outcomes to the UI as Tauri events.

use crate::state::{BackgroundSync, lock};
use fieldkit_core::Session;
use fieldkit_core::sync::engine::Attempt;
use fieldkit_core::sync::{Backoff, BatchSizer, Progress, SyncReport, Triggers, run_scheduler, sync_once};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Emitter};

/// Event names the UI listens to.
pub const PROGRESS_EVENT: &str = "sync-progress";
pub const FINISHED_EVENT: &str = "sync-finished";

/// How often to sync when nothing else prompts it.
const INTERVAL: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Serialize)]
pub struct SyncFinished {
    pub ok: bool,
    pub report: Option<SyncReport>,
    pub error: Option<crate::error::UiError>,
}

struct AppAttempt {
    session: Session,
    sizer: BatchSizer,
    app: AppHandle,
    progress: Arc<Mutex<Option<Progress>>>,
}

impl Attempt for AppAttempt {
    async fn attempt(&mut self) -> fieldkit_core::Result<SyncReport> {
        let client = self.session.sync_client()?;
        let (app, progress) = (self.app.clone(), Arc::clone(&self.progress));
        let mut report = |p: &Progress| {
            *lock(&progress) = Some(p.clone());
            let _ = app.emit(PROGRESS_EVENT, p);
        };
        sync_once(&mut self.session, &client, &mut self.sizer, &mut report).await
    }
}

/// Starts the sync thread on `session` (a fork of the officer's). `lang` renders errors.
pub fn start(
    session: Session,
    app: AppHandle,
    progress: Arc<Mutex<Option<Progress>>>,
    lang: fieldkit_core::Lang,
) -> std::io::Result<BackgroundSync> {
    let triggers = Arc::new(Triggers::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread_triggers = Arc::clone(&triggers);
    std::thread::Builder::new().name("sync".into()).spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        let notify = app.clone();
        let mut attempt = AppAttempt { session, sizer: BatchSizer::default(), app, progress };
        runtime.block_on(run_scheduler(
            &mut attempt,
            &thread_triggers,
            Backoff::default(),
            INTERVAL,
            |outcome| {
                let finished = match outcome {
                    Ok(report) => SyncFinished { ok: true, report: Some(report.clone()), error: None },
                    Err(e) => {
                        SyncFinished { ok: false, report: None, error: Some(crate::error::UiError::new(e, lang)) }
                    }
                };
                let _ = notify.emit(FINISHED_EVENT, finished);
            },
            async {
                // Either a stop message or the sender dropped at sign-out.
                let _ = stopped.await;
            },
        ));
    })?;
    Ok(BackgroundSync { triggers, stop })
}
