//! Forms in a session: the citizen profile fills every form (the one-stop shop), a form is checked
//! in full before it enters the outbox, a refused form changes nothing, earlier applications by
//! the same ID number are flagged, and each application records its catalogue version.

mod common;

use common::*;
use fieldkit_core::catalogue::Catalogue;
use fieldkit_core::{ApplicationState, Lang, NewApplication, NewCitizen, ReviewOutcome, messages};
use serde_json::{Value, json};
use std::sync::Arc;

fn full_citizen() -> NewCitizen {
    NewCitizen {
        kra_pin: Some("a012345678z".into()),
        sub_county: Some("Kiharu".into()),
        ..citizen("Ng'ang'a", "22345678")
    }
}

fn new_application(citizen_id: uuid::Uuid, service_id: &str, form: Value) -> NewApplication {
    NewApplication {
        citizen_id,
        service_id: service_id.into(),
        catalogue_version: None,
        form: form.as_object().expect("object").clone(),
    }
}

/// The answers a first-issue form needs beyond the profile.
fn first_issue_answers() -> Value {
    json!({
        "place_of_birth": "Murang'a Hospital", "location": "Mbiri", "sub_location": "Gitugi",
        "father_name": "Joseph Kamau", "mother_name": "Mary Wairimu",
        "documents": ["birth_certificate", "parent_id_copy"]
    })
}

#[test]
fn the_profile_prefills_every_service() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let c = clerk.register_citizen(&full_citizen()).expect("register");

    let sha = clerk.prefill(c.id, "sha.member-registration").expect("prefill");
    assert_eq!(
        Value::Object(sha),
        json!({ "id_number": "22345678", "surname": "Ng'ang'a", "given_names": "Wambui Njeri",
                "date_of_birth": "1990-04-12", "sex": "female", "phone": "+254712345678",
                "kra_pin": "A012345678Z", "county_code": "021" })
    );
    let first_issue = clerk.prefill(c.id, "national-id.first-issue").expect("prefill");
    assert_eq!(first_issue["sub_county"], "Kiharu");
    assert!(!first_issue.contains_key("id_number"), "the first-issue form has no ID number to fill");
    let birth = clerk.prefill(c.id, "birth.registration").expect("prefill");
    assert_eq!((&birth["child_surname"], &birth["child_given_names"]), (&json!("Ng'ang'a"), &json!("Wambui Njeri")));

    let err = clerk.prefill(c.id, "passport.first-issue").expect_err("unknown service");
    assert_eq!(err.to_report().reason, Some("service_unknown"));
}

#[test]
fn a_form_typed_once_is_saved_with_the_profile_answers_and_the_catalogue_version() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let c = clerk.register_citizen(&full_citizen()).expect("register");
    let saved =
        clerk.save_and_submit(&new_application(c.id, "national-id.first-issue", first_issue_answers())).expect("save");
    assert_eq!(saved.state, ApplicationState::Submitted);
    assert_eq!(saved.form["surname"], "Ng'ang'a");
    assert_eq!(saved.form["sub_county"], "Kiharu");
    assert_eq!(saved.form["phone"], "+254712345678");
    assert_eq!(saved.catalogue_version, Catalogue::built_in().expect("catalogue").version);
    assert_eq!(clerk.application(saved.reference.as_str()).expect("reload"), saved, "what was shown was stored");

    // What the officer types wins over the profile, even a cleared field.
    let mut answers = first_issue_answers();
    answers["phone"] = json!("");
    let other = clerk.register_citizen(&citizen("Kamau", "32345678")).expect("register");
    let saved = clerk.save_and_submit(&new_application(other.id, "national-id.first-issue", {
        answers["sub_county"] = json!("Kangema");
        answers
    }));
    let saved = saved.expect("save");
    assert!(!saved.form.contains_key("phone"));
}

#[test]
fn a_refused_form_lists_every_problem_and_changes_nothing() {
    let f = fixture();
    let mut manager = f.create();
    let mut clerk = f.clerk();
    let c = clerk.register_citizen(&full_citizen()).expect("register");
    let audit_before = manager.verify_audit().expect("audit").entries;

    let mut answers = first_issue_answers();
    answers["father_name"] = json!("J0seph");
    answers["documents"] = json!(["parent_id_copy"]);
    let err = clerk.save_and_submit(&new_application(c.id, "national-id.first-issue", answers)).expect_err("refused");
    let report = err.to_report();
    assert_eq!(report.code, "form_invalid");
    let found: Vec<(&str, &str)> = report.problems.iter().map(|p| (p.field.as_str(), p.reason.as_str())).collect();
    assert_eq!(found, [("father_name", "name_characters"), ("documents.birth_certificate", "document_missing")]);
    assert_eq!(
        messages::report(&report, Lang::Sw).lines().collect::<Vec<_>>(),
        [
            "Fomu ina tatizo 2 la kurekebisha kabla ya kuhifadhiwa.",
            "  - Jina kamili la baba inaweza kuwa na herufi, nafasi moja, apostrofi na vistari tu (mfano Ng'ang'a, Arap-Moi).",
            "  - Hati inahitajika: Cheti cha kuzaliwa (asili kimeonekana, nakala imehifadhiwa). Iweke alama ukishaiona.",
        ]
    );
    assert!(clerk.applications(None).expect("list").is_empty());
    assert_eq!(manager.verify_audit().expect("audit").entries, audit_before, "nothing was written");
}

