//! Officer-facing messages in English and Kiswahili, from `messages.toml`.
//!
//! The core produces stable codes (`CoreError::code`, `Reason`) and the values a message needs; this
//! module turns them into sentences. The app's UI and the CLI both render through it, so a message
//! is written once per language.

use crate::error::{ErrorReport, Problem};
use crate::lang::{Lang, Text};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

const MESSAGES_TOML: &str = include_str!("../messages.toml");

/// Every message, by key (`error.wrong_pin`, `reason.required`, …).
pub fn all() -> &'static HashMap<String, Text> {
    static MESSAGES: OnceLock<HashMap<String, Text>> = OnceLock::new();
    MESSAGES.get_or_init(|| parse(MESSAGES_TOML).unwrap_or_default())
}

/// Parses a messages file: tables of tables, each leaf holding `en` and `sw`.
pub fn parse(text: &str) -> Result<HashMap<String, Text>, String> {
    let root: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut messages = HashMap::new();
    for (group, entries) in root {
        let entries = entries.as_table().ok_or_else(|| format!("`{group}` is not a table"))?;
        for (name, value) in entries {
            let text: Text = value.clone().try_into().map_err(|e| format!("{group}.{name}: {e}"))?;
            messages.insert(format!("{group}.{name}"), text);
        }
    }
    Ok(messages)
}

/// The template for `key` in `lang`; the key itself when missing, so a gap shows up plainly
/// rather than as an empty line (and the completeness test catches it first).
pub fn template(key: &str, lang: Lang) -> String {
    all().get(key).map(|t| t.get(lang).to_string()).unwrap_or_else(|| key.to_string())
}

/// Replaces `{name}` placeholders with `values`; unknown placeholders are left as written.
pub fn fill(template: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// One form problem as a sentence in `lang`.
pub fn problem(problem: &Problem, lang: Lang) -> String {
    let mut values: BTreeMap<&str, String> = problem.params.iter().map(|(k, v)| (*k, v.clone())).collect();
    // A catalogue field brings its own label; the profile's and the CLI's fields are named in
    // messages.toml under `field.`; anything else shows its id.
    let label = match &problem.label {
        Some(label) => label.get(lang).to_string(),
        None => all()
            .get(&format!("field.{}", problem.field))
            .map(|t| t.get(lang).to_string())
            .unwrap_or_else(|| problem.field.clone()),
    };
    values.insert("label", label);
    if let Some(message) = &problem.message {
        values.insert("message", message.get(lang).to_string());
    }
    if let Some(state) = problem.params.get("state") {
        values.insert("state", template(&format!("state.{state}"), lang));
    }
    fill(&template(&problem.message_key(), lang), &values)
}

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
    fn the_messages_file_parses_and_every_entry_has_both_languages() {
        let messages = parse(MESSAGES_TOML).expect("messages.toml parses");
        assert!(messages.len() > 50);
        for (key, text) in &messages {
            assert!(!text.has_gap(), "{key} is missing English or Kiswahili");
            // Identical texts are allowed only for templates that are placeholders alone.
            let words = text
                .en
                .split(['{', '}'])
                .enumerate()
                .filter(|(i, _)| i % 2 == 0)
                .any(|(_, part)| part.chars().any(char::is_alphabetic));
            // (`PIN` is the same word in both languages.)
            let same_word = key == "field.pin";
            assert!(text.en != text.sw || !words || same_word, "{key}: the Kiswahili is a copy of the English");
        }
    }

    #[test]
    fn every_reason_has_a_message_in_both_languages() {
        let messages = all();
        let missing: Vec<&str> =
            Reason::ALL.iter().map(|r| r.as_str()).filter(|r| !messages.contains_key(&format!("reason.{r}"))).collect();
        assert!(missing.is_empty(), "reasons without messages: {missing:?}");
    }

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

    #[test]
    fn problems_use_the_field_label_in_the_same_language() {
        let label = Text::new("Surname", "Jina la ukoo");
        let p = Problem::new("surname", Reason::Required).with_label(&label);
        assert_eq!(problem(&p, Lang::En), "Surname is required.");
        assert_eq!(problem(&p, Lang::Sw), "Jina la ukoo inahitajika.");
        let range = Problem::new("year", Reason::NumberRange).with_param("min", 1).with_param("max", 7);
        assert_eq!(problem(&range, Lang::Sw), "year lazima iwe kati ya 1 na 7.");
    }
}
