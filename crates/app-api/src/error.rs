//! What a failed command hands the UI: the core's error report (stable code, message key,
//! parameters, the form's problems) plus the message already rendered in the officer's language,
//! so the webview never needs its own copy of the message catalogue.

use fieldkit_core::{CoreError, Lang, Problem, messages};
use fieldkit_domain::lang::Text;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// What every command returns.
pub type Answer<T> = Result<T, UiError>;

/// A failed command: the error report, the headline in the officer's language, and each form
/// problem's message in the officer's language.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UiError {
    /// Boxed: errors travel by value through every command's `Result`.
    #[serde(flatten)]
    pub report: Box<ErrorReport>,
    /// The headline in the officer's language.
    pub text: String,
    /// For `form_invalid`: each problem's field and its message in the officer's language.
    pub problem_texts: Vec<ProblemText>,
}

/// The core's `ErrorReport` as it crosses: a stable code, a translation key, the English text for
/// logs, and the details a translated message needs.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct ErrorReport {
    pub code: String,
    pub message_key: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// For `form_invalid`: every problem in the form, so the UI can mark each field at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemView>,
}

/// One located problem in a form (the domain's `Problem`), as it crosses.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct ProblemView {
    pub field: String,
    /// The stable reason code (`required`, `phone_format`, …); its message key is `reason.<code>`.
    pub reason: String,
    /// The field's (or document's) label in both languages, when the catalogue has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    /// Values the message template interpolates (`{min}`, `{reference}`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// A catalogue rule's own message, in both languages (reason `rule_failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Text>,
}

impl From<&Problem> for ProblemView {
    fn from(p: &Problem) -> ProblemView {
        ProblemView {
            field: p.field.clone(),
            reason: p.reason.as_str().to_string(),
            label: p.label.as_deref().cloned(),
            params: p.params.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            message: p.message.as_deref().cloned(),
        }
    }
}

/// A problem's field and its message in the officer's language.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct ProblemText {
    pub field: String,
    pub text: String,
}

impl UiError {
    pub fn new(error: &CoreError, lang: Lang) -> UiError {
        let report = error.to_report();
        let text = messages::report(&report, lang);
        let problem_texts = problem_texts(&report.problems, lang);
        let report = ErrorReport {
            code: report.code.to_string(),
            message_key: report.message_key,
            message: report.message,
            field: report.field,
            reason: report.reason.map(str::to_string),
            retry_after_secs: report.retry_after_secs,
            params: report.params.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            problems: report.problems.iter().map(ProblemView::from).collect(),
        };
        UiError { report: Box::new(report), text, problem_texts }
    }
}

/// Each problem's field and message in `lang`.
pub fn problem_texts(problems: &[Problem], lang: Lang) -> Vec<ProblemText> {
    problems.iter().map(|p| ProblemText { field: p.field.clone(), text: messages::problem(p, lang) }).collect()
}
