//! The sync protocol between a Field Kit laptop and `huduma-sync`: wire types only, no I/O.
//!
//! Every request carries [`PROTOCOL_VERSION`]; a server answers versions in
//! [`OLDEST_SUPPORTED`]`..=`[`PROTOCOL_VERSION`] and refuses others with
//! [`ErrorCode::UnsupportedProtocol`], which the app shows as "update the Field Kit".
//!
//! Exactly-once delivery rests on two facts: every application record is identified by its UUIDv7
//! and revision, and carries a hash of its content. The server stores a record once per
//! (id, revision); the same record again is acknowledged as already stored; the same id and
//! revision with a different hash is a conflict, reported and never overwritten.
//!
//! Architecture invariant: this crate knows nothing of HTTP, TLS, SQL or the file system (gzip
//! and the offline [`bundle`] work on byte slices).

pub mod bundle;
pub mod deployment;
pub mod gzip;
pub mod provision;

pub use deployment::{Deployment, TRAINING_UNIT};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// The oldest version a server built from this crate still serves.
pub const OLDEST_SUPPORTED: u32 = 1;

/// Upper bound on records in one push; the client adapts its batch size below this.
pub const MAX_BATCH_RECORDS: usize = 500;
/// Upper bound on a request body after decompression.
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// HTTP paths, relative to the server's base address.
pub mod paths {
    pub const HEALTH: &str = "/health";
    pub const PUSH: &str = "/v1/push";
    pub const PULL: &str = "/v1/pull";
    /// Outreach plans a centre manager made on a laptop, for the server to keep and publish.
    pub const PLANS: &str = "/v1/plans";
    /// Citizens' feedback recorded at the tent.
    pub const FEEDBACK: &str = "/v1/feedback";
}

/// What enrolment hands a laptop: its id, where to sync, the deployment CA to pin, and its own
/// client certificate and private key (PEM). Written by `huduma-sync device enrol` to a file
/// that travels to the laptop once (on the provisioning USB stick) and is then kept only inside
/// the laptop's encrypted store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Enrolment {
    pub device_id: String,
    /// `https://host:port`; never plain HTTP.
    pub server_url: String,
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
    /// The server's X25519 import key (hex) that export bundles are sealed to; absent in
    /// enrolments made before bundles existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_key: Option<String>,
}

/// Crockford base-32 characters a device id is made of (no I, L, O, U).
const DEVICE_ID_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Length of a device id, which is also the laptop's prefix in every application reference.
pub const DEVICE_ID_LEN: usize = 4;

/// Whether `id` is a well-formed device id: exactly [`DEVICE_ID_LEN`] upper-case Crockford
/// base-32 characters, as in the reference `K7QM-000042-T`.
pub fn is_valid_device_id(id: &str) -> bool {
    id.len() == DEVICE_ID_LEN && id.bytes().all(|b| DEVICE_ID_ALPHABET.contains(&b))
}

/// Whether a server built from this crate can serve `version`.
pub fn is_supported(version: u32) -> bool {
    (OLDEST_SUPPORTED..=PROTOCOL_VERSION).contains(&version)
}

/// One application as it leaves the laptop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApplicationRecord {
    pub id: Uuid,
    /// Bumped by the laptop on every change of the answers; a resubmission after a query is a new
    /// revision of the same application.
    pub revision: u32,
    /// [`content_hash`] of `body`.
    pub content_hash: String,
    pub catalogue_version: u32,
    pub service_id: String,
    /// Human reference, e.g. `K7QM-000042-T`.
    pub reference: String,
    /// The application and the citizen details the MDA needs, as JSON.
    pub body: serde_json::Value,
}

impl ApplicationRecord {
    /// Builds a record, computing the hash of `body`.
    pub fn new(
        id: Uuid,
        revision: u32,
        catalogue_version: u32,
        service_id: impl Into<String>,
        reference: impl Into<String>,
        body: serde_json::Value,
    ) -> ApplicationRecord {
        ApplicationRecord {
            id,
            revision,
            content_hash: content_hash(&body),
            catalogue_version,
            service_id: service_id.into(),
            reference: reference.into(),
            body,
        }
    }

