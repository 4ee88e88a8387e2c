//! What the MDA review console keeps: console accounts, their sessions, failed logins (for
//! throttling), the append-only audit log, review listings and decisions, and the outbound
//! delivery queue with its log. A second trait beside [`super::Storage`], implemented by the same
//! backends and held to the same conformance suite.
//!
//! Times come in as parameters (`now`), never from the database's clock, so expiry, throttling
//! and retry schedules are tested without waiting, and several server nodes agree.
//!
//! Architecture invariants:
//! - a decision, its event for the laptop, its audit entry and (when accepted) its delivery job
//!   commit together or not at all ([`ReviewStorage::record_decisions`]); what may be decided is
//!   decided once, in `crate::service::review`, not per backend;
//! - the audit log is append-only (the databases refuse UPDATE and DELETE on it) and hash-chained;
//! - an application is listed, opened and exported only through a filter that names the services
//!   the reader may see.

use super::StorageError;
use fieldkit_protocol::{ApplicationRecord, Decision};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::future::Future;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsoleRole {
    /// Reviews one MDA's applications.
    Technician,
    /// Manages accounts, devices and catalogue publishing; sees no citizen data.
    Admin,
}

impl ConsoleRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsoleRole::Technician => "technician",
            ConsoleRole::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<ConsoleRole> {
        match text {
            "technician" => Some(ConsoleRole::Technician),
            "admin" => Some(ConsoleRole::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleUser {
    /// Lower-case login name, e.g. `wanjiru.sha`.
    pub username: String,
    pub display_name: String,
    pub role: ConsoleRole,
    /// The MDA a technician reviews for (catalogue MDA id); `None` for administrators.
    pub mda: Option<String>,
    /// An argon2id PHC string.
    pub password_hash: String,
    pub disabled: bool,
}

/// A signed-in browser. The cookie carries a random token; only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    pub username: String,
    /// The synchroniser token every form of this session must echo.
    pub csrf_token: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last request; idle expiry counts from here.
    pub last_seen_at: i64,
}

/// What a decision's review status is, as the console filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Pending,
    Accepted,
    Rejected,
    Queried,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] =
        [ReviewStatus::Pending, ReviewStatus::Accepted, ReviewStatus::Rejected, ReviewStatus::Queried];

    pub fn of(decision: Option<&Decision>) -> ReviewStatus {
        match decision {
            None => ReviewStatus::Pending,
            Some(Decision::Accepted) => ReviewStatus::Accepted,
            Some(Decision::Rejected { .. }) => ReviewStatus::Rejected,
            Some(Decision::Queried { .. }) => ReviewStatus::Queried,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Accepted => "accepted",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Queried => "queried",
        }
    }

    pub fn parse(text: &str) -> Option<ReviewStatus> {
        ReviewStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Which applications a listing covers. `services` is mandatory: it is how a technician's MDA
/// bounds everything they can see; an empty list matches nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    pub services: Vec<String>,
    pub status: Option<ReviewStatus>,
    pub device_id: Option<String>,
    /// Kenyan date of capture, `YYYY-MM-DD`.
    pub captured_on: Option<String>,
    /// An outreach id; `Some("")` means applications captured outside any outreach.
    pub outreach_id: Option<String>,
    /// Matches the reference, or any text in the application (name, ID number), ignoring case.
    pub search: Option<String>,
}

/// One batch: what one laptop captured on one Kenyan day at one outreach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    pub device_id: String,
    pub captured_on: String,
    pub outreach_id: Option<String>,
    pub outreach_name: Option<String>,
    pub total: u64,
    pub pending: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub queried: u64,
}

/// An application as a listing shows it: its latest revision, where it came from, its status.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewItem {
    pub record: ApplicationRecord,
    pub device_id: String,
    pub captured_on: String,
    pub outreach_id: Option<String>,
    pub outreach_name: Option<String>,
    /// RFC 3339, UTC.
    pub received_at: String,
    pub decision: Option<Decision>,
    pub decided_by: Option<String>,
    /// RFC 3339, UTC.
    pub decided_at: Option<String>,
}

impl ReviewItem {
    pub fn status(&self) -> ReviewStatus {
        ReviewStatus::of(self.decision.as_ref())
    }
}

/// What became of one decision in a (bulk) decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum DecideOutcome {
    Decided,
    /// Someone decided this revision first; theirs stands.
    AlreadyDecided,
    /// No such revision among the services the decider may see.
    NotFound,
    /// A newer revision exists (the laptop resubmitted): decide on that one.
    Superseded,
}

/// What a decision on one revision must know, read inside the deciding transaction (which holds
/// the locks that keep it true until commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionState {
    pub device_id: String,
    pub service_id: String,
    /// The newest revision of the application stored.
    pub latest_revision: u32,
    pub decided: bool,
}

/// A decision to record, with everything that commits with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionWrite {
    pub application_id: Uuid,
    pub revision: u32,
    /// The laptop the decision goes back to.
    pub device_id: String,
    pub decision: Decision,
    pub decided_by: String,
    pub audit: NewAudit,
    /// The MDA whose system an accepted application is delivered to.
    pub delivery_to: Option<String>,
}

