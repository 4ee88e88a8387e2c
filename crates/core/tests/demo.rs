//! Trainers' scenarios: each starts a training profile with the data it promises, starting again
//! gives the same class back, and nothing but a demo profile is ever removed.

mod common;

use fieldkit_core::demo::{self, OFFICERS, Scenario};
use fieldkit_core::{ApplicationState, Config, LaptopPrefix, NewOfficer, Profile, Role};
use fieldkit_protocol::Deployment;
use time::macros::date;

const TODAY: time::Date = date!(2026 - 11 - 23);

fn demo_profile(dir: &std::path::Path) -> Profile {
    demo::profile(&dir.join("demo"), Config::for_tests())
}

fn count(profile: &Profile, state: ApplicationState) -> usize {
    let mut session = demo::sign_in(profile, "CM001").expect("sign in");
    session.applications(Some(state)).expect("applications").len()
}

#[test]
fn every_scenario_starts_a_training_profile_with_the_data_it_promises() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = demo_profile(dir.path());
    for scenario in Scenario::ALL {
        let started = demo::start(&profile, scenario, TODAY, None).expect("start");
        assert!(demo::is_demo_profile(profile.dir()));
        for officer in OFFICERS {
            let mut session = demo::sign_in(&profile, officer.number).expect("every demo officer signs in");
            assert_eq!(session.deployment().expect("deployment"), Deployment::Training, "{scenario:?}");
        }
        let mut manager = demo::sign_in(&profile, "CM001").expect("manager");
        let plans = manager.outreaches().expect("plans");
        assert_eq!(plans.len(), 1, "{scenario:?}: today's outreach is planned");
        assert_eq!(plans[0].starts_on, "2026-11-23");
        let all = manager.applications(None).expect("applications");
        assert_eq!(all.len(), started.applications, "{scenario:?}");
        match scenario {
            Scenario::FirstDay => assert_eq!(started.applications, 0),
            Scenario::NoNetwork | Scenario::LowBattery => {
                assert_eq!(count(&profile, ApplicationState::Submitted), 24, "{scenario:?}: all queued");
            }
            Scenario::QueriedApplication | Scenario::LostLaptopRevoked => {
                assert_eq!(started.applications, 40);
                // A realistic spread: some waiting, some at the MDA, some decided each way.
                for state in [ApplicationState::Submitted, ApplicationState::Synced, ApplicationState::Accepted] {
                    assert!(count(&profile, state) > 0, "{scenario:?}: none {state:?}");
                }
                assert!(count(&profile, ApplicationState::Queried) > 0, "{scenario:?}: no query to correct");
            }
        }
        let revoked = manager.sync_state().expect("sync state").revoked_at.is_some();
        assert_eq!(revoked, scenario == Scenario::LostLaptopRevoked, "{scenario:?}");
        assert_eq!(scenario.simulated_battery().is_some(), scenario == Scenario::LowBattery);
        assert_eq!(Scenario::parse(scenario.id()), Some(scenario));
    }
}

#[test]
fn starting_again_throws_the_class_work_away_and_brings_back_the_same_people() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = demo_profile(dir.path());
    demo::start(&profile, Scenario::QueriedApplication, TODAY, None).expect("start");
    // Who applied for what, by reference: the class's worksheet.
    let names = |profile: &Profile| {
        let mut session = demo::sign_in(profile, "FD001").expect("clerk");
        let mut names: Vec<String> = session
            .applications(None)
            .expect("applications")
            .into_iter()
            .map(|a| format!("{} {}", a.reference.as_str(), a.service_id))
            .collect();
        names.sort();
        names
    };
    let trainees = |profile: &Profile| {
        let mut session = demo::sign_in(profile, "FD001").expect("clerk");
        session.find_citizens("Trainee").expect("search").len()
    };
    let before = names(&profile);
    assert!(!before.is_empty());
    // The class registers someone and corrects the query.
    let mut clerk = demo::sign_in(&profile, "FD001").expect("clerk");
    clerk
        .register_citizen(&fieldkit_core::NewCitizen {
            id_number: Some("39999999".into()),
            surname: "Trainee".into(),
            given_names: "Test".into(),
            date_of_birth: "2000-01-01".into(),
            sex: "female".into(),
            phone: None,
            county_code: Some("047".into()),
            sub_county: None,
            kra_pin: None,
        })
        .expect("register");
    drop(clerk);
    assert_eq!(trainees(&profile), 1);
    demo::start(&profile, Scenario::QueriedApplication, TODAY, None).expect("start again");
    assert_eq!(names(&profile), before, "the same applications again");
    assert_eq!(trainees(&profile), 0, "the class's citizen is gone");
}

#[test]
fn a_real_profile_is_never_removed_by_starting_a_scenario() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real = Profile::new(dir.path().join("demo"), Config::for_tests());
    let officer = NewOfficer { number: "ICT01".into(), display_name: "Brian Kiprono".into(), role: Role::IctOfficer };
    drop(real.create(&LaptopPrefix::parse("K7QM").expect("prefix"), &officer, "482913").expect("create"));
    let refused = demo::start(&demo_profile(dir.path()), Scenario::FirstDay, TODAY, None).expect_err("refused");
    assert_eq!(refused.code(), "profile_exists");
    let mut session = real.sign_in("ICT01", "482913").expect("the real profile is still there");
    assert_eq!(session.deployment().expect("deployment"), Deployment::Production);
}

/// Whether `pdf`'s first page carries the TRAINING watermark.
fn watermarked(dir: &std::path::Path, pdf: &[u8]) -> bool {
    let path = dir.join("document.pdf");
    std::fs::write(&path, pdf).expect("write");
    common::has_watermark(&path, 1)
}

#[test]
fn a_training_profile_marks_every_slip_report_and_plan_even_when_not_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = demo_profile(dir.path());
    demo::start(&profile, Scenario::NoNetwork, TODAY, None).expect("start");
    let mut manager = demo::sign_in(&profile, "CM001").expect("manager");
    let application = manager.applications(None).expect("applications").remove(0);
    let plain = fieldkit_core::SlipOptions { training: false, ..Default::default() };
    let slip = manager.slip(application.reference.as_str(), &plain).expect("slip");
    assert!(watermarked(dir.path(), &slip), "slip without the TRAINING mark");
    let report = manager.day_report(None).expect("report");
    assert!(report.training, "report not marked");
    assert!(watermarked(dir.path(), &report.to_pdf().expect("pdf")), "report PDF without the mark");
    let plan = manager.outreaches().expect("plans").remove(0);
    assert!(watermarked(dir.path(), &manager.outreach_plan_pdf(plan.id, false).expect("plan pdf")));
}
