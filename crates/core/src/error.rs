//! The one error type at the core crate's boundary.
//!
//! Every variant has a stable machine code (`code()`), which doubles as the message key the UI and the
//! CLI translate into English or Kiswahili. Codes never change meaning once released; add new ones.

pub use fieldkit_domain::DomainError;
use fieldkit_domain::error::describe_problems;
pub use fieldkit_domain::error::{Problem, Reason};
use fieldkit_protocol::Deployment;
use serde::Serialize;
use std::collections::BTreeMap;

/// Result alias used across the core crate.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    // --- input -----------------------------------------------------------------------------------
    /// A field failed validation; `field` names it, `reason` is a stable sub-code.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: String, reason: Reason },
    /// A form failed validation against its catalogue service; every problem found is listed.
    #[error("the {service_id} form has {} problem(s): {}", problems.len(), describe_problems(problems))]
    FormInvalid { service_id: String, problems: Vec<Problem> },
    /// A catalogue file was refused at load; nothing of it was used.
    #[error("{0}")]
    CatalogueInvalid(Box<crate::catalogue::CatalogueError>),

    // --- profile and sign-in ---------------------------------------------------------------------
    #[error("no field kit profile at {0}; run `fieldkit init` first")]
    ProfileMissing(String),
    #[error("a field kit profile already exists at {0}")]
    ProfileExists(String),
    #[error("unknown officer {0}")]
    UnknownOfficer(String),
    /// Deliberately does not say whether the officer number or the PIN was wrong.
    #[error("officer number or PIN is wrong")]
    WrongPin,
    #[error("too many wrong PINs; try again in {retry_after_secs} seconds")]
    LockedOut { retry_after_secs: u64 },
    #[error("the session is locked after being idle; sign in again")]
    SessionLocked,
    #[error("your role may not {0}")]
    NotPermitted(&'static str),
    #[error("officer {0} already exists")]
    OfficerExists(String),
    #[error("an officer cannot remove themselves")]
    CannotRemoveSelf,
    /// The keyring and the encrypted store disagree (e.g. a role edited in the keyring file).
    #[error("the keyring does not match the store: {0}")]
    KeyringTampered(String),

    // --- domain ----------------------------------------------------------------------------------
    #[error("citizen with ID number {id_number} is already registered")]
    CitizenExists { id_number: String, citizen_id: String },
    #[error("no citizen {0}")]
    CitizenNotFound(String),
    #[error("no application {0}")]
    ApplicationNotFound(String),
    #[error("application {0} was changed by someone else meanwhile; open it again")]
    ApplicationChanged(String),
    #[error("the citizen already has an open application for {0}")]
    DuplicateApplication(String),
    #[error("an application that is {from} cannot be {action}")]
    IllegalTransition { from: &'static str, action: &'static str },
    #[error("the laptop has used every reference number in its range")]
    ReferencesExhausted,

    // --- storage ---------------------------------------------------------------------------------
    #[error("the data file was written by a newer version (schema {found}, this build knows {known})")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the data file cannot be opened with this key or is not a field kit store")]
    NotAStore,
    #[error("configuration error in {source_name}: {message}")]
    Config { source_name: String, message: String },
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("file error on {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the keyring file {path} is damaged: {message}")]
    KeyringCorrupt { path: String, message: String },
    #[error("cryptography failure: {0}")]
    Crypto(&'static str),

    // --- sync ------------------------------------------------------------------------------------
    #[error("this laptop is not enrolled for sync")]
    NotEnrolled,
    #[error("the enrolment file was refused: {0}")]
    EnrolmentInvalid(String),
    /// No link, DNS failure, connection refused or cut, timeout: try again later.
    #[error("the sync server cannot be reached: {0}")]
    SyncUnreachable(String),
    /// The peer is not our server: its certificate is not from the deployment CA.
    #[error("the sync server's certificate is not trusted: {0}")]
    ServerNotTrusted(String),
    #[error("the sync server does not know this laptop")]
    DeviceUnknown,
    /// A training (demo) profile met a production server or enrolment, or the other way round.
    #[error("a {profile} profile refused a {other} {what}")]
    WrongDeployment { profile: Deployment, other: Deployment, what: &'static str },
    #[error("this laptop has been revoked by the sync server")]
    DeviceRevoked,
    #[error("the sync server does not serve this version of the Field Kit: {0}")]
    ProtocolUnsupported(String),
    /// Any other refusal, with the server's stable code.
    #[error("the sync server refused the request ({code}): {message}")]
    SyncRefused { code: String, message: String },
    /// An automatic sync held back to save a low battery; an officer's "sync now" overrides it.
    #[error("automatic sync held back: battery at {percent}% with {waiting} applications waiting")]
    SyncHeldForBattery { percent: u8, waiting: u64 },
    /// The enrolment predates export bundles (no server import key in it).
    #[error("this laptop's enrolment has no import key for export bundles; enrol it again")]
    ExportNotSetUp,
    #[error("there is nothing waiting to be sent, so nothing to export")]
    NothingToExport,
    #[error("the export bundle could not be made: {0}")]
    ExportFailed(String),
    /// What was typed as a provisioning bundle's one-time code cannot be one (length, characters).
    #[error("not a one-time code: {0}")]
    ProvisioningCodeFormat(String),
    /// A well-formed code that is not the one the provisioning bundle was sealed with.
    #[error("the one-time code does not open this provisioning bundle")]
    ProvisioningWrongCode,
    /// The provisioning bundle was changed or damaged after headquarters made it.
    #[error("the provisioning bundle was changed or damaged after it was made: {0}")]
    ProvisioningTampered(String),

    // --- documents -------------------------------------------------------------------------------
    /// A draft is not an application yet, so it has no acknowledgement slip.
    #[error("application {0} is a draft: submit it before printing its slip")]
    SlipForDraft(String),
    /// A slip or report could not be produced (the bundled font or the writer failed).
    #[error("the document could not be made: {0}")]
    DocumentFailed(String),
}

impl CoreError {
    /// Stable machine code; also the translation key (`error.<code>` in the UI's message catalogues).
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::InvalidInput { .. } => "invalid_input",
            CoreError::FormInvalid { .. } => "form_invalid",
            CoreError::CatalogueInvalid(_) => "catalogue_invalid",
            CoreError::ProfileMissing(_) => "profile_missing",
            CoreError::ProfileExists(_) => "profile_exists",
            CoreError::UnknownOfficer(_) => "unknown_officer",
            CoreError::WrongPin => "wrong_pin",
            CoreError::LockedOut { .. } => "locked_out",
            CoreError::SessionLocked => "session_locked",
            CoreError::NotPermitted(_) => "not_permitted",
            CoreError::OfficerExists(_) => "officer_exists",
            CoreError::CannotRemoveSelf => "cannot_remove_self",
            CoreError::KeyringTampered(_) => "keyring_tampered",
            CoreError::CitizenExists { .. } => "citizen_exists",
            CoreError::CitizenNotFound(_) => "citizen_not_found",
            CoreError::ApplicationNotFound(_) => "application_not_found",
            CoreError::ApplicationChanged(_) => "application_changed",
            CoreError::DuplicateApplication(_) => "duplicate_application",
            CoreError::IllegalTransition { .. } => "illegal_transition",
            CoreError::ReferencesExhausted => "references_exhausted",
            CoreError::SchemaTooNew { .. } => "schema_too_new",
            CoreError::NotAStore => "not_a_store",
            CoreError::Config { .. } => "config",
            CoreError::Database(_) => "database",
            CoreError::Io { .. } => "io",
            CoreError::KeyringCorrupt { .. } => "keyring_corrupt",
            CoreError::Crypto(_) => "crypto",
            CoreError::NotEnrolled => "not_enrolled",
            CoreError::EnrolmentInvalid(_) => "enrolment_invalid",
            CoreError::SyncUnreachable(_) => "sync_unreachable",
            CoreError::ServerNotTrusted(_) => "server_not_trusted",
            CoreError::DeviceUnknown => "device_unknown",
            CoreError::WrongDeployment { profile: Deployment::Training, .. } => "training_profile_refuses_production",
            CoreError::WrongDeployment { .. } => "production_profile_refuses_training",
            CoreError::DeviceRevoked => "device_revoked",
            CoreError::ExportNotSetUp => "export_not_set_up",
            CoreError::NothingToExport => "nothing_to_export",
            CoreError::ExportFailed(_) => "export_failed",
            CoreError::ProvisioningCodeFormat(_) => "provisioning_code_format",
            CoreError::ProvisioningWrongCode => "provisioning_wrong_code",
            CoreError::ProvisioningTampered(_) => "provisioning_tampered",
            CoreError::SlipForDraft(_) => "slip_for_draft",
            CoreError::DocumentFailed(_) => "document_failed",
            CoreError::ProtocolUnsupported(_) => "protocol_unsupported",
            CoreError::SyncRefused { .. } => "sync_refused",
            CoreError::SyncHeldForBattery { .. } => "sync_held_low_battery",
        }
    }

    /// Whether trying again later, unchanged, may succeed (no link, server busy); the rest need
    /// a person (revoked, untrusted server, old build).
    pub fn is_retryable(&self) -> bool {
        match self {
            CoreError::SyncUnreachable(_) => true,
            CoreError::SyncRefused { code, .. } => code == "too_large" || code == "internal",
            _ => false,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: Reason) -> Self {
        CoreError::InvalidInput { field: field.into(), reason }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        CoreError::Io { path: path.display().to_string(), source }
    }

    /// The serializable form handed to the UI and printed by the CLI with `--json`.
    pub fn to_report(&self) -> ErrorReport {
        let (field, reason) = match self {
            CoreError::InvalidInput { field, reason } => (Some(field.clone()), Some(reason.as_str())),
            _ => (None, None),
        };
        let retry_after_secs = match self {
            CoreError::LockedOut { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let problems = match self {
            CoreError::FormInvalid { problems, .. } => problems.clone(),
            _ => Vec::new(),
        };
        ErrorReport {
            code: self.code(),
            message_key: format!("error.{}", self.code()),
            message: self.to_string(),
            field,
            reason,
            retry_after_secs,
            params: self.params(),
            problems,
        }
    }

    /// The values a translated message interpolates, by name.
    fn params(&self) -> BTreeMap<&'static str, String> {
        let pairs: Vec<(&'static str, String)> = match self {
            CoreError::InvalidInput { field, .. } => vec![("field", field.clone())],
            CoreError::FormInvalid { service_id, problems } => {
                vec![("service", service_id.clone()), ("count", problems.len().to_string())]
            }
            CoreError::CatalogueInvalid(e) => vec![("detail", e.to_string())],
            CoreError::ProfileMissing(path) | CoreError::ProfileExists(path) => vec![("path", path.clone())],
            CoreError::UnknownOfficer(number) | CoreError::OfficerExists(number) => vec![("officer", number.clone())],
            CoreError::LockedOut { retry_after_secs } => vec![("seconds", retry_after_secs.to_string())],
            CoreError::NotPermitted(what) => vec![("action", what.to_string())],
            CoreError::KeyringTampered(detail) => vec![("detail", detail.clone())],
            CoreError::CitizenExists { id_number, .. } => vec![("id_number", id_number.clone())],
            CoreError::CitizenNotFound(id) | CoreError::ApplicationNotFound(id) | CoreError::ApplicationChanged(id) => {
                vec![("id", id.clone())]
            }
            CoreError::DuplicateApplication(service) => vec![("service", service.clone())],
            CoreError::IllegalTransition { from, action } => {
                vec![("from", from.to_string()), ("action", action.to_string())]
            }
            CoreError::SchemaTooNew { found, known } => {
                vec![("found", found.to_string()), ("known", known.to_string())]
            }
            CoreError::Config { source_name, message } => {
                vec![("source", source_name.clone()), ("detail", message.clone())]
            }
            CoreError::Database(e) => vec![("detail", e.to_string())],
            CoreError::Io { path, source } => vec![("path", path.clone()), ("detail", source.to_string())],
            CoreError::KeyringCorrupt { path, message } => vec![("path", path.clone()), ("detail", message.clone())],
            CoreError::Crypto(detail) => vec![("detail", detail.to_string())],
            CoreError::EnrolmentInvalid(detail)
            | CoreError::SyncUnreachable(detail)
            | CoreError::ServerNotTrusted(detail)
            | CoreError::ProtocolUnsupported(detail)
            | CoreError::ExportFailed(detail)
            | CoreError::DocumentFailed(detail) => vec![("detail", detail.clone())],
            CoreError::ProvisioningCodeFormat(detail) | CoreError::ProvisioningTampered(detail) => {
                vec![("detail", detail.clone())]
            }
            CoreError::ProvisioningWrongCode => Vec::new(),
            CoreError::SlipForDraft(reference) => vec![("reference", reference.clone())],
            CoreError::SyncRefused { code, message } => vec![("code", code.clone()), ("detail", message.clone())],
            CoreError::SyncHeldForBattery { percent, waiting } => {
                vec![("percent", percent.to_string()), ("waiting", waiting.to_string())]
            }
            CoreError::NotEnrolled
            | CoreError::WrongDeployment { .. }
            | CoreError::DeviceUnknown
            | CoreError::DeviceRevoked
            | CoreError::ExportNotSetUp
            | CoreError::NothingToExport => Vec::new(),
            CoreError::WrongPin
            | CoreError::SessionLocked
            | CoreError::CannotRemoveSelf
            | CoreError::ReferencesExhausted
            | CoreError::NotAStore => Vec::new(),
        };
        pairs.into_iter().collect()
    }
}

impl From<DomainError> for CoreError {
    /// A pure rule's refusal, under the same code the laptop has always used for it.
    fn from(error: DomainError) -> CoreError {
        match error {
            DomainError::InvalidInput { field, reason } => CoreError::InvalidInput { field, reason },
            DomainError::FormInvalid { service_id, problems } => CoreError::FormInvalid { service_id, problems },
            DomainError::CatalogueInvalid(e) => CoreError::CatalogueInvalid(e),
            DomainError::IllegalTransition { from, action } => CoreError::IllegalTransition { from, action },
            DomainError::ReferencesExhausted => CoreError::ReferencesExhausted,
            DomainError::Calendar(detail) => CoreError::DocumentFailed(detail),
        }
    }
}

impl From<CoreError> for Problem {
    /// A refusal, seen as a problem in a form.
    fn from(error: CoreError) -> Problem {
        match error {
            CoreError::InvalidInput { field, reason } => Problem::new(field, reason),
            other => Problem::new("form", Reason::FormEncoding).with_param("detail", other),
        }
    }
}

/// What crosses to the UI: a stable code, a translation key, the English text for logs, and the
/// details a translated message needs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorReport {
    pub code: &'static str,
    pub message_key: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<&'static str, String>,
    /// For `form_invalid`: every problem in the form, so the UI can mark each field at once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}