/// What the rule made of one requested decision: an outcome already, or a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    Outcome(DecideOutcome),
    Write(Box<DecisionWrite>),
}

/// One entry of the console's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: u64,
    /// RFC 3339, UTC.
    pub at: String,
    /// A username, or `system` / `cli`.
    pub actor: String,
    /// e.g. `login`, `login.failed`, `decision.accepted`, `export.csv`, `account.created`.
    pub action: String,
    /// What it was done to, e.g. `application:<id>/<revision>`, `account:<username>`.
    pub subject: String,
    /// Free detail (a reason, a count), never a password.
    pub detail: String,
    pub hash: String,
}

/// An entry about to be appended; the backend numbers and chains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

impl NewAudit {
    pub fn new(actor: &str, action: &str, subject: impl Into<String>, detail: impl Into<String>) -> NewAudit {
        NewAudit { actor: actor.into(), action: action.into(), subject: subject.into(), detail: detail.into() }
    }
}

/// The chain: each entry's hash covers the previous hash and every field, length-prefixed so no
/// two different entries hash alike.
pub fn audit_hash(prev_hash: &str, seq: u64, at: &str, entry: &NewAudit) -> String {
    let mut hasher = Sha256::new();
    for part in [prev_hash, &seq.to_string(), at, &entry.actor, &entry.action, &entry.subject, &entry.detail] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Checks a whole log, oldest first: numbering without gaps and every hash. Returns the number of
/// entries, or the first broken one.
pub fn verify_audit_chain(entries: &[AuditEntry]) -> Result<u64, StorageError> {
    let mut prev = String::new();
    for (index, entry) in entries.iter().enumerate() {
        let expected_seq = index as u64 + 1;
        let new = NewAudit {
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            subject: entry.subject.clone(),
            detail: entry.detail.clone(),
        };
        if entry.seq != expected_seq || audit_hash(&prev, entry.seq, &entry.at, &new) != entry.hash {
            return Err(StorageError::Corrupt(format!("audit entry {} does not verify", entry.seq)));
        }
        prev = entry.hash.clone();
    }
    Ok(entries.len() as u64)
}

/// RFC 3339 with whole seconds, UTC: how review tables store instants.
pub fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Where an application sits for review, read from its body at push time: the outreach it was
/// captured at (if the laptop named one) and the Kenyan day of capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPlacement {
    pub outreach_id: Option<String>,
    pub outreach_name: Option<String>,
    pub captured_on: String,
}

impl ReviewPlacement {
    /// Never fails: a body without these keys (an older laptop) is placed outside any outreach,
    /// on the day it was received.
    pub fn of(record: &ApplicationRecord, received: OffsetDateTime) -> ReviewPlacement {
        let application = &record.body["application"];
        let outreach = &application["outreach"];
        let created = application["created_at"]
            .as_i64()
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .unwrap_or(received);
        ReviewPlacement {
            outreach_id: outreach["id"].as_str().map(str::to_string),
            outreach_name: outreach["name"].as_str().map(str::to_string),
            captured_on: kenyan_date(created),
        }
    }
}

/// The date in Kenya (EAT, UTC+3, no daylight saving) at `at`.
pub fn kenyan_date(at: OffsetDateTime) -> String {
    let eat = time::UtcOffset::from_hms(3, 0, 0).unwrap_or(time::UtcOffset::UTC);
    at.to_offset(eat).date().to_string()
}

/// One job of the outbound adapter: deliver an accepted revision to its MDA's endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryJob {
    pub application_id: Uuid,
    pub revision: u32,
    pub mda: String,
    /// Attempts made so far.
    pub attempts: u32,
}

impl DeliveryJob {
    /// The same on every attempt, so the MDA's system can drop a repeat.
    pub fn idempotency_key(&self) -> String {
        format!("{}.{}", self.application_id, self.revision)
    }
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryResult {
    Delivered {
        status: u16,
    },
    /// Try again at `retry_at` (unix seconds), or never when `None` (a permanent refusal or too
    /// many attempts).
    Failed {
        status: Option<u16>,
        error: String,
        retry_at: Option<i64>,
    },
}

/// One line of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    pub application_id: Uuid,
    pub revision: u32,
    pub reference: String,
    pub mda: String,
    pub attempt: u32,
    /// RFC 3339, UTC.
    pub at: String,
    pub status: Option<u16>,
    /// `delivered`, `retrying` or `failed`.
    pub outcome: String,
    pub error: Option<String>,
}

