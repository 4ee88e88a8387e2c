//! The service catalogue: every service an outreach can offer, described as data.
//!
//! A catalogue is one TOML file (format described in `docs/CATALOGUE.md`). Adding a service, a
//! field, a document or a rule is an edit to that file, never to code. The laptop starts with the
//! built-in catalogue compiled into this crate; the sync server publishes newer versions, and each
//! application records the version it was captured under.
//!
//! Loading is all-or-nothing: the file is parsed with unknown keys refused, then checked as a whole
//! (`check.rs`); the first problem refuses the catalogue with a message naming the file, the
//! service and the field. Form answers are checked against a loaded service in `form.rs`.

mod check;
pub mod form;
pub mod sample;

use crate::error::{DomainError, Result};
use crate::lang::Text;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;

pub use form::FormCheck;

/// The catalogue file format this build reads. A new format number means an incompatible change.
pub const FORMAT: u32 = 1;

/// The built-in catalogue, compiled in so a laptop can capture from its first start.
pub const BUILT_IN_FILE: &str = "huduma-catalogue.toml";
pub const BUILT_IN_TEXT: &str = include_str!("../../catalogue/huduma-catalogue.toml");

/// Form key under which the documents the officer saw are listed (by document id).
pub const DOCUMENTS_KEY: &str = "documents";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// File format (see [`FORMAT`]).
    pub format: u32,
    /// Content version, raised by one with every publication.
    pub version: u32,
    /// Publication date, `YYYY-MM-DD`.
    pub published: String,
    pub mdas: Vec<Mda>,
    pub services: Vec<Service>,
    /// Tags of the feedback indicators (Huduma Halisi), for reporting against efficiency,
    /// transparency and SDG 16. Optional: catalogues written before it load unchanged, their
    /// indicators untagged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<Indicator>,
}

/// The feedback indicators a catalogue may tag: the satisfaction rate and the complaints of each
/// category.
pub const INDICATORS: [&str; 5] = [
    "satisfaction",
    "complaints.discrimination",
    "complaints.poor_service",
    "complaints.corruption",
    "complaints.other",
];

/// The tags an indicator may carry.
pub const INDICATOR_TAGS: [&str; 3] = ["efficiency", "transparency", "sdg16"];

/// One feedback indicator (one of [`INDICATORS`]) and the reporting tags it counts towards (among
/// [`INDICATOR_TAGS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A ministry, department or agency that owns services and reviews their applications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Mda {
    pub id: String,
    pub name: Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Stable id, e.g. `national-id.first-issue`.
    pub id: String,
    /// Owning MDA's id.
    pub mda: String,
    pub name: Text,
    /// What the service is, for the officer and the citizen.
    pub help: Text,
    /// Who may apply, in words (the machine-checked part is in `rules`).
    pub eligibility: Text,
    /// Fee in whole Kenya shillings; 0 for free services.
    #[serde(default)]
    pub fee_ksh: u32,
    #[serde(default)]
    pub fee_note: Option<Text>,
    /// Promised turnaround in calendar days.
    pub turnaround_days: u32,
    /// Where and how the citizen collects the result.
    pub collection: Text,
    /// Field holding the ID number that identifies the applicant, for duplicate warnings.
    #[serde(default)]
    pub duplicate_key: Option<String>,
    pub fields: Vec<Field>,
    #[serde(default)]
    pub documents: Vec<Document>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    pub slip: Slip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text, optionally bounded (`min_length`, `max_length`) and patterned (`pattern`).
    Text,
    /// A person's name part: letters, apostrophes, hyphens, single spaces.
    Name,
    /// Kenyan national ID number.
    NationalId,
    /// KRA PIN: A or P, nine digits, a letter.
    KraPin,
    /// Kenyan mobile number, stored in E.164.
    Phone,
    Email,
    /// `YYYY-MM-DD`; not in the future unless `allow_future`.
    Date,
    Integer,
    Decimal,
    /// One of `choices`.
    Choice,
    /// true or false.
    YesNo,
    /// female, male or intersex.
    Sex,
    /// One of the 47 counties, stored as its code `001`…`047`.
    County,
    /// A repeated group of `fields` (dependants, children), `min_items`…`max_items` long.
    List,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Name => "name",
            FieldType::NationalId => "national_id",
            FieldType::KraPin => "kra_pin",
            FieldType::Phone => "phone",
            FieldType::Email => "email",
            FieldType::Date => "date",
            FieldType::Integer => "integer",
            FieldType::Decimal => "decimal",
            FieldType::Choice => "choice",
            FieldType::YesNo => "yes_no",
            FieldType::Sex => "sex",
            FieldType::County => "county",
            FieldType::List => "list",
        }
    }
}

