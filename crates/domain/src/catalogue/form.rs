//! Checking a form's answers against its catalogue service.
//!
//! The check never stops at the first problem: the officer sees every field that needs attention
//! at once. Answers come back normalised (phone in E.164, county as its code, hidden fields
//! dropped), and that normalised form is what the store keeps.

use super::{Condition, DOCUMENTS_KEY, Field, FieldType, Scalar, Service};
use crate::citizen::{CitizenDetails, Sex};
use crate::error::{DomainError, Problem, Reason};
use crate::lang::Text;
use crate::{counties, validate};
use serde::Serialize;
use serde_json::{Map, Value};
use time::Date;

/// Default upper bound on a text answer when the catalogue sets none.
const DEFAULT_MAX_TEXT: u32 = 200;

/// The outcome of checking a form: blocking errors, non-blocking warnings, and the answers as
/// they would be stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormCheck {
    pub service_id: String,
    pub answers: Map<String, Value>,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl FormCheck {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The refusal to return when the form has errors.
    pub fn into_result(self) -> Result<FormCheck, DomainError> {
        if self.errors.is_empty() {
            Ok(self)
        } else {
            Err(DomainError::FormInvalid { service_id: self.service_id, problems: self.errors })
        }
    }
}

/// Checks `form` for `service` as of `today` (Kenyan date; ages and "not in the future" use it).
pub fn check(service: &Service, form: &Map<String, Value>, today: Date) -> FormCheck {
    let mut errors = Vec::new();
    for key in form.keys() {
        if key != DOCUMENTS_KEY && service.field(key).is_none() {
            errors.push(Problem::new(key.clone(), Reason::UnknownField));
        }
    }
    let context = Context { today, top: form, item: None };
    let mut answers = Map::new();
    check_fields(&service.fields, None, &context, "", &mut answers, &mut errors);

    // Documents and rules look at the normalised answers: an answer that failed its own check
    // cannot make a document required or a rule fire.
    let checked = Context { today, top: &answers, item: None };
    let documents = check_documents(service, form.get(DOCUMENTS_KEY), &checked, &mut errors);
    if !documents.is_empty() {
        answers.insert(DOCUMENTS_KEY.into(), Value::Array(documents.into_iter().map(Value::String).collect()));
    }
    let checked = Context { today, top: &answers, item: None };
    for rule in &service.rules {
        if rule.when.iter().all(|c| checked.holds(c, &service.fields, None)) {
            let mut problem = Problem::new(rule.field.clone(), Reason::RuleFailed).with_param("rule", &rule.id);
            problem.message = Some(Box::new(rule.message.clone()));
            if let Some(field) = service.field(&rule.field) {
                problem = problem.with_label(&field.label);
            }
            errors.push(problem);
        }
    }
    FormCheck { service_id: service.id.clone(), answers, errors, warnings: Vec::new() }
}

/// The answers a citizen's profile gives this service's form, for the fields marked `prefill`.
pub fn prefill(service: &Service, citizen: &CitizenDetails) -> Map<String, Value> {
    use super::ProfileAttribute::*;
    let mut answers = Map::new();
    for field in &service.fields {
        let Some(attribute) = field.prefill else { continue };
        let value = match attribute {
            IdNumber => citizen.id_number.clone(),
            Surname => Some(citizen.surname.clone()),
            GivenNames => Some(citizen.given_names.clone()),
            DateOfBirth => Some(citizen.date_of_birth.to_string()),
            Sex => Some(citizen.sex.as_str().to_string()),
            Phone => citizen.phone.clone(),
            CountyCode => citizen.county_code.clone(),
            SubCounty => citizen.sub_county.clone(),
            KraPin => citizen.kra_pin.clone(),
        };
        if let Some(value) = value {
            answers.insert(field.id.clone(), Value::String(value));
        }
    }
    answers
}

/// Whether `field`, one of `service`'s own (not inside a list), shows for `answers` on `today`:
/// every one of its `visible_when` conditions holds. The one definition the form check uses; the
/// UI's `isVisible` is held to it by `visibility_cases`.
pub fn is_visible(service: &Service, field: &Field, answers: &Map<String, Value>, today: Date) -> bool {
    let context = Context { today, top: answers, item: None };
    field.visible_when.iter().all(|c| context.holds(c, &service.fields, None))
}

