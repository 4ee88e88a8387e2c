//! Trainers' demo profiles: synthetic but realistic citizens and applications, and the scenarios a
//! trainer starts (and starts again) in one click.
//!
//! A demo profile is an ordinary encrypted profile created as `Deployment::Training`, in its own
//! directory (`paths::demo_data_dir`), so it refuses production enrolments and servers (see
//! `fieldkit_protocol::deployment`) and its slips and reports say TRAINING. Every name, ID number
//! and phone number in it is generated here from a fixed seed: the same scenario always starts with
//! the same people, so a trainer's notes stay true from one class to the next.
//!
//! Starting a scenario replaces the demo profile wholesale. [`start`] will only remove a directory
//! that holds a training profile marker written by this module, so a wrong path can never wipe a
//! real profile.

use crate::application::{NewApplication, ReviewOutcome};
use crate::catalogue::{Catalogue, ProfileAttribute, sample};
use crate::citizen::NewCitizen;
use crate::error::{CoreError, Result};
use crate::officer::Role;
use crate::reference::LaptopPrefix;
use crate::session::{NewOfficer, Profile, Session};
use fieldkit_protocol::{Enrolment, OutreachPlan, OutreachStatus};
use std::path::Path;
use time::Date;

/// The file that marks a directory as a demo profile this module made (and may therefore remove).
pub const MARKER_FILE: &str = "TRAINING-PROFILE";
/// The demo laptop's device id and reference prefix.
pub const LAPTOP_PREFIX: &str = "D3M0";

/// The demo officers, shown on the sign-in screen in training mode. PINs are public on purpose:
/// nothing real is behind them.
pub const OFFICERS: [DemoOfficer; 3] = [
    DemoOfficer { number: "ICT01", name: "Brian Kiprono", role: Role::IctOfficer, pin: "482913" },
    DemoOfficer { number: "CM001", name: "Achieng Otieno", role: Role::CentreManager, pin: "730154" },
    DemoOfficer { number: "FD001", name: "Wanjiru Kamau", role: Role::FrontDeskOfficer, pin: "615208" },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DemoOfficer {
    pub number: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub pin: &'static str,
}

/// What a trainer can start. Each leaves the demo profile signed out, ready for the class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// The morning of an outreach: today's plan in place, nobody served yet.
    FirstDay,
    /// A full day's work queued, and the link never comes: everything waits safely.
    NoNetwork,
    /// Work queued while the laptop runs on its last 12 % of battery: automatic sync holds back.
    LowBattery,
    /// An MDA queried an application; the officer corrects it and submits it again.
    QueriedApplication,
    /// The laptop was reported lost and revoked: it keeps its data but can no longer sync.
    LostLaptopRevoked,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [
        Scenario::FirstDay,
        Scenario::NoNetwork,
        Scenario::LowBattery,
        Scenario::QueriedApplication,
        Scenario::LostLaptopRevoked,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Scenario::FirstDay => "first_day",
            Scenario::NoNetwork => "no_network",
            Scenario::LowBattery => "low_battery",
            Scenario::QueriedApplication => "queried_application",
            Scenario::LostLaptopRevoked => "lost_laptop_revoked",
        }
    }

    pub fn parse(id: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The battery the app pretends to run on in this scenario (percent), if it pretends at all.
    pub fn simulated_battery(self) -> Option<u8> {
        (self == Scenario::LowBattery).then_some(12)
    }

    /// Whether the scenario keeps the laptop off the network even if a demo server is running.
    pub fn offline(self) -> bool {
        self == Scenario::NoNetwork
    }
}

/// What [`start`] made, for the trainer's screen and for tests.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Started {
    pub scenario: Scenario,
    pub citizens: usize,
    pub applications: usize,
    pub queried: usize,
}

