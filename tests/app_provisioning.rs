//! The ICT officer enrols a new laptop in the app window: the real `huduma-fieldkit` under Xvfb
//! through tauri-driver, a provisioning bundle sealed the way `huduma-sync device enrol --sealed`
//! seals it, and a real server on loopback. A wrong code and a changed file are refused on the
//! sync screen in the officer's words and leave the laptop unenrolled; the right code enrols it,
//! and a front-desk officer's "Sync now" then sends an application over mutual TLS.

use fieldkit_core::{Config, LaptopPrefix, NewOfficer, Profile, Role};
use fieldkit_e2e::deployment::Deployment;
use fieldkit_e2e::webdriver::{Display, Driver, Session, app_binary};
use fieldkit_e2e::{ICT_OFFICER, LAPTOP_PREFIX, OFFICER, PIN, capture};
use fieldkit_protocol::provision::{self, OneTimeCode};
use huduma_sync::storage::Storage;
use serde_json::json;
use std::time::Duration;

const NOT_ENROLLED: &str = "not enrolled for sync yet";

/// Empties a form field the way typing would, so the form's state follows.
async fn clear(app: &Session, id: &str) {
    let script = "const e = document.getElementById(arguments[0]); e.value = ''; \
                  e.dispatchEvent(new Event('input', { bubbles: true }));";
    app.script(script, json!([id])).await;
}

async fn try_enrol(app: &Session, path: &std::path::Path, code: &str) {
    clear(app, "bundle-path").await;
    clear(app, "one-time-code").await;
    app.type_into("#bundle-path", &path.display().to_string()).await;
    app.type_into("#one-time-code", code).await;
    app.click("#enrol").await;
}

async fn sign_in(app: &Session, number: &str) {
    app.type_into("#officer-number", number).await;
    app.type_into("#pin", PIN).await;
    app.click("#sign-in").await;
    app.find("#nav-sync").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ict_officer_enrols_a_laptop_from_its_bundle_in_the_app() {
    let deployment = Deployment::start().await;
    let root = deployment.dir.path();

    // Headquarters: the laptop's enrolment sealed under a one-time code; a damaged copy too.
    let code = OneTimeCode::generate().expect("code");
    let bundle = root.join("K7QM.fkprov");
    let bytes = provision::seal(&deployment.enrolment, &code, "2026-11-28T06:30:00Z").expect("seal");
    std::fs::write(&bundle, &bytes).expect("write");
    let damaged = root.join("K7QM-damaged.fkprov");
    let mut changed = bytes.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x10;
    std::fs::write(&damaged, &changed).expect("write");

    // A new laptop: its ICT officer and a front-desk officer who has already captured one
    // application, offline.
    let profile_dir = root.join("laptop");
    let profile = Profile::new(&profile_dir, Config::for_tests());
    let prefix = LaptopPrefix::parse(LAPTOP_PREFIX).expect("prefix");
    let ict = NewOfficer { number: ICT_OFFICER.into(), display_name: "Brian Kiprono".into(), role: Role::IctOfficer };
    {
        let mut session = profile.create(&prefix, &ict, PIN).expect("profile");
        let desk =
            NewOfficer { number: OFFICER.into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
        session.add_officer(&desk, PIN).expect("add officer");
        let mut desk = profile.sign_in(OFFICER, PIN).expect("sign in");
        capture(&mut desk, 43_000_000, 1);
    }

    let config = root.join("fieldkit.toml");
    std::fs::write(&config, "").expect("config");
    let display = Display::start();
    let driver = Driver::start(&display, &[("FIELDKIT_DATA_DIR", &profile_dir), ("FIELDKIT_CONFIG", &config)]);
    let app = Session::start(&driver, &app_binary()).await;

    // Before enrolment the front desk is told to ask the ICT officer.
    sign_in(&app, OFFICER).await;
    app.click("#nav-sync").await;
    assert!(app.text("#sync-panel").await.contains(NOT_ENROLLED));
    app.click("#sign-out").await;

    // The ICT officer's sync screen is the enrolment form, the path field ready for typing.
    sign_in(&app, ICT_OFFICER).await;
    assert_eq!(app.text("#nav-sync").await, "Enrol");
    app.click("#nav-sync").await;
    fieldkit_e2e::app_ui::focus_settles(&app, "bundle-path").await;

    let wrong = "0000-0000-0000-0000";
    assert_ne!(*code.grouped(), wrong);
    try_enrol(&app, &bundle, wrong).await;
    let error = app.wait_for_text("#enrol-error", Duration::from_secs(30), |t| !t.is_empty()).await;
    assert!(error.contains("does not open this provisioning bundle"), "{error}");

    try_enrol(&app, &damaged, &code.grouped()).await;
    let error = app.wait_for_text("#enrol-error", Duration::from_secs(30), |t| t.contains("changed or damaged")).await;
    assert!(error.contains("Ask headquarters for a new bundle"), "{error}");
    {
        let mut check = profile.sign_in(OFFICER, PIN).expect("sign in");
        assert_eq!(check.sync_client().err().map(|e| e.code()), Some("not_enrolled"), "a refused bundle enrolled it");
    }

    // Typed as read off a phone: lower case, spaces for dashes.
    try_enrol(&app, &bundle, &code.grouped().to_lowercase().replace('-', " ")).await;
    let done = app.text("#enrolled").await;
    assert!(done.contains(&format!("Enrolled as {LAPTOP_PREFIX} for https://")), "{done}");

    // The front desk syncs with what the bundle carried.
    app.click("#sign-out").await;
    sign_in(&app, OFFICER).await;
    app.click("#nav-sync").await;
    assert!(!app.text("#sync-panel").await.contains(NOT_ENROLLED));
    app.click("#sync-now").await;
    app.wait_for_text("#pending", Duration::from_secs(60), |t| t == "0").await;
    assert_eq!(deployment.storage.count().await.expect("count"), 1, "the application reached the server");
    app.close().await;
}
