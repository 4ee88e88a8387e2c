//! The real desktop app in a real window: `huduma-fieldkit` under a private Xvfb display, driven
//! through tauri-driver and WebKitWebDriver, against a real `huduma-sync` on loopback mutual TLS.
//!
//! An officer signs in (a wrong PIN is refused first), registers a citizen (a bad name is refused
//! in English, then in Kiswahili), captures one application for every built-in service with the
//! catalogue's sample answers typed into the rendered forms, sees them in the queue, and syncs:
//! the server then holds each exactly once. Screenshots of the main screens are saved under
//! `$CARGO_TARGET_DIR/screenshots/`.

use fieldkit_core::catalogue::{Catalogue, FieldType};
use fieldkit_e2e::app_ui::{choose, exists, fill_service_form, focus_settles};
use fieldkit_e2e::deployment::Deployment;
use fieldkit_e2e::webdriver::{Display, Driver, Session, app_binary};
use fieldkit_e2e::{OFFICER, PIN, provision_enrolled};
use huduma_sync::storage::Storage;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

fn screenshots() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    // target/<profile>/deps/<test> -> target/screenshots
    exe.ancestors().nth(3).map(|t| t.join("screenshots")).expect("target dir")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_captures_every_service_and_syncs_in_the_real_window() {
    let deployment = Deployment::start().await;
    let profile_dir = deployment.dir.path().join("laptop");
    provision_enrolled(&profile_dir, &deployment.enrolment);
    let missing_config = deployment.dir.path().join("no-config.toml");
    let display = Display::start();
    // Screenshots: WebKitWebDriver's snapshot waits for a composited frame, which never comes when
    // the webview renders without the GPU (the app's default, kept by app_power_and_lock.rs and
    // the app bench), so this test turns compositing on.
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

    // Sign in: a wrong PIN first.
    app.type_into("#officer-number", OFFICER).await;
    app.type_into("#pin", "000000").await;
    app.click("#sign-in").await;
    let refused = app.text("#sign-in-error").await;
    assert!(refused.to_lowercase().contains("pin"), "{refused}");
    app.screenshot(&shots.join("01-sign-in-refused.png")).await;
    app.type_into("#pin", PIN).await;
    app.click("#sign-in").await;
    app.find("#start-capture").await;
    app.screenshot(&shots.join("02-home.png")).await;

    // Register a citizen: a bad surname is refused in English, then in Kiswahili.
    app.click("#start-capture").await;
    focus_settles(&app, "search").await;
    app.type_into("#citizen-surname", "Ot1eno").await;
    app.type_into("#citizen-given_names", "Wambui Njeri").await;
    app.type_into("#citizen-id_number", "22345678").await;
    // Thirty years old, as the catalogue's sample answers assume (age rules such as AGPO's youth
    // category read the profile's date of birth).
    let today = time::OffsetDateTime::now_utc().date();
    let birthday = today.replace_year(today.year() - 30).unwrap_or(today);
    app.type_into("#citizen-date_of_birth", &birthday.to_string()).await;
    choose(&app, "citizen-sex", "female").await;
    app.type_into("#citizen-phone", "0712 345 678").await;
    app.type_into("#citizen-county_code", "021").await;
    app.click("#register").await;
    let english = app.text("#register-error").await;
    app.click("#language").await;
    app.find("#language").await;
    app.click("#register").await;
    let kiswahili = app.wait_for_text("#register-error", Duration::from_secs(15), |t| t != english).await;
    assert_ne!(english, kiswahili, "the refusal changes language");
    assert!(english.contains("Surname") || english.to_lowercase().contains("surname"), "{english}");
    app.screenshot(&shots.join("03-register-refused-sw.png")).await;
    app.click("#language").await;
    app.script("document.getElementById('citizen-surname').value = '';", json!([])).await;
    app.type_into("#citizen-surname", "Ng'ang'a").await;
    app.click("#register").await;

    // One application for every built-in service, typed into the rendered forms.
    let catalogue = Catalogue::built_in().expect("catalogue");
    let mut references = Vec::new();
    for (index, service) in catalogue.services.iter().enumerate() {
        if index > 0 {
            app.click("#same-citizen").await;
        }
        app.click(&format!("[id=\"service-{}\"]", service.id)).await;
        if index == 0 {
            // A pause in typing saves the form as a draft: nothing typed is lost.
            let first =
                service.fields.iter().find(|f| f.kind == FieldType::Text && f.prefill.is_none()).expect("a text field");
            app.type_into(&format!("[id=\"field-{}\"]", first.id), "x").await;
            let saved = app.wait_for_text("#autosaved", Duration::from_secs(15), |t| t.contains("K7QM-")).await;
            assert!(saved.contains("K7QM-"), "{saved}");
            app.type_into(&format!("[id=\"field-{}\"]", first.id), "\u{0008}").await;
        }
        fill_service_form(&app, &catalogue, &service.id).await;
        app.click("#check").await;
        let next = app.find("#save-submit, #form-errors").await;
        let _ = next;
        if exists(&app, "form-errors").await {
            let shot = shots.join(format!("failed-{}.png", service.id));
            app.screenshot(&shot).await;
            let problems = app
                .script(
                    "return Array.from(document.querySelectorAll('.problem')).map(e => e.id + ': ' + e.textContent);",
                    json!([]),
                )
                .await;
            panic!("{}: the form was refused: {problems}", service.id);
        }
        if index == 0 {
            app.screenshot(&shots.join("04-form-review.png")).await;
        }
        app.click("#save-submit").await;
        let reference = app.text("#saved-reference").await;
        assert!(reference.starts_with("K7QM-"), "{reference}");
        if index == 0 {
            // No printer on this machine: the slip is saved, and the officer is told where.
            app.click("#print-slip").await;
            let said = app.text("#slip-outcome").await;
            let path = said.split("saved as ").nth(1).unwrap_or_else(|| panic!("no path in {said:?}"));
            assert!(path.ends_with(&format!("{reference}.pdf")), "{said}");
            let pdf = std::fs::read(path).expect("the saved slip");
            assert!(pdf.starts_with(b"%PDF-"), "a PDF");
            app.screenshot(&shots.join("05-slip-saved.png")).await;
        }
        references.push(reference);
    }
    app.screenshot(&shots.join("05-saved.png")).await;

    // Home counts today's work (the autosaved draft became the first application, not another).
    app.click("#nav-home").await;
    assert_eq!(app.text("#captured-today").await, catalogue.services.len().to_string());
    let offered = app.find_all("#offered button").await;
    assert_eq!(offered.len(), catalogue.services.len(), "no outreach planned today: every service is offered");

    // The queue lists them all.
    app.click("#nav-queue").await;
    app.find("#queue-table").await;
    let rows = app.find_all("#queue-table tbody tr").await;
    assert_eq!(rows.len(), catalogue.services.len());
    app.screenshot(&shots.join("06-queue.png")).await;

    // Sync now: the server holds each application exactly once.
    app.click("#nav-sync").await;
    app.click("#sync-now").await;
    app.wait_for_text("#pending", Duration::from_secs(60), |t| t == "0").await;
    app.screenshot(&shots.join("07-sync.png")).await;
    assert_eq!(deployment.storage.count().await.expect("count"), catalogue.services.len() as u64);

    // An MDA queries one; the next sync brings it back, the officer corrects and resubmits it.
    let queried = {
        let profile = fieldkit_core::Profile::new(&profile_dir, fieldkit_core::Config::for_tests());
        let mut session = profile.sign_in(OFFICER, PIN).expect("second session");
        session.applications(Some(fieldkit_core::ApplicationState::Synced)).expect("synced")[0].clone()
    };
    // Headquarters also plans an outreach here today, offering two services; it arrives with the
    // next sync.
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+3)).date().to_string();
    let plan = fieldkit_protocol::OutreachPlan {
        id: uuid::Uuid::from_u128(7),
        revision: 1,
        name: "Kangema market day".into(),
        centre: "Murang'a".into(),
        county_code: "021".into(),
        place: "Kangema market".into(),
        starts_on: today.clone(),
        ends_on: today,
        services: vec!["sha.member-registration".into(), "kra.pin-registration".into()],
        status: fieldkit_protocol::OutreachStatus::Running,
        ..Default::default()
    };
    deployment
        .storage
        .publish(
            &["K7QM".into()],
            fieldkit_protocol::Event::Outreach { plan: Box::new(plan) },
            huduma_sync::storage::review::NewAudit::new("test", "outreach.published", "outreach", ""),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .expect("plan");
    deployment
        .storage
        .decide(
            queried.id,
            queried.revision,
            fieldkit_protocol::Decision::Queried { question: "Which sub-location?".into() },
        )
        .await
        .expect("query");
    app.click("#sync-now").await;
    app.wait_for_text("#notice", Duration::from_secs(60), |t| t.contains("1 decisions")).await;
    app.click("#nav-queue").await;
    let open = format!("[id=\"open-{}\"]", queried.reference.as_str());
    app.click(&open).await;
    assert_eq!(app.text("#mda-question").await.split(": ").last(), Some("Which sub-location?"));
    app.screenshot(&shots.join("08-queried.png")).await;
    app.click("#check").await;
    app.click("#save-submit").await;
    assert_eq!(app.text("#saved-reference").await, queried.reference.as_str());
    app.click("#nav-sync").await;
    app.click("#sync-now").await;
    app.wait_for_text("#pending", Duration::from_secs(60), |t| t == "0").await;
    let resubmitted = deployment.storage.application(queried.id, queried.revision + 1).await.expect("read");
    assert!(resubmitted.is_some(), "the corrected revision reached the server");

    // Home now offers today's outreach's services as big buttons; one leads through the citizen
    // straight to that service's form.
    app.click("#nav-home").await;
    let heading =
        app.wait_for_text("section h2:nth-of-type(2)", Duration::from_secs(15), |t| t.contains("Kangema")).await;
    assert!(heading.contains("Outreach today"), "{heading}");
    assert_eq!(app.find_all("#offered button").await.len(), 2);
    app.click("[id=\"offer-sha.member-registration\"]").await;
    focus_settles(&app, "search").await;
    app.type_into("#search", "22345678").await;
    app.click("#search-button").await;
    app.click("#result-0").await;
    let form = app.text("h1").await;
    assert!(form.contains("SHA"), "{form}");
    app.screenshot(&shots.join("09-outreach-service.png")).await;

    // The centre manager's day report, saved as PDF and CSV with its headline figures.
    app.click("#nav-home").await;
    app.click("#day-report").await;
    let summary = app.text("#report-summary").await;
    let expected = format!("1 citizens served, {} applications, 0 not yet sent", catalogue.services.len());
    assert!(summary.contains(&expected), "{summary}");
    let csv = summary.split(" and ").last().expect("csv path");
    assert!(std::fs::read_to_string(csv).expect("csv").contains("applications"), "{csv}");
    app.close().await;
}
