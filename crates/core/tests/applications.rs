//! Citizens and applications: registered once, one open application per service, the lifecycle,
//! human references, and bad input that changes nothing.

mod common;

use common::*;
use fieldkit_core::{ApplicationState, NewCitizen, Reference, ReviewOutcome};

#[test]
fn a_citizen_is_registered_once_and_applies_for_several_services() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let wanjiku = clerk.register_citizen(&citizen("Ng'ang'a", "22345678")).expect("register");
    assert_eq!(wanjiku.details.phone.as_deref(), Some("+254712345678"), "phone stored as E.164");

    let err = clerk.register_citizen(&citizen("Ng'ang'a", "22345678")).expect_err("same ID number again");
    assert_eq!(err.code(), "citizen_exists");

    for service in ["national-id.replacement", "sha.member-registration", "nssf.member-registration"] {
        clerk.save_and_submit(&application(wanjiku.id, service)).expect(service);
    }
    assert_eq!(clerk.queue().expect("queue").len(), 3);
    let err = clerk.save_draft(&application(wanjiku.id, "nssf.member-registration")).expect_err("second NSSF");
    assert_eq!(err.code(), "duplicate_application");
}

#[test]
fn citizens_without_an_id_number_can_register() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let child = NewCitizen { id_number: None, phone: None, ..citizen("Kiprotich", "") };
    let a = clerk.register_citizen(&child).expect("first child");
    let b = clerk.register_citizen(&child).expect("twins share details but not records");
    assert_ne!(a.id, b.id);
}

#[test]
fn finding_a_citizen_by_the_reference_on_their_slip() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let otieno = clerk.register_citizen(&citizen("Otieno", "31234567")).expect("register");
    clerk.register_citizen(&citizen("Kamau", "41234567")).expect("register");
    let saved = clerk.save_and_submit(&application(otieno.id, "kra.pin-registration")).expect("save");
    let spoken = saved.reference.as_str().to_lowercase().replace('-', " ");
    let found = clerk.find_citizens(&spoken).expect("search");
    assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), [otieno.id], "{spoken}");
}

#[test]
fn finding_citizens_by_name_id_number_or_phone() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let otieno = clerk.register_citizen(&citizen("Otieno", "31234567")).expect("register");
    let mut other = citizen("Kamau", "41234567");
    other.phone = Some("0722000111".into());
    clerk.register_citizen(&other).expect("register");

    let ids = |query: &str, clerk: &mut fieldkit_core::Session| -> Vec<String> {
        clerk.find_citizens(query).expect(query).into_iter().map(|c| c.details.surname).collect()
    };
    assert_eq!(ids("31234567", &mut clerk), ["Otieno"]);
    assert_eq!(ids("+254 722 000 111", &mut clerk), ["Kamau"]);
    assert_eq!(ids("otien", &mut clerk), ["Otieno"]);
    assert_eq!(ids("Wambui Njeri Otieno", &mut clerk), ["Otieno"]);
    assert_eq!(clerk.citizen(otieno.id).expect("by id"), otieno);
    assert_eq!(clerk.find_citizens("  ").err().map(|e| e.code()), Some("invalid_input"));
}

#[test]
fn the_whole_lifecycle_with_a_query_and_a_resubmission() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let c = clerk.register_citizen(&citizen("Mwangi", "22345678")).expect("register");
    let draft = clerk.save_draft(&application(c.id, "birth.registration")).expect("draft");
    assert_eq!((draft.state, draft.revision), (ApplicationState::Draft, 1));

    let mut form = draft.form.clone();
    form.insert("informant_name".into(), "Grace Muthoni".into());
    let edited = clerk.edit_application(draft.id, form).expect("edit draft");
    assert_eq!(edited.revision, 2);
    assert_eq!(clerk.submit_application(draft.id).expect("submit").state, ApplicationState::Submitted);
    assert_eq!(
        clerk.edit_application(draft.id, edited.form.clone()).err().map(|e| e.code()),
        Some("illegal_transition")
    );

    clerk.mark_synced(draft.id).expect("synced");
    let question = ReviewOutcome::Queried { question: "Attach the chief's letter".into() };
    let queried = clerk.apply_review(draft.id, question).expect("queried");
    assert_eq!(queried.review_note.as_deref(), Some("Attach the chief's letter"));

    let mut corrected = queried.form.clone();
    corrected.insert("late_reason".into(), "The family lived far from a registration office".into());
    clerk.edit_application(draft.id, corrected).expect("correct queried");
    assert_eq!(clerk.submit_application(draft.id).expect("resubmit").state, ApplicationState::Submitted);
    clerk.mark_synced(draft.id).expect("synced again");
    let accepted = clerk.apply_review(draft.id, ReviewOutcome::Accepted).expect("accepted");
    assert_eq!(
        (accepted.state, accepted.revision, accepted.review_note.as_deref()),
        (ApplicationState::Accepted, 3, None)
    );

    for refused in [
        clerk.submit_application(draft.id).err(),
        clerk.mark_synced(draft.id).err(),
        clerk.apply_review(draft.id, ReviewOutcome::Rejected { reason: "late".into() }).err(),
    ] {
        assert_eq!(refused.map(|e| e.code()), Some("illegal_transition"));
    }
    assert_eq!(clerk.application(&draft.id.to_string()).expect("reload"), accepted, "refusals changed nothing");

    // Final applications no longer block a new one for the same service.
    clerk.save_draft(&application(c.id, "birth.registration")).expect("new application after accepted");
}

