//! Shared set-up for the core crate's tests: a profile in a temp dir, on a clock the test controls.
#![allow(dead_code)]

use fieldkit_core::clock::ManualClock;
use fieldkit_core::{Config, LaptopPrefix, NewApplication, NewCitizen, NewOfficer, Profile, Role, Session};
use std::sync::Arc;

pub const MANAGER: &str = "CM001";
pub const MANAGER_PIN: &str = "482913";
pub const CLERK: &str = "FD001";
pub const CLERK_PIN: &str = "730154";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub clock: ManualClock,
    pub profile: Profile,
}

pub fn fixture() -> Fixture {
    fixture_with(Config::for_tests())
}

pub fn fixture_with(config: Config) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::starting_at(time::macros::datetime!(2026-11-22 08:00 UTC));
    let profile = Profile::with_clock(dir.path().join("profile"), config, Arc::new(clock.clone()));
    Fixture { dir, clock, profile }
}

impl Fixture {
    /// Creates the profile with a centre manager, who adds one front-desk officer.
    pub fn create(&self) -> Session {
        let prefix = LaptopPrefix::parse("K7QM").expect("prefix");
        let manager =
            NewOfficer { number: MANAGER.into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
        let mut session = self.profile.create(&prefix, &manager, MANAGER_PIN).expect("create profile");
        let clerk =
            NewOfficer { number: CLERK.into(), display_name: "Wanjiru Kamau".into(), role: Role::FrontDeskOfficer };
        session.add_officer(&clerk, CLERK_PIN).expect("add clerk");
        session
    }

    pub fn clerk(&self) -> Session {
        self.profile.sign_in(CLERK, CLERK_PIN).expect("clerk signs in")
    }
}

pub fn citizen(surname: &str, id_number: &str) -> NewCitizen {
    NewCitizen {
        id_number: Some(id_number.into()),
        surname: surname.into(),
        given_names: "Wambui Njeri".into(),
        date_of_birth: "1990-04-12".into(),
        sex: "female".into(),
        phone: Some("0712 345 678".into()),
        county_code: Some("021".into()),
        sub_county: None,
        kra_pin: None,
    }
}

/// An application whose form passes `service_id`'s checks: synthetic answers from the catalogue,
/// minus the ones the `citizen()` profile fills in. Unknown services get an empty form.
pub fn application(citizen_id: uuid::Uuid, service_id: &str) -> NewApplication {
    use fieldkit_core::catalogue::{Catalogue, ProfileAttribute, sample};
    let catalogue = Catalogue::built_in().expect("built-in catalogue");
    let form = match catalogue.service(service_id) {
        Some(service) => {
            let (mut answers, _) = sample::answers(service, time::macros::date!(2026 - 11 - 22));
            for field in &service.fields {
                let from_profile =
                    field.prefill.is_some_and(|a| !matches!(a, ProfileAttribute::SubCounty | ProfileAttribute::KraPin));
                if from_profile {
                    answers.remove(&field.id);
                }
            }
            answers
        }
        None => serde_json::Map::new(),
    };
    NewApplication { citizen_id, service_id: service_id.into(), catalogue_version: None, form }
}

/// The Kangema market outreach, running over the fixture's day (2026-11-21 to 23): national ID
/// first issue and NSSF registration.
pub fn kangema() -> fieldkit_protocol::OutreachPlan {
    fieldkit_protocol::OutreachPlan {
        id: uuid::Uuid::from_u128(42),
        revision: 1,
        name: "Kangema market day".into(),
        centre: "Murang'a".into(),
        county_code: "021".into(),
        place: "Kangema market".into(),
        starts_on: "2026-11-21".into(),
        ends_on: "2026-11-23".into(),
        services: vec!["national-id.first-issue".into(), "nssf.member-registration".into()],
        status: fieldkit_protocol::OutreachStatus::Running,
        ..Default::default()
    }
}

/// Every file directly in `dir` (store, WAL, shared memory, keyring), concatenated: what someone
/// holding the laptop's disk could read.
pub fn all_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            bytes.extend(std::fs::read(&path).expect("read file"));
        }
    }
    bytes
}

/// Whether `needle` appears in `haystack` as plain bytes.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Whether the diagonal TRAINING watermark is on `page` of the PDF at `path`. Readers split text
/// that runs at an angle into single letters, so the page's text is read in drawing order
/// (`pdftotext -raw`, poppler-utils from scripts/setup.sh) with every space removed.
pub fn has_watermark(path: &std::path::Path, page: usize) -> bool {
    let page = page.to_string();
    let out = std::process::Command::new("pdftotext")
        .args(["-raw", "-f", &page, "-l", &page, path.to_str().expect("utf-8 path"), "-"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run pdftotext ({e}): install poppler-utils (scripts/setup.sh)"));
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    let letters: String = String::from_utf8_lossy(&out.stdout).split_whitespace().collect();
    letters.contains("TRAINING·MAFUNZO")
}
