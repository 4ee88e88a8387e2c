//! What the server publishes, as the laptop applies it: catalogues, rosters, outreach plans and
//! its own revocation. Every event is applied idempotently and survives signing out and in.

mod common;

use common::{CLERK, CLERK_PIN, MANAGER, MANAGER_PIN, fixture};
use fieldkit_core::catalogue::BUILT_IN_TEXT;
use fieldkit_protocol::{Event, OutreachPlan, OutreachStatus, RosterOfficer};
use uuid::Uuid;

/// The built-in catalogue text as version `version`.
fn catalogue_version(version: u32) -> Event {
    let built_in = fieldkit_core::Catalogue::built_in().expect("built-in");
    let from = format!("version = {}", built_in.version);
    assert!(BUILT_IN_TEXT.contains(&from), "the built-in catalogue states its version as `{from}`");
    Event::Catalogue { version, text: BUILT_IN_TEXT.replacen(&from, &format!("version = {version}"), 1) }
}

fn plan(revision: u32, name: &str) -> OutreachPlan {
    OutreachPlan {
        id: Uuid::from_u128(42),
        revision,
        name: name.into(),
        centre: "Murang'a".into(),
        county_code: "021".into(),
        place: "Kangema market".into(),
        starts_on: "2026-12-01".into(),
        ends_on: "2026-12-02".into(),
        services: vec!["kra.pin-registration".into()],
        status: OutreachStatus::Confirmed,
        ..Default::default()
    }
}

#[test]
fn a_newer_catalogue_is_put_in_force_and_stays_after_signing_in_again() {
    let f = fixture();
    let mut session = f.create();
    let built_in = session.catalogue().expect("catalogue").version;
    let newer = built_in + 1;

    let tally = session.apply_events(&[catalogue_version(newer)]).expect("apply");
    assert_eq!((tally.catalogues_installed, tally.catalogues_refused), (1, 0));
    assert_eq!(session.catalogue().expect("catalogue").version, newer);

    // Again (a repeated pull), and an older one: nothing changes.
    let tally = session.apply_events(&[catalogue_version(newer), catalogue_version(built_in)]).expect("again");
    assert_eq!(tally.catalogues_installed, 0);
    assert_eq!(session.catalogue().expect("catalogue").version, newer);

    drop(session);
    let clerk = f.clerk();
    assert_eq!(clerk.catalogue().expect("catalogue").version, newer, "kept in the encrypted store");
}

#[test]
fn a_catalogue_the_laptop_cannot_use_is_refused_and_the_current_one_stays() {
    let f = fixture();
    let mut session = f.create();
    let current = session.catalogue().expect("catalogue").version;
    let broken = Event::Catalogue { version: current + 1, text: "version = \"not a number\"".into() };
    let Event::Catalogue { text: good_text, .. } = catalogue_version(current + 2) else { unreachable!() };
    let mislabelled = Event::Catalogue { version: current + 5, text: good_text };

    let tally = session.apply_events(&[broken, mislabelled]).expect("apply");
    assert_eq!((tally.catalogues_installed, tally.catalogues_refused), (0, 2));
    assert_eq!(session.catalogue().expect("catalogue").version, current);
}

#[test]
fn an_inactive_officer_on_the_roster_can_no_longer_sign_in() {
    let f = fixture();
    let mut manager = f.create();
    let roster = Event::Roster {
        officers: vec![
            RosterOfficer {
                number: CLERK.into(),
                name: "Wanjiru Kamau".into(),
                role: "front_desk_officer".into(),
                active: false,
            },
            RosterOfficer {
                number: "FD009".into(),
                name: "Otieno Were".into(),
                role: "front_desk_officer".into(),
                active: true,
            },
        ],
    };
    let tally = manager.apply_events(std::slice::from_ref(&roster)).expect("apply");
    assert_eq!((tally.rosters, tally.officers_deactivated), (1, 1));
    let err = f.profile.sign_in(CLERK, CLERK_PIN).expect_err("deactivated");
    assert_eq!(err.code(), "wrong_pin", "a deactivated officer is refused like any unknown one");

    let listed: Vec<_> =
        manager.roster().expect("roster").into_iter().map(|e| (e.officer.number, e.on_laptop)).collect();
    assert_eq!(listed, [(CLERK.to_string(), false), ("FD009".to_string(), false)], "FD009 is assigned, not yet set up");

    // Applying it again deactivates nobody new.
    assert_eq!(manager.apply_events(&[roster]).expect("again").officers_deactivated, 0);
    assert!(f.profile.sign_in(MANAGER, MANAGER_PIN).is_ok(), "officers not marked inactive are untouched");
    assert!(manager.verify_audit().expect("audit").is_intact());
}

