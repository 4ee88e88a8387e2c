//! Whole-catalogue checks, run once at load: everything serde's shape check cannot see. A
//! catalogue that passes can be used to render and validate forms without further surprises: every
//! reference resolves, every option fits its field's type, every text exists in both languages.

use super::{Catalogue, Condition, Document, Field, FieldType, Rule, Scalar, Service};
use crate::validate;
use std::collections::HashSet;

pub(super) const MAX_FILE_BYTES: usize = 1 << 20;
const MAX_SERVICES: usize = 300;
const MAX_FIELDS: usize = 120;
const MAX_TEXT_LENGTH: u32 = 4000;
const MAX_LIST_ITEMS: u32 = 50;
const MAX_PATTERN_CHARS: usize = 200;
const MAX_TURNAROUND_DAYS: u32 = 730;
const MAX_REPETITION_PRODUCT: u64 = 1000;

/// Where a check failed and why.
pub(super) struct Refusal {
    pub service: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

type Checked = std::result::Result<(), Refusal>;

fn whole(message: impl Into<String>) -> Refusal {
    Refusal { service: None, field: None, message: message.into() }
}

pub(super) fn check(catalogue: &Catalogue) -> Checked {
    if catalogue.format != super::FORMAT {
        return Err(whole(format!(
            "format {} is not supported; this build reads format {}",
            catalogue.format,
            super::FORMAT
        )));
    }
    if catalogue.version == 0 {
        return Err(whole("version must be 1 or more"));
    }
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    if time::Date::parse(&catalogue.published, iso).is_err() {
        return Err(whole(format!("published `{}` is not a date written YYYY-MM-DD", catalogue.published)));
    }
    if catalogue.mdas.is_empty() {
        return Err(whole("no MDAs are listed"));
    }
    let mut mda_ids = HashSet::new();
    for mda in &catalogue.mdas {
        if !is_slug(&mda.id) {
            return Err(whole(format!("MDA id `{}` must be lower-case letters, digits and hyphens", mda.id)));
        }
        if !mda_ids.insert(mda.id.as_str()) {
            return Err(whole(format!("MDA `{}` is listed twice", mda.id)));
        }
        if mda.name.has_gap() {
            return Err(whole(format!("MDA `{}` needs its name in both English and Kiswahili", mda.id)));
        }
    }
    if catalogue.services.is_empty() {
        return Err(whole("no services are listed"));
    }
    if catalogue.services.len() > MAX_SERVICES {
        return Err(whole(format!("more than {MAX_SERVICES} services")));
    }
    let mut service_ids = HashSet::new();
    for service in &catalogue.services {
        let at = |field: Option<&str>, message: String| Refusal {
            service: Some(service.id.clone()),
            field: field.map(str::to_string),
            message,
        };
        if validate::service_id(&service.id).is_err() {
            return Err(at(
                None,
                "the id must be lower-case letters, digits, `.` and `-`, starting with a letter".into(),
            ));
        }
        if !service_ids.insert(service.id.as_str()) {
            return Err(at(None, "this id is used by two services".into()));
        }
        check_service(catalogue, service).map_err(|(field, message)| at(field.as_deref(), message))?;
    }
    check_indicators(catalogue)
}

/// Each feedback indicator is listed at most once, with known tags, each once.
fn check_indicators(catalogue: &Catalogue) -> Checked {
    let mut seen = HashSet::new();
    for indicator in &catalogue.indicators {
        if !super::INDICATORS.contains(&indicator.id.as_str()) {
            return Err(whole(format!(
                "indicator `{}` is not known; the indicators are {}",
                indicator.id,
                super::INDICATORS.join(", ")
            )));
        }
        if !seen.insert(indicator.id.as_str()) {
            return Err(whole(format!("indicator `{}` is listed twice", indicator.id)));
        }
        let mut tags = HashSet::new();
        for tag in &indicator.tags {
            if !super::INDICATOR_TAGS.contains(&tag.as_str()) {
                return Err(whole(format!(
                    "indicator `{}`: tag `{tag}` is not known; the tags are {}",
                    indicator.id,
                    super::INDICATOR_TAGS.join(", ")
                )));
            }
            if !tags.insert(tag.as_str()) {
                return Err(whole(format!("indicator `{}`: tag `{tag}` is given twice", indicator.id)));
            }
        }
    }
    Ok(())
}

/// A problem inside one service: the field (if any) and the message.
type InService = std::result::Result<(), (Option<String>, String)>;

fn in_field(field: &str, message: impl Into<String>) -> (Option<String>, String) {
    (Some(field.to_string()), message.into())
}

fn in_service(message: impl Into<String>) -> (Option<String>, String) {
    (None, message.into())
}

fn check_service(catalogue: &Catalogue, service: &Service) -> InService {
    if catalogue.mda(&service.mda).is_none() {
        return Err(in_service(format!("MDA `{}` is not listed in `mdas`", service.mda)));
    }
    for (what, text) in [
        ("name", &service.name),
        ("help", &service.help),
        ("eligibility", &service.eligibility),
        ("collection", &service.collection),
    ] {
        if text.has_gap() {
            return Err(in_service(format!("`{what}` needs both English (en) and Kiswahili (sw)")));
        }
    }
    if service.fee_note.as_ref().is_some_and(|t| t.has_gap()) {
        return Err(in_service("`fee_note` needs both English (en) and Kiswahili (sw)"));
    }
    if !(1..=MAX_TURNAROUND_DAYS).contains(&service.turnaround_days) {
        return Err(in_service(format!("`turnaround_days` must be 1 to {MAX_TURNAROUND_DAYS}")));
    }
    if service.fields.is_empty() {
        return Err(in_service("a service needs at least one field"));
    }
    if service.fields.len() > MAX_FIELDS {
        return Err(in_service(format!("more than {MAX_FIELDS} fields")));
    }
    check_fields(&service.fields, None)?;
    if let Some(key) = &service.duplicate_key {
        match service.field(key) {
            Some(f) if f.kind == FieldType::NationalId => {}
            Some(_) => return Err(in_field(key, "`duplicate_key` must name a national_id field")),
            None => return Err(in_service(format!("`duplicate_key` names `{key}`, which is not a field"))),
        }
    }
    let mut document_ids = HashSet::new();
    for document in &service.documents {
        check_document(service, document, &mut document_ids)?;
    }
    let mut rule_ids = HashSet::new();
    for rule in &service.rules {
        check_rule(service, rule, &mut rule_ids)?;
    }
    for id in &service.slip.fields {
        match service.field(id) {
            None => return Err(in_service(format!("the slip shows `{id}`, which is not a field"))),
            Some(f) if f.kind == FieldType::List => {
                return Err(in_field(id, "a list cannot be printed on the slip"));
            }
            Some(_) => {}
        }
    }
    if service.slip.note.as_ref().is_some_and(|t| t.has_gap()) {
        return Err(in_service("the slip's `note` needs both English (en) and Kiswahili (sw)"));
    }
    Ok(())
}

/// Checks the fields of a form (`item_of` is `None`) or of one list's items.
fn check_fields(fields: &[Field], item_of: Option<&[Field]>) -> InService {
    let mut ids = HashSet::new();
    for field in fields {
        let name = field.id.as_str();
        if !is_field_id(name) {
            return Err(in_field(name, "ids are lower-case letters, digits and `_`, starting with a letter"));
        }
        if name == super::DOCUMENTS_KEY {
            return Err(in_field(name, "`documents` is reserved for the documents checklist"));
        }
        if !ids.insert(name) {
            return Err(in_field(name, "two fields have this id"));
        }
        check_field(field, fields, item_of).map_err(|message| in_field(name, message))?;
    }
    Ok(())
}

fn check_field(field: &Field, siblings: &[Field], item_of: Option<&[Field]>) -> Result<(), String> {
    if field.label.has_gap() {
        return Err("`label` needs both English (en) and Kiswahili (sw)".into());
    }
    if field.help.as_ref().is_some_and(|t| t.has_gap()) {
        return Err("`help` needs both English (en) and Kiswahili (sw)".into());
    }
    if field.required && !field.required_when.is_empty() {
        return Err("set `required` or `required_when`, not both".into());
    }
    let kind = field.kind;
    let allowed = |option: &str, present: bool, types: &[FieldType]| -> Result<(), String> {
        if present && !types.contains(&kind) {
            let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
            return Err(format!("`{option}` applies only to {} fields, not {}", names.join("/"), kind.as_str()));
        }
        Ok(())
    };
    use FieldType::*;
    allowed("min_length", field.min_length.is_some(), &[Text])?;
    allowed("max_length", field.max_length.is_some(), &[Text])?;
    allowed("pattern", field.pattern.is_some(), &[Text])?;
    allowed("example", field.example.is_some(), &[Text])?;
    allowed("min", field.min.is_some(), &[Integer, Decimal])?;
    allowed("max", field.max.is_some(), &[Integer, Decimal])?;
    allowed("allow_future", field.allow_future.is_some(), &[Date])?;
    allowed("choices", !field.choices.is_empty(), &[Choice])?;
    allowed("fields", !field.fields.is_empty(), &[List])?;
    allowed("min_items", field.min_items.is_some(), &[List])?;
    allowed("max_items", field.max_items.is_some(), &[List])?;

    if let (Some(min), Some(max)) = (field.min_length, field.max_length)
        && min > max
    {
        return Err("`min_length` is more than `max_length`".into());
    }
    if field.max_length.is_some_and(|m| m == 0 || m > MAX_TEXT_LENGTH) {
        return Err(format!("`max_length` must be 1 to {MAX_TEXT_LENGTH}"));
    }
    if let Some(pattern) = &field.pattern {
        if pattern.chars().count() > MAX_PATTERN_CHARS {
            return Err(format!("`pattern` is longer than {MAX_PATTERN_CHARS} characters"));
        }
        // Counted repetition multiplies the compiled program's size, and nested counts such as
        // `((a{100}){100}){100}` would make a short pattern huge. Bounding the product of every
        // count (as if all were nested) keeps each pattern small without parsing it.
        let product = repetition_counts(pattern).try_fold(1u64, |acc, n| acc.checked_mul(n.max(1)));
        if product.is_none_or(|p| p > MAX_REPETITION_PRODUCT) {
            return Err(format!(
                "`pattern` repeats too much: the counts in braces multiply to more than {MAX_REPETITION_PRODUCT}"
            ));
        }
        let regex = regex_lite::Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| format!("`pattern` is not a valid regular expression: {}", e.to_string().trim()))?;
        match &field.example {
            Some(example) if !regex.is_match(example) => {
                return Err(format!("`example` `{example}` does not match `pattern`"));
            }
            None => return Err("a field with `pattern` needs an `example` of a matching answer".into()),
            Some(_) => {}
        }
    }
    for (name, value) in [("min", field.min), ("max", field.max)] {
        if let Some(v) = value {
            if !v.is_finite() {
                return Err(format!("`{name}` must be a finite number"));
            }
            if kind == Integer && v.fract() != 0.0 {
                return Err(format!("`{name}` of an integer field must be a whole number"));
            }
        }
    }
    if let (Some(min), Some(max)) = (field.min, field.max)
        && min > max
    {
        return Err("`min` is more than `max`".into());
    }
    if kind == Choice {
        if field.choices.is_empty() {
            return Err("a choice field needs `choices`".into());
        }
        let mut values = HashSet::new();
        for choice in &field.choices {
            if choice.value.trim().is_empty()
                || choice.value.chars().count() > 60
                || choice.value.trim() != choice.value
            {
                return Err(format!("choice value `{}` must be 1 to 60 characters without outer spaces", choice.value));
            }
            if !values.insert(choice.value.as_str()) {
                return Err(format!("choice value `{}` appears twice", choice.value));
            }
            if choice.label.has_gap() {
                return Err(format!("choice `{}` needs its label in both English and Kiswahili", choice.value));
            }
        }
    }
    if kind == List {
        if item_of.is_some() {
            return Err("a list cannot hold another list".into());
        }
        if field.fields.is_empty() {
            return Err("a list field needs `fields` for its items".into());
        }
        if field.prefill.is_some() {
            return Err("a list cannot be prefilled".into());
        }
        let (min, max) = (field.min_items.unwrap_or(0), field.max_items.unwrap_or(MAX_LIST_ITEMS));
        if min > max || max > MAX_LIST_ITEMS {
            return Err(format!("items must satisfy min_items <= max_items <= {MAX_LIST_ITEMS}"));
        }
        check_fields(&field.fields, Some(siblings)).map_err(|(inner, message)| match inner {
            Some(inner) => format!("item field `{inner}`: {message}"),
            None => message,
        })?;
    }
    if let Some(attribute) = field.prefill {
        if item_of.is_some() {
            return Err("fields inside a list cannot be prefilled from the profile".into());
        }
        if attribute.field_type() != kind {
            return Err(format!(
                "prefill from {attribute:?} needs a {} field, not {}",
                attribute.field_type().as_str(),
                kind.as_str()
            ));
        }
    }
    for condition in field.required_when.iter().chain(&field.visible_when) {
        if condition.field == field.id {
            return Err("a field's conditions cannot test the field itself".into());
        }
        check_condition(condition, siblings, item_of)?;
    }
    Ok(())
}

