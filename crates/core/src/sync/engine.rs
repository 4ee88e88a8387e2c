//! One sync run, and when to run the next.
//!
//! A run pushes the outbox in batches, oldest first, marking each acknowledged record synced as
//! its batch's answer arrives, so an interrupted run resumes where it stopped and never resends
//! what was acknowledged; then it pulls events from the persisted cursor. Batch size adapts to
//! the link ([`BatchSizer`]); failed runs back off exponentially with full jitter ([`Backoff`]);
//! [`run_scheduler`] waits for the next timer, a link coming up, or an officer pressing "sync
//! now", and never spins.

use super::client::{SyncClient, WireBytes};
use super::{PullTally, PushTally};
use crate::error::{CoreError, Result};
use crate::session::Session;
use serde::Serialize;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// Events asked for per pull.
const PULL_PAGE: u32 = 200;

/// Where a run is, for the app's progress bar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Applications acknowledged by the server so far in this run.
    pub records_sent: u64,
    /// Applications that were waiting when the run started (new ones may join).
    pub records_waiting: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub events_received: u64,
    /// The batch size the next push will use.
    pub batch_size: usize,
}

/// Feedback records per request: each is a few hundred bytes.
const FEEDBACK_BATCH: usize = 200;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pushed: PushTally,
    pub pulled: PullTally,
    /// Plans made here that went to the server, and any it refused.
    pub plans: crate::session::PlanUploadTally,
    /// Feedback records the server acknowledged.
    pub feedback_sent: u32,
    pub batches: u32,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub cursor: u64,
    /// What this laptop let go after the run: decided applications and sent feedback past the
    /// retention period (see `Session::purge_expired`).
    pub purged: crate::store::Purged,
}

/// Adapts the number of records per push to the link: doubles after a batch that went quickly,
/// halves after one that was slow or failed. Multiplicative both ways, because link quality in
/// the field changes by orders of magnitude (fibre at the county office, 2G in the valley).
#[derive(Debug, Clone)]
pub struct BatchSizer {
    size: usize,
    min: usize,
    max: usize,
    /// A batch should take about this long; longer risks a timeout and a costly resend.
    target: Duration,
}

impl Default for BatchSizer {
    fn default() -> Self {
        BatchSizer::new(1, fieldkit_protocol::MAX_BATCH_RECORDS, Duration::from_secs(10))
    }
}

impl BatchSizer {
    /// Starts small (16, or `max` if smaller): the first batch on an unknown link should be cheap
    /// to lose.
    pub fn new(min: usize, max: usize, target: Duration) -> BatchSizer {
        let min = min.max(1);
        let max = max.max(min);
        BatchSizer { size: 16.clamp(min, max), min, max, target }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// After a batch that went through in `took`: halves if it took longer than the target, and
    /// if it took clearly less, grows in proportion towards the target (at most 4× at once). A
    /// batch's time is a round trip plus time per record, so growing by `target / took` never
    /// overshoots the target, and on a slow link with long round trips (50 kbit/s, 1 s) batches
    /// reach a size where the round trip is a small part of them, instead of stalling at a
    /// quarter of the target as plain doubling did.
    pub fn succeeded(&mut self, took: Duration) {
        if took > self.target {
            self.size = (self.size / 2).max(self.min);
        } else if took < self.target.mul_f64(0.75) {
            let factor = (self.target.as_secs_f64() / took.as_secs_f64().max(1e-6)).min(4.0);
            self.size = ((self.size as f64 * factor) as usize).clamp(self.size, self.max);
        }
    }

    pub fn failed(&mut self) {
        self.size = (self.size / 2).max(self.min);
    }
}

/// Exponential backoff with full jitter: the n-th consecutive failure waits a uniformly random
/// time in [0, min(max, base * 2^n)], so a hundred laptops that lost the link together do not
/// all return at the same second.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    failures: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(Duration::from_secs(5), Duration::from_secs(15 * 60))
    }
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Backoff {
        Backoff { base, max, failures: 0 }
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The wait after one more failure; `unit` is a uniform random number in [0, 1).
    pub fn next_delay(&mut self, unit: f64) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << self.failures.min(20)).min(self.max);
        self.failures = self.failures.saturating_add(1);
        ceiling.mul_f64(unit.clamp(0.0, 1.0))
    }

    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// A uniform random number in [0, 1) from the OS.
