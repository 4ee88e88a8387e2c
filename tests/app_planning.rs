//! A centre manager plans outreaches and takes a citizen's feedback in the real window:
//! `huduma-fieldkit` under a private Xvfb display, driven through tauri-driver and WebKitWebDriver
//! (issue 8's acceptance: "a manager plans an outreach with a clash that is shown, then resolves
//! it").
//!
//! - Outreach A (today+3..today+4, laptop K7QM, generator GEN-02) is saved.
//! - Outreach B on today+4..today+5 with the same generator: the double booking is shown in its
//!   box, naming GEN-02 and A, and "Save" is disabled with the reason. Moved to today+5..today+6,
//!   the box goes, B saves, and both plans are listed, waiting for upload. B is exported as PDF
//!   and iCalendar into the profile's `plans/`, readable by this user only.
//! - Feedback: rating 4 and an anonymous corruption complaint, refused first without the
//!   citizen's consent (the field named), then recorded; the core, read after the app is closed,
//!   holds it routed to the EACC with no contact, and both plans as saved.

use fieldkit_core::{Config, Profile};
use fieldkit_e2e::app_ui::{choose, exists, focus_settles};
use fieldkit_e2e::webdriver::{Display, Driver, Session, app_binary};
use fieldkit_e2e::{OFFICER, PIN, provision};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

const A: &str = "Kangema market outreach";
const B: &str = "Kiria-ini health day";
const WAIT: Duration = Duration::from_secs(20);

/// Kenya's date `offset` days from today (plans are checked against Kenya's today).
fn day(offset: i64) -> String {
    (fieldkit_core::clock::kenyan_date(time::OffsetDateTime::now_utc()) + time::Duration::days(offset)).to_string()
}

fn screenshots() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    exe.ancestors().nth(3).map(|t| t.join("screenshots")).expect("target dir")
}

/// Replaces what `#id` holds with `text`, typed (the keystrokes tell the screen).
async fn retype(app: &Session, id: &str, text: &str) {
    app.script("document.getElementById(arguments[0]).value = '';", json!([id])).await;
    app.type_into(&format!("[id=\"{id}\"]"), text).await;
}

async fn property(app: &Session, id: &str, name: &str) -> Value {
    app.script("return document.getElementById(arguments[0])[arguments[1]];", json!([id, name])).await
}

/// The plan's fields every outreach here shares, typed into the form.
async fn fill_plan(app: &Session, name: &str, starts_in: i64, ends_in: i64) {
    app.click("#new-plan").await;
    focus_settles(app, "plan-name").await;
    app.type_into("#plan-name", name).await;
    app.type_into("#plan-centre", "Murang'a").await;
    choose(app, "plan-county", "021").await;
    app.type_into("#plan-sub-county", "Kangema").await;
    app.type_into("#plan-place", "Kangema market grounds").await;
    app.type_into("#plan-gps-lat", "-0.7333").await;
    app.type_into("#plan-gps-lon", "36.9667").await;
    app.click("#add-stakeholder").await;
    app.type_into("#stakeholder-0-name", "Chief, Kanyenya-ini location").await;
    app.type_into("#plan-starts-on", &day(starts_in)).await;
    app.type_into("#plan-ends-on", &day(ends_in)).await;
    app.click("[id=\"plan-service-sha.member-registration\"]").await;
    app.type_into("#plan-generator", "GEN-02").await;
}

/// Waits until the screen has checked the plan as it now stands and found no double booking.
async fn no_clashes(app: &Session) {
    app.wait_for_text("#plan-check-status", WAIT, |t| t == "No double bookings.").await;
    assert!(!exists(app, "plan-clashes").await, "no clash box");
    assert_eq!(property(app, "save-plan", "disabled").await, Value::Bool(false), "Save is enabled");
}

