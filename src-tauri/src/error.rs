//! What a failed command hands the UI: the core's [`ErrorReport`] (stable code, message key,
//! parameters, the form's problems) plus the message already rendered in the officer's language,
//! so the webview never needs its own copy of the message catalogue.

use fieldkit_core::{CoreError, ErrorReport, Lang, messages};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct UiError {
    /// Boxed: errors travel by value through every command's `Result`.
    #[serde(flatten)]
    pub report: Box<ErrorReport>,
    /// The headline in the officer's language.
    pub text: String,
    /// For `form_invalid`: each problem's field and its message in the officer's language.
    pub problem_texts: Vec<ProblemText>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProblemText {
    pub field: String,
    pub text: String,
}

impl UiError {
    pub fn new(error: &CoreError, lang: Lang) -> UiError {
        let report = error.to_report();
        let text = messages::report(&report, lang);
        let problem_texts = report
            .problems
            .iter()
            .map(|p| ProblemText { field: p.field.clone(), text: messages::problem(p, lang) })
            .collect();
        UiError { report: Box::new(report), text, problem_texts }
    }
}