pub fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// Pushes the whole outbox, then pulls every waiting event. Records the outcome in the sync
/// state either way.
pub async fn sync_once(
    session: &mut Session,
    client: &SyncClient,
    sizer: &mut BatchSizer,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SyncReport> {
    let mut outcome = run(session, client, sizer, progress).await;
    match &mut outcome {
        Ok(report) => {
            session.record_sync_attempt(Ok(report.cursor))?;
            // The server now holds everything sent: what has outlived the retention period goes.
            report.purged = session.purge_expired()?;
        }
        Err(e) => {
            if matches!(e, CoreError::DeviceRevoked) {
                session.record_revocation()?;
            }
            session.record_sync_attempt(Err(&crate::store::SyncFailure::from_error(e)))?;
        }
    }
    outcome
}

/// The laptop's power as the sync policy sees it (the app reads it from the OS).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PowerReading {
    /// Running on the battery, not mains or a generator.
    pub on_battery: bool,
    pub battery_percent: Option<u8>,
}

/// How many waiting applications an automatic sync may still send on a low battery. A small
/// sync is a few seconds of radio; a large backlog on a slow link can take the last minutes of
/// charge the officer needs for capture, so it waits for power or for an officer's say-so.
pub const LOW_BATTERY_SYNC_LIMIT: u64 = 50;

/// The low-battery policy: an automatic sync with more than [`LOW_BATTERY_SYNC_LIMIT`]
/// applications waiting is held back while the battery is at or below `low_at` percent and not
/// charging. `asked` (an officer pressed "sync now") always goes ahead.
pub fn hold_for_battery(power: PowerReading, low_at: u8, asked: bool, waiting: u64) -> Option<CoreError> {
    let percent = power.battery_percent?;
    let low = power.on_battery && percent <= low_at;
    (low && !asked && waiting > LOW_BATTERY_SYNC_LIMIT).then_some(CoreError::SyncHeldForBattery { percent, waiting })
}

/// [`sync_once`] under the low-battery policy: a held run sends nothing and records why, so the
/// sync panel can say what to do.
pub async fn sync_unless_held(
    session: &mut Session,
    client: &SyncClient,
    sizer: &mut BatchSizer,
    progress: &mut dyn FnMut(&Progress),
    power: PowerReading,
    asked: bool,
) -> Result<SyncReport> {
    let waiting = session.outbox_len()?;
    if let Some(held) = hold_for_battery(power, session.low_battery_percent(), asked, waiting) {
        session.record_sync_attempt(Err(&crate::store::SyncFailure::from_error(&held)))?;
        return Err(held);
    }
    sync_once(session, client, sizer, progress).await
}