/// Replaces the demo profile at `dir` with a fresh one set up for `scenario`, dated `today`.
/// `enrolment`, when given, must be a training enrolment (the local demo server's); a scenario
/// that plays "no network" points the laptop at an address where nothing listens instead.
pub fn start(profile: &Profile, scenario: Scenario, today: Date, enrolment: Option<&Enrolment>) -> Result<Started> {
    remove_demo_profile(profile.dir())?;
    let profile = profile.clone().for_training();
    let prefix = LaptopPrefix::parse(LAPTOP_PREFIX)?;
    let [ict, manager, clerk] = OFFICERS;
    let mut ict_session = profile.create(&prefix, &new_officer(ict), ict.pin)?;
    std::fs::write(profile.dir().join(MARKER_FILE), b"A trainer's demo profile: synthetic data only.\n")
        .map_err(|e| CoreError::io(profile.dir(), e))?;
    ict_session.add_officer(&new_officer(manager), manager.pin)?;
    ict_session.add_officer(&new_officer(clerk), clerk.pin)?;
    match (scenario.offline(), enrolment) {
        (false, Some(enrolment)) => ict_session.enrol(enrolment)?,
        (true, Some(enrolment)) => ict_session.enrol(&unreachable(enrolment))?,
        (_, None) => {}
    }
    drop(ict_session);

    let mut manager_session = profile.sign_in(manager.number, manager.pin)?;
    manager_session.save_outreach_plan(todays_outreach(today), true)?;
    let mut started = Started { scenario, citizens: 0, applications: 0, queried: 0 };
    let people = match scenario {
        Scenario::FirstDay => 0,
        Scenario::NoNetwork | Scenario::LowBattery => 24,
        Scenario::QueriedApplication | Scenario::LostLaptopRevoked => 40,
    };
    let mut rng = Rng::new(0x4855_444D_u64 ^ scenario.id().len() as u64);
    let catalogue = profile.catalogue()?;
    let services = services_that_seed(&catalogue);
    for i in 0..people {
        let citizen = manager_session.register_citizen(&synthetic_citizen(&mut rng, i, today))?;
        started.citizens += 1;
        // As at the tent: the citizen asks for something, and if it does not fit them (the youth
        // category at 60, KRA without a phone) the officer offers the next service that does.
        let first_choice = rng.below(services.len() as u64) as usize;
        let mut saved = None;
        for offset in 0..services.len() {
            let service = &services[(first_choice + offset) % services.len()];
            match manager_session.save_and_submit(&application_for(service, citizen.id, today)) {
                Ok(application) => {
                    saved = Some(application);
                    break;
                }
                Err(CoreError::FormInvalid { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        let Some(application) = saved else { continue };
        started.applications += 1;
        // Queued work stays queued when the day has no link; otherwise a realistic spread.
        if matches!(scenario, Scenario::NoNetwork | Scenario::LowBattery) {
            continue;
        }
        match rng.below(20) {
            0..=5 => {}
            6..=10 => {
                manager_session.mark_synced(application.id)?;
            }
            11..=15 => {
                manager_session.mark_synced(application.id)?;
                manager_session.apply_review(application.id, ReviewOutcome::Accepted)?;
            }
            16..=17 => {
                manager_session.mark_synced(application.id)?;
                let reason = "The photograph does not meet the requirements: plain background, face uncovered.";
                manager_session.apply_review(application.id, ReviewOutcome::Rejected { reason: reason.into() })?;
            }
            _ => {
                manager_session.mark_synced(application.id)?;
                let question = "Please confirm the sub-county of residence: the form says Kiharu, the ID says Kangema.";
                manager_session.apply_review(application.id, ReviewOutcome::Queried { question: question.into() })?;
                started.queried += 1;
            }
        }
    }
    if scenario == Scenario::QueriedApplication && started.queried == 0 {
        // The scenario is about a query: make sure there is one whatever the dice said.
        let first = manager_session.applications(Some(crate::ApplicationState::Submitted))?;
        if let Some(application) = first.first() {
            manager_session.mark_synced(application.id)?;
            let question = "Please confirm the sub-county of residence.";
            manager_session.apply_review(application.id, ReviewOutcome::Queried { question: question.into() })?;
            started.queried += 1;
        }
    }
    if scenario == Scenario::LostLaptopRevoked {
        manager_session.record_revocation()?;
    }
    Ok(started)
}

/// Removes the demo profile at `dir` if there is one; refuses a directory that holds a profile
/// without this module's marker (a real profile, or somebody's files).
fn remove_demo_profile(dir: &Path) -> Result<()> {
    let has_anything = std::fs::read_dir(dir).map(|mut entries| entries.next().is_some()).unwrap_or(false);
    if !has_anything {
        return Ok(());
    }
    if !dir.join(MARKER_FILE).is_file() {
        return Err(CoreError::ProfileExists(format!("{} (not a demo profile: left untouched)", dir.display())));
    }
    std::fs::remove_dir_all(dir).map_err(|e| CoreError::io(dir, e))
}

/// Whether `dir` holds a demo profile made by this module.
pub fn is_demo_profile(dir: &Path) -> bool {
    dir.join(MARKER_FILE).is_file()
}

fn new_officer(officer: DemoOfficer) -> NewOfficer {
    NewOfficer { number: officer.number.into(), display_name: officer.name.into(), role: officer.role }
}

/// The same enrolment pointed at a port where nothing listens, for the "no network" day.
fn unreachable(enrolment: &Enrolment) -> Enrolment {
    Enrolment { server_url: "https://127.0.0.1:9".into(), ..enrolment.clone() }
}

fn todays_outreach(today: Date) -> OutreachPlan {
    let day = |d: Date| d.to_string();
    let services = ["sha.member-registration", "nssf.member-registration"];
    OutreachPlan {
        id: uuid::Uuid::nil(),
        revision: 1,
        name: "Huduma Mashinani — Kangema (training)".into(),
        centre: "Murang'a Huduma Centre".into(),
        county_code: "021".into(),
        place: "Kangema market grounds".into(),
        starts_on: day(today),
        ends_on: day(today.next_day().unwrap_or(today)),
        services: services.iter().map(|s| s.to_string()).collect(),
        mdas: vec!["sha".into(), "nssf".into()],
        checklists: services.iter().map(|s| fieldkit_protocol::ServiceChecklist::agreed(*s)).collect(),
        status: OutreachStatus::Confirmed,
        sub_county: "Kangema".into(),
        ward: "Kanyenya-ini".into(),
        laptops: vec![LAPTOP_PREFIX.into()],
        officers: vec!["CM001".into(), "FD001".into()],
        ..OutreachPlan::default()
    }
}

/// Every service in the catalogue; the tests check each one's sample answers pass its checks.
fn services_that_seed(catalogue: &Catalogue) -> Vec<crate::catalogue::Service> {
    catalogue.services.clone()
}

fn application_for(service: &crate::catalogue::Service, citizen_id: uuid::Uuid, today: Date) -> NewApplication {
    let (mut form, _) = sample::answers(service, today);
    for field in &service.fields {
        // The citizen's profile fills these; the form carries only what it adds.
        if field.prefill.is_some_and(|a| !matches!(a, ProfileAttribute::SubCounty | ProfileAttribute::KraPin)) {
            form.remove(&field.id);
        }
    }
    NewApplication { citizen_id, service_id: service.id.clone(), catalogue_version: None, form }
}

const GIVEN_FEMALE: &[&str] = &[
    "Wanjiru",
    "Akinyi",
    "Chebet",
    "Nafula",
    "Mwikali",
    "Atieno",
    "Jepkosgei",
    "Wambui",
    "Nekesa",
    "Zawadi",
    "Mumbua",
    "Halima",
    "Nyokabi",
    "Auma",
    "Kerubo",
];
const GIVEN_MALE: &[&str] = &[
    "Kamau",
    "Otieno",
    "Kiprotich",
    "Wekesa",
    "Mutua",
    "Omondi",
    "Kipchumba",
    "Njoroge",
    "Barasa",
    "Juma",
    "Musyoka",
    "Hassan",
    "Mwangi",
    "Ouma",
    "Nyamweya",
];
const SURNAMES: &[&str] = &[
    "Njoroge",
    "Odhiambo",
    "Kiprono",
    "Wafula",
    "Mutiso",
    "Ochieng",
    "Cheruiyot",
    "Kariuki",
    "Simiyu",
    "Mwinyi",
    "Kilonzo",
    "Abdi",
    "Gitau",
    "Onyango",
    "Moraa",
    "Ng'ang'a",
    "Wanyama",
    "Rotich",
    "Muthoni",
    "Achieng",
];
const PHONE_PREFIXES: &[&str] = &["0712", "0722", "0733", "0745", "0791", "0701", "0757"];

fn synthetic_citizen(rng: &mut Rng, index: usize, today: Date) -> NewCitizen {
    let female = rng.below(2) == 0;
    let given = if female { GIVEN_FEMALE } else { GIVEN_MALE };
    let first = given[rng.below(given.len() as u64) as usize];
    let second = given[rng.below(given.len() as u64) as usize];
    let surname = SURNAMES[rng.below(SURNAMES.len() as u64) as usize];
    let age_days = 365 * (18 + rng.below(62) as i64) + rng.below(365) as i64;
    let born = today - time::Duration::days(age_days);
    let counties = crate::counties::all();
    let county = &counties[rng.below(counties.len() as u64) as usize];
    let phone = format!(
        "{} {:03} {:03}",
        PHONE_PREFIXES[rng.below(PHONE_PREFIXES.len() as u64) as usize],
        rng.below(1000),
        rng.below(1000)
    );
    NewCitizen {
        // Unique within a profile: 8 digits from 20,000,000 up, as ID numbers issued since 2000.
        id_number: Some((20_000_000 + index as u64 * 7919 + rng.below(7919)).to_string()),
        surname: surname.into(),
        given_names: if first == second { first.into() } else { format!("{first} {second}") },
        date_of_birth: born.to_string(),
        sex: if female { "female" } else { "male" }.into(),
        phone: (rng.below(10) != 0).then_some(phone),
        county_code: Some(county.code.clone()),
        sub_county: None,
        kra_pin: None,
    }
}

/// xorshift64*: the same seed, the same class. Not for anything secret.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

/// A demo profile (created as training); `dir` is where it lives.
pub fn profile(dir: &Path, config: crate::Config) -> Profile {
    Profile::new(dir, config).for_training()
}

/// Signs in the demo officer with `number` (their public PIN).
pub fn sign_in(profile: &Profile, number: &str) -> Result<Session> {
    let officer = OFFICERS.iter().find(|o| o.number == number).ok_or(CoreError::WrongPin)?;
    profile.sign_in(officer.number, officer.pin)
}
