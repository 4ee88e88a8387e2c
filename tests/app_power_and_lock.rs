//! The app on a dying battery, at the keyboard only, and left alone on the table: the real
//! `huduma-fieldkit` window under Xvfb through tauri-driver, a real `huduma-sync` on loopback, and
//! a laptop whose sysfs says it is on battery at 12 % with the link up.
//!
//! - With 60 applications waiting, the automatic sync at sign-in is held back: nothing reaches
//!   the server, the status bar warns, and the sync panel says why and what to do. "Sync now"
//!   sends them all.
//! - Capture works with the keyboard alone: sign in, Alt+N, search, Tab to the citizen, Enter,
//!   Tab to the service, Enter, Enter to check, Enter to save.
//! - Left idle for the configured 30 s, the screen locks by itself (a timer in the app, no
//!   keystroke needed), hides the form, and after the PIN the half-typed form is still there.

use fieldkit_core::catalogue::Catalogue;
use fieldkit_e2e::app_ui::{fill_service_form, focus_settles};
use fieldkit_e2e::deployment::Deployment;
use fieldkit_e2e::webdriver::{Display, Driver, ENTER, Session, TAB, app_binary};
use fieldkit_e2e::{OFFICER, PIN, capture, provision_enrolled};
use huduma_sync::storage::Storage;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

const WAITING: u32 = 60;
const FIRST_ID: u32 = 40_000_000;
const SERVICE: &str = "kra.pin-registration";

/// A copy of the parts of sysfs the app reads: a discharging battery, mains unplugged, a link.
fn laptop_on_battery(root: &Path, percent: u8) {
    let supply = |name: &str, files: &[(&str, String)]| {
        let dir = root.join("class/power_supply").join(name);
        std::fs::create_dir_all(&dir).expect("supply dir");
        for (file, text) in files {
            std::fs::write(dir.join(file), format!("{text}\n")).expect("write");
        }
    };
    supply("BAT0", &[("type", "Battery".into()), ("capacity", percent.to_string()), ("status", "Discharging".into())]);
    supply("AC", &[("type", "Mains".into()), ("online", "0".into())]);
    let wlan = root.join("class/net/wlan0");
    std::fs::create_dir_all(&wlan).expect("net dir");
    std::fs::write(wlan.join("operstate"), "up\n").expect("write");
}

