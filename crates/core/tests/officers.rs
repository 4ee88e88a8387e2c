//! Officers: offline sign-in, growing lockout after wrong PINs, idle lock, and roles.

mod common;

use common::*;
use fieldkit_core::session::lockout_delay;
use fieldkit_core::{Config, LaptopPrefix, NewOfficer, Role};
use std::time::Duration;

fn retry_after(result: fieldkit_core::Result<fieldkit_core::Session>) -> Option<u64> {
    result.err().and_then(|e| e.to_report().retry_after_secs)
}

#[test]
fn lockout_delay_grows_and_is_capped() {
    let config = Config::for_tests(); // 3 free attempts, 30 s base, 1 h cap
    let delays: Vec<Option<u64>> = (1..=11).map(|n| lockout_delay(&config, n).map(|d| d.as_secs())).collect();
    let want = [
        None,
        None,
        Some(30),
        Some(60),
        Some(120),
        Some(240),
        Some(480),
        Some(960),
        Some(1920),
        Some(3600),
        Some(3600),
    ];
    assert_eq!(delays, want);
    assert_eq!(lockout_delay(&config, u32::MAX).map(|d| d.as_secs()), Some(3600));
}

#[test]
fn repeated_wrong_pins_lock_the_officer_out_for_longer_each_time() {
    let f = fixture();
    f.create();
    assert_eq!(f.profile.sign_in(CLERK, "000001").err().map(|e| e.code()), Some("wrong_pin"));
    assert_eq!(f.profile.sign_in(CLERK, "000002").err().map(|e| e.code()), Some("wrong_pin"));
    assert_eq!(retry_after(f.profile.sign_in(CLERK, "000003")), Some(30));

    // While locked out even the right PIN is refused, without being checked.
    f.clock.advance(Duration::from_secs(10));
    assert_eq!(retry_after(f.profile.sign_in(CLERK, CLERK_PIN)), Some(20));

    f.clock.advance(Duration::from_secs(20));
    assert_eq!(retry_after(f.profile.sign_in(CLERK, "000004")), Some(60), "the delay doubles");
    f.clock.advance(Duration::from_secs(60));
    f.profile.sign_in(CLERK, CLERK_PIN).expect("right PIN after the delay");

    // A good sign-in resets the count: the free attempts are back.
    assert_eq!(f.profile.sign_in(CLERK, "000005").err().map(|e| e.code()), Some("wrong_pin"));
}

#[test]
fn lockout_is_per_officer() {
    let f = fixture();
    f.create();
    for pin in ["000001", "000002", "000003"] {
        let _ = f.profile.sign_in(CLERK, pin);
    }
    assert!(retry_after(f.profile.sign_in(CLERK, CLERK_PIN)).is_some());
    f.profile.sign_in(MANAGER, MANAGER_PIN).expect("another officer is not locked out");
}

#[test]
fn an_idle_session_locks_and_unlocks_with_the_pin() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    clerk.register_citizen(&citizen("Mutua", "22345678")).expect("register");

    f.clock.advance(Duration::from_secs(4 * 60 + 59));
    clerk.applications(None).expect("still active just before the idle limit");

    f.clock.advance(Duration::from_secs(5 * 60));
    let err = clerk.applications(None).expect_err("locked after idling");
    assert_eq!(err.code(), "session_locked");
    assert!(clerk.is_locked());
    assert!(clerk.store().is_none(), "the key is dropped with the connection");

    assert_eq!(clerk.unlock("999999").err().map(|e| e.code()), Some("wrong_pin"));
    clerk.unlock(CLERK_PIN).expect("unlock");
    assert_eq!(clerk.applications(None).expect("list").len(), 0);
}

#[test]
fn the_idle_timer_locks_a_session_nobody_is_using() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let deadline = clerk.idle_deadline().expect("unlocked");
    f.clock.advance(Duration::from_secs(60));
    assert!(!clerk.lock_if_idle(), "a minute is not idle enough");
    clerk.applications(None).expect("activity");
    assert!(clerk.idle_deadline().expect("unlocked") > deadline, "activity moves the deadline");
    f.clock.advance(Duration::from_secs(5 * 60));
    assert!(clerk.lock_if_idle(), "the timer locks without waiting for the next action");
    assert!(clerk.store().is_none() && clerk.idle_deadline().is_none());
    clerk.flush().expect("flushing a locked session is harmless");
    clerk.unlock(CLERK_PIN).expect("unlock");
    clerk.register_citizen(&citizen("Mutua", "22345678")).expect("register");
    let wal = std::path::PathBuf::from(format!("{}-wal", f.profile.store_path().display()));
    let wal_size = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert!(wal_size() > 0, "the change sits in the write-ahead log");
    clerk.flush().expect("flush");
    assert_eq!(wal_size(), 0, "flushed into the main file");
}

#[test]
fn the_background_sync_handle_keeps_working_while_the_screen_is_locked() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let mut background = clerk.fork().expect("fork");
    f.clock.advance(Duration::from_secs(20 * 60));
    assert!(clerk.lock_if_idle());
    assert!(background.idle_deadline().is_none());
    background.sync_state().expect("the forked handle still syncs after the officer's session idled out");
}

#[test]
fn roles_limit_what_an_officer_may_do() {
    let f = fixture();
    let mut manager = f.create();
    let ict = NewOfficer { number: "ICT01".into(), display_name: "Omondi Ouma".into(), role: Role::IctOfficer };
    let err = manager.add_officer(&ict, "615283").expect_err("manager cannot create ICT officers");
    assert_eq!(err.code(), "not_permitted");

    let mut clerk = f.clerk();
    let trainer = NewOfficer { number: "TR001".into(), display_name: "Kiprono Langat".into(), role: Role::Trainer };
    assert_eq!(clerk.add_officer(&trainer, "615283").err().map(|e| e.code()), Some("not_permitted"));
    assert_eq!(clerk.remove_officer(MANAGER).err().map(|e| e.code()), Some("not_permitted"));
    assert_eq!(clerk.verify_audit().err().map(|e| e.code()), Some("not_permitted"));
}

