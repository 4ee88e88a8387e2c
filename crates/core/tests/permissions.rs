//! Least privilege, role by role: what each officer may and may not call on a session. The ICT
//! officer administers the laptop and never reaches a citizen's data through any public call.

mod common;

use common::*;
use fieldkit_core::{NewOfficer, Role, Session};

const PIN: &str = "615208";

/// Every public call that reads or hands out citizens' data, or acts for the MDAs on it, by name.
fn citizens_data_calls(session: &mut Session, reference: &str, citizen: uuid::Uuid) -> Vec<(&'static str, bool)> {
    let allowed = |code: Option<&str>| match code {
        None => true,
        Some("not_permitted") => false,
        Some(other) => panic!("refused for another reason: {other}"),
    };
    let code = |r: fieldkit_core::Result<()>| r.err().map(|e| e.code());
    vec![
        ("citizen", allowed(code(session.citizen(citizen).map(drop)))),
        ("find_citizens", allowed(code(session.find_citizens("Otieno").map(drop)))),
        ("application", allowed(code(session.application(reference).map(drop)))),
        ("applications", allowed(code(session.applications(None).map(drop)))),
        ("queue", allowed(code(session.queue().map(drop)))),
        ("outbox_records", allowed(code(session.outbox_records(10).map(drop)))),
        ("slip", allowed(code(session.slip(reference, &Default::default()).map(drop)))),
        ("day_report", allowed(code(session.day_report(None).map(drop)))),
        (
            "export_bundle",
            allowed(match session.export_bundle() {
                Ok(_) => None,
                // The fixture laptop is not enrolled: past the role check, the export needs a key.
                Err(e) if e.code() == "export_not_set_up" || e.code() == "not_enrolled" => None,
                Err(e) => Some(e.code()),
            }),
        ),
        ("fork", allowed(code(session.fork().map(drop)))),
        (
            "mark_synced",
            allowed(match session.mark_synced(citizen) {
                Err(e) if e.code() == "application_not_found" => None,
                other => other.err().map(|e| e.code()),
            }),
        ),
    ]
}

/// A profile with a centre manager, a front-desk officer and a trainer, and one saved application;
/// returns its reference and its citizen.
fn laptop(f: &Fixture) -> (String, uuid::Uuid) {
    let mut manager = f.create();
    let trainer = NewOfficer { number: "TR001".into(), display_name: "Mercy Chebet".into(), role: Role::Trainer };
    manager.add_officer(&trainer, PIN).expect("add trainer");
    let citizen = manager.register_citizen(&citizen("Otieno", "23456789")).expect("citizen");
    let saved = manager.save_and_submit(&application(citizen.id, "nssf.member-registration")).expect("saved");
    (saved.reference.to_string(), citizen.id)
}

#[test]
fn each_role_reaches_exactly_the_citizens_data_its_work_needs() {
    let f = fixture();
    let (reference, citizen) = laptop(&f);
    let everything = |calls: &[(&str, bool)]| calls.iter().all(|(_, allowed)| *allowed);

    let mut clerk = f.clerk();
    let calls = citizens_data_calls(&mut clerk, &reference, citizen);
    let refused: Vec<&str> = calls.iter().filter(|(_, ok)| !ok).map(|(name, _)| *name).collect();
    assert_eq!(refused, ["day_report", "export_bundle"], "the front desk captures, prints and syncs");

    let mut trainer = f.profile.sign_in("TR001", PIN).expect("trainer");
    let calls = citizens_data_calls(&mut trainer, &reference, citizen);
    let refused: Vec<&str> = calls.iter().filter(|(_, ok)| !ok).map(|(name, _)| *name).collect();
    assert_eq!(refused, ["day_report", "export_bundle"]);

    let mut manager = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager");
    assert!(everything(&citizens_data_calls(&mut manager, &reference, citizen)));
}

#[test]
fn the_ict_officer_reaches_no_citizens_data_through_any_call() {
    let f = fixture();
    // The ICT officer sets the laptop up, so is its first officer here.
    let prefix = fieldkit_core::LaptopPrefix::parse("K7QM").expect("prefix");
    let ict = NewOfficer { number: "ICT01".into(), display_name: "Brian Kiprono".into(), role: Role::IctOfficer };
    let mut session = f.profile.create(&prefix, &ict, PIN).expect("create");
    let manager =
        NewOfficer { number: MANAGER.into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
    session.add_officer(&manager, MANAGER_PIN).expect("the ICT officer adds the manager");
    drop(session);
    let mut manager = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager");
    let citizen = manager.register_citizen(&citizen("Otieno", "23456789")).expect("citizen");
    let saved = manager.save_and_submit(&application(citizen.id, "nssf.member-registration")).expect("saved");
    drop(manager);

    let mut ict = f.profile.sign_in("ICT01", PIN).expect("ict");
    let calls = citizens_data_calls(&mut ict, &saved.reference.to_string(), citizen.id);
    let allowed: Vec<&str> = calls.iter().filter(|(_, ok)| *ok).map(|(name, _)| *name).collect();
    assert!(allowed.is_empty(), "the ICT officer reached {allowed:?}");
    // What the ICT officer's work needs stays open: the roster, the audit, sync status, deployment.
    assert!(ict.officers().is_ok() && ict.verify_audit().is_ok());
    assert!(ict.sync_state().is_ok() && ict.deployment().is_ok() && ict.purge_expired().is_ok());
    // Counts without names are the manager's figures, not the ICT officer's either.
    assert_eq!(ict.outbox_len().err().map(|e| e.code()), Some("not_permitted"));
}
