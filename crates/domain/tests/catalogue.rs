//! The service catalogue as a specification: the built-in services, what each accepts and refuses,
//! and how a bad catalogue file is refused.
//!
//! Form cases start from a synthetic answer set that passes (`sample::answers`) and change one
//! thing, so each case reads as "this change gives that problem".

use fieldkit_domain::catalogue::{Catalogue, CatalogueError, form, sample};
use fieldkit_domain::{DomainError, Lang, Problem, messages};
use serde_json::{Map, Value, json};
use time::Date;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 25);
const BUILT_IN: &str = include_str!("../catalogue/huduma-catalogue.toml");

fn catalogue() -> Catalogue {
    Catalogue::built_in().expect("the built-in catalogue loads")
}

/// A passing form for `service_id` with `changes` applied (`null` removes an answer).
fn form_with(service_id: &str, changes: Value) -> (Map<String, Value>, Vec<Problem>) {
    let catalogue = catalogue();
    let service = catalogue.service(service_id).expect("service");
    let (mut answers, check) = sample::answers(service, TODAY);
    assert!(check.is_ok(), "{service_id}: the sample must pass first: {:?}", check.errors);
    for (key, value) in changes.as_object().expect("changes are an object") {
        if value.is_null() {
            answers.remove(key);
        } else {
            answers.insert(key.clone(), value.clone());
        }
    }
    let check = form::check(service, &answers, TODAY);
    (check.answers, check.errors)
}

/// The (field, reason) pairs of a form's problems, for compact assertions.
fn problems(service_id: &str, changes: Value) -> Vec<(String, &'static str)> {
    form_with(service_id, changes).1.into_iter().map(|p| (p.field, p.reason.as_str())).collect()
}

fn pairs(expected: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    expected.iter().map(|(f, r)| (f.to_string(), *r)).collect()
}

/// Documents ticked, minus `without`.
fn documents_without(service_id: &str, without: &[&str]) -> Value {
    let catalogue = catalogue();
    let service = catalogue.service(service_id).expect("service");
    service.documents.iter().map(|d| d.id.as_str()).filter(|d| !without.contains(d)).collect::<Vec<_>>().into()
}

#[test]
fn the_built_in_catalogue_has_the_required_services_and_four_more() {
    let catalogue = catalogue();
    for required in [
        "national-id.first-issue",
        "national-id.replacement",
        "national-id.change-of-particulars",
        "birth.registration",
        "sha.member-registration",
        "nssf.member-registration",
    ] {
        assert!(catalogue.service(required).is_some(), "{required} is missing");
    }
    for added_as_data_only in
        ["kra.pin-registration", "helb.loan-application", "agpo.certificate", "police.clearance-certificate"]
    {
        assert!(catalogue.service(added_as_data_only).is_some(), "{added_as_data_only} is missing");
    }
    for mda in &catalogue.mdas {
        assert!(catalogue.services.iter().any(|s| s.mda == mda.id), "MDA {} owns no service", mda.id);
    }
}

#[test]
fn every_built_in_service_can_be_completed() {
    // A service whose rules no answers can satisfy would turn every citizen away.
    for service in &catalogue().services {
        let (_, check) = sample::answers(service, TODAY);
        assert!(check.is_ok(), "{}: {:?}", service.id, check.errors);
    }
}