async fn value_of(app: &Session, id: &str) -> String {
    let value = app.script("return document.getElementById(arguments[0]).value;", json!([id])).await;
    value.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_battery_holds_automatic_sync_capture_needs_no_mouse_and_an_idle_laptop_locks() {
    let deployment = Deployment::start().await;
    let profile_dir = deployment.dir.path().join("laptop");
    let profile = provision_enrolled(&profile_dir, &deployment.enrolment);
    {
        let mut session = profile.sign_in(OFFICER, PIN).expect("sign in");
        capture(&mut session, FIRST_ID, WAITING);
    }
    let sysfs = deployment.dir.path().join("sys");
    laptop_on_battery(&sysfs, 12);
    let config = deployment.dir.path().join("fieldkit.toml");
    std::fs::write(&config, "[security]\nidle_lock_secs = 30\n\n[power]\nlow_battery_percent = 20\n").expect("config");
    let display = Display::start();
    let driver = Driver::start(
        &display,
        &[("FIELDKIT_DATA_DIR", &profile_dir), ("FIELDKIT_CONFIG", &config), ("FIELDKIT_SYSFS_DIR", &sysfs)],
    );
    let app = Session::start(&driver, &app_binary()).await;

    // Sign in with the keyboard: the officer number has the focus, Tab to the PIN, Enter.
    focus_settles(&app, "officer-number").await;
    app.keys(&format!("{OFFICER}{TAB}{PIN}{ENTER}")).await;
    app.find("#start-capture").await;
    let warning = app.text("#low-battery").await;
    assert!(warning.contains("Sync now"), "{warning}");
    assert!(app.text("#power").await.contains("12%"));

    // The automatic sync at sign-in was held back: the panel says why and what to do.
    app.alt('s').await;
    let held = app.wait_for_text("#sync-panel", Duration::from_secs(30), |t| t.contains("battery is low")).await;
    assert!(held.contains(&format!("{WAITING} applications wait")), "{held}");
    assert_eq!(app.text("#pending").await, WAITING.to_string());
    assert_eq!(deployment.storage.count().await.expect("count"), 0, "nothing left the laptop");
    // In Kiswahili too, rendered from the recorded code rather than a stored English sentence.
    app.alt('l').await;
    app.alt('h').await;
    app.alt('s').await;
    let kiswahili = app.wait_for_text("#last-error", Duration::from_secs(15), |t| t.contains("Betri")).await;
    assert!(kiswahili.contains("Sawazisha sasa"), "{kiswahili}");
    app.alt('l').await;

    // The officer decides: sync now goes ahead on the low battery.
    app.click("#sync-now").await;
    app.wait_for_text("#pending", Duration::from_secs(60), |t| t == "0").await;
    assert_eq!(deployment.storage.count().await.expect("count"), u64::from(WAITING));

    // Keyboard only: the next citizen, found by ID number, a KRA PIN application.
    app.alt('n').await;
    focus_settles(&app, "search").await;
    app.keys(&format!("{FIRST_ID}{ENTER}")).await;
    app.find("#result-0").await;
    app.keys(&format!("{TAB}{TAB}")).await;
    assert_eq!(app.focused_id().await, "result-0", "search box, search button, first match");
    app.keys(&ENTER.to_string()).await;
    app.find("[id=\"service-national-id.first-issue\"]").await;
    let catalogue = Catalogue::built_in().expect("catalogue");
    let position = catalogue.services.iter().position(|s| s.id == SERVICE).expect("service");
    app.keys(&TAB.to_string().repeat(position)).await;
    assert_eq!(app.focused_id().await, format!("service-{SERVICE}"));
    app.keys(&ENTER.to_string()).await;

    // Half-way through the form the officer walks away: the screen locks by itself.
    let service = catalogue.service(SERVICE).expect("service");
    let typed = service.fields.iter().find(|f| f.id == "email" && f.prefill.is_none()).expect("an e-mail field");
    let field = format!("field-{}", typed.id);
    app.type_into(&format!("[id=\"{field}\"]"), "wambui@example.co.ke").await;
    // The lock comes from the app's own timer; this only waits for the screen to show it.
    let unlock = app.wait_for_text("h1", Duration::from_secs(90), |t| t.contains("Locked")).await;
    assert!(unlock.contains("Locked"), "{unlock}");
    let hidden = app.script("return document.querySelector('main[hidden] form') !== null;", json!([])).await;
    assert_eq!(hidden, json!(true), "the form is hidden behind the lock, not shown");
    focus_settles(&app, "unlock-pin").await;
    app.keys(&format!("{PIN}{ENTER}")).await;
    app.find("#check").await;
    assert_eq!(value_of(&app, &field).await, "wambui@example.co.ke", "the half-typed form survived the lock");

    // Finish it: Enter checks, Enter saves, and the next citizen is one keystroke away.
    app.script("document.getElementById(arguments[0]).value = '';", json!([field])).await;
    fill_service_form(&app, &catalogue, SERVICE).await;
    // Enter in a field submits the form: the check.
    app.type_into(&format!("[id=\"{field}\"]"), &ENTER.to_string()).await;
    app.find("#save-submit").await;
    // The save button takes the focus, so Enter again saves.
    focus_settles(&app, "save-submit").await;
    app.keys(&ENTER.to_string()).await;
    let reference = app.text("#saved-reference").await;
    assert!(reference.starts_with("K7QM-"), "{reference}");
    focus_settles(&app, "next-citizen").await;
    app.keys(&ENTER.to_string()).await;
    app.find("#search").await;
    app.close().await;
}