fn check_document(service: &Service, document: &Document, ids: &mut HashSet<String>) -> InService {
    let name = format!("documents.{}", document.id);
    if !is_field_id(&document.id) {
        return Err(in_field(&name, "document ids are lower-case letters, digits and `_`"));
    }
    if !ids.insert(document.id.clone()) {
        return Err(in_field(&name, "two documents have this id"));
    }
    if document.label.has_gap() {
        return Err(in_field(&name, "`label` needs both English (en) and Kiswahili (sw)"));
    }
    if document.required && !document.required_when.is_empty() {
        return Err(in_field(&name, "set `required` or `required_when`, not both"));
    }
    for condition in &document.required_when {
        check_condition(condition, &service.fields, None).map_err(|m| in_field(&name, m))?;
    }
    Ok(())
}

fn check_rule(service: &Service, rule: &Rule, ids: &mut HashSet<String>) -> InService {
    let name = format!("rules.{}", rule.id);
    if !is_field_id(&rule.id) {
        return Err(in_field(&name, "rule ids are lower-case letters, digits and `_`"));
    }
    if !ids.insert(rule.id.clone()) {
        return Err(in_field(&name, "two rules have this id"));
    }
    if rule.when.is_empty() {
        return Err(in_field(&name, "a rule needs at least one condition in `when`"));
    }
    if service.field(&rule.field).is_none() && rule.field != super::DOCUMENTS_KEY {
        return Err(in_field(&name, format!("the rule shows its message at `{}`, which is not a field", rule.field)));
    }
    if rule.message.has_gap() {
        return Err(in_field(&name, "`message` needs both English (en) and Kiswahili (sw)"));
    }
    for condition in &rule.when {
        check_condition(condition, &service.fields, None).map_err(|m| in_field(&name, m))?;
    }
    Ok(())
}

