//! Shared helpers for the end-to-end tests: a provisioned laptop profile in a temp directory, a
//! seeded random generator so randomised tests can be replayed, and for sync: a deployment (CA,
//! server certificate, enrolled laptop, a real server on a loopback port), a fault-injecting TCP
//! proxy, and throwaway PostgreSQL databases.

pub mod app_ui;
pub mod bench;
pub mod browser;
pub mod deployment;
pub mod netem;
pub mod postgres;
pub mod proxy;
pub mod webdriver;

use fieldkit_core::catalogue::{Catalogue, sample};
use fieldkit_core::{Config, LaptopPrefix, NewApplication, NewCitizen, NewOfficer, Profile, Role, Session};
use std::path::Path;

/// The ICT officer [`provision_enrolled`] creates first (only that role may enrol a laptop).
pub const ICT_OFFICER: &str = "ICT01";

/// Officer number of the one officer that [`provision`] creates.
pub const OFFICER: &str = "CM001";
/// That officer's PIN.
pub const PIN: &str = "482913";
/// Laptop prefix of a provisioned profile: every reference it issues starts with it.
pub const LAPTOP_PREFIX: &str = "K7QM";

/// Creates a profile at `dir` whose one officer ([`OFFICER`], a centre manager, so they may both
/// manage the roster and capture applications) is signed out again on return.
///
/// Uses [`Config::for_tests`] (cheap PIN derivation), since the tests sign in thousands of times; a
/// process opening this profile must use the same configuration.
pub fn provision(dir: &Path) -> Profile {
    let profile = Profile::new(dir, Config::for_tests());
    let prefix = LaptopPrefix::parse(LAPTOP_PREFIX).expect("prefix");
    let officer =
        NewOfficer { number: OFFICER.into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
    profile.create(&prefix, &officer, PIN).expect("create profile");
    profile
}

/// Like [`provision`], but the laptop is also enrolled for sync with `enrolment` by an ICT
/// officer, who then adds the centre manager [`OFFICER`] (same [`PIN`]).
pub fn provision_enrolled(dir: &Path, enrolment: &fieldkit_protocol::Enrolment) -> Profile {
    provision_enrolled_as(dir, LAPTOP_PREFIX, enrolment)
}

/// [`provision_enrolled`] for a laptop with another prefix (its device id).
pub fn provision_enrolled_as(dir: &Path, laptop_prefix: &str, enrolment: &fieldkit_protocol::Enrolment) -> Profile {
    let profile = Profile::new(dir, Config::for_tests());
    let prefix = LaptopPrefix::parse(laptop_prefix).expect("prefix");
    let ict = NewOfficer { number: ICT_OFFICER.into(), display_name: "Brian Kiprono".into(), role: Role::IctOfficer };
    let mut session = profile.create(&prefix, &ict, PIN).expect("create profile");
    session.enrol(enrolment).expect("enrol");
    let manager =
        NewOfficer { number: OFFICER.into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
    session.add_officer(&manager, PIN).expect("add manager");
    profile
}

/// Registers `count` citizens (ID numbers from `first_id`) and saves and submits one application
/// for each from the catalogue's sample answers, cycling through three services.
pub fn capture(session: &mut Session, first_id: u32, count: u32) {
    let catalogue = Catalogue::built_in().expect("catalogue");
    let services = ["sha.member-registration", "nssf.member-registration", "kra.pin-registration"];
    let today = time::OffsetDateTime::now_utc().date();
    for i in 0..count {
        let citizen = session
            .register_citizen(&NewCitizen {
                id_number: Some((first_id + i).to_string()),
                surname: "Wekesa".into(),
                given_names: "Nafula".into(),
                date_of_birth: "1991-03-14".into(),
                sex: "female".into(),
                phone: Some("0722000111".into()),
                county_code: Some("039".into()),
                sub_county: None,
                kra_pin: None,
            })
            .expect("register");
        let service = catalogue.service(services[i as usize % services.len()]).expect("service");
        let (mut form, _) = sample::answers(service, today);
        for field in service.fields.iter().filter(|f| f.prefill.is_some()) {
            form.remove(&field.id);
        }
        let new =
            NewApplication { citizen_id: citizen.id, service_id: service.id.clone(), catalogue_version: None, form };
        session.save_and_submit(&new).expect("save");
    }
}

/// A small deterministic generator (xorshift64*), so a failing trial can be replayed from its seed.
/// Not for anything secret.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Spread small seeds (1, 2, 3…) over the state, and keep the state non-zero: xorshift stays
        // at zero forever.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Roughly uniform in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        assert!(low <= high, "empty range {low}..={high}");
        low + self.next_u64() % (high - low + 1)
    }

    /// True with probability roughly `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.next_u64().is_multiple_of(n)
    }
}
