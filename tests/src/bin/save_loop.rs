//! A writer process for the durability trials: signs in, then registers a citizen and saves and
//! submits one application for them, `count` times, printing
//!
//! ```text
//! saved <application uuid> <reference> <citizen uuid>
//! ```
//!
//! only *after* the save returned Ok, and flushing at once. The parent kills it with SIGKILL at a
//! random moment and then checks that every printed save survived: a printed line is exactly what
//! an officer would have seen as "Saved".
//!
//! Usage: `save_loop <data dir> <officer> <count> <tag>`, with the PIN in `FIELDKIT_PIN` so that it
//! does not show in `ps`. `tag` (0..=89) tells concurrent or successive writers on one profile
//! apart: it goes into the citizens' ID numbers, which must be unique. The profile must have been
//! created with `Config::for_tests()`.

use fieldkit_core::catalogue::{Catalogue, sample};
use fieldkit_core::{Citizen, Config, NewApplication, NewCitizen, Profile};
use serde_json::{Map, Value};
use std::io::Write;
use std::process::ExitCode;

const FEMALE_NAMES: [&str; 20] = [
    "Achieng", "Akinyi", "Wanjiru", "Njeri", "Chebet", "Jepkoech", "Nafula", "Wambui", "Auma", "Mumbua", "Kanini",
    "Nekesa", "Moraa", "Kerubo", "Halima", "Zawadi", "Amani", "Wairimu", "Nyokabi", "Adhiambo",
];
const MALE_NAMES: [&str; 20] = [
    "Otieno", "Ochieng", "Kamau", "Kiprono", "Kipchoge", "Mutua", "Wafula", "Barasa", "Omondi", "Njoroge", "Mwangi",
    "Kibet", "Juma", "Hassan", "Baraka", "Onyango", "Kiptoo", "Mutiso", "Wekesa", "Odhiambo",
];
const SURNAMES: [&str; 16] = [
    "Otieno",
    "Kamau",
    "Ng'ang'a",
    "Kiprotich",
    "Mwangi",
    "Wekesa",
    "Chebet",
    "Barasa",
    "Odhiambo",
    "Mutua",
    "Korir",
    "Njoroge",
    "Abdi",
    "Kilonzo",
    "Arap-Sang",
    "Nyamweya",
];
const SERVICES: [&str; 4] =
    ["national-id.replacement", "sha.member-registration", "nssf.member-registration", "kra.pin-registration"];
const PLACES: [&str; 6] = ["Kakamega", "Kisumu", "Eldoret", "Nyeri", "Machakos", "Garissa"];

/// ID numbers are 8 digits without a leading zero: writer `tag` gets 1x_xxx_xxx + tag·1 000 000.
const MAX_TAG: u32 = 89;
const MAX_COUNT: u32 = 1_000_000;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("save_loop: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, officer, count, tag] = args.as_slice() else {
        return Err("usage: save_loop <data dir> <officer> <count> <tag>  (PIN in FIELDKIT_PIN)".into());
    };
    let count: u32 =
        count.parse().ok().filter(|c| *c <= MAX_COUNT).ok_or(format!("count `{count}` is not 0..={MAX_COUNT}"))?;
    let tag: u32 = tag.parse().ok().filter(|t| *t <= MAX_TAG).ok_or(format!("tag `{tag}` is not 0..={MAX_TAG}"))?;
    let pin = std::env::var("FIELDKIT_PIN").map_err(|_| "FIELDKIT_PIN is not set".to_string())?;

    // One passing form per service, from the catalogue; the citizen's profile fills in the rest.
    let catalogue = Catalogue::built_in().map_err(|e| e.to_string())?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut forms = Vec::new();
    for id in SERVICES {
        let service = catalogue.service(id).ok_or(format!("{id} is not in the catalogue"))?;
        let (mut answers, check) = sample::answers(service, today);
        if !check.is_ok() {
            return Err(format!("no passing sample for {id}: {:?}", check.errors));
        }
        for field in service.fields.iter().filter(|f| f.prefill.is_some()) {
            answers.remove(&field.id);
        }
        forms.push(answers);
    }

    let profile = Profile::new(dir, Config::for_tests());
    let mut session = profile.sign_in(officer, &pin).map_err(|e| format!("sign in: {e}"))?;
    let mut stdout = std::io::stdout().lock();
    for i in 0..count {
        let citizen = session.register_citizen(&citizen(tag, i)).map_err(|e| format!("save {i}: register: {e}"))?;
        let saved = session
            .save_and_submit(&application(&citizen, i, &forms))
            .map_err(|e| format!("save {i}: save and submit: {e}"))?;
        writeln!(stdout, "saved {} {} {}", saved.id, saved.reference, citizen.id).map_err(|e| e.to_string())?;
        // Flushed per line: the parent must see each confirmation before it decides to kill.
        stdout.flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The `i`th made-up citizen of writer `tag`. Names are distinct for a writer's first
/// 2 × 20 × 19 × 16 = 12 160 citizens; ID numbers and phones are distinct for every (tag, i).
fn citizen(tag: u32, i: u32) -> NewCitizen {
    let n = i as usize;
    let (names, sex) = if n.is_multiple_of(2) { (&FEMALE_NAMES, "female") } else { (&MALE_NAMES, "male") };
    let first = (n / 2) % names.len();
    // Offset by 1..=19 so that the second given name never repeats the first.
    let second = (first + 1 + (n / 2 / names.len()) % (names.len() - 1)) % names.len();
    let surname = SURNAMES[(n / 2 / names.len() / (names.len() - 1)) % SURNAMES.len()];
    NewCitizen {
        id_number: Some((10_000_000 + tag * 1_000_000 + i).to_string()),
        surname: surname.into(),
        given_names: format!("{} {}", names[first], names[second]),
        date_of_birth: format!("{}-{:02}-{:02}", 1950 + i % 55, 1 + i % 12, 1 + i % 28),
        sex: sex.into(),
        // Officers type numbers in every form; the core normalises them.
        phone: Some(if i.is_multiple_of(3) {
            format!("+254 7{:02} {:06}", tag, i)
        } else {
            format!("07{:02}{:06}", tag, i)
        }),
        county_code: Some(format!("{:03}", i % 47 + 1)),
        sub_county: None,
        kra_pin: None,
    }
}

fn application(citizen: &Citizen, i: u32, forms: &[Map<String, Value>]) -> NewApplication {
    let which = i as usize % SERVICES.len();
    let mut form = forms[which].clone();
    if form.contains_key("police_station") {
        form.insert("police_station".into(), PLACES[i as usize % PLACES.len()].into());
    }
    NewApplication { citizen_id: citizen.id, service_id: SERVICES[which].into(), catalogue_version: None, form }
}
