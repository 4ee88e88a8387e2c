//! Synthetic answers that pass a service's checks, built from the catalogue alone.
//!
//! Used by trainers' demo data, benchmarks and tests, and as a check on the catalogue itself: a
//! service no sample can pass is a service no citizen can apply for. Every value is made up.

use super::form::{self, FormCheck};
use super::{Condition, DOCUMENTS_KEY, Field, FieldType, Scalar, Service};
use crate::error::Reason;
use serde_json::{Map, Value};
use time::Date;

/// How many times a rule that fires may be steered around before giving up.
const MAX_ADJUSTMENTS: usize = 16;

/// Answers for every visible field of `service`, every document ticked, adjusted until no rule
/// fires. Returns the last check too, so a caller can tell whether it passed.
pub fn answers(service: &Service, today: Date) -> (Map<String, Value>, FormCheck) {
    let adult_birthday = today.replace_year(today.year() - 30).unwrap_or(today);
    let mut answers = Map::new();
    for field in &service.fields {
        answers.insert(field.id.clone(), sample_value(field, adult_birthday));
    }
    let documents = service.documents.iter().map(|d| Value::String(d.id.clone())).collect();
    answers.insert(DOCUMENTS_KEY.into(), Value::Array(documents));

    let mut check = form::check(service, &answers, today);
    for _ in 0..MAX_ADJUSTMENTS {
        let Some(fired) = check.errors.iter().find(|p| p.reason == Reason::RuleFailed) else { break };
        let rule_id = fired.params.get("rule").cloned().unwrap_or_default();
        let Some(rule) = service.rules.iter().find(|r| r.id == rule_id) else { break };
        // Falsify the first condition that can be falsified by changing one answer.
        let adjusted = rule.when.iter().any(|c| steer(service, c, &mut answers, today));
        if !adjusted {
            break;
        }
        check = form::check(service, &answers, today);
    }
    (answers, check)
}

fn sample_value(field: &Field, birthday: Date) -> Value {
    let text = |s: &str| Value::String(s.to_string());
    match field.kind {
        FieldType::Text => match (&field.example, field.min_length) {
            (Some(example), _) => text(example),
            (None, Some(min)) if min > 6 => Value::String("x".repeat(min as usize)),
            _ => text("Kangema"),
        },
        FieldType::Name => text("Wanjiru"),
        FieldType::NationalId => text("23456789"),
        FieldType::KraPin => text("A012345678Z"),
        FieldType::Phone => text("+254712345678"),
        FieldType::Email => text("citizen@example.co.ke"),
        FieldType::Date => Value::String(birthday.to_string()),
        FieldType::Integer => {
            Value::from(field.min.map(|m| m.max(1.0)).unwrap_or(1.0).min(field.max.unwrap_or(f64::MAX)) as i64)
        }
        FieldType::Decimal => Value::from(field.min.unwrap_or(1.0)),
        FieldType::Choice => field.choices.first().map(|c| text(&c.value)).unwrap_or(Value::Null),
        FieldType::YesNo => Value::Bool(true),
        FieldType::Sex => text("female"),
        FieldType::County => text("021"),
        FieldType::List => {
            let count = field.min_items.unwrap_or(1).max(1);
            let item: Map<String, Value> =
                field.fields.iter().map(|f| (f.id.clone(), sample_value(f, birthday))).collect();
            Value::Array((0..count).map(|_| Value::Object(item.clone())).collect())
        }
    }
}

/// Changes one answer so `condition` no longer holds; false if it cannot.
fn steer(service: &Service, condition: &Condition, answers: &mut Map<String, Value>, today: Date) -> bool {
    let Some(field) = service.field(&condition.field) else { return false };
    let replacement = match (&condition.equals, field.kind) {
        (Some(Scalar::Bool(b)), _) => Some(Value::Bool(!b)),
        (Some(Scalar::Text(value)), FieldType::Choice) => {
            field.choices.iter().find(|c| &c.value != value).map(|c| Value::String(c.value.clone()))
        }
        (Some(Scalar::Text(value)), FieldType::Sex) => {
            Some(Value::String(if value == "female" { "male" } else { "female" }.into()))
        }
        _ => None,
    };
    let replacement = replacement.or_else(|| {
        if let Some(values) = &condition.one_of {
            return field.choices.iter().find(|c| !values.contains(&c.value)).map(|c| Value::String(c.value.clone()));
        }
        // Age conditions: "under the period" becomes exactly the period; "at least the period"
        // becomes a day short of it.
        let period = condition.age_under.or(condition.age_at_least)?;
        let birthday = period.before(today)?;
        let birthday = if condition.age_under.is_some() { birthday } else { birthday.next_day()? };
        Some(Value::String(birthday.to_string()))
    });
    match replacement {
        Some(value) if answers.get(&field.id) != Some(&value) => {
            answers.insert(field.id.clone(), value);
            true
        }
        _ => false,
    }
}