#[test]
fn a_draft_keeps_what_was_typed_and_is_checked_in_full_when_submitted() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let c = clerk.register_citizen(&full_citizen()).expect("register");
    let draft = clerk
        .save_draft(&new_application(c.id, "national-id.first-issue", json!({ "father_name": "J0seph" })))
        .expect("a half-typed draft is kept as typed");
    assert_eq!(draft.form["father_name"], "J0seph");

    let err = clerk.submit_application(draft.id).expect_err("incomplete");
    assert_eq!(err.code(), "form_invalid");
    assert_eq!(clerk.application(&draft.id.to_string()).expect("reload").state, ApplicationState::Draft);

    let mut complete = draft.form.clone();
    complete.extend(first_issue_answers().as_object().expect("object").clone());
    clerk.edit_application(draft.id, complete).expect("edit");
    let submitted = clerk.submit_application(draft.id).expect("submit");
    assert_eq!(submitted.state, ApplicationState::Submitted);
    assert_eq!(submitted.form["father_name"], "Joseph Kamau");
}

#[test]
fn earlier_applications_by_the_same_id_number_are_flagged() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let c = clerk.register_citizen(&full_citizen()).expect("register");
    let sha_answers = json!({ "employment": "not_working", "marital_status": "single", "documents": ["id_card"] });
    let first =
        clerk.save_and_submit(&new_application(c.id, "sha.member-registration", sha_answers.clone())).expect("save");
    assert!(
        clerk
            .check_application(&new_application(c.id, "nssf.member-registration", json!({})))
            .expect("check")
            .warnings
            .is_empty()
    );

    clerk.mark_synced(first.id).expect("synced");
    clerk.apply_review(first.id, ReviewOutcome::Rejected { reason: "Photo unclear".into() }).expect("rejected");
    let again =
        clerk.check_application(&new_application(c.id, "sha.member-registration", sha_answers.clone())).expect("check");
    assert!(again.is_ok(), "a warning does not block: {:?}", again.errors);
    let warning = &again.warnings[..];
    assert_eq!(warning.len(), 1);
    assert_eq!((warning[0].field.as_str(), warning[0].reason.as_str()), ("id_number", "duplicate_application"));
    assert_eq!(warning[0].params.get("reference").map(String::as_str), Some(first.reference.as_str()));
    assert!(messages::problem(&warning[0], Lang::En).contains("(rejected, 2026-11-22)"));
    assert!(messages::problem(&warning[0], Lang::Sw).contains("(imekataliwa, 2026-11-22)"));

    // A second record for the same person, registered without an ID number, is caught by the
    // ID number typed on the form.
    let no_id = clerk.register_citizen(&NewCitizen { id_number: None, ..citizen("Ng'ang'a", "") }).expect("register");
    let mut typed = sha_answers;
    typed["id_number"] = json!("22345678");
    let check = clerk.check_application(&new_application(no_id.id, "sha.member-registration", typed)).expect("check");
    assert_eq!(check.warnings.len(), 1);
}

#[test]
fn a_form_from_another_catalogue_version_is_refused() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let c = clerk.register_citizen(&full_citizen()).expect("register");
    let mut stale = new_application(c.id, "national-id.first-issue", first_issue_answers());
    stale.catalogue_version = Some(99);
    let err = clerk.save_and_submit(&stale).expect_err("stale");
    assert_eq!(err.to_report().reason, Some("catalogue_version_mismatch"));
    assert_eq!(
        clerk.save_draft(&stale).expect_err("stale draft").to_report().reason,
        Some("catalogue_version_mismatch")
    );
}

#[test]
fn a_newer_catalogue_is_used_and_recorded() {
    let f = fixture();
    f.create();
    let text = include_str!("../../domain/catalogue/huduma-catalogue.toml").replacen("version = 1", "version = 7", 1);
    let newer = Arc::new(Catalogue::parse("catalogue-v7.toml", &text).expect("parse"));
    let profile = f.profile.clone().with_catalogue(newer);
    let mut clerk = profile.sign_in(CLERK, CLERK_PIN).expect("sign in");
    let c = clerk.register_citizen(&full_citizen()).expect("register");
    let mut new = new_application(c.id, "national-id.first-issue", first_issue_answers());
    new.catalogue_version = Some(7);
    assert_eq!(clerk.save_and_submit(&new).expect("save").catalogue_version, 7);
}