/// Cases for front ends that decide visibility as the officer types: for every field of every
/// service in `catalogue` that shows on a choice, a yes/no or whether another field is answered
/// (age conditions need dates and are left to the core), answers under which it shows and answers
/// breaking each condition in turn, with what `is_visible` says of each.
pub fn visibility_cases(catalogue: &super::Catalogue, today: Date) -> Vec<VisibilityCase> {
    let mut cases = Vec::new();
    for service in &catalogue.services {
        for field in &service.fields {
            let conditions = &field.visible_when;
            if conditions.is_empty() || conditions.iter().any(|c| c.age_under.is_some() || c.age_at_least.is_some()) {
                continue;
            }
            let meeting = |c: &Condition| -> Option<Value> {
                match (&c.equals, &c.one_of, c.filled) {
                    (Some(Scalar::Bool(b)), _, _) => Some(Value::Bool(*b)),
                    (Some(Scalar::Text(t)), _, _) => Some(Value::String(t.clone())),
                    (None, Some(values), _) => values.first().cloned().map(Value::String),
                    (None, None, Some(true)) => Some(Value::String("answered".into())),
                    _ => None,
                }
            };
            let breaking = |c: &Condition| -> Option<Value> {
                match (&c.equals, &c.one_of, c.filled) {
                    (Some(Scalar::Bool(b)), _, _) => Some(Value::Bool(!*b)),
                    (Some(Scalar::Text(_)), _, _) | (None, Some(_), _) => Some(Value::String("something-else".into())),
                    (None, None, Some(false)) => Some(Value::String("answered".into())),
                    _ => None,
                }
            };
            let mut all_met = Map::new();
            for condition in conditions {
                if let Some(value) = meeting(condition) {
                    all_met.insert(condition.field.clone(), value);
                }
            }
            let mut answer_sets = vec![all_met.clone()];
            for condition in conditions {
                let mut broken = all_met.clone();
                match breaking(condition) {
                    Some(value) => broken.insert(condition.field.clone(), value),
                    None => broken.remove(&condition.field),
                };
                answer_sets.push(broken);
            }
            for answers in answer_sets {
                let visible = is_visible(service, field, &answers, today);
                cases.push(VisibilityCase {
                    service: service.id.clone(),
                    field: field.id.clone(),
                    visible_when: conditions.clone(),
                    answers,
                    visible,
                });
            }
        }
    }
    cases
}

/// One row of [`visibility_cases`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisibilityCase {
    pub service: String,
    pub field: String,
    pub visible_when: Vec<Condition>,
    pub answers: Map<String, Value>,
    pub visible: bool,
}

/// What conditions are evaluated against: the whole form, and the list item being checked.
struct Context<'a> {
    today: Date,
    top: &'a Map<String, Value>,
    item: Option<&'a Map<String, Value>>,
}

impl Context<'_> {
    /// Whether `condition` holds. `scope` holds the fields the condition may name first (the item's
    /// fields inside a list), `outer` the form's fields.
    fn holds(&self, condition: &Condition, scope: &[Field], outer: Option<&[Field]>) -> bool {
        let (field, answer) = match scope.iter().find(|f| f.id == condition.field) {
            Some(field) => (field, self.item.unwrap_or(self.top).get(&field.id)),
            None => match outer.and_then(|o| o.iter().find(|f| f.id == condition.field)) {
                Some(field) => (field, self.top.get(&field.id)),
                None => return false,
            },
        };
        if let Some(filled) = condition.filled {
            return filled == answer.is_some_and(|a| !is_empty(a));
        }
        let Some(answer) = answer.filter(|a| !is_empty(a)) else { return false };
        if let Some(expected) = &condition.equals {
            return match (expected, field.kind) {
                (Scalar::Bool(want), _) => yes_no(answer) == Some(*want),
                (Scalar::Text(want), FieldType::Sex) => {
                    as_text(answer).and_then(|t| Sex::parse(&t).ok()).is_some_and(|s| s.as_str() == want)
                }
                (Scalar::Text(want), _) => as_text(answer).is_some_and(|t| t.trim() == want),
            };
        }
        if let Some(values) = &condition.one_of {
            return as_text(answer).is_some_and(|t| values.iter().any(|v| v == t.trim()));
        }
        let date = as_text(answer).and_then(|t| parse_date(&t));
        if let Some(period) = condition.age_under {
            return date.and_then(|d| period.after(d)).is_some_and(|reached| reached > self.today);
        }
        if let Some(period) = condition.age_at_least {
            return date.and_then(|d| period.after(d)).is_some_and(|reached| reached <= self.today);
        }
        false
    }
}

