//! The commands without a window: what the Tauri app's wrappers return, called directly on the
//! trainers' demo profile (first-day scenario).

use fieldkit_app_api::{App, applications, session, training};
use fieldkit_core::Config;
use fieldkit_core::demo::{self, Scenario};

fn app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = demo::profile(dir.path(), Config::for_tests());
    let today = fieldkit_core::clock::kenyan_date(time::OffsetDateTime::now_utc());
    demo::start(&profile, Scenario::FirstDay, today, None).expect("scenario");
    (dir, App::new(profile, true, None))
}

#[test]
fn a_wrong_pin_is_refused_with_a_stable_code_and_text() {
    let (_dir, app) = app();
    let clerk = demo::OFFICERS[2];
    let Err(error) = session::sign_in(&app, clerk.number, "000000") else { panic!("signed in with a wrong PIN") };
    let json = serde_json::to_value(&error).expect("json");
    assert_eq!(json["code"], "wrong_pin", "{json}");
    assert!(json["message_key"].as_str().is_some_and(|k| k.starts_with("error.")), "{json}");
    assert!(json["text"].as_str().is_some_and(|t| !t.is_empty()), "{json}");
}

#[test]
fn a_signed_in_clerk_sees_home_the_catalogue_and_the_queue() {
    let (_dir, app) = app();
    assert_eq!(
        serde_json::to_value(applications::applications(&app, None).err()).expect("json")["code"],
        "session_locked",
        "nothing before sign-in"
    );
    let clerk = demo::OFFICERS[2];
    let signed_in = session::sign_in(&app, clerk.number, clerk.pin).expect("sign in");
    assert!(signed_in.officer.may_capture);
    assert!(signed_in.background.is_none(), "the demo profile here is not enrolled");
    let home = session::home(&app).expect("home");
    assert_eq!(home.counts.len(), fieldkit_core::ApplicationState::ALL.len());
    let catalogue = applications::catalogue(&app).expect("catalogue");
    assert_eq!(
        serde_json::to_value(&catalogue).expect("json"),
        catalogue.to_json(),
        "the catalogue crosses exactly as Catalogue::to_json"
    );
    applications::applications(&app, None).expect("queue");
    assert!(training::training(&app).expect("training").officers.iter().any(|o| o.number == clerk.number));
    session::sign_out(&app).expect("sign out");
    assert!(session::home(&app).is_err());
}
