//! Officer-facing messages in English and Kiswahili: the domain's catalogue of sentences
//! (`fieldkit_domain::messages`, from `crates/domain/messages.toml`) and the laptop's own
//! renderings of an `ErrorReport` and a recorded sync failure.

pub use fieldkit_domain::messages::{all, fill, parse, problem, template};

use crate::error::{ErrorReport, Problem};
use crate::lang::Lang;
use std::collections::BTreeMap;

/// An error report as the officer reads it in `lang`: the headline, then one line per problem.
pub fn report(report: &ErrorReport, lang: Lang) -> String {
    let mut values: BTreeMap<&str, String> = report.params.iter().map(|(k, v)| (*k, v.clone())).collect();
    if let (Some(field), Some(reason)) = (&report.field, report.reason) {
        let as_problem = Problem {
            field: field.clone(),
            reason: crate::error::Reason::ALL
                .iter()
                .copied()
                .find(|r| r.as_str() == reason)
                .unwrap_or(crate::error::Reason::FormEncoding),
            label: None,
            params: BTreeMap::new(),
            message: None,
        };
        // A single refused field reads best as the reason's own sentence.
        return self::problem(&as_problem, lang);
    }
    values.entry("label").or_insert_with(|| report.field.clone().unwrap_or_default());
    let mut lines = vec![fill(&template(&report.message_key, lang), &values)];
    lines.extend(report.problems.iter().map(|p| format!("  - {}", problem(p, lang))));
    lines.join("\n")
}

/// A recorded sync failure as the officer reads it in `lang`. Failures recorded before codes were
/// kept have only their English sentence.
pub fn failure(failure: &crate::store::SyncFailure, lang: Lang) -> String {
    if failure.message_key.is_empty() || !all().contains_key(&failure.message_key) {
        return failure.message.clone();
    }
    let values: BTreeMap<&str, String> = failure.params.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    fill(&template(&failure.message_key, lang), &values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{CoreError, Reason};

    #[test]
    fn every_error_code_has_a_message_in_both_languages() {
        // The codes are read from `CoreError::code`, whose match the compiler keeps exhaustive.
        let source = include_str!("error.rs");
        let body = source.split("pub fn code(&self)").nth(1).and_then(|s| s.split("\n    }\n").next()).expect("code()");
        let codes: Vec<&str> =
            body.lines().filter_map(|l| l.split("=> \"").nth(1)).filter_map(|l| l.split('"').next()).collect();
        assert!(codes.len() >= 25, "found only {codes:?}");
        let messages = all();
        let missing: Vec<&&str> = codes.iter().filter(|c| !messages.contains_key(&format!("error.{c}"))).collect();
        assert!(missing.is_empty(), "error codes without messages: {missing:?}");
    }

    #[test]
    fn a_refused_field_reads_in_the_officers_language() {
        let report = CoreError::invalid("phone", Reason::PhoneFormat).to_report();
        assert!(self::report(&report, Lang::En).starts_with("Mobile phone: enter a Kenyan mobile number"));
        assert!(self::report(&report, Lang::Sw).starts_with("Simu ya mkononi: weka nambari ya simu ya Kenya"));
        let unnamed = CoreError::invalid("shoe_size", Reason::Required).to_report();
        assert_eq!(self::report(&unnamed, Lang::Sw), "shoe_size inahitajika.");
    }

    #[test]
    fn error_parameters_are_filled_in() {
        let report = CoreError::LockedOut { retry_after_secs: 60 }.to_report();
        assert_eq!(self::report(&report, Lang::En), "Too many wrong PINs. Wait 60 seconds, then try again.");
        assert_eq!(
            self::report(&report, Lang::Sw),
            "PIN zisizo sahihi zimezidi. Subiri sekunde 60, kisha ujaribu tena."
        );
    }

    #[test]
    fn a_recorded_sync_failure_reads_in_the_language_chosen_later() {
        let recorded =
            crate::store::SyncFailure::from_error(&CoreError::SyncHeldForBattery { percent: 12, waiting: 340 });
        let stored = serde_json::to_string(&recorded).expect("json");
        let read: crate::store::SyncFailure = serde_json::from_str(&stored).expect("back");
        assert!(failure(&read, Lang::En).starts_with("The battery is low (12%)"), "{}", failure(&read, Lang::En));
        assert!(failure(&read, Lang::Sw).contains("Maombi 340 yanasubiri"), "{}", failure(&read, Lang::Sw));
        let legacy = crate::store::SyncFailure {
            code: "unknown".into(),
            message_key: String::new(),
            params: Default::default(),
            message: "link down".into(),
        };
        assert_eq!(failure(&legacy, Lang::Sw), "link down");
    }
}