    /// Whether `content_hash` matches `body` (a record damaged or edited in transit does not).
    pub fn hash_matches(&self) -> bool {
        content_hash(&self.body) == self.content_hash
    }
}

/// SHA-256 of the body's canonical JSON (object keys sorted, no spaces), hex. `serde_json` keeps
/// object keys sorted, so equal values always give equal text.
pub fn content_hash(body: &serde_json::Value) -> String {
    let text = serde_json::to_vec(body).unwrap_or_default();
    hex::encode(Sha256::digest(&text))
}

/// `POST /v1/push`: a batch from the laptop's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PushRequest {
    pub protocol: u32,
    pub records: Vec<ApplicationRecord>,
}

/// The server's answer, one result per record, in request order. Sent only after the batch is
/// durably committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PushResponse {
    pub protocol: u32,
    pub results: Vec<RecordResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecordResult {
    pub id: Uuid,
    pub revision: u32,
    pub outcome: PushOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum PushOutcome {
    /// Stored now.
    Stored,
    /// Stored by an earlier attempt (a retry); nothing changed.
    AlreadyStored,
    /// This id and revision is already stored with other content; the stored one is kept.
    Conflict { stored_hash: String },
    /// The record is malformed (hash mismatch, bad reference); not stored.
    Invalid { reason: String },
}

impl PushOutcome {
    /// Whether the laptop may mark the record synced.
    pub fn is_acknowledged(&self) -> bool {
        matches!(self, PushOutcome::Stored | PushOutcome::AlreadyStored)
    }
}

/// `POST /v1/pull`: what has happened on the server since `cursor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PullRequest {
    pub protocol: u32,
    /// The server-issued cursor from the last pull; 0 for the first.
    pub cursor: u64,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PullResponse {
    pub protocol: u32,
    /// Where the next pull starts.
    pub cursor: u64,
    pub events: Vec<Event>,
    /// More events wait beyond `cursor`.
    pub more: bool,
}

/// Something the laptop must learn, in server order.
///
/// A laptop's own revocation is not an event: once revoked, the server answers every request
/// from it, pulls included, with [`ErrorCode::Revoked`], which the laptop records and shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Event {
    /// An MDA's decision on one revision of an application.
    Review { application_id: Uuid, revision: u32, decision: Decision },
    /// A newer service catalogue, as the TOML file's text. The server checked it with the same
    /// code the laptop uses; the laptop checks it again before using it.
    Catalogue { version: u32, text: String },
    /// The officers assigned to this laptop. An officer marked inactive can no longer sign in
    /// on it; officers the roster does not name are left as they are.
    Roster { officers: Vec<RosterOfficer> },
    /// An outreach this laptop is assigned to, new or changed (a higher `revision` replaces a
    /// lower one).
    Outreach { plan: Box<OutreachPlan> },
}

/// One officer on a laptop's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RosterOfficer {
    /// Service number, e.g. `FD001`.
    pub number: String,
    pub name: String,
    /// `front_desk_officer`, `centre_manager`, `trainer` or `ict_officer`.
    pub role: String,
    pub active: bool,
}

/// An outreach as laptops receive it: where, when and what is offered, and (planned by a centre
/// manager, issue 8) who and what goes, who is told, and the money. The planning fields are left
/// out of the JSON when empty, so a plan without them reads and hashes as it always did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OutreachPlan {
    pub id: Uuid,
    pub revision: u32,
    pub name: String,
    /// Huduma Centre running it, e.g. `Murang'a`.
    pub centre: String,
    /// Three-digit county code, e.g. `021`.
    pub county_code: String,
    pub place: String,
    /// ISO dates, inclusive.
    pub starts_on: String,
    pub ends_on: String,
    /// Catalogue service ids offered.
    pub services: Vec<String>,
    pub status: OutreachStatus,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sub_county: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ward: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps: Option<GpsPoint>,
    /// Catalogue MDA ids attending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mdas: Vec<String>,
    /// Officer numbers assigned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub officers: Vec<String>,
    /// Laptop (device) ids assigned; the server publishes the plan to these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub laptops: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equipment: Vec<EquipmentLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stakeholders: Vec<Stakeholder>,
    /// The portable-service checklist agreed with each MDA, per service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklists: Vec<ServiceChecklist>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
}