#[test]
fn the_ict_officer_administers_but_never_sees_citizens() {
    let f = fixture();
    let prefix = LaptopPrefix::parse("K7QN").expect("prefix");
    let ict = NewOfficer { number: "ICT01".into(), display_name: "Omondi Ouma".into(), role: Role::IctOfficer };
    let mut session = f.profile.create(&prefix, &ict, "615283").expect("create");
    let manager =
        NewOfficer { number: MANAGER.into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
    session.add_officer(&manager, MANAGER_PIN).expect("ICT officer adds a manager");
    assert_eq!(session.register_citizen(&citizen("Mutua", "22345678")).err().map(|e| e.code()), Some("not_permitted"));
    assert_eq!(session.applications(None).err().map(|e| e.code()), Some("not_permitted"));
    assert_eq!(session.find_citizens("Mutua").err().map(|e| e.code()), Some("not_permitted"));
    assert!(session.verify_audit().expect("audit").is_intact());
}

#[test]
fn officer_management_rules() {
    let f = fixture();
    let mut manager = f.create();
    assert_eq!(manager.remove_officer(MANAGER).err().map(|e| e.code()), Some("cannot_remove_self"));
    let again =
        NewOfficer { number: "fd001".into(), display_name: "Someone Else".into(), role: Role::FrontDeskOfficer };
    assert_eq!(manager.add_officer(&again, "615283").err().map(|e| e.code()), Some("officer_exists"));
    let weak = NewOfficer { number: "FD002".into(), display_name: "Njeri Mwangi".into(), role: Role::FrontDeskOfficer };
    assert_eq!(manager.add_officer(&weak, "123456").err().map(|e| e.code()), Some("invalid_input"));
    assert_eq!(manager.officers().expect("roster").len(), 2, "refused additions changed nothing");

    manager.remove_officer(CLERK).expect("remove");
    assert_eq!(manager.remove_officer(CLERK).err().map(|e| e.code()), Some("unknown_officer"));
    let back = NewOfficer { number: CLERK.into(), display_name: "Wanjiru Kamau".into(), role: Role::FrontDeskOfficer };
    manager.add_officer(&back, "615283").expect("a removed officer can be re-added");
    f.profile.sign_in(CLERK, "615283").expect("with the new PIN");
    assert_eq!(f.profile.sign_in(CLERK, CLERK_PIN).err().map(|e| e.code()), Some("wrong_pin"), "not the old one");
}

#[test]
fn the_first_officer_must_be_able_to_manage_the_roster() {
    let f = fixture();
    let prefix = LaptopPrefix::parse("K7QM").expect("prefix");
    let clerk = NewOfficer { number: CLERK.into(), display_name: "Wanjiru Kamau".into(), role: Role::FrontDeskOfficer };
    let err = f.profile.create(&prefix, &clerk, CLERK_PIN).expect_err("refused");
    assert_eq!(err.code(), "invalid_input");
    assert!(!f.profile.exists(), "a refused creation leaves no profile behind");
}

#[test]
fn a_profile_is_created_once() {
    let f = fixture();
    f.create();
    let prefix = LaptopPrefix::parse("K7QM").expect("prefix");
    let manager = NewOfficer { number: "CM002".into(), display_name: "Other".into(), role: Role::CentreManager };
    let err = f.profile.create(&prefix, &manager, MANAGER_PIN).expect_err("refused");
    assert_eq!(err.code(), "profile_exists");
    f.clerk(); // and the existing profile still opens
}

#[test]
fn signing_in_to_a_missing_profile_says_so() {
    let f = fixture();
    assert_eq!(f.profile.sign_in(CLERK, CLERK_PIN).err().map(|e| e.code()), Some("profile_missing"));
}

#[test]
fn an_officer_changes_their_own_pin_and_the_old_one_stops_working() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    let citizen = clerk.register_citizen(&citizen("Otieno", "23456789")).expect("citizen");

    // A wrong old PIN and a new PIN the rules refuse change nothing.
    assert_eq!(clerk.change_pin("000001", "583920").err().map(|e| e.code()), Some("wrong_pin"));
    let too_simple = clerk.change_pin(CLERK_PIN, "123456").expect_err("a run of digits");
    assert_eq!(too_simple.to_report().reason, Some("pin_too_simple"));
    drop(clerk);
    drop(f.clerk());

    let mut clerk = f.clerk();
    clerk.change_pin(CLERK_PIN, "583920").expect("change");
    drop(clerk);
    assert_eq!(f.profile.sign_in(CLERK, CLERK_PIN).err().map(|e| e.code()), Some("wrong_pin"), "the old PIN");
    let mut clerk = f.profile.sign_in(CLERK, "583920").expect("the new PIN");
    // The same data key opens the same store.
    assert_eq!(clerk.citizen(citizen.id).expect("citizen").details.surname, "Otieno");
    // Nobody else's PIN changed, and the change is in the audit log.
    let mut manager = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager");
    let report = manager.verify_audit().expect("verify");
    assert!(report.problems.is_empty(), "{report:?}");
    let conn = manager.store().expect("unlocked").connection();
    let changes: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'officer.pin_changed' AND officer = ?1",
            [CLERK],
            |row| row.get(0),
        )
        .expect("count");
    assert_eq!(changes, 1);
}