/// Checks `fields` (the form's, or one list item's when `context.item` is set, with the form's
/// fields as `outer`) into `answers`.
fn check_fields(
    fields: &[Field],
    outer: Option<&[Field]>,
    context: &Context<'_>,
    prefix: &str,
    answers: &mut Map<String, Value>,
    errors: &mut Vec<Problem>,
) {
    let source = context.item.unwrap_or(context.top);
    let holds_all = |conditions: &[Condition]| conditions.iter().all(|c| context.holds(c, fields, outer));
    for field in fields {
        let path = format!("{prefix}{}", field.id);
        if !holds_all(&field.visible_when) {
            continue;
        }
        let required = field.required || (!field.required_when.is_empty() && holds_all(&field.required_when));
        let answer = source.get(&field.id).filter(|a| !is_empty(a));
        let Some(answer) = answer else {
            if required {
                errors.push(Problem::new(path, Reason::Required).with_label(&field.label));
            }
            continue;
        };
        if field.kind == FieldType::List {
            if let Some(items) = check_list(field, fields, answer, context, &path, errors) {
                answers.insert(field.id.clone(), Value::Array(items));
            }
            continue;
        }
        match normalise(field, answer, &path, context.today) {
            Ok(value) => {
                answers.insert(field.id.clone(), value);
            }
            Err(problem) => errors.push(problem.with_label(&field.label)),
        }
    }
}

fn check_list(
    field: &Field,
    form_fields: &[Field],
    answer: &Value,
    context: &Context<'_>,
    path: &str,
    errors: &mut Vec<Problem>,
) -> Option<Vec<Value>> {
    let Some(items) = answer.as_array() else {
        errors.push(Problem::new(path, Reason::ListFormat).with_label(&field.label));
        return None;
    };
    let (min, max) = (field.min_items.unwrap_or(0), field.max_items.unwrap_or(50));
    if items.len() < min as usize || items.len() > max as usize {
        errors.push(
            Problem::new(path, Reason::ListItems)
                .with_label(&field.label)
                .with_param("min", min)
                .with_param("max", max),
        );
        return None;
    }
    let mut checked_items = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{index}]");
        let Some(item) = item.as_object() else {
            errors.push(Problem::new(item_path, Reason::ListFormat).with_label(&field.label));
            continue;
        };
        for key in item.keys() {
            if !field.fields.iter().any(|f| &f.id == key) {
                errors.push(Problem::new(format!("{item_path}.{key}"), Reason::UnknownField));
            }
        }
        let item_context = Context { today: context.today, top: context.top, item: Some(item) };
        let mut item_answers = Map::new();
        let item_prefix = format!("{item_path}.");
        check_fields(&field.fields, Some(form_fields), &item_context, &item_prefix, &mut item_answers, errors);
        checked_items.push(Value::Object(item_answers));
    }
    Some(checked_items)
}

fn check_documents(
    service: &Service,
    raw: Option<&Value>,
    context: &Context<'_>,
    errors: &mut Vec<Problem>,
) -> Vec<String> {
    let mut ticked: Vec<String> = Vec::new();
    match raw {
        None | Some(Value::Null) => {}
        Some(Value::Array(values)) => {
            for value in values {
                match value.as_str().map(str::trim) {
                    Some(id) if service.document(id).is_some() => {
                        if !ticked.iter().any(|t| t == id) {
                            ticked.push(id.to_string());
                        }
                    }
                    Some(id) => {
                        errors.push(Problem::new(DOCUMENTS_KEY, Reason::DocumentUnknown).with_param("document", id))
                    }
                    None => errors.push(Problem::new(DOCUMENTS_KEY, Reason::ListFormat)),
                }
            }
        }
        Some(_) => errors.push(Problem::new(DOCUMENTS_KEY, Reason::ListFormat)),
    }
    for document in &service.documents {
        let required = document.required
            || (!document.required_when.is_empty()
                && document.required_when.iter().all(|c| context.holds(c, &service.fields, None)));
        if required && !ticked.iter().any(|t| t == &document.id) {
            errors.push(
                Problem::new(format!("{DOCUMENTS_KEY}.{}", document.id), Reason::DocumentMissing)
                    .with_label(&document.label),
            );
        }
    }
    // Keep catalogue order so the slip and the MDA see the same list every time.
    service.documents.iter().filter(|d| ticked.contains(&d.id)).map(|d| d.id.clone()).collect()
}