#[test]
fn outreach_plans_keep_their_newest_revision() {
    let f = fixture();
    let mut session = f.create();
    let events = [
        Event::Outreach { plan: Box::new(plan(2, "Kangema market day")) },
        Event::Outreach { plan: Box::new(plan(1, "Kangema (draft)")) },
    ];
    let tally = session.apply_events(&events).expect("apply");
    assert_eq!(tally.outreaches_updated, 1, "revision 1 after revision 2 is stale");
    let mut clerk = f.clerk();
    let plans = clerk.outreaches().expect("plans");
    assert_eq!(plans.len(), 1);
    assert_eq!((plans[0].revision, plans[0].name.as_str()), (2, "Kangema market day"));
}

#[test]
fn home_offers_the_services_of_the_outreach_running_today() {
    let f = fixture();
    let mut session = f.create();
    let everything = session.catalogue().expect("catalogue").services.len();
    let mut kangema = plan(1, "Kangema market day");
    kangema.services = vec!["sha.member-registration".into(), "no.such-service".into(), "kra.pin-registration".into()];
    let mut draft = plan(1, "Not yet agreed");
    (draft.id, draft.status, draft.starts_on) = (Uuid::from_u128(7), OutreachStatus::Draft, "2026-11-01".into());
    session
        .apply_events(&[Event::Outreach { plan: Box::new(kangema) }, Event::Outreach { plan: Box::new(draft) }])
        .expect("apply");
    let mut clerk = f.clerk();

    let (before, services) = clerk.services_today().expect("before the outreach");
    assert!(before.is_none(), "a draft plan is not an outreach: {before:?}");
    assert_eq!(services.len(), everything, "no outreach today: the whole catalogue");

    f.clock.advance(std::time::Duration::from_secs(9 * 86_400));
    clerk.unlock(CLERK_PIN).expect("unlock after the idle lock");
    let (today, services) = clerk.services_today().expect("on the day");
    assert_eq!(today.map(|p| p.name), Some("Kangema market day".to_string()));
    let ids: Vec<&str> = services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["sha.member-registration", "kra.pin-registration"], "the plan's order; unknown ids left out");

    f.clock.advance(std::time::Duration::from_secs(2 * 86_400));
    clerk.unlock(CLERK_PIN).expect("unlock after the idle lock");
    assert!(clerk.services_today().expect("after").0.is_none(), "the outreach has ended");
}

#[test]
fn a_revoked_laptop_stops_syncing_until_enrolled_again() {
    let f = fixture();
    let mut session = f.create();
    assert_eq!(session.sync_client().expect_err("not enrolled").code(), "not_enrolled");
    session.record_revocation().expect("record");
    session.record_revocation().expect("recorded once, idempotent");
    let state = session.sync_state().expect("state");
    assert!(state.revoked_at.is_some());
    drop(session);
    let mut clerk = f.clerk();
    assert!(clerk.sync_state().expect("state").revoked_at.is_some(), "survives signing out");
    let mut manager = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager");
    assert!(manager.verify_audit().expect("audit").is_intact());
}

#[test]
fn a_catalogue_received_by_a_forked_session_reaches_the_officers_session_on_refresh() {
    let f = fixture();
    let mut session = f.create();
    let mut background = session.fork().expect("fork");
    let newer = session.catalogue().expect("catalogue").version + 1;
    background.apply_events(&[catalogue_version(newer)]).expect("apply");
    assert_eq!(session.catalogue().expect("catalogue").version, newer - 1, "not before refreshing");
    assert_eq!(session.refresh_catalogue().expect("refresh"), newer);
    assert_eq!(background.officer().number, session.officer().number);
}
