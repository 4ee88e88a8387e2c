//! What headquarters publishes to laptops, read from files an operator writes, and checked with
//! the same rules the laptops apply, so that nothing is published that a laptop would refuse.
//!
//! - a catalogue: the laptops' own TOML format, checked whole by `fieldkit_domain::Catalogue`;
//! - a roster: `[[officers]]` tables (number, name, role, active) for the laptops named;
//! - an outreach plan: one TOML table with the laptops it is assigned to.

use fieldkit_domain::{Catalogue, OfficerNumber, Role};
use fieldkit_protocol::{OutreachPlan, OutreachStatus, RosterOfficer, is_valid_device_id};
use serde::Deserialize;
use uuid::Uuid;

/// Why a file cannot be published; the message names the file and what to fix.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct PublishError {
    pub file: String,
    pub message: String,
}

fn refuse(file: &str, message: impl Into<String>) -> PublishError {
    PublishError { file: file.to_string(), message: message.into() }
}

/// Checks catalogue text as a laptop would and returns its version.
pub fn catalogue(file: &str, text: &str) -> Result<u32, PublishError> {
    Catalogue::parse(file, text).map(|c| c.version).map_err(|e| refuse(file, e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterFile {
    officers: Vec<RosterOfficer>,
}

/// Reads a roster file: every number and role must be one a laptop accepts, numbers once each.
pub fn roster(file: &str, text: &str) -> Result<Vec<RosterOfficer>, PublishError> {
    let parsed: RosterFile = toml::from_str(text).map_err(|e| refuse(file, e.message()))?;
    let mut seen = std::collections::BTreeSet::new();
    let mut officers = Vec::with_capacity(parsed.officers.len());
    for mut officer in parsed.officers {
        let number = OfficerNumber::parse(&officer.number)
            .map_err(|_| refuse(file, format!("officer number `{}` is not a service number", officer.number)))?;
        let role = Role::parse(&officer.role).map_err(|_| {
            refuse(
                file,
                format!(
                    "officer {}: role `{}` is not one of {}",
                    officer.number,
                    officer.role,
                    Role::ALL.map(Role::as_str).join(", ")
                ),
            )
        })?;
        if officer.name.trim().is_empty() {
            return Err(refuse(file, format!("officer {}: name is empty", officer.number)));
        }
        if !seen.insert(number.as_str().to_string()) {
            return Err(refuse(file, format!("officer {} is listed twice", number.as_str())));
        }
        officer.number = number.as_str().to_string();
        officer.role = role.as_str().to_string();
        officers.push(officer);
    }
    Ok(officers)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutreachFile {
    /// Laptops the plan is published to.
    laptops: Vec<String>,
    #[serde(default)]
    id: Option<Uuid>,
    #[serde(default = "first_revision")]
    revision: u32,
    name: String,
    centre: String,
    county: String,
    place: String,
    starts_on: String,
    ends_on: String,
    services: Vec<String>,
    #[serde(default = "confirmed")]
    status: OutreachStatus,
}

fn first_revision() -> u32 {
    1
}

fn confirmed() -> OutreachStatus {
    OutreachStatus::Confirmed
}

/// Reads an outreach plan: the county is a real county, the dates real and in order, every
/// service in `catalogue` (the newest published, or the built-in one). Returns the plan and the
/// laptops it goes to. A plan without an `id` gets a new one, which the caller should print so
/// later revisions can name it.
pub fn outreach(file: &str, text: &str, catalogue: &Catalogue) -> Result<(OutreachPlan, Vec<String>), PublishError> {
    let parsed: OutreachFile = toml::from_str(text).map_err(|e| refuse(file, e.message()))?;
    if parsed.laptops.is_empty() {
        return Err(refuse(file, "`laptops` is empty: name the laptops this outreach is assigned to"));
    }
    if let Some(bad) = parsed.laptops.iter().find(|id| !is_valid_device_id(id)) {
        return Err(refuse(file, format!("`{bad}` is not a laptop id (four characters such as K7QM)")));
    }
    let county_code = fieldkit_domain::counties::county_code("county", &parsed.county)
        .map_err(|_| refuse(file, format!("`{}` is not a Kenyan county or county code", parsed.county)))?;
    let date = |field: &str, raw: &str| {
        time::Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| refuse(file, format!("{field} `{raw}` is not a date (YYYY-MM-DD)")))
    };
    let (starts, ends) = (date("starts_on", &parsed.starts_on)?, date("ends_on", &parsed.ends_on)?);
    if ends < starts {
        return Err(refuse(file, format!("ends_on {ends} is before starts_on {starts}")));
    }
    if parsed.services.is_empty() {
        return Err(refuse(file, "`services` is empty"));
    }
    if let Some(unknown) = parsed.services.iter().find(|s| catalogue.service(s).is_none()) {
        return Err(refuse(file, format!("service `{unknown}` is not in catalogue version {}", catalogue.version)));
    }
    for (field, value) in [("name", &parsed.name), ("centre", &parsed.centre), ("place", &parsed.place)] {
        if value.trim().is_empty() {
            return Err(refuse(file, format!("`{field}` is empty")));
        }
    }
    let plan = OutreachPlan {
        id: parsed.id.unwrap_or_else(Uuid::now_v7),
        revision: parsed.revision,
        name: parsed.name,
        centre: parsed.centre,
        county_code,
        place: parsed.place,
        starts_on: starts.to_string(),
        ends_on: ends.to_string(),
        services: parsed.services,
        status: parsed.status,
        ..Default::default()
    };
    Ok((plan, parsed.laptops))
}

/// Checks a plan a laptop uploaded with the laptops' own planning rules
/// (`fieldkit_domain::planning::check_plan`), as of Kenya's date at `now`; the refusal names every
/// problem, in English (it lands in the uploading laptop's sync log).
pub fn check_plan(plan: &OutreachPlan, catalogue: &Catalogue, now: time::OffsetDateTime) -> Result<(), String> {
    if plan.laptops.is_empty() {
        return Err("the plan names no laptops to publish it to".into());
    }
    let today = fieldkit_domain::kenya_time::kenyan_date(now);
    let problems = fieldkit_domain::planning::check_plan(plan, catalogue, today);
    if problems.is_empty() {
        return Ok(());
    }
    let words: Vec<String> =
        problems.iter().map(|p| fieldkit_domain::messages::problem(p, fieldkit_domain::Lang::En)).collect();
    Err(words.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built_in() -> Catalogue {
        Catalogue::built_in().expect("built-in catalogue")
    }

    #[test]
    fn the_built_in_catalogue_is_publishable_and_a_broken_one_is_not() {
        let version = catalogue("c.toml", fieldkit_domain::catalogue::BUILT_IN_TEXT).expect("publishable");
        assert_eq!(version, built_in().version);
        let broken = fieldkit_domain::catalogue::BUILT_IN_TEXT.replacen("version =", "versio =", 1);
        let err = catalogue("c.toml", &broken).expect_err("refused");
        assert!(err.to_string().starts_with("c.toml: "), "{err}");
    }

    #[test]
    fn a_roster_is_normalised_and_checked() {
        let text = r#"
            [[officers]]
            number = "fd001"
            name = "Wanjiku Kamau"
            role = "front-desk-officer"
            active = true
        "#;
        let officers = roster("r.toml", text).expect("roster");
        assert_eq!((officers[0].number.as_str(), officers[0].role.as_str()), ("FD001", "front_desk_officer"));

        let bad_role = text.replace("front-desk-officer", "chief");
        assert!(roster("r.toml", &bad_role).expect_err("role").message.contains("role `chief`"));
        let twice = format!("{text}{}", text.replace("Wanjiku Kamau", "Someone Else"));
        assert!(roster("r.toml", &twice).expect_err("twice").message.contains("listed twice"));
        let extra = text.replace("active = true", "active = true\npin = \"1234\"");
        assert!(roster("r.toml", &extra).is_err(), "unknown keys (a PIN!) are refused");
    }

    #[test]
    fn an_outreach_plan_is_checked_against_counties_dates_and_the_catalogue() {
        let service = built_in().services[0].id.clone();
        let text = format!(
            r#"
            laptops = ["K7QM"]
            name = "Kangema market day"
            centre = "Murang'a"
            county = "murang'a"
            place = "Kangema market"
            starts_on = "2026-12-01"
            ends_on = "2026-12-02"
            services = ["{service}"]
        "#
        );
        let (plan, laptops) = outreach("o.toml", &text, &built_in()).expect("plan");
        assert_eq!((plan.county_code.as_str(), plan.revision, plan.status), ("021", 1, OutreachStatus::Confirmed));
        assert_eq!(laptops, ["K7QM"]);

        for (from, to, expect) in [
            ("\"2026-12-02\"", "\"2026-11-30\"", "before starts_on"),
            ("murang'a", "Atlantis", "not a Kenyan county"),
            (&format!("[\"{service}\"]"), "[\"no.such-service\"]", "not in catalogue"),
            ("[\"K7QM\"]", "[\"k7\"]", "not a laptop id"),
            ("[\"K7QM\"]", "[]", "laptops"),
        ] {
            let changed = text.replace(from, to);
            assert_ne!(changed, text, "{from}");
            let err = outreach("o.toml", &changed, &built_in()).expect_err(expect);
            assert!(err.message.contains(expect), "{expect}: {err}");
        }
    }
}
