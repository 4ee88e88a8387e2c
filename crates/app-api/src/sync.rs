//! Sync as the officer sees it: "sync now", the sync panel, and the events the background sync
//! sends (the thread itself is the shell's: it emits window events).

use crate::app::{App, lock};
use crate::error::{Answer, UiError};
use fieldkit_core::CoreError;
use fieldkit_core::sync::{Progress, PullTally, PushTally, SyncReport};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// Event carrying a [`ProgressView`] while a sync runs.
pub const PROGRESS_EVENT: &str = "sync-progress";
/// Event carrying a [`SyncFinished`] when a sync attempt ends.
pub const FINISHED_EVENT: &str = "sync-finished";

/// Where a run is, for the progress bar.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct ProgressView {
    /// Applications acknowledged by the server so far in this run.
    pub records_sent: u64,
    /// Applications that were waiting when the run started (new ones may join).
    pub records_waiting: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub events_received: u64,
    /// The batch size the next push will use.
    pub batch_size: u64,
}

impl From<&Progress> for ProgressView {
    fn from(p: &Progress) -> ProgressView {
        ProgressView {
            records_sent: p.records_sent,
            records_waiting: p.records_waiting,
            bytes_sent: p.bytes_sent,
            bytes_received: p.bytes_received,
            events_received: p.events_received,
            batch_size: p.batch_size as u64,
        }
    }
}

/// What the laptop remembers about syncing.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SyncStateView {
    /// Where the next pull starts (server-issued).
    pub pull_cursor: u64,
    /// RFC 3339.
    pub last_success_at: Option<String>,
    pub last_attempt_at: Option<String>,
    /// Why the last attempt failed, when it did.
    pub last_error: Option<SyncFailureView>,
    /// When the server refused this laptop as revoked.
    pub revoked_at: Option<String>,
}

/// A failed attempt: the error's stable code and the values its message needs.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SyncFailureView {
    pub code: String,
    pub message_key: String,
    pub params: BTreeMap<String, String>,
    /// In English, for logs.
    pub message: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SyncView {
    pub enrolled: bool,
    pub state: SyncStateView,
    /// Why the last attempt failed and what to do, in the officer's language.
    pub last_error_text: Option<String>,
    pub pending: u64,
    pub progress: Option<ProgressView>,
}

/// What one sync run did (the parts the UI shows).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SyncReportView {
    pub pushed: PushTallyView,
    pub pulled: PullTallyView,
    pub feedback_sent: u32,
    pub batches: u32,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub cursor: u64,
}

/// What a push did (the core's `PushTally`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PushTallyView {
    pub synced: u32,
    pub skipped: u32,
    pub conflicts: u32,
    pub invalid: u32,
    pub already_on_server: u32,
}

/// What a pull did (the core's `PullTally`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PullTallyView {
    pub decisions_applied: u32,
    pub decisions_skipped: u32,
    pub catalogues_installed: u32,
    pub catalogues_refused: u32,
    pub rosters: u32,
    pub officers_deactivated: u32,
    pub outreaches_updated: u32,
}

/// The `sync-finished` event: a report, or why the attempt failed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SyncFinished {
    pub ok: bool,
    pub report: Option<SyncReportView>,
    pub error: Option<UiError>,
}

impl SyncFinished {
    /// `outcome` of an attempt, errors rendered in `lang`.
    pub fn new(outcome: &fieldkit_core::Result<SyncReport>, lang: fieldkit_core::Lang) -> SyncFinished {
        match outcome {
            Ok(report) => SyncFinished { ok: true, report: Some(report_view(report)), error: None },
            Err(e) => SyncFinished { ok: false, report: None, error: Some(UiError::new(e, lang)) },
        }
    }
}

fn report_view(report: &SyncReport) -> SyncReportView {
    let PushTally { synced, skipped, conflicts, invalid, already_on_server } = report.pushed.clone();
    let PullTally {
        decisions_applied,
        decisions_skipped,
        catalogues_installed,
        catalogues_refused,
        rosters,
        officers_deactivated,
        outreaches_updated,
    } = report.pulled.clone();
    SyncReportView {
        pushed: PushTallyView { synced, skipped, conflicts, invalid, already_on_server },
        pulled: PullTallyView {
            decisions_applied,
            decisions_skipped,
            catalogues_installed,
            catalogues_refused,
            rosters,
            officers_deactivated,
            outreaches_updated,
        },
        feedback_sent: report.feedback_sent,
        batches: report.batches,
        bytes_sent: report.bytes_sent,
        bytes_received: report.bytes_received,
        cursor: report.cursor,
    }
}

/// Wakes the background sync now; `not_enrolled` when there is none.
pub fn sync_now(app: &App) -> Answer<()> {
    match app.sync_triggers() {
        Some(triggers) => {
            triggers.sync_now();
            Ok(())
        }
        None => Err(app.ui(CoreError::NotEnrolled)),
    }
}

fn rfc3339(at: Option<time::OffsetDateTime>) -> Option<String> {
    at.and_then(|at| at.format(&time::format_description::well_known::Rfc3339).ok())
}

/// The sync panel: enrolled or not, what is waiting, the last outcome, a run's progress.
pub fn sync_state(app: &App) -> Answer<SyncView> {
    let enrolled = app.sync_triggers().is_some();
    let progress = lock(&app.progress).as_ref().map(ProgressView::from);
    let lang = app.lang();
    app.with_session(|s| {
        let pending = s.outbox_len()?;
        let state = s.sync_state()?;
        let last_error_text = state.last_error.as_ref().map(|f| fieldkit_core::messages::failure(f, lang));
        let state = SyncStateView {
            pull_cursor: state.pull_cursor,
            last_success_at: rfc3339(state.last_success_at),
            last_attempt_at: rfc3339(state.last_attempt_at),
            last_error: state.last_error.map(|f| SyncFailureView {
                code: f.code,
                message_key: f.message_key,
                params: f.params,
                message: f.message,
            }),
            revoked_at: rfc3339(state.revoked_at),
        };
        Ok(SyncView { enrolled, state, last_error_text, pending, progress })
    })
}
