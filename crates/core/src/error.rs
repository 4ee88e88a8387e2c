//! The one error type at the core crate's boundary.
//!
//! Every variant has a stable machine code (`code()`), which doubles as the message key the UI and the
//! CLI translate into English or Kiswahili. Codes never change meaning once released; add new ones.

use serde::Serialize;

/// Result alias used across the core crate.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    // --- input -----------------------------------------------------------------------------------
    /// A field failed validation; `field` names it, `reason` is a stable sub-code.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: String, reason: &'static str },

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
}

impl CoreError {
    /// Stable machine code; also the translation key (`error.<code>` in the UI's message catalogues).
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::InvalidInput { .. } => "invalid_input",
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
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: &'static str) -> Self {
        CoreError::InvalidInput { field: field.into(), reason }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        CoreError::Io { path: path.display().to_string(), source }
    }

    /// The serializable form handed to the UI and printed by the CLI with `--json`.
    pub fn to_report(&self) -> ErrorReport {
        let (field, reason) = match self {
            CoreError::InvalidInput { field, reason } => (Some(field.clone()), Some(*reason)),
            _ => (None, None),
        };
        let retry_after_secs = match self {
            CoreError::LockedOut { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        ErrorReport {
            code: self.code(),
            message_key: format!("error.{}", self.code()),
            message: self.to_string(),
            field,
            reason,
            retry_after_secs,
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
}
