//! Citizens: registered once on a laptop, then applying for one or several services.

use crate::error::{DomainError, Reason, Result};
use crate::{counties, validate};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Intersex,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Intersex => "intersex",
        }
    }

    pub fn parse(text: &str) -> Result<Sex> {
        match text.trim().to_ascii_lowercase().as_str() {
            "female" | "f" => Ok(Sex::Female),
            "male" | "m" => Ok(Sex::Male),
            "intersex" | "i" => Ok(Sex::Intersex),
            _ => Err(DomainError::invalid("sex", Reason::SexValue)),
        }
    }
}

/// What the officer types for a new citizen, before validation. Strings are raw input.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCitizen {
    /// Absent for children and for adults applying for their first ID.
    #[serde(default)]
    pub id_number: Option<String>,
    pub surname: String,
    pub given_names: String,
    pub date_of_birth: String,
    pub sex: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub county_code: Option<String>,
    #[serde(default)]
    pub sub_county: Option<String>,
    #[serde(default)]
    pub kra_pin: Option<String>,
}

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Canonical, validated citizen details; the part of `Citizen` that officers edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CitizenDetails {
    pub id_number: Option<String>,
    pub surname: String,
    pub given_names: String,
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub date_of_birth: Date,
    pub sex: Sex,
    pub phone: Option<String>,
    pub county_code: Option<String>,
    // Added in schema 2. Left out of the serialised record when absent, so the audit hashes of
    // citizens registered before then still verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_county: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kra_pin: Option<String>,
}

/// An optional field's trimmed text, or `None` when left blank.
fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl NewCitizen {
    pub fn validate(&self, now: OffsetDateTime) -> Result<CitizenDetails> {
        Ok(CitizenDetails {
            id_number: non_empty(&self.id_number).map(|v| validate::national_id_number("id_number", v)).transpose()?,
            surname: validate::person_name("surname", &self.surname)?,
            given_names: validate::person_name("given_names", &self.given_names)?,
            date_of_birth: validate::date_of_birth("date_of_birth", &self.date_of_birth, validate::today(now))?,
            sex: Sex::parse(&self.sex)?,
            phone: non_empty(&self.phone).map(|v| validate::kenyan_phone("phone", v)).transpose()?,
            county_code: non_empty(&self.county_code).map(|v| counties::county_code("county_code", v)).transpose()?,
            sub_county: non_empty(&self.sub_county).map(|v| validate::place_name("sub_county", v)).transpose()?,
            kra_pin: non_empty(&self.kra_pin).map(|v| validate::kra_pin("kra_pin", v)).transpose()?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Citizen {
    pub id: Uuid,
    #[serde(flatten)]
    pub details: CitizenDetails,
    pub registered_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub registered_at: OffsetDateTime,
}