#[test]
fn a_rejection_needs_a_reason() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let c = clerk.register_citizen(&citizen("Mwangi", "22345678")).expect("register");
    let app = clerk.save_and_submit(&application(c.id, "nssf.member-registration")).expect("save");
    clerk.mark_synced(app.id).expect("synced");
    let err = clerk.apply_review(app.id, ReviewOutcome::Rejected { reason: "  ".into() }).expect_err("empty reason");
    assert_eq!(err.code(), "invalid_input");
    assert_eq!(clerk.application(app.reference.as_str()).expect("reload").state, ApplicationState::Synced);
}

#[test]
fn references_are_sequential_checked_and_found_by_phone_spelling() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let mut references = Vec::new();
    for i in 0..5 {
        let c = clerk.register_citizen(&citizen("Achieng", &format!("3000000{i}"))).expect("register");
        references.push(clerk.save_draft(&application(c.id, "kra.pin-registration")).expect("save").reference);
    }
    let texts: Vec<&str> = references.iter().map(Reference::as_str).collect();
    for (i, text) in texts.iter().enumerate() {
        assert!(text.starts_with(&format!("K7QM-{:06}-", i + 1)), "{text}");
    }
    let spoken = texts[2].to_lowercase().replace('-', " ");
    assert_eq!(clerk.application(&spoken).expect("by spoken reference").reference, references[2]);
    let mut typo = texts[2].to_string();
    typo.replace_range(5..6, "9");
    assert_eq!(clerk.application(&typo).err().map(|e| e.code()), Some("invalid_input"), "check digit catches it");
}

#[test]
fn bad_input_is_refused_with_the_field_named_and_changes_nothing() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let c = clerk.register_citizen(&citizen("Barasa", "22345678")).expect("register");
    let audit_before = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager").verify_audit().expect("audit").entries;

    let cases: Vec<(NewCitizen, &str)> = vec![
        (NewCitizen { surname: "Bara5a".into(), ..citizen("x", "32345678") }, "surname"),
        (NewCitizen { date_of_birth: "2099-01-01".into(), ..citizen("Barasa", "32345678") }, "date_of_birth"),
        (NewCitizen { phone: Some("0812345678".into()), ..citizen("Barasa", "32345678") }, "phone"),
        (NewCitizen { county_code: Some("048".into()), ..citizen("Barasa", "32345678") }, "county_code"),
        (NewCitizen { sex: "x".into(), ..citizen("Barasa", "32345678") }, "sex"),
        (NewCitizen { id_number: Some("123456789".into()), ..citizen("Barasa", "") }, "id_number"),
    ];
    for (input, field) in cases {
        let report = clerk.register_citizen(&input).expect_err(field).to_report();
        assert_eq!((report.code, report.field.as_deref()), ("invalid_input", Some(field)));
    }
    let mut bad_service = application(c.id, "National ID!");
    assert_eq!(clerk.save_draft(&bad_service).err().map(|e| e.code()), Some("invalid_input"));
    bad_service.service_id = "national-id.first-issue".into();
    bad_service.citizen_id = uuid::Uuid::now_v7();
    assert_eq!(clerk.save_draft(&bad_service).err().map(|e| e.code()), Some("citizen_not_found"));

    assert_eq!(clerk.find_citizens("3").expect("search").len(), 0);
    assert_eq!(clerk.applications(None).expect("list").len(), 0);
    let mut manager = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager");
    // The manager's sign-in added one entry; the refused inputs added none.
    assert_eq!(manager.verify_audit().expect("audit").entries, audit_before + 1);
}