/// A point in decimal degrees (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GpsPoint {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum EquipmentKind {
    Tent,
    Chairs,
    PublicAddress,
    Generator,
    Batteries,
    Printer,
    Laptop,
    Other,
}

/// Where a piece of equipment comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum EquipmentSource {
    /// Needed, not sourced yet.
    Needed,
    /// The Huduma Centre's own.
    Centre,
    /// Lent by an agency (named in `agency`).
    Agency,
    Hired,
}

/// One line of the equipment checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EquipmentLine {
    pub kind: EquipmentKind,
    pub quantity: u32,
    pub source: EquipmentSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// The asset's own tag (e.g. generator `GEN-02`): the same tag in two outreaches on
    /// overlapping dates is a clash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_tag: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum StakeholderKind {
    CountyCommissioner,
    CountyGovernment,
    Chief,
    VillageElders,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum NoticeStatus {
    NotNotified,
    Notified,
    Confirmed,
}

/// Someone to tell about the outreach, and whether they have been told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Stakeholder {
    pub kind: StakeholderKind,
    pub name: String,
    pub status: NoticeStatus,
}

/// What an MDA and the centre agreed before a service goes to the field: each item ticked
/// when agreed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServiceChecklist {
    pub service_id: String,
    pub impact: bool,
    pub process_map: bool,
    pub procedures: bool,
    pub equipment: bool,
    pub counters: bool,
    pub staff: bool,
    pub turnaround: bool,
}

impl ServiceChecklist {
    /// `service_id`'s checklist with every item agreed.
    pub fn agreed(service_id: impl Into<String>) -> ServiceChecklist {
        ServiceChecklist {
            service_id: service_id.into(),
            impact: true,
            process_map: true,
            procedures: true,
            equipment: true,
            counters: true,
            staff: true,
            turnaround: true,
        }
    }
}

/// The outreach's standing imprest and what has been spent from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Budget {
    /// Whole Kenya shillings.
    pub imprest_ksh: u64,
    #[serde(default)]
    pub expenses: Vec<Expense>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ExpenseCategory {
    Transport,
    Fuel,
    EquipmentHire,
    Allowances,
    Meals,
    Communication,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Expense {
    pub category: ExpenseCategory,
    /// Whole Kenya shillings.
    pub amount_ksh: u64,
    pub description: String,
    /// ISO date.
    pub spent_on: String,
    /// The receipt's number, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
}

/// Outreach plans made on a laptop (by its centre manager), for the server to keep and to
/// publish to the laptops each plan names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanUploadRequest {
    pub protocol: u32,
    pub plans: Vec<OutreachPlan>,
}

/// One answer per plan, in request order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanUploadResponse {
    pub protocol: u32,
    pub results: Vec<PlanResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanResult {
    pub id: Uuid,
    pub revision: u32,
    pub outcome: PlanOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum PlanOutcome {
    /// Kept and published to these laptops.
    Published { laptops: Vec<String> },
    /// The server already holds this revision or a newer one; nothing changed.
    AlreadyKnown { revision: u32 },
    /// Not kept (a laptop it names is unknown or revoked, or the plan does not check).
    Refused { reason: String },
}

/// Feedback records from one laptop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeedbackPushRequest {
    pub protocol: u32,
    pub feedback: Vec<FeedbackRecord>,
}

/// The ids the server now holds (stored now or before); sent after the commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeedbackPushResponse {
    pub protocol: u32,
    pub stored: Vec<Uuid>,
}