/// One question on a form. Options that do not apply to the field's type are refused at load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    pub label: Text,
    #[serde(default)]
    pub help: Option<Text>,
    #[serde(default)]
    pub required: bool,
    /// Required only when all these conditions hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_when: Vec<Condition>,
    /// Shown (and kept) only when all these conditions hold; answers to hidden fields are dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visible_when: Vec<Condition>,
    /// Citizen profile attribute that fills this field in advance.
    #[serde(default)]
    pub prefill: Option<ProfileAttribute>,
    // --- text ---
    #[serde(default)]
    pub min_length: Option<u32>,
    #[serde(default)]
    pub max_length: Option<u32>,
    /// Regular expression the whole answer must match (regex-lite syntax).
    #[serde(default)]
    pub pattern: Option<String>,
    /// Example of a matching answer, shown with pattern errors and checked against the pattern.
    #[serde(default)]
    pub example: Option<String>,
    // --- integer and decimal ---
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    // --- date ---
    #[serde(default)]
    pub allow_future: Option<bool>,
    // --- choice ---
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    // --- list ---
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    #[serde(default)]
    pub min_items: Option<u32>,
    #[serde(default)]
    pub max_items: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: Text,
}

/// The citizen profile attributes a field can be prefilled from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProfileAttribute {
    IdNumber,
    Surname,
    GivenNames,
    DateOfBirth,
    Sex,
    Phone,
    CountyCode,
    SubCounty,
    KraPin,
}

impl ProfileAttribute {
    /// The field type a prefilled field must have, so a prefilled value always validates.
    pub fn field_type(self) -> FieldType {
        match self {
            ProfileAttribute::IdNumber => FieldType::NationalId,
            ProfileAttribute::Surname | ProfileAttribute::GivenNames => FieldType::Name,
            ProfileAttribute::DateOfBirth => FieldType::Date,
            ProfileAttribute::Sex => FieldType::Sex,
            ProfileAttribute::Phone => FieldType::Phone,
            ProfileAttribute::CountyCode => FieldType::County,
            ProfileAttribute::SubCounty => FieldType::Text,
            ProfileAttribute::KraPin => FieldType::KraPin,
        }
    }
}

/// A test on one answer. Exactly one of the tests is given; conditions in a list must all hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// A field of the same form (or, inside a list item, a field of the same item first).
    pub field: String,
    /// The answer equals this choice value, or this yes/no.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Scalar>,
    /// The answer is one of these choice values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    /// The field is answered (true) or left empty (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filled: Option<bool>,
    /// The date in the field is less than this long ago (an age under).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub age_under: Option<Period>,
    /// The date in the field is at least this long ago (an age of at least).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub age_at_least: Option<Period>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Text(String),
}

/// A cross-field rule: when all its conditions hold, the form is refused with its message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub when: Vec<Condition>,
    /// The field the message is shown against.
    pub field: String,
    pub message: Text,
}

/// A document the officer must see (and tick) before the application can be submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub id: String,
    pub label: Text,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_when: Vec<Condition>,
}

/// What the acknowledgement slip shows beyond the reference, service and citizen's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Slip {
    /// Field ids whose answers are printed.
    pub fields: Vec<String>,
    #[serde(default)]
    pub note: Option<Text>,
}

/// A length of time written `18y`, `6m` or `42d` (years, months or days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub amount: u16,
    pub unit: PeriodUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodUnit {
    Years,
    Months,
    Days,
}

impl Period {
    pub fn parse(text: &str) -> Option<Period> {
        let text = text.trim();
        let split = text.len().checked_sub(1)?;
        let (number, unit) = (text.get(..split)?, text.get(split..)?);
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let amount: u16 = number.parse().ok()?;
        let unit = match unit {
            "y" => PeriodUnit::Years,
            "m" => PeriodUnit::Months,
            "d" => PeriodUnit::Days,
            _ => return None,
        };
        Some(Period { amount, unit })
    }

    /// `date` plus this period; the day is clamped to the month's end (29 Feb + 1y = 28 Feb).
    pub fn after(self, date: Date) -> Option<Date> {
        self.shift(date, 1)
    }

    /// `date` minus this period, clamped the same way.
    pub fn before(self, date: Date) -> Option<Date> {
        self.shift(date, -1)
    }

    fn shift(self, date: Date, sign: i32) -> Option<Date> {
        let months = sign
            * match self.unit {
                PeriodUnit::Days => {
                    return date.checked_add(time::Duration::days(i64::from(sign) * i64::from(self.amount)));
                }
                PeriodUnit::Years => i32::from(self.amount) * 12,
                PeriodUnit::Months => i32::from(self.amount),
            };
        let index = date.year() * 12 + (date.month() as i32 - 1) + months;
        let (year, month0) = (index.div_euclid(12), index.rem_euclid(12));
        let month = time::Month::try_from(u8::try_from(month0 + 1).ok()?).ok()?;
        let day = date.day().min(month.length(year));
        Date::from_calendar_date(year, month, day).ok()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            PeriodUnit::Years => 'y',
            PeriodUnit::Months => 'm',
            PeriodUnit::Days => 'd',
        };
        write!(f, "{}{unit}", self.amount)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Period::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not a period: write a number then y, m or d, e.g. 18y"))
        })
    }
}

