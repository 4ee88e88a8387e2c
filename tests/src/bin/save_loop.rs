//! A writer process for the durability trials: signs in and saves applications as fast as it can,
//! printing one line per save *after* the save returned Ok. The parent kills it with SIGKILL at a
//! random moment and then checks that every printed save survived.
//!
//! Usage: save_loop <data dir> <officer> <count> <tag>   (PIN in FIELDKIT_PIN)

use fieldkit_core::{Config, NewApplication, NewCitizen, Profile};
use std::io::Write;
use std::process::ExitCode;

const SURNAMES: [&str; 8] = ["Otieno", "Wanjiru", "Kiprono", "Achieng", "Mwangi", "Ng'ang'a", "Chebet", "Barasa"];
const SERVICES: [&str; 4] =
    ["national-id.first-issue", "nhif.member-registration", "nssf.member-registration", "kra.pin-registration"];

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
        return Err("usage: save_loop <data dir> <officer> <count> <tag>".into());
    };
    let count: u32 = count.parse().map_err(|_| format!("count `{count}` is not a number"))?;
    let tag: u32 = tag.parse().map_err(|_| format!("tag `{tag}` is not a number"))?;
    let pin = std::env::var("FIELDKIT_PIN").map_err(|_| "FIELDKIT_PIN is not set".to_string())?;

    let profile = Profile::new(dir, Config::for_tests());
    let mut session = profile.sign_in(officer, &pin).map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout().lock();
    for i in 0..count {
        let citizen = NewCitizen {
            // Distinct per writer (`tag`) and per save, so concurrent writers never collide.
            id_number: Some(format!("{}", 10_000_000 + tag * 1_000_000 + i)),
            surname: SURNAMES[i as usize % SURNAMES.len()].into(),
            given_names: "Amani Zawadi".into(),
            date_of_birth: "1992-07-15".into(),
            sex: if i % 2 == 0 { "female" } else { "male" }.into(),
            phone: Some(format!("07{:08}", i)),
            county_code: Some(format!("{:03}", i % 47 + 1)),
        };
        let citizen = session.register_citizen(&citizen).map_err(|e| e.to_string())?;
        let form = serde_json::json!({ "place_of_birth": "Kakamega", "sequence": i, "writer": tag });
        let new = NewApplication {
            citizen_id: citizen.id,
            service_id: SERVICES[i as usize % SERVICES.len()].into(),
            catalogue_version: 1,
            form: form.as_object().cloned().unwrap_or_default(),
        };
        let saved = session.save_and_submit(&new).map_err(|e| e.to_string())?;
        writeln!(stdout, "saved {} {} {}", saved.id, saved.reference, citizen.id).map_err(|e| e.to_string())?;
        stdout.flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}