/// The review console's storage.
pub trait ReviewStorage: Send + Sync + 'static {
    // --- accounts -------------------------------------------------------------------------------

    /// Adds an account; refuses a username already taken ([`StorageError::AccountExists`]).
    fn create_account(
        &self,
        user: ConsoleUser,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn account(&self, username: &str) -> impl Future<Output = Result<Option<ConsoleUser>, StorageError>> + Send;

    /// Every account, by username.
    fn accounts(&self) -> impl Future<Output = Result<Vec<ConsoleUser>, StorageError>> + Send;

    /// Sets a new password hash and ends the account's sessions.
    fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Disables (or re-enables) an account; disabling ends its sessions.
    fn set_disabled(
        &self,
        username: &str,
        disabled: bool,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    // --- sessions and throttling ----------------------------------------------------------------

    fn create_session(
        &self,
        token_hash: &str,
        session: ConsoleSession,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn session(&self, token_hash: &str) -> impl Future<Output = Result<Option<ConsoleSession>, StorageError>> + Send;

    /// Moves the idle clock of a session forward.
    fn touch_session(&self, token_hash: &str, now: i64) -> impl Future<Output = Result<(), StorageError>> + Send;

    fn delete_session(&self, token_hash: &str) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Counts a failed login against `key` (a username or a client address).
    fn record_login_failure(&self, key: &str, now: i64) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Failed logins against `key` at or after `since` (unix seconds).
    fn login_failures(&self, key: &str, since: i64) -> impl Future<Output = Result<u32, StorageError>> + Send;

    /// Forgets `key`'s failures (after a successful login).
    fn clear_login_failures(&self, key: &str) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Deletes failed logins older than `failures_before` and sessions last used before
    /// `sessions_before` (unix seconds), which can no longer count or be used; says how many of
    /// each went.
    fn forget_stale(
        &self,
        failures_before: i64,
        sessions_before: i64,
    ) -> impl Future<Output = Result<(u64, u64), StorageError>> + Send;

    // --- audit ----------------------------------------------------------------------------------

    fn append_audit(
        &self,
        entry: NewAudit,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Newest first, at most `limit`, skipping `offset`.
    fn audit_log(&self, limit: u32, offset: u32) -> impl Future<Output = Result<Vec<AuditEntry>, StorageError>> + Send;

    /// The whole log, oldest first (for verification).
    fn audit_chain(&self) -> impl Future<Output = Result<Vec<AuditEntry>, StorageError>> + Send;

    // --- review ---------------------------------------------------------------------------------

    /// Batches among the applications `filter` matches (latest revisions only), newest day first.
    fn batches(&self, filter: &ReviewFilter) -> impl Future<Output = Result<Vec<BatchSummary>, StorageError>> + Send;

    /// Latest revisions `filter` matches, newest capture first, `limit` from `offset`; and how many
    /// match in all.
    fn review_items(
        &self,
        filter: &ReviewFilter,
        limit: u32,
        offset: u32,
    ) -> impl Future<Output = Result<(Vec<ReviewItem>, u64), StorageError>> + Send;

    /// One revision, if its service is among `services`.
    fn review_item(
        &self,
        services: &[String],
        application_id: Uuid,
        revision: u32,
    ) -> impl Future<Output = Result<Option<ReviewItem>, StorageError>> + Send;

    /// Latest revisions of other applications for `service_id` whose form answer `field` equals
    /// `value` (the same person applying twice, perhaps at two laptops).
    fn same_answer(
        &self,
        service_id: &str,
        field: &str,
        value: &str,
        except: Uuid,
    ) -> impl Future<Output = Result<Vec<ReviewItem>, StorageError>> + Send;

    /// The deciding transaction: reads the [`RevisionState`] of each of `revisions` (`None` for
    /// one never pushed), asks `plan` (the rule, [`crate::service::review::plan`]) what to do with
    /// each, writes each [`DecisionWrite`] — the decision, its audit entry, its delivery job and
    /// its event for the laptop — and commits, all in one transaction; says what became of each.
    /// A write whose revision turns out to be decided already (by a concurrent bare
    /// [`super::Storage::decide`]) is [`DecideOutcome::AlreadyDecided`] and writes nothing.
    fn record_decisions(
        &self,
        revisions: Vec<(Uuid, u32)>,
        plan: impl FnOnce(Vec<Option<RevisionState>>) -> Vec<Planned> + Send + 'static,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<DecideOutcome>, StorageError>> + Send;

    // --- devices --------------------------------------------------------------------------------

    /// Notes that a device synced (push or pull) at `now`; never moves the time backwards.
    fn touch_device(
        &self,
        device_id: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// When each device last synced, RFC 3339, by device id.
    fn devices_last_seen(&self) -> impl Future<Output = Result<Vec<(String, Option<String>)>, StorageError>> + Send;

    // --- outbound deliveries --------------------------------------------------------------------

    /// Claims up to `limit` jobs due at `now` for `mdas`, hiding them from other claimers until
    /// `now + lease` seconds (a node that dies mid-delivery leaves them to be retried).
    fn claim_deliveries(
        &self,
        mdas: &[String],
        now: i64,
        lease: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<DeliveryJob>, StorageError>> + Send;

    /// Records an attempt's end and schedules (or ends) the job.
    fn record_delivery(
        &self,
        job: &DeliveryJob,
        result: DeliveryResult,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// An MDA's delivery log, newest first.
    fn delivery_log(
        &self,
        mda: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<DeliveryAttempt>, StorageError>> + Send;
}