async fn run(
    session: &mut Session,
    client: &SyncClient,
    sizer: &mut BatchSizer,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    let waiting = session.outbox_len()?;
    let mut state = Progress { records_waiting: waiting, batch_size: sizer.size(), ..Progress::default() };
    progress(&state);
    let count = |state: &mut Progress, wire: WireBytes| {
        state.bytes_sent += wire.sent;
        state.bytes_received += wire.received;
    };

    // Two batches in flight: the next one travels (and the server stores it) while the answer to
    // the previous one is applied here, so neither end waits for the other. Batches are read in
    // sending order after the last one sent, so one still in the outbox is not read again, and
    // records that need a person (conflicts, invalid) are passed over rather than resent forever.
    // An answer lost with a failed run only means those records are acknowledged again, as
    // already stored, next time.
    let mut sent_up_to = None;
    let mut in_flight: Option<InFlight> = None;
    loop {
        let (records, last) = session.outbox_records_after(sent_up_to.as_ref(), sizer.size())?;
        let next = (!records.is_empty()).then(|| {
            sent_up_to = last;
            InFlight::send(client, records)
        });
        let Some(current) = in_flight.take() else {
            match next {
                Some(next) => {
                    in_flight = Some(next);
                    continue;
                }
                None => break,
            }
        };
        let (response, wire) = match current.answer().await {
            Ok((answer, took)) => {
                sizer.succeeded(took);
                answer
            }
            Err(e) => {
                if let Some(next) = next {
                    next.task.abort();
                }
                sizer.failed();
                return Err(e);
            }
        };
        count(&mut state, wire);
        report.batches += 1;
        let tally = session.apply_push_results(&response.results)?;
        state.records_sent += u64::from(tally.synced);
        state.batch_size = sizer.size();
        merge_push(&mut report.pushed, &tally);
        progress(&state);
        in_flight = next;
    }

    // Plans the centre manager made here: few and small, idempotent on the server. Uploaded
    // before the pull, so the plan comes back published in this same sync.
    let plans = session.plans_waiting_upload()?;
    if !plans.is_empty() {
        let (answer, wire) = client.upload_plans(plans).await?;
        count(&mut state, wire);
        report.plans = session.apply_plan_results(&answer.results)?;
    }

    // Citizens' feedback, in batches; the server keeps each id once, so a lost answer only
    // means the same records are acknowledged again next time.
    loop {
        let feedback = session.feedback_waiting(FEEDBACK_BATCH)?;
        if feedback.is_empty() {
            break;
        }
        let sent = feedback.len();
        let (answer, wire) = client.push_feedback(feedback).await?;
        count(&mut state, wire);
        session.mark_feedback_synced(&answer.stored)?;
        report.feedback_sent += answer.stored.len() as u32;
        if answer.stored.len() < sent {
            // The server held back some; they wait for the next sync rather than loop here.
            break;
        }
    }

    let mut cursor = session.sync_state()?.pull_cursor;
    loop {
        let (page, wire) = client.pull(cursor, PULL_PAGE).await?;
        count(&mut state, wire);
        let tally = session.apply_events(&page.events)?;
        report.pulled.add(&tally);
        state.events_received += page.events.len() as u64;
        progress(&state);
        if page.cursor > cursor {
            cursor = page.cursor;
            // Persist as we go: a cut link mid-pull does not repeat pages already applied (and
            // applying one twice would be harmless anyway).
            session.record_sync_attempt(Ok(cursor))?;
        }
        if !page.more {
            break;
        }
    }
    report.cursor = cursor;
    report.bytes_sent = state.bytes_sent;
    report.bytes_received = state.bytes_received;
    Ok(report)
}

/// One push on its way, on its own task so it travels while this one applies an earlier answer.
struct InFlight {
    task: tokio::task::JoinHandle<Result<(fieldkit_protocol::PushResponse, WireBytes)>>,
    sent_at: std::time::Instant,
}

impl InFlight {
    fn send(client: &SyncClient, records: Vec<fieldkit_protocol::ApplicationRecord>) -> InFlight {
        let client = client.clone();
        InFlight { task: tokio::spawn(async move { client.push(records).await }), sent_at: std::time::Instant::now() }
    }

    /// The server's answer and how long the batch took from sending to answer.
    async fn answer(self) -> Result<((fieldkit_protocol::PushResponse, WireBytes), Duration)> {
        let answer = self.task.await.map_err(|e| CoreError::SyncUnreachable(format!("push task: {e}")))??;
        Ok((answer, self.sent_at.elapsed()))
    }
}

fn merge_push(total: &mut PushTally, batch: &PushTally) {
    total.synced += batch.synced;
    total.skipped += batch.skipped;
    total.conflicts += batch.conflicts;
    total.invalid += batch.invalid;
    total.already_on_server += batch.already_on_server;
}

/// What wakes the scheduler early: a link coming up or mains power returning (from the app's
/// device monitor), or an officer asking to sync now.
#[derive(Debug, Default)]
pub struct Triggers {
    wake: Notify,
    /// An officer asked since the last run; overrides the low-battery hold.
    asked: AtomicBool,
}

impl Triggers {
    pub fn link_up(&self) {
        self.wake.notify_one();
    }

    pub fn power_restored(&self) {
        self.wake.notify_one();
    }

