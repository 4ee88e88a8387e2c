//! Officer-facing messages in English and Kiswahili, from `messages.toml`.
//!
//! The rules produce stable codes (`Reason`, and the laptop's and server's error codes) and the values a message needs; this
//! module turns them into sentences. The app's UI, the CLI and the server's console all render
//! through it, so a message is written once per language.

use crate::error::Problem;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Reason;

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
    fn problems_use_the_field_label_in_the_same_language() {
        let label = Text::new("Surname", "Jina la ukoo");
        let p = Problem::new("surname", Reason::Required).with_label(&label);
        assert_eq!(problem(&p, Lang::En), "Surname is required.");
        assert_eq!(problem(&p, Lang::Sw), "Jina la ukoo inahitajika.");
        let range = Problem::new("year", Reason::NumberRange).with_param("min", 1).with_param("max", 7);
        assert_eq!(problem(&range, Lang::Sw), "year lazima iwe kati ya 1 na 7.");
    }
}