/// One answer of a non-list field, checked and put in its canonical form.
fn normalise(field: &Field, answer: &Value, path: &str, today: Date) -> Result<Value, Problem> {
    let text = as_text(answer);
    let wrong_type = || Problem::new(path, Reason::WrongType);
    let from = |result: crate::error::Result<String>| result.map(Value::String).map_err(Problem::from);
    match field.kind {
        FieldType::Text => {
            let text = text.ok_or_else(wrong_type)?;
            let trimmed = text.trim();
            if trimmed.chars().any(char::is_control) {
                return Err(Problem::new(path, Reason::ControlCharacters));
            }
            let (min, max) = (field.min_length.unwrap_or(1), field.max_length.unwrap_or(DEFAULT_MAX_TEXT));
            let length = trimmed.chars().count();
            if length < min as usize || length > max as usize {
                return Err(Problem::new(path, Reason::TextLength).with_param("min", min).with_param("max", max));
            }
            if let Some(pattern) = &field.pattern {
                // Checked at load, so this only fails if the pattern is somehow unusable.
                let matches = regex_lite::Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|r| r.is_match(trimmed));
                if !matches {
                    let example = field.example.clone().unwrap_or_default();
                    return Err(Problem::new(path, Reason::PatternMismatch).with_param("example", example));
                }
            }
            Ok(Value::String(trimmed.to_string()))
        }
        FieldType::Name => from(validate::person_name(path, &text.ok_or_else(wrong_type)?)),
        FieldType::NationalId => from(validate::national_id_number(path, &text.ok_or_else(wrong_type)?)),
        FieldType::KraPin => from(validate::kra_pin(path, &text.ok_or_else(wrong_type)?)),
        FieldType::Phone => from(validate::kenyan_phone(path, &text.ok_or_else(wrong_type)?)),
        FieldType::Email => from(validate::email(path, &text.ok_or_else(wrong_type)?)),
        FieldType::County => from(counties::county_code(path, &text.ok_or_else(wrong_type)?)),
        FieldType::Sex => {
            let sex = Sex::parse(&text.ok_or_else(wrong_type)?).map_err(|_| Problem::new(path, Reason::SexValue))?;
            Ok(Value::String(sex.as_str().to_string()))
        }
        FieldType::Date => {
            let date =
                parse_date(&text.ok_or_else(wrong_type)?).ok_or_else(|| Problem::new(path, Reason::DateFormat))?;
            if date > today && field.allow_future != Some(true) {
                return Err(Problem::new(path, Reason::DateInFuture));
            }
            if (today.year() - date.year()).abs() > 130 {
                return Err(Problem::new(path, Reason::DateTooOld));
            }
            Ok(Value::String(date.to_string()))
        }
        FieldType::Integer => {
            let number = match answer {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            }
            .ok_or_else(|| Problem::new(path, Reason::IntegerFormat))?;
            check_range(field, number as f64, path)?;
            Ok(Value::from(number))
        }
        FieldType::Decimal => {
            let number = match answer {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|n| n.is_finite())
            .ok_or_else(|| Problem::new(path, Reason::NumberFormat))?;
            check_range(field, number, path)?;
            serde_json::Number::from_f64(number)
                .map(Value::Number)
                .ok_or_else(|| Problem::new(path, Reason::NumberFormat))
        }
        FieldType::Choice => {
            let text = text.ok_or_else(wrong_type)?;
            let wanted = text.trim();
            field
                .choices
                .iter()
                .find(|c| c.value == wanted || c.value.eq_ignore_ascii_case(wanted))
                .map(|c| Value::String(c.value.clone()))
                .ok_or_else(|| Problem::new(path, Reason::ChoiceUnknown))
        }
        FieldType::YesNo => yes_no(answer).map(Value::Bool).ok_or_else(|| Problem::new(path, Reason::YesNoFormat)),
        FieldType::List => Err(wrong_type()),
    }
}

fn check_range(field: &Field, number: f64, path: &str) -> Result<(), Problem> {
    let below = field.min.is_some_and(|min| number < min);
    let above = field.max.is_some_and(|max| number > max);
    if below || above {
        let show = |n: Option<f64>| n.map(format_number).unwrap_or_else(|| "-".into());
        return Err(Problem::new(path, Reason::NumberRange)
            .with_param("min", show(field.min))
            .with_param("max", show(field.max)));
    }
    Ok(())
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// A scalar answer as text: strings as they are, numbers written out (ID numbers typed as numbers).
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn yes_no(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_lowercase().as_str() {
            "yes" | "y" | "true" | "ndiyo" | "ndio" => Some(true),
            "no" | "n" | "false" | "hapana" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// A label for a field path such as `dependants[1].surname`, from the catalogue.
pub fn label_of(service: &Service, path: &str) -> Option<Text> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let (list_id, _) = first.split_once('[').unwrap_or((first, ""));
    let field = service.field(list_id)?;
    match parts.next() {
        None => Some(field.label.clone()),
        Some(inner) => field.fields.iter().find(|f| f.id == inner).map(|f| f.label.clone()),
    }
}
