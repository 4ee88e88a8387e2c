//! Training mode in the real window (Xvfb, tauri-driver, WebKitWebDriver): the app started with
//! `FIELDKIT_DEMO=1` makes its training profile on first start, says TRAINING on every screen,
//! lists the scenarios and the demo officers' PINs, and a trainer starts, uses and restarts a
//! scenario in one click each.

use fieldkit_e2e::webdriver::{Display, Driver, Session, app_binary};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trainer_starts_and_restarts_scenarios_in_the_real_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo_dir = dir.path().join("demo");
    let production_dir = dir.path().join("production");
    let missing_config = dir.path().join("no-config.toml");
    let display = Display::start();
    let driver = Driver::start(
        &display,
        &[
            ("FIELDKIT_DEMO", std::path::Path::new("1")),
            ("FIELDKIT_TRAINING_DIR", &demo_dir),
            // Training mode must ignore the production directory even when it is set.
            ("FIELDKIT_DATA_DIR", &production_dir),
            ("FIELDKIT_CONFIG", &missing_config),
        ],
    );
    let app = Session::start(&driver, &app_binary()).await;

    let banner = app.text("#demo-banner").await;
    assert!(banner.contains("DEMO"), "{banner}");
    app.find("#training-panel").await;
    app.find("#scenario-lost_laptop_revoked").await;
    let scenarios = app.find_all("#training-panel button[id^='scenario-']").await;
    assert_eq!(scenarios.len(), 5, "five scenarios offered");
    let officers = app.text("#demo-officers").await;
    assert!(officers.contains("FD001") && officers.contains("615208"), "{officers}");
    assert!(fieldkit_core::demo::is_demo_profile(&demo_dir), "the training profile was made on first start");
    assert!(!production_dir.exists(), "production was not touched");

    // Low battery: the status bar plays the last 12 %, and the queue is full.
    app.click("#scenario-low_battery").await;
    let message = app.wait_for_text("#training-message", WAIT, |t| t.contains("24")).await;
    assert!(message.contains("24"), "{message}");
    app.wait_for_text("#power", WAIT, |t| t.contains("12%")).await;
    app.find("#low-battery").await;
    app.type_into("#officer-number", "FD001").await;
    app.type_into("#pin", "615208").await;
    app.click("#sign-in").await;
    app.find("#start-capture").await;
    let submitted = app.text("#counts div[data-state='submitted'] dd").await;
    assert_eq!(submitted, "24", "all 24 applications wait in the queue");
    assert!(app.text("#demo-banner").await.contains("DEMO"), "still says training after sign-in");
    app.click("#sign-out").await;

    // The queried application: started, and started again after the class changed things.
    app.click("#scenario-queried_application").await;
    app.wait_for_text("#training-message", WAIT, |t| t.contains("40")).await;
    let again = app.text("#scenario-queried_application").await;
    assert!(again.contains("again"), "the button now says it starts again: {again}");
    app.type_into("#officer-number", "FD001").await;
    app.type_into("#pin", "615208").await;
    app.click("#sign-in").await;
    app.find("#start-capture").await;
    let queried = app.text("#counts div[data-state='queried'] dd").await;
    assert_ne!(queried, "0", "there is a query to correct");
    app.close().await;
}