    pub fn sync_now(&self) {
        self.asked.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Whether an officer asked for this run; clears the request.
    pub fn take_asked(&self) -> bool {
        self.asked.swap(false, Ordering::SeqCst)
    }
}

/// Something the scheduler can run: in the app, a sync run on the signed-in session.
pub trait Attempt {
    fn attempt(&mut self) -> impl Future<Output = Result<SyncReport>>;
}

/// How long to wait after an attempt's outcome: the regular interval after success or a
/// low-battery hold, a backoff delay after a passing failure, and no timer at all (only a
/// trigger) after one a person must fix, such as a revoked laptop or an untrusted server.
pub fn next_wait(
    outcome: &Result<SyncReport>,
    backoff: &mut Backoff,
    interval: Duration,
    unit: f64,
) -> Option<Duration> {
    match outcome {
        Ok(_) => {
            backoff.reset();
            Some(interval)
        }
        Err(CoreError::SyncHeldForBattery { .. }) => Some(interval),
        Err(e) if e.is_retryable() => Some(backoff.next_delay(unit)),
        Err(_) => None,
    }
}

/// Runs attempts until `stop` completes: one at once, then each after [`next_wait`] or a trigger,
/// whichever comes first.
pub async fn run_scheduler<A: Attempt>(
    attempt: &mut A,
    triggers: &Triggers,
    mut backoff: Backoff,
    interval: Duration,
    mut on_outcome: impl FnMut(&Result<SyncReport>),
    stop: impl Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        let outcome = tokio::select! {
            outcome = attempt.attempt() => outcome,
            () = &mut stop => return,
        };
        on_outcome(&outcome);
        let wait = next_wait(&outcome, &mut backoff, interval, random_unit());
        let timer = async {
            match wait {
                Some(delay) => tokio::time::sleep(delay).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = timer => {}
            () = triggers.wake.notified() => {}
            () = &mut stop => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CoreError;

    #[test]
    fn batches_grow_on_a_fast_link_and_shrink_on_a_slow_one() {
        let mut sizer = BatchSizer::new(1, 500, Duration::from_secs(10));
        assert_eq!(sizer.size(), 16);
        for _ in 0..10 {
            sizer.succeeded(Duration::from_millis(50));
        }
        assert_eq!(sizer.size(), 500, "capped at the protocol's maximum");
        sizer.succeeded(Duration::from_secs(30));
        assert_eq!(sizer.size(), 250);
        sizer.succeeded(Duration::from_secs(8));
        assert_eq!(sizer.size(), 250, "about on target: unchanged");
        for _ in 0..20 {
            sizer.failed();
        }
        assert_eq!(sizer.size(), 1, "never below the minimum");
    }

    #[test]
    fn on_a_slow_link_batches_grow_until_the_round_trip_is_a_small_part_never_past_the_target() {
        // 50 kbit/s and 1 s round trips: a batch takes 1 s plus 19 ms per record (119 B gzip'd).
        let took = |records: usize| Duration::from_secs(1) + Duration::from_millis(19) * records as u32;
        let mut sizer = BatchSizer::new(1, 500, Duration::from_secs(10));
        let mut sizes = vec![sizer.size()];
        for _ in 0..5 {
            sizer.succeeded(took(sizer.size()));
            sizes.push(sizer.size());
        }
        assert!(sizes.iter().all(|&n| took(n) <= Duration::from_secs(10)), "{sizes:?}");
        assert!(sizes[3] >= 400, "near the target within three batches: {sizes:?}");
    }

    #[test]
    fn backoff_doubles_its_ceiling_up_to_the_maximum_and_resets() {
        let mut backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(600));
        let ceilings: Vec<u64> = (0..10).map(|_| backoff.next_delay(0.999_999).as_secs()).collect();
        assert_eq!(ceilings, [4, 9, 19, 39, 79, 159, 319, 599, 599, 599]);
        assert_eq!(backoff.next_delay(0.0), Duration::ZERO, "full jitter reaches zero");
        backoff.reset();
        assert!(backoff.next_delay(0.999_999) < Duration::from_secs(5));
    }

    #[test]
    fn jitter_is_spread_over_the_whole_range() {
        let samples: Vec<f64> = (0..2000).map(|_| random_unit()).collect();
        assert!(samples.iter().all(|u| (0.0..1.0).contains(u)));
        let low = samples.iter().filter(|u| **u < 0.5).count();
        assert!((800..1200).contains(&low), "{low} of 2000 below one half");
    }

    #[test]
    fn a_low_battery_holds_back_large_automatic_syncs_only() {
        let low = PowerReading { on_battery: true, battery_percent: Some(15) };
        let held = hold_for_battery(low, 20, false, LOW_BATTERY_SYNC_LIMIT + 1);
        assert!(matches!(held, Some(CoreError::SyncHeldForBattery { percent: 15, waiting: 51 })), "{held:?}");
        assert!(hold_for_battery(low, 20, true, 10_000).is_none(), "an officer's sync now goes ahead");
        assert!(hold_for_battery(low, 20, false, LOW_BATTERY_SYNC_LIMIT).is_none(), "a small sync goes ahead");
        assert!(hold_for_battery(low, 10, false, 10_000).is_none(), "above the configured level");
        let charging = PowerReading { on_battery: false, battery_percent: Some(5) };
        assert!(hold_for_battery(charging, 20, false, 10_000).is_none(), "on mains or a generator");
        let no_battery = PowerReading { on_battery: false, battery_percent: None };
        assert!(hold_for_battery(no_battery, 20, false, 10_000).is_none());
    }

    #[test]
    fn a_held_sync_tries_again_on_the_regular_interval_without_backing_off() {
        let mut backoff = Backoff::default();
        let held: Result<SyncReport> = Err(CoreError::SyncHeldForBattery { percent: 10, waiting: 99 });
        assert_eq!(next_wait(&held, &mut backoff, Duration::from_secs(900), 0.5), Some(Duration::from_secs(900)));
        assert_eq!(backoff.failures(), 0);
    }

    #[test]
    fn only_sync_now_counts_as_asked_and_it_is_taken_once() {
        let triggers = Triggers::default();
        triggers.link_up();
        triggers.power_restored();
        assert!(!triggers.take_asked());
        triggers.sync_now();
        assert!(triggers.take_asked());
        assert!(!triggers.take_asked());
    }

    /// Fails `failures` times with "no link", then succeeds; counts calls.
    struct Flaky {
        failures: u32,
        calls: u32,
        revoked: bool,
    }

    impl Attempt for Flaky {
        async fn attempt(&mut self) -> Result<SyncReport> {
            self.calls += 1;
            if self.revoked {
                return Err(CoreError::DeviceRevoked);
            }
            if self.calls <= self.failures {
                return Err(CoreError::SyncUnreachable("no link".into()));
            }
            Ok(SyncReport::default())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_dead_link_is_retried_with_growing_gaps_not_a_busy_loop() {
        let mut flaky = Flaky { failures: u32::MAX, calls: 0, revoked: false };
        let triggers = Triggers::default();
        let backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(15 * 60));
        let hour = tokio::time::sleep(Duration::from_secs(3600));
        run_scheduler(&mut flaky, &triggers, backoff, Duration::from_secs(300), |_| {}, hour).await;
        // Ceilings 5, 10, 20 ... 900 s: an hour of virtual time holds a handful of attempts, not
        // thousands. With full jitter the count varies; it stays far below one per second.
        assert!((4..=60).contains(&flaky.calls), "{} attempts in an hour", flaky.calls);
    }

    #[tokio::test(start_paused = true)]
    async fn a_trigger_wakes_the_scheduler_at_once() {
        let mut flaky = Flaky { failures: 0, calls: 0, revoked: true };
        let triggers = Triggers::default();
        let mut outcomes = Vec::new();
        let stop = async {
            // Revoked: the scheduler waits for a trigger only. Pulling it twice gives two more
            // attempts; virtual time does not move while it waits.
            tokio::task::yield_now().await;
            triggers.sync_now();
            tokio::task::yield_now().await;
            triggers.link_up();
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_secs(86_400)).await;
        };
        run_scheduler(
            &mut flaky,
            &triggers,
            Backoff::default(),
            Duration::from_secs(300),
            |o| outcomes.push(o.is_ok()),
            stop,
        )
        .await;
        assert_eq!(flaky.calls, 3, "first run, sync-now, link-up; nothing on a timer after a revocation");
        assert_eq!(outcomes, [false, false, false]);
    }
}
