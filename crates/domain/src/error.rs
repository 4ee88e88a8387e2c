//! The one error type at the domain crate's boundary, and the located problems a form check
//! reports. Codes never change meaning once released; add new ones.

use crate::lang::Text;
use serde::Serialize;
use std::collections::BTreeMap;

/// Result alias used across the domain crate.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;

/// Defines [`Reason`]: the stable sub-codes of invalid input, each also a translation key
/// (`reason.<code>` in `messages.toml`). Listing them in one place lets a test prove that every
/// one has English and Kiswahili text.
macro_rules! reasons {
    ($($variant:ident => $code:literal,)*) => {
        /// Why a field was refused. Codes never change meaning once released; add new ones.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reason {
            $($variant,)*
        }

        impl Reason {
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Reason::$variant => $code,)*
                }
            }
        }
    };
}

reasons! {
    Required => "required",
    TooLong => "too_long",
    ControlCharacters => "control_characters",
    NameCharacters => "name_characters",
    PhoneFormat => "phone_format",
    IdNumberFormat => "id_number_format",
    KraPinFormat => "kra_pin_format",
    EmailFormat => "email_format",
    DateFormat => "date_format",
    DateInFuture => "date_in_future",
    DateTooOld => "date_too_old",
    CountyCode => "county_code",
    SexValue => "sex_value",
    TextLength => "text_length",
    PatternMismatch => "pattern_mismatch",
    IntegerFormat => "integer_format",
    NumberFormat => "number_format",
    NumberRange => "number_range",
    ChoiceUnknown => "choice_unknown",
    YesNoFormat => "yes_no_format",
    ListFormat => "list_format",
    ListItems => "list_items",
    UnknownField => "unknown_field",
    DocumentMissing => "document_missing",
    DocumentUnknown => "document_unknown",
    OutreachUnknown => "outreach_unknown",
    RuleFailed => "rule_failed",
    DuplicateApplication => "duplicate_application",
    FormTooLarge => "form_too_large",
    FormEncoding => "form_encoding",
    ServiceIdFormat => "service_id_format",
    ServiceUnknown => "service_unknown",
    CatalogueVersionMismatch => "catalogue_version_mismatch",
    LaptopPrefixFormat => "laptop_prefix_format",
    ReferenceFormat => "reference_format",
    ReferenceCheckDigit => "reference_check_digit",
    UnknownRole => "unknown_role",
    FirstOfficerMustManageRoster => "first_officer_must_manage_roster",
    OfficerNumberFormat => "officer_number_format",
    PinLength => "pin_length",
    PinDigitsOnly => "pin_digits_only",
    PinTooSimple => "pin_too_simple",
    UnknownState => "unknown_state",
    UnknownLanguage => "unknown_language",
    TimestampRange => "timestamp_range",
    WrongType => "wrong_type",
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One thing wrong (or, for warnings, worth a second look) in a form, located by a field path
/// such as `dependants[1].date_of_birth`, with what a translated message needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: String,
    pub reason: Reason,
    /// The field's (or document's) label in both languages, when the catalogue has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<Box<Text>>,
    /// Values the message template interpolates (`{min}`, `{reference}`, …).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<&'static str, String>,
    /// A catalogue rule's own message, in both languages (reason `rule_failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Box<Text>>,
}

impl Problem {
    pub fn new(field: impl Into<String>, reason: Reason) -> Problem {
        Problem { field: field.into(), reason, label: None, params: BTreeMap::new(), message: None }
    }

    pub fn with_label(mut self, label: &Text) -> Problem {
        self.label = Some(Box::new(label.clone()));
        self
    }

    pub fn with_param(mut self, name: &'static str, value: impl ToString) -> Problem {
        self.params.insert(name, value.to_string());
        self
    }

    /// The translation key of this problem's message.
    pub fn message_key(&self) -> String {
        format!("reason.{}", self.reason.as_str())
    }
}

impl From<DomainError> for Problem {
    /// A validator's refusal, seen as a problem in a form.
    fn from(error: DomainError) -> Problem {
        match error {
            DomainError::InvalidInput { field, reason } => Problem::new(field, reason),
            other => Problem::new("form", Reason::FormEncoding).with_param("detail", other),
        }
    }
}

/// What a pure rule refuses. `fieldkit-core` lifts each variant into the `DomainError` variant of
/// the same name and code, so the UI sees one set of codes whichever side refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    /// A field failed validation; `field` names it, `reason` is a stable sub-code.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: String, reason: Reason },
    /// A form failed validation against its catalogue service; every problem found is listed.
    #[error("the {service_id} form has {} problem(s): {}", problems.len(), describe_problems(problems))]
    FormInvalid { service_id: String, problems: Vec<Problem> },
    /// A catalogue text was refused; nothing of it was used.
    #[error("{0}")]
    CatalogueInvalid(Box<crate::catalogue::CatalogueError>),
    /// The lifecycle does not allow this step from this state.
    #[error("an application that is {from} cannot be {action}")]
    IllegalTransition { from: &'static str, action: &'static str },
    #[error("the laptop has used every reference number in its range")]
    ReferencesExhausted,
    /// A calendar could not be written (no outreach in it, a time stamp out of range).
    #[error("the calendar could not be made: {0}")]
    Calendar(String),
}

impl DomainError {
    /// Stable machine code; the same as the `DomainError` this becomes on the laptop.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::InvalidInput { .. } => "invalid_input",
            DomainError::FormInvalid { .. } => "form_invalid",
            DomainError::CatalogueInvalid(_) => "catalogue_invalid",
            DomainError::IllegalTransition { .. } => "illegal_transition",
            DomainError::ReferencesExhausted => "references_exhausted",
            DomainError::Calendar(_) => "document_failed",
        }
    }

    pub fn invalid(field: impl Into<String>, reason: Reason) -> Self {
        DomainError::InvalidInput { field: field.into(), reason }
    }

    /// The refusal reason, when this is one refused field.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            DomainError::InvalidInput { reason, .. } => Some(*reason),
            _ => None,
        }
    }
}

/// `field reason, field reason`: a form's problems in one line, for logs and error texts.
pub fn describe_problems(problems: &[Problem]) -> String {
    let parts: Vec<String> = problems.iter().map(|p| format!("{} {}", p.field, p.reason)).collect();
    parts.join(", ")
}