/// Shows what the form complains about, when a save did not go through.
async fn problems(app: &Session) -> Value {
    app.script(
        "return Array.from(document.querySelectorAll('.problem')).map(e => e.id + ': ' + e.textContent);",
        json!([]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_plans_an_outreach_sees_a_clash_resolves_it_and_records_feedback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile_dir = dir.path().join("laptop");
    provision(&profile_dir);
    let missing_config = dir.path().join("no-config.toml");
    let display = Display::start();
    // Compositing on, for the screenshots (see app_window.rs).
    let driver = Driver::start(
        &display,
        &[
            ("FIELDKIT_DATA_DIR", &profile_dir),
            ("FIELDKIT_CONFIG", &missing_config),
            ("FIELDKIT_GPU_COMPOSITING", std::path::Path::new("1")),
        ],
    );
    let app = Session::start(&driver, &app_binary()).await;
    let shots = screenshots();

    app.type_into("#officer-number", OFFICER).await;
    app.type_into("#pin", PIN).await;
    app.click("#sign-in").await;
    app.click("#nav-planning").await;
    app.find("#no-plans").await;

    // Outreach A: saved with nothing to clash with.
    fill_plan(&app, A, 3, 4).await;
    app.type_into("#plan-laptops", "K7QM").await;
    // The MDA of the service ticked is ticked for it.
    assert_eq!(property(&app, "plan-mda-sha", "checked").await, Value::Bool(true), "SHA attends");
    no_clashes(&app).await;
    app.click("#save-plan").await;
    let saved = app.wait_for_text("#plan-saved, #plan-problems", WAIT, |t| !t.is_empty()).await;
    assert!(saved.starts_with(&format!("Saved: {A} (revision 1)")), "{saved}: {}", problems(&app).await);

    // Outreach B overlaps A by a day and wants the same generator.
    fill_plan(&app, B, 4, 5).await;
    let clash = app.wait_for_text("#plan-clashes", WAIT, |t| t.contains("GEN-02") && t.contains(A)).await;
    assert!(clash.contains("Double bookings with other outreaches"), "{clash}");
    assert_eq!(
        app.script("return document.getElementById('plan-clashes').getAttribute('role');", json!([])).await,
        json!("alert")
    );
    assert_eq!(property(&app, "save-plan", "disabled").await, Value::Bool(true), "Save is disabled");
    assert!(app.text("#save-blocked").await.contains("booked twice"));
    assert!(exists(&app, "save-plan-anyway").await, "Save anyway is offered");
    app.screenshot(&shots.join("planning-01-clash.png")).await;

    // Moved a day later, nothing is double-booked and B saves.
    retype(&app, "plan-starts-on", &day(5)).await;
    retype(&app, "plan-ends-on", &day(6)).await;
    no_clashes(&app).await;
    app.click("#save-plan").await;
    let saved = app.wait_for_text("#plan-saved, #plan-problems", WAIT, |t| !t.is_empty()).await;
    assert!(saved.starts_with(&format!("Saved: {B} (revision 1)")), "{saved}: {}", problems(&app).await);

    // Both are listed, soonest first, each waiting for upload.
    let rows = app.wait_for_text("#plans-table tbody", WAIT, |t| t.contains(A) && t.contains(B)).await;
    assert_eq!(app.find_all("#plans-table tbody tr").await.len(), 2, "{rows}");
    assert!(rows.find(A) < rows.find(B), "{rows}");
    assert_eq!(rows.matches("Waiting for upload").count(), 2, "{rows}");
    app.screenshot(&shots.join("planning-02-saved.png")).await;

    // B exported: a PDF for stakeholders and its dates as iCalendar, readable by this user only.
    app.click("#export-plan").await;
    let said = app.wait_for_text("#export-outcome", WAIT, |t| t.contains(".ics")).await;
    let pdf = profile_dir.join("plans").join("kiria-ini-health-day-r1.pdf");
    let ics = profile_dir.join("plans").join("kiria-ini-health-day-r1.ics");
    assert!(said.contains(&pdf.display().to_string()) && said.contains(&ics.display().to_string()), "{said}");
    assert!(std::fs::read(&pdf).expect("pdf").starts_with(b"%PDF-"));
    let calendar = std::fs::read_to_string(&ics).expect("ics");
    assert!(calendar.starts_with("BEGIN:VCALENDAR") && calendar.contains(B), "{calendar}");
    {
        use std::os::unix::fs::PermissionsExt;
        for path in [&pdf, &ics] {
            let mode = std::fs::metadata(path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }

    // Feedback: a rating and an anonymous corruption complaint, routed to the EACC by default.
    app.click("#nav-feedback").await;
    app.click("#rating-4").await;
    app.click("#feedback-complaint").await;
    choose(&app, "complaint-category", "corruption").await;
    assert_eq!(property(&app, "complaint-routed-to", "value").await, json!("eacc"));
    app.type_into("#complaint-details", "Asked for a fee to be served first").await;
    app.click("#complaint-anonymous").await;
    assert!(!exists(&app, "complaint-contact").await, "an anonymous complaint keeps no contact");
    // Without the citizen's consent it is refused, the field named.
    app.click("#record-feedback").await;
    let refused = app.text("#feedback-refused").await;
    assert!(refused.contains("consent"), "{refused}");
    assert!(exists(&app, "problem-complaint_consent").await);
    app.click("#complaint-consent").await;
    app.click("#record-feedback").await;
    let done = app.wait_for_text("#feedback-saved", WAIT, |t| !t.is_empty()).await;
    assert_eq!(done, "Feedback recorded. Thank you. The complaint goes to EACC.");
    app.close().await;
    drop(driver);

    // The core holds what the screens said.
    let profile = Profile::new(&profile_dir, Config::for_tests());
    let mut session = profile.sign_in(OFFICER, PIN).expect("sign in");
    let summary = session.feedback_summary_for_day(None).expect("summary");
    assert_eq!((summary.count, summary.ratings, summary.complaints.corruption), (1, [0, 0, 0, 1, 0], 1));
    let records = session.feedback_waiting(10).expect("waiting");
    let complaint = records[0].complaint.as_ref().expect("complaint");
    assert_eq!(complaint.routed_to, fieldkit_protocol::ComplaintBody::Eacc);
    assert!(complaint.consent && complaint.anonymous && complaint.contact.is_none(), "{complaint:?}");
    let plans = session.outreaches().expect("plans");
    let dates: Vec<_> = plans.iter().map(|p| (p.name.as_str(), p.starts_on.clone(), p.ends_on.clone())).collect();
    assert_eq!(dates, [(A, day(3), day(4)), (B, day(5), day(6))]);
    for plan in &plans {
        assert_eq!(plan.equipment[0].asset_tag.as_deref(), Some("GEN-02"), "{}", plan.name);
        assert_eq!(plan.mdas, ["sha"], "{}", plan.name);
        let gps = plan.gps.expect("a GPS point");
        assert_eq!((gps.lat, gps.lon), (-0.7333, 36.9667), "{}", plan.name);
        let chief: Vec<_> = plan.stakeholders.iter().map(|h| (h.kind, h.name.as_str(), h.status)).collect();
        assert_eq!(
            chief,
            [(
                fieldkit_protocol::StakeholderKind::Chief,
                "Chief, Kanyenya-ini location",
                fieldkit_protocol::NoticeStatus::NotNotified
            )],
            "{}",
            plan.name
        );
    }
    assert_eq!(plans[0].laptops, ["K7QM"]);
}