#[test]
fn the_next_reference_survives_reopening() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let c = clerk.register_citizen(&citizen("Chebet", "22345678")).expect("register");
    let first = clerk.save_draft(&application(c.id, "helb.loan-application")).expect("save");
    drop(clerk);
    let mut clerk = f.clerk();
    let second = clerk.save_draft(&application(c.id, "kra.pin-registration")).expect("save");
    assert_ne!(first.reference, second.reference);
    assert!(second.reference.as_str().starts_with("K7QM-000002-"));
}

#[test]
fn today_means_the_kenyan_day_for_the_home_screen_count() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    // 08:00 UTC is 11:00 in Nairobi.
    let citizen = clerk.register_citizen(&citizen("Mutua", "22345678")).expect("register");
    clerk.save_and_submit(&application(citizen.id, "kra.pin-registration")).expect("save");
    clerk.save_draft(&application(citizen.id, "sha.member-registration")).expect("draft");
    assert_eq!(clerk.captured_today().expect("count"), 2, "drafts are captured work too");
    // 20:59 UTC is 23:59 in Nairobi: still the same day.
    f.clock.advance(std::time::Duration::from_secs(12 * 3600 + 59 * 60));
    clerk.unlock(CLERK_PIN).expect("unlock after the idle lock");
    assert_eq!(clerk.captured_today().expect("count"), 2);
    // 21:00 UTC is midnight in Nairobi, though still the 22nd in UTC.
    f.clock.advance(std::time::Duration::from_secs(60));
    assert_eq!(clerk.captured_today().expect("count"), 0);
}

/// A push batch's answers, applied together: exactly the applications the server acknowledged at
/// the revision still in the outbox become synced, each with its audit entry; conflicts, invalid
/// records, stale revisions and unknown ids change nothing and are counted.
#[test]
fn a_batch_of_push_answers_marks_exactly_the_acknowledged_applications() {
    use fieldkit_protocol::{PushOutcome, RecordResult};
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let mut saved = Vec::new();
    for (i, surname) in ["Otieno", "Wekesa", "Chebet", "Mutua", "Njeri"].iter().enumerate() {
        let c = clerk.register_citizen(&citizen(surname, &format!("2234567{i}"))).expect("register");
        saved.push(clerk.save_and_submit(&application(c.id, "national-id.first-issue")).expect("save"));
    }
    let answer =
        |i: usize, outcome: PushOutcome| RecordResult { id: saved[i].id, revision: saved[i].revision, outcome };
    let results = [
        answer(0, PushOutcome::Stored),
        answer(1, PushOutcome::AlreadyStored),
        answer(2, PushOutcome::Conflict { stored_hash: "ab".repeat(32) }),
        answer(3, PushOutcome::Invalid { reason: "content_hash does not match body".into() }),
        RecordResult { revision: saved[4].revision + 1, ..answer(4, PushOutcome::Stored) },
        RecordResult { id: uuid::Uuid::from_u128(0x4b37), revision: 1, outcome: PushOutcome::Stored },
    ];
    let tally = clerk.apply_push_results(&results).expect("apply");
    assert_eq!((tally.synced, tally.already_on_server, tally.conflicts, tally.invalid), (2, 1, 1, 1));
    assert_eq!(tally.skipped, 2, "the stale revision and the unknown id");

    let synced: Vec<_> =
        clerk.applications(Some(ApplicationState::Synced)).expect("synced").into_iter().map(|a| a.id).collect();
    assert_eq!(synced.len(), 2);
    assert!(synced.contains(&saved[0].id) && synced.contains(&saved[1].id));
    assert_eq!(clerk.queue().expect("outbox").len(), 3);

    // The same answers again: nothing left to mark.
    let again = clerk.apply_push_results(&results[..2]).expect("apply again");
    assert_eq!((again.synced, again.skipped), (0, 2));

    drop(clerk);
    let mut manager = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager");
    let report = manager.verify_audit().expect("verify");
    assert!(report.is_intact(), "{:?}", report.problems);
    let conn = manager.store().expect("unlocked").connection();
    let logged: u32 = conn
        .query_row("SELECT count(*) FROM audit_log WHERE action = 'application.synced'", [], |r| r.get(0))
        .expect("count");
    assert_eq!(logged, 2, "one audit entry per application marked");
}