#[test]
fn answers_are_stored_in_canonical_form() {
    let (answers, errors) = form_with(
        "sha.member-registration",
        json!({ "phone": "0712 345 678", "county_code": "Murang'a", "kra_pin": " a012345678z ", "id_number": 23456789 }),
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(answers["phone"], "+254712345678");
    assert_eq!(answers["county_code"], "021");
    assert_eq!(answers["kra_pin"], "A012345678Z");
    assert_eq!(answers["id_number"], "23456789");
    let (answers, _) = form_with("kra.pin-registration", json!({ "has_pin_already": "hapana" }));
    assert_eq!(answers["has_pin_already"], false);
}

#[test]
fn national_id_first_issue() {
    let s = "national-id.first-issue";
    assert_eq!(problems(s, json!({ "date_of_birth": "2010-03-01" })), pairs(&[("date_of_birth", "rule_failed")]));
    assert_eq!(problems(s, json!({ "date_of_birth": "2008-11-25" })), pairs(&[]), "18 today is old enough");
    assert_eq!(problems(s, json!({ "date_of_birth": "2008-11-26" })), pairs(&[("date_of_birth", "rule_failed")]));
    assert_eq!(problems(s, json!({ "date_of_birth": "2027-01-01" })), pairs(&[("date_of_birth", "date_in_future")]));
    assert_eq!(problems(s, json!({ "surname": null })), pairs(&[("surname", "required")]));
    assert_eq!(problems(s, json!({ "father_name": "J0hn" })), pairs(&[("father_name", "name_characters")]));
    assert_eq!(problems(s, json!({ "father_name": "Ng'ang'a Kamau" })), pairs(&[]));
    assert_eq!(problems(s, json!({ "phone": "0812345678" })), pairs(&[("phone", "phone_format")]));
    assert_eq!(problems(s, json!({ "county_code": "Atlantis" })), pairs(&[("county_code", "county_code")]));
    assert_eq!(problems(s, json!({ "favourite_colour": "blue" })), pairs(&[("favourite_colour", "unknown_field")]));
    assert_eq!(
        problems(s, json!({ "documents": documents_without(s, &["birth_certificate"]) })),
        pairs(&[("documents.birth_certificate", "document_missing")])
    );
    assert_eq!(
        problems(s, json!({ "documents": ["birth_certificate", "parent_id_copy", "passport"] })),
        pairs(&[("documents", "document_unknown")])
    );
    assert_eq!(problems(s, json!({ "place_of_birth": "x".repeat(81) })), pairs(&[("place_of_birth", "text_length")]));
}

#[test]
fn national_id_replacement_needs_a_police_abstract_when_lost_or_stolen() {
    let s = "national-id.replacement";
    let lost = json!({ "reason": "lost", "police_abstract_number": null, "police_station": null, "date_lost": null,
                       "documents": documents_without(s, &["police_abstract"]) });
    assert_eq!(
        problems(s, lost),
        pairs(&[
            ("police_abstract_number", "required"),
            ("police_station", "required"),
            ("date_lost", "required"),
            ("documents.police_abstract", "document_missing"),
        ])
    );
    // Damaged: no abstract is asked for, and one typed anyway is not kept; the card is handed in.
    let (answers, errors) = form_with(s, json!({ "reason": "damaged", "documents": ["police_abstract"] }));
    assert_eq!(
        errors.iter().map(|p| (p.field.as_str(), p.reason.as_str())).collect::<Vec<_>>(),
        [("documents.damaged_id_card", "document_missing")]
    );
    assert!(!answers.contains_key("police_abstract_number"), "hidden answers are dropped");
    assert_eq!(problems(s, json!({ "reason": "misplaced" })), pairs(&[("reason", "choice_unknown")]));
    assert_eq!(problems(s, json!({ "date_lost": "2027-01-01" })), pairs(&[("date_lost", "date_in_future")]));
    assert_eq!(problems(s, json!({ "id_number": "012345" })), pairs(&[("id_number", "id_number_format")]));
}

#[test]
fn national_id_change_of_particulars() {
    let s = "national-id.change-of-particulars";
    assert_eq!(
        problems(s, json!({ "particular": "name", "new_surname": null, "documents": ["current_id_card"] })),
        pairs(&[("new_surname", "required"), ("documents.deed_poll_or_marriage_certificate", "document_missing")])
    );
    assert_eq!(
        problems(s, json!({ "particular": "date_of_birth", "new_date_of_birth": "2012-05-05" })),
        pairs(&[("new_date_of_birth", "rule_failed")])
    );
    assert_eq!(
        problems(s, json!({ "particular": "place_of_birth", "documents": ["current_id_card"] })),
        pairs(&[("documents.birth_certificate", "document_missing")])
    );
}

#[test]
fn birth_registration_on_time_and_late() {
    let s = "birth.registration";
    let on_time = json!({ "date_of_birth": "2026-08-01", "late_reason": null,
                          "documents": ["birth_notification", "mother_id_copy"] });
    assert_eq!(problems(s, on_time.clone()), pairs(&[]), "under 6 months needs no late documents");
    let (answers, _) = form_with(s, json!({ "date_of_birth": "2026-08-01", "late_reason": "Travel" }));
    assert!(!answers.contains_key("late_reason"), "the late question is not asked on time");

    let late = json!({ "date_of_birth": "2025-11-25", "late_reason": null,
                       "documents": ["birth_notification", "mother_id_copy"] });
    assert_eq!(
        problems(s, late),
        pairs(&[
            ("late_reason", "required"),
            ("documents.clinic_card", "document_missing"),
            ("documents.parents_id_copies", "document_missing"),
        ])
    );
    let school_age = json!({ "date_of_birth": "2018-02-01",
                             "documents": ["birth_notification", "mother_id_copy", "clinic_card", "parents_id_copies"] });
    assert_eq!(problems(s, school_age), pairs(&[("documents.school_or_baptism_record", "document_missing")]));
    assert_eq!(problems(s, json!({ "certificate_copies": 9 })), pairs(&[("certificate_copies", "number_range")]));
    assert_eq!(problems(s, json!({ "certificate_copies": "two" })), pairs(&[("certificate_copies", "integer_format")]));
    assert_eq!(problems(s, json!({ "informant_phone": "12345" })), pairs(&[("informant_phone", "phone_format")]));
    let (answers, errors) = form_with(s, json!({ "father_name": null, "father_id_number": "22334455" }));
    assert!(errors.is_empty());
    assert!(!answers.contains_key("father_id_number"), "no father's ID without the father's name");
}

#[test]
fn sha_registration_with_spouse_and_dependants() {
    let s = "sha.member-registration";
    let child = |dob: &str| json!({ "surname": "Otieno", "given_names": "Akinyi", "date_of_birth": dob, "sex": "f" });
    let (answers, errors) = form_with(s, json!({ "dependants": [child("2019-06-01"), child("2021-02-14")] }));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(answers["dependants"][1]["sex"], "female");
    assert_eq!(
        problems(s, json!({ "dependants": [child("2019-06-01"), child("2019-02-30")] })),
        pairs(&[("dependants[1].date_of_birth", "date_format")])
    );
    let mut nicknamed = child("2019-06-01");
    nicknamed["nickname"] = json!("Aki");
    assert_eq!(
        problems(s, json!({ "dependants": [nicknamed] })),
        pairs(&[("dependants[0].nickname", "unknown_field")])
    );
    let eleven: Vec<Value> = (0..11).map(|_| child("2019-06-01")).collect();
    assert_eq!(problems(s, json!({ "dependants": eleven })), pairs(&[("dependants", "list_items")]));
    let mut bad_number = child("2019-06-01");
    bad_number["birth_certificate_number"] = json!("12ab");
    assert_eq!(
        problems(s, json!({ "dependants": [bad_number] })),
        pairs(&[("dependants[0].birth_certificate_number", "pattern_mismatch")])
    );
    assert_eq!(
        problems(s, json!({ "documents": ["id_card", "marriage_certificate"] })),
        pairs(&[("documents.dependants_birth_certificates", "document_missing")])
    );
    assert_eq!(
        problems(s, json!({ "marital_status": "married", "spouse_name": null })),
        pairs(&[("spouse_name", "required")])
    );
    assert_eq!(problems(s, json!({ "kra_pin": "B012345678Z" })), pairs(&[("kra_pin", "kra_pin_format")]));
    assert_eq!(problems(s, json!({ "date_of_birth": "2012-01-01" })), pairs(&[("date_of_birth", "rule_failed")]));
}

#[test]
fn nssf_registration() {
    let s = "nssf.member-registration";
    assert_eq!(
        problems(s, json!({ "membership": "voluntary", "monthly_contribution": null })),
        pairs(&[("monthly_contribution", "required")])
    );
    assert_eq!(
        problems(s, json!({ "membership": "voluntary", "monthly_contribution": "abc" })),
        pairs(&[("monthly_contribution", "integer_format")])
    );
    assert_eq!(
        problems(s, json!({ "membership": "employed", "employer_name": null })),
        pairs(&[("employer_name", "required")])
    );
    assert_eq!(
        problems(s, json!({ "documents": ["id_card"] })),
        pairs(&[("documents.kra_pin_certificate", "document_missing")]),
        "a KRA PIN given needs its certificate"
    );
    assert_eq!(problems(s, json!({ "kra_pin": null, "documents": ["id_card"] })), pairs(&[]));
}

#[test]
fn services_added_as_catalogue_entries_only() {
    assert_eq!(
        problems("kra.pin-registration", json!({ "has_pin_already": true })),
        pairs(&[("has_pin_already", "rule_failed")])
    );
    assert_eq!(problems("kra.pin-registration", json!({ "email": "wanjiru@" })), pairs(&[("email", "email_format")]));
    assert_eq!(
        problems("helb.loan-application", json!({ "year_of_study": 8 })),
        pairs(&[("year_of_study", "number_range")])
    );
    assert_eq!(
        problems(
            "helb.loan-application",
            json!({ "orphan_status": "both_deceased", "documents": ["id_card", "admission_letter", "ncpwd_card"] })
        ),
        pairs(&[("documents.death_certificates", "document_missing")])
    );
    assert_eq!(
        problems("agpo.certificate", json!({ "category": "youth", "date_of_birth": "1986-01-01" })),
        pairs(&[("category", "rule_failed")])
    );
    assert_eq!(
        problems("agpo.certificate", json!({ "category": "women", "sex": "male" })),
        pairs(&[("category", "rule_failed")])
    );
    assert_eq!(
        problems(
            "agpo.certificate",
            json!({ "category": "pwd", "ncpwd_number": null, "documents": documents_without("agpo.certificate", &["ncpwd_card"]) })
        ),
        pairs(&[("ncpwd_number", "required"), ("documents.ncpwd_card", "document_missing")])
    );
    assert_eq!(
        problems("police.clearance-certificate", json!({ "fingerprints_taken": false })),
        pairs(&[("fingerprints_taken", "rule_failed")])
    );
    assert_eq!(
        problems("police.clearance-certificate", json!({ "purpose": "other", "purpose_details": null })),
        pairs(&[("purpose_details", "required")])
    );
    assert_eq!(
        problems("police.clearance-certificate", json!({ "payment_reference": "NZ-1" })),
        pairs(&[("payment_reference", "pattern_mismatch")])
    );
}

#[test]
fn problems_read_in_english_and_kiswahili() {
    let (_, errors) = form_with("national-id.first-issue", json!({ "date_of_birth": "2010-03-01", "surname": null }));
    let english: Vec<String> = errors.iter().map(|p| messages::problem(p, Lang::En)).collect();
    let kiswahili: Vec<String> = errors.iter().map(|p| messages::problem(p, Lang::Sw)).collect();
    assert_eq!(english, ["Surname is required.", "A first ID card is issued from the age of 18."]);
    assert_eq!(kiswahili, ["Jina la ukoo inahitajika.", "Kitambulisho cha kwanza hutolewa kuanzia umri wa miaka 18."]);
}

// --- refusing a bad catalogue ------------------------------------------------------------------

/// Loads the built-in text with `from` replaced (once) by `to`, expecting a refusal.
fn refused(from: &str, to: &str) -> CatalogueError {
    assert!(BUILT_IN.contains(from), "the test's anchor `{from}` is not in the catalogue");
    match Catalogue::parse("bad-catalogue.toml", &BUILT_IN.replacen(from, to, 1)) {
        Err(DomainError::CatalogueInvalid(e)) => *e,
        Err(other) => panic!("refused with the wrong error: {other}"),
        Ok(_) => panic!("accepted a catalogue with `{from}` replaced by `{to}`"),
    }
}

fn check_refusal(from: &str, to: &str, service: Option<&str>, field: Option<&str>, says: &str) {
    let e = refused(from, to);
    assert_eq!(e.file, "bad-catalogue.toml");
    assert_eq!(e.service.as_deref(), service, "service, for {to}: {e}");
    assert_eq!(e.field.as_deref(), field, "field, for {to}: {e}");
    assert!(e.message.contains(says), "`{e}` should say `{says}`");
    let shown = e.to_string();
    assert!(shown.starts_with("catalogue bad-catalogue.toml refused"), "{shown}");
    for part in service.into_iter().chain(field) {
        assert!(shown.contains(part), "{shown} should name {part}");
    }
}

#[test]
fn a_bad_catalogue_is_refused_naming_file_service_and_field() {
    let first_surname = r#"label = { en = "Surname", sw = "Jina la ukoo" }"#;
    check_refusal(
        first_surname,
        r#"lable = { en = "Surname", sw = "Jina la ukoo" }"#,
        Some("national-id.first-issue"),
        Some("surname"),
        "unknown field `lable`",
    );
    check_refusal(
        first_surname,
        r#"label = { en = "Surname", sw = " " }"#,
        Some("national-id.first-issue"),
        Some("surname"),
        "both English (en) and Kiswahili (sw)",
    );
    check_refusal(r#"mda = "crs""#, r#"mda = "crz""#, Some("birth.registration"), None, "MDA `crz` is not listed");
    check_refusal(
        r#"pattern = "[0-9]{5,12}""#,
        r#"pattern = "[0-9""#,
        Some("sha.member-registration"),
        Some("dependants"),
        "not a valid regular expression",
    );
    check_refusal(
        r#"visible_when = [{ field = "reason", one_of = ["lost", "stolen"] }]"#,
        r#"visible_when = [{ field = "reasn", one_of = ["lost", "stolen"] }]"#,
        Some("national-id.replacement"),
        Some("police_abstract_number"),
        "`reasn`, which is not a field",
    );
    check_refusal(
        r#"required_when = [{ field = "reason", equals = "damaged" }]"#,
        r#"required_when = [{ field = "reason", equals = "broken" }]"#,
        Some("national-id.replacement"),
        Some("documents.damaged_id_card"),
        "can never match",
    );
    check_refusal(
        r#"id = "kra.pin-registration""#,
        r#"id = "helb.loan-application""#,
        Some("helb.loan-application"),
        None,
        "used by two services",
    );
    check_refusal(
        "max_length = 80",
        "max = 80",
        Some("national-id.first-issue"),
        Some("place_of_birth"),
        "`max` applies only to integer/decimal fields",
    );
    check_refusal(
        r#"prefill = "phone""#,
        r#"prefill = "surname""#,
        Some("national-id.first-issue"),
        Some("phone"),
        "needs a name field",
    );
    check_refusal(
        r#"fields = ["date_of_birth", "sub_county"]"#,
        r#"fields = ["date_of_birth", "sub_countee"]"#,
        Some("national-id.first-issue"),
        None,
        "`sub_countee`, which is not a field",
    );
    check_refusal(
        r#"age_under = "18y""#,
        r#"age_under = "18 years""#,
        Some("national-id.first-issue"),
        None,
        "not a period",
    );
    check_refusal(
        r#"pattern = "[0-9]{5,12}""#,
        r#"pattern = "(([0-9]{10}){10}){20}""#,
        Some("sha.member-registration"),
        Some("dependants"),
        "repeats too much",
    );
    check_refusal("format = 1", "format = 2", None, None, "format 2 is not supported");
    check_refusal(
        r#"type = "phone""#,
        r#"type = "telephone""#,
        Some("national-id.first-issue"),
        Some("phone"),
        "unknown variant",
    );
}

#[test]
fn a_catalogue_that_is_not_toml_is_refused_with_its_line() {
    let e = match Catalogue::parse("broken.toml", "format = 1\nversion = \n") {
        Err(DomainError::CatalogueInvalid(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(e.file, "broken.toml");
    assert!(e.message.contains("line 2"), "{}", e.message);
}

#[test]
fn the_fuzzing_seeds_are_what_their_names_say() {
    // The fuzz target starts from these (fuzz/seeds/catalogue_load); keep them meaningful.
    let seed = |name: &str| std::fs::read_to_string(format!("../../fuzz/seeds/catalogue_load/{name}")).expect(name);
    for accepted in ["minimal.toml", "list-and-rules.toml", "built-in.toml"] {
        let catalogue = Catalogue::parse(accepted, &seed(accepted)).expect(accepted);
        for service in &catalogue.services {
            assert!(sample::answers(service, TODAY).1.is_ok(), "{accepted}: {}", service.id);
        }
    }
    for refused in ["broken-syntax.toml", "unknown-type.toml"] {
        assert_eq!(
            Catalogue::parse(refused, &seed(refused)).map(|_| ()).expect_err(refused).code(),
            "catalogue_invalid"
        );
    }
    assert_eq!(
        seed("built-in.toml"),
        BUILT_IN,
        "refresh the seed: cp crates/domain/catalogue/huduma-catalogue.toml fuzz/seeds/catalogue_load/built-in.toml"
    );
}

#[test]
fn visibility_cases_show_each_field_when_its_conditions_are_met_and_hide_it_when_one_breaks() {
    let catalogue = Catalogue::built_in().expect("built-in");
    let cases = form::visibility_cases(&catalogue, date!(2026 - 01 - 01));
    let fields: std::collections::BTreeSet<(&str, &str)> =
        cases.iter().map(|c| (c.service.as_str(), c.field.as_str())).collect();
    assert!(fields.len() >= 5, "{fields:?}");
    for (service, field) in fields {
        let rows: Vec<bool> =
            cases.iter().filter(|c| c.service == service && c.field == field).map(|c| c.visible).collect();
        assert!(rows[0], "{service} {field} shows when every condition is met");
        assert!(rows[1..].iter().all(|visible| !visible), "{service} {field} hides when one breaks: {rows:?}");
    }
}