/// Why a catalogue was refused: the file, and where in it, as precisely as known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogueError {
    pub file: String,
    pub service: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "catalogue {} refused", self.file)?;
        if let Some(service) = &self.service {
            write!(f, ": service `{service}`")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl Catalogue {
    /// The catalogue compiled into this build.
    pub fn built_in() -> Result<Catalogue> {
        Catalogue::parse(BUILT_IN_FILE, BUILT_IN_TEXT)
    }

    /// Parses and checks catalogue text; `file` names it in error messages.
    pub fn parse(file: &str, text: &str) -> Result<Catalogue> {
        let refuse = |service: Option<String>, field: Option<String>, message: String| {
            DomainError::CatalogueInvalid(Box::new(CatalogueError { file: file.to_string(), service, field, message }))
        };
        if text.len() > check::MAX_FILE_BYTES {
            return Err(refuse(None, None, format!("larger than {} bytes", check::MAX_FILE_BYTES)));
        }
        // Parse to a plain table first (syntax errors, with line and column), then map it onto
        // the model with the path of any mismatch, so the message can name service and field.
        let table: toml::Table = toml::from_str(text).map_err(|e| refuse(None, None, one_line(&e.to_string())))?;
        let catalogue: Catalogue =
            serde_path_to_error::deserialize(toml::Value::Table(table.clone())).map_err(|e| {
                let (service, field) = locate(&table, &e.path().to_string());
                refuse(service, field, format!("{} (at {})", one_line(&e.inner().to_string()), e.path()))
            })?;
        check::check(&catalogue).map_err(|p| refuse(p.service, p.field, p.message))?;
        Ok(catalogue)
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    pub fn mda(&self, id: &str) -> Option<&Mda> {
        self.mdas.iter().find(|m| m.id == id)
    }

    /// The tags the catalogue gives `indicator` (e.g. `complaints.corruption`); none when it is
    /// not listed.
    pub fn indicator_tags(&self, indicator: &str) -> &[String] {
        self.indicators.iter().find(|i| i.id == indicator).map_or(&[], |i| i.tags.as_slice())
    }

    /// The catalogue as JSON, as the app's UI renders forms from it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl Service {
    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }
}

/// Keeps the first line of a multi-line parser message (the rest is a source excerpt).
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('|')).collect();
    lines.join(" ")
}

/// Turns a serde path such as `services[3].fields[2].label.sw` into the service's id and the
/// field's id, read from the raw table so they are known even when the service itself is bad.
fn locate(table: &toml::Table, path: &str) -> (Option<String>, Option<String>) {
    let index_after = |prefix: &str, text: &str| -> Option<usize> {
        let rest = text.strip_prefix(prefix)?;
        rest.get(..rest.find(']')?)?.parse().ok()
    };
    let Some(service_index) = index_after("services[", path) else { return (None, None) };
    let service = table.get("services").and_then(|s| s.as_array()).and_then(|s| s.get(service_index));
    let service_id = service
        .and_then(|s| s.get("id"))
        .and_then(|id| id.as_str())
        .map(str::to_string)
        .or_else(|| Some(format!("#{}", service_index + 1)));
    let rest = path.split_once("].").map(|(_, rest)| rest).unwrap_or("");
    let field_id = index_after("fields[", rest).map(|field_index| {
        service
            .and_then(|s| s.get("fields"))
            .and_then(|f| f.as_array())
            .and_then(|f| f.get(field_index))
            .and_then(|f| f.get("id"))
            .and_then(|id| id.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{}", field_index + 1))
    });
    (service_id, field_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn periods() {
        let p = |t: &str| Period::parse(t);
        assert_eq!(p("18y"), Some(Period { amount: 18, unit: PeriodUnit::Years }));
        assert_eq!(p("6m"), Some(Period { amount: 6, unit: PeriodUnit::Months }));
        for bad in ["", "y", "18", "18 y", "-1y", "1.5y", "18Y", "99999999y", "+1d"] {
            assert_eq!(p(bad), None, "{bad}");
        }
        let six_months = Period { amount: 6, unit: PeriodUnit::Months };
        assert_eq!(six_months.after(date!(2026 - 08 - 31)), Some(date!(2027 - 02 - 28)));
        let one_year = Period { amount: 1, unit: PeriodUnit::Years };
        assert_eq!(one_year.after(date!(2024 - 02 - 29)), Some(date!(2025 - 02 - 28)));
        assert_eq!(
            Period { amount: 42, unit: PeriodUnit::Days }.after(date!(2026 - 01 - 01)),
            Some(date!(2026 - 02 - 12))
        );
    }
}