/// A citizen's feedback after service at the tent (Huduma Halisi), as the laptop sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeedbackRecord {
    pub id: Uuid,
    /// The outreach it was given at, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outreach_id: Option<Uuid>,
    /// The service it is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// Kenyan date it was given, ISO.
    pub given_on: String,
    /// 1 (very unhappy) to 5 (very happy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint: Option<Complaint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ComplaintCategory {
    Discrimination,
    PoorService,
    Corruption,
    Other,
}

/// Who a complaint goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ComplaintBody {
    /// The Commission on Administrative Justice (Office of the Ombudsman).
    Ombudsman,
    /// The Ethics and Anti-Corruption Commission.
    Eacc,
    /// The National Cohesion and Integration Commission.
    Ncic,
    /// The Huduma Centre's own customer-service desk.
    HudumaCentre,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Complaint {
    pub category: ComplaintCategory,
    pub routed_to: ComplaintBody,
    pub details: String,
    /// The citizen agreed to the complaint being recorded and passed on.
    pub consent: bool,
    /// When true no contact is kept.
    pub anonymous: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum OutreachStatus {
    #[default]
    Draft,
    Confirmed,
    Running,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Decision {
    Accepted,
    Rejected { reason: String },
    Queried { question: String },
}

/// `GET /health`: the server is up, and the newest protocol it speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: String,
    pub protocol: u32,
}

/// Every error response's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

/// Stable error codes; the app translates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ErrorCode {
    UnsupportedProtocol,
    MalformedRequest,
    TooLarge,
    UnknownDevice,
    Revoked,
    Unavailable,
    Internal,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_hash_does_not_depend_on_key_order() {
        let a: serde_json::Value = serde_json::from_str(r#"{"b":1,"a":{"y":2,"x":[1,2]}}"#).expect("json");
        let b: serde_json::Value = serde_json::from_str(r#"{"a":{"x":[1,2],"y":2},"b":1}"#).expect("json");
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_ne!(content_hash(&a), content_hash(&json!({"b": 2, "a": {"y": 2, "x": [1, 2]}})));
    }

    #[test]
    fn a_record_detects_a_changed_body() {
        let mut record =
            ApplicationRecord::new(Uuid::now_v7(), 1, 1, "kra.pin-registration", "K7QM-000001-X", json!({"a": 1}));
        assert!(record.hash_matches());
        record.body = json!({"a": 2});
        assert!(!record.hash_matches());
    }

    #[test]
    fn the_wire_format_is_stable() {
        let result =
            RecordResult { id: Uuid::nil(), revision: 2, outcome: PushOutcome::Conflict { stored_hash: "ab".into() } };
        assert_eq!(
            serde_json::to_value(&result).expect("json"),
            json!({ "id": "00000000-0000-0000-0000-000000000000", "revision": 2,
                    "outcome": { "outcome": "conflict", "stored_hash": "ab" } })
        );
        let event = Event::Review {
            application_id: Uuid::nil(),
            revision: 1,
            decision: Decision::Queried { question: "Which county?".into() },
        };
        let text = serde_json::to_string(&event).expect("json");
        assert_eq!(serde_json::from_str::<Event>(&text).expect("back"), event);
        assert!(text.contains(r#""event":"review""#) && text.contains(r#""decision":"queried""#));
    }

    #[test]
    fn device_ids_are_laptop_prefixes() {
        assert!(is_valid_device_id("K7QM"));
        for bad in ["k7qm", "K7Q", "K7QMX", "K7QI", "K7-M", ""] {
            assert!(!is_valid_device_id(bad), "{bad}");
        }
    }

    #[test]
    fn versions() {
        assert!(is_supported(PROTOCOL_VERSION));
        assert!(!is_supported(0));
        assert!(!is_supported(PROTOCOL_VERSION + 1));
    }

    #[test]
    fn unknown_fields_in_requests_are_refused() {
        let text = r#"{"protocol":1,"records":[],"extra":true}"#;
        assert!(serde_json::from_str::<PushRequest>(text).is_err());
    }
}