fn check_condition(condition: &Condition, scope: &[Field], outer: Option<&[Field]>) -> Result<(), String> {
    let target = scope
        .iter()
        .chain(outer.unwrap_or_default())
        .find(|f| f.id == condition.field)
        .ok_or_else(|| format!("a condition tests `{}`, which is not a field here", condition.field))?;
    let tests = [
        condition.equals.is_some(),
        condition.one_of.is_some(),
        condition.filled.is_some(),
        condition.age_under.is_some(),
        condition.age_at_least.is_some(),
    ];
    if tests.iter().filter(|t| **t).count() != 1 {
        return Err(format!(
            "a condition on `{}` needs exactly one of equals, one_of, filled, age_under, age_at_least",
            condition.field
        ));
    }
    let is_choice_value = |value: &str| target.choices.iter().any(|c| c.value == value);
    match (&condition.equals, target.kind) {
        (None, _) => {}
        (Some(Scalar::Bool(_)), FieldType::YesNo) => {}
        (Some(Scalar::Text(value)), FieldType::Choice) if is_choice_value(value) => {}
        (Some(Scalar::Text(value)), FieldType::Sex) if matches!(value.as_str(), "female" | "male" | "intersex") => {}
        (Some(value), _) => {
            return Err(format!("`equals = {value:?}` can never match field `{}`", condition.field));
        }
    }
    if let Some(values) = &condition.one_of {
        if target.kind != FieldType::Choice {
            return Err(format!("`one_of` applies to choice fields; `{}` is not one", condition.field));
        }
        if values.is_empty() {
            return Err("`one_of` needs at least one value".into());
        }
        if let Some(unknown) = values.iter().find(|v| !is_choice_value(v)) {
            return Err(format!("`one_of` lists `{unknown}`, which is not a choice of `{}`", condition.field));
        }
    }
    if (condition.age_under.is_some() || condition.age_at_least.is_some()) && target.kind != FieldType::Date {
        return Err(format!("age conditions apply to date fields; `{}` is not one", condition.field));
    }
    Ok(())
}

/// The numbers inside `{m}`, `{m,}` and `{m,n}` of a pattern (over-counting escaped braces is
/// harmless: it can only refuse).
fn repetition_counts(pattern: &str) -> impl Iterator<Item = u64> + '_ {
    pattern
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .flat_map(|(inside, _)| inside.split(',').map(|n| n.trim().parse::<u64>().unwrap_or(0)).collect::<Vec<_>>())
}

fn is_slug(id: &str) -> bool {
    (2..=40).contains(&id.len())
        && id.as_bytes()[0].is_ascii_lowercase()
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_field_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id.as_bytes()[0].is_ascii_lowercase()
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
