//! The real desktop app in a real window: `huduma-fieldkit` under a private Xvfb display, driven
//! through tauri-driver and WebKitWebDriver, against a real `huduma-sync` on loopback mutual TLS.
//!
//! An officer signs in (a wrong PIN is refused first), registers a citizen (a bad name is refused
//! in English, then in Kiswahili), captures one application for every built-in service with the
//! catalogue's sample answers typed into the rendered forms, sees them in the queue, and syncs:
//! the server then holds each exactly once. Screenshots of the main screens are saved under
//! `$CARGO_TARGET_DIR/screenshots/`.

use fieldkit_core::catalogue::{Catalogue, Field, FieldType, sample};
use fieldkit_e2e::deployment::Deployment;
use fieldkit_e2e::webdriver::{Display, Driver, Session, app_binary};
use fieldkit_e2e::{OFFICER, PIN, provision_enrolled};
use huduma_sync::storage::Storage;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

fn screenshots() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    // target/<profile>/deps/<test> -> target/screenshots
    exe.ancestors().nth(3).map(|t| t.join("screenshots")).expect("target dir")
}

async fn exists(app: &Session, id: &str) -> bool {
    app.script("return document.getElementById(arguments[0]) !== null;", json!([id])).await == Value::Bool(true)
}

/// Chooses `value` in the select `#id`.
async fn choose(app: &Session, id: &str, value: &str) {
    app.click(&format!("[id=\"{id}\"] option[value=\"{value}\"]")).await;
}

async fn answer(app: &Session, id: &str, field: &Field, value: &Value) {
    match (field.kind, value) {
        (FieldType::Choice | FieldType::Sex | FieldType::County, Value::String(v))
            if app.tag_name(&format!("[id=\"{id}\"]")).await == "select" =>
        {
            choose(app, id, v).await;
        }
        (FieldType::YesNo, Value::Bool(b)) => choose(app, id, if *b { "yes" } else { "no" }).await,
        (_, Value::String(v)) => app.type_into(&format!("[id=\"{id}\"]"), v).await,
        (_, Value::Number(n)) => app.type_into(&format!("[id=\"{id}\"]"), &n.to_string()).await,
        (kind, other) => panic!("no way to type {other} into a {kind:?} field"),
    }
}

/// Types the catalogue's sample answers into the rendered form of `service_id`.
async fn fill(app: &Session, catalogue: &Catalogue, service_id: &str) {
    let service = catalogue.service(service_id).expect("service");
    let today = time::OffsetDateTime::now_utc().date();
    let (answers, check) = sample::answers(service, today);
    assert!(check.is_ok(), "{service_id}: the sample answers themselves fail: {:?}", check.errors);
    for field in &service.fields {
        let id = format!("field-{}", field.id);
        let Some(value) = answers.get(&field.id) else { continue };
        // Hidden (conditions) or filled from the citizen's profile: the form shows no input.
        if !exists(app, &id).await || app.tag_name(&format!("[id=\"{id}\"]")).await == "output" {
            continue;
        }
        if field.kind == FieldType::List {
            for (index, item) in value.as_array().into_iter().flatten().enumerate() {
                app.click(&format!("[id=\"add-{}\"]", field.id)).await;
                for sub in &field.fields {
                    let sub_id = format!("field-{}-{index}-{}", field.id, sub.id);
                    if let Some(sub_value) = item.get(&sub.id)
                        && exists(app, &sub_id).await
                    {
                        answer(app, &sub_id, sub, sub_value).await;
                    }
                }
            }
        } else {
            answer(app, &id, field, value).await;
        }
    }
    for document in answers.get("documents").and_then(Value::as_array).into_iter().flatten() {
        if let Some(document) = document.as_str() {
            app.click(&format!("[id=\"doc-{document}\"]")).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_captures_every_service_and_syncs_in_the_real_window() {
    let deployment = Deployment::start().await;
    let profile_dir = deployment.dir.path().join("laptop");
    provision_enrolled(&profile_dir, &deployment.enrolment);
    let missing_config = deployment.dir.path().join("no-config.toml");
    let display = Display::start();
    let driver = Driver::start(&display, &[("FIELDKIT_DATA_DIR", &profile_dir), ("FIELDKIT_CONFIG", &missing_config)]);
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
        fill(&app, &catalogue, &service.id).await;
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
        references.push(reference);
    }
    app.screenshot(&shots.join("05-saved.png")).await;

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
    app.close().await;
}
