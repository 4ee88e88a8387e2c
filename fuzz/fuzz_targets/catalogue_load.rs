//! Fuzzes the catalogue loader: any bytes may arrive as a catalogue file (from a USB stick, from
//! the sync server). Loading must never panic or hang; it accepts or refuses. Whatever it accepts
//! must then be usable: the synthetic answers of every service are checked without panicking.
#![no_main]

use fieldkit_domain::catalogue::{Catalogue, form, sample};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(catalogue) = Catalogue::parse("fuzz.toml", text) else { return };
    let today = time::macros::date!(2026 - 11 - 25);
    for service in &catalogue.services {
        let (answers, _) = sample::answers(service, today);
        let _ = form::check(service, &answers, today);
        let _ = form::prefill(service, &sample_profile());
    }
    let _ = catalogue.to_json();
});

fn sample_profile() -> fieldkit_domain::citizen::CitizenDetails {
    fieldkit_domain::citizen::CitizenDetails {
        id_number: Some("23456789".into()),
        surname: "Otieno".into(),
        given_names: "Akinyi".into(),
        date_of_birth: time::macros::date!(1990 - 04 - 12),
        sex: fieldkit_domain::Sex::Female,
        phone: Some("+254712345678".into()),
        county_code: Some("042".into()),
        sub_county: Some("Kisumu Central".into()),
        kra_pin: Some("A012345678Z".into()),
    }
}
