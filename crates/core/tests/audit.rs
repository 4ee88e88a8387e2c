//! The audit log: every change recorded, hash-chained, and tampering detected.

mod common;

use common::*;
use fieldkit_core::store::AuditProblem;

/// A profile with some history: officers added, a citizen, an application taken to "queried".
fn with_history() -> (Fixture, fieldkit_core::Session) {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let c = clerk.register_citizen(&citizen("Kariuki", "22345678")).expect("register");
    let app = clerk.save_and_submit(&application(c.id, "national-id.first-issue")).expect("save");
    clerk.mark_synced(app.id).expect("synced");
    clerk
        .apply_review(app.id, fieldkit_core::ReviewOutcome::Queried { question: "Which sub-location?".into() })
        .expect("queried");
    drop(clerk);
    let manager = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager");
    (f, manager)
}

/// Plays the attacker who has the key: raw SQL on the open connection, triggers dropped.
fn tamper(session: &fieldkit_core::Session, sql: &str) {
    let conn = session.store().expect("unlocked").connection();
    conn.execute_batch("DROP TRIGGER audit_log_is_append_only_update; DROP TRIGGER audit_log_is_append_only_delete;")
        .expect("drop triggers");
    conn.execute_batch(sql).expect("tamper");
}

#[test]
fn every_change_is_logged_and_the_chain_verifies() {
    let (_f, mut manager) = with_history();
    let report = manager.verify_audit().expect("verify");
    assert!(report.is_intact(), "{:?}", report.problems);
    let conn = manager.store().expect("unlocked").connection();
    let mut statement = conn.prepare("SELECT action FROM audit_log ORDER BY seq").expect("prepare");
    let actions: Vec<String> = statement.query_map([], |r| r.get(0)).expect("query").map(|r| r.expect("row")).collect();
    let want = [
        "officer.added",
        "officer.signed_in",
        "officer.added",
        "officer.signed_in",
        "citizen.registered",
        "application.created_submitted",
        "application.synced",
        "application.queried",
        "officer.signed_in",
    ];
    assert_eq!(actions, want);
    assert_eq!(report.entries, want.len() as u64);
}

#[test]
fn the_log_refuses_updates_and_deletes() {
    let (_f, manager) = with_history();
    let conn = manager.store().expect("unlocked").connection();
    assert!(conn.execute("UPDATE audit_log SET officer = 'XX' WHERE seq = 1", []).is_err());
    assert!(conn.execute("DELETE FROM audit_log WHERE seq = 1", []).is_err());
}

#[test]
fn an_edited_entry_is_detected() {
    let (_f, mut manager) = with_history();
    tamper(&manager, "UPDATE audit_log SET officer = 'CM001' WHERE action = 'citizen.registered'");
    let report = manager.verify_audit().expect("verify");
    assert!(matches!(report.problems.as_slice(), [AuditProblem::EntryAltered { seq: 5 }]), "{:?}", report.problems);
}

#[test]
fn a_deleted_entry_is_detected() {
    let (_f, mut manager) = with_history();
    tamper(&manager, "DELETE FROM audit_log WHERE seq = 7");
    let problems = manager.verify_audit().expect("verify").problems;
    assert!(problems.contains(&AuditProblem::Gap { after_seq: 6, next_seq: 8 }), "{problems:?}");
    assert!(problems.contains(&AuditProblem::ChainBroken { seq: 8 }), "{problems:?}");
}

#[test]
fn a_record_edited_behind_the_logs_back_is_detected() {
    let (_f, mut manager) = with_history();
    // The entries are untouched; the application itself is changed with raw SQL.
    let conn = manager.store().expect("unlocked").connection();
    conn.execute("UPDATE applications SET state = 'accepted', review_note = NULL", []).expect("tamper");
    let problems = manager.verify_audit().expect("verify").problems;
    assert!(matches!(problems.as_slice(), [AuditProblem::RecordAltered { entity, .. }] if entity == "application"));
}

#[test]
fn a_record_slipped_in_without_the_log_is_detected() {
    let (_f, mut manager) = with_history();
    let conn = manager.store().expect("unlocked").connection();
    conn.execute(
        "INSERT INTO citizens (id, surname, given_names, date_of_birth, sex, registered_by, registered_at)
         VALUES ('0190e000-0000-7000-8000-000000000001', 'Ghost', 'Citizen', '1980-01-01', 'male', 'FD001', '2026-11-22T08:00:00Z')",
        [],
    )
    .expect("insert");
    let problems = manager.verify_audit().expect("verify").problems;
    assert!(matches!(problems.as_slice(), [AuditProblem::RecordUnaudited { entity, .. }] if entity == "citizen"));
}
