//! Driving the app's screens the way an officer does, for the app's end-to-end test and benchmark.

use crate::webdriver::Session;
use fieldkit_core::catalogue::{Catalogue, Field, FieldType, sample};
use serde_json::{Value, json};

/// Whether an element with this id is on the page now (no waiting).
pub async fn exists(app: &Session, id: &str) -> bool {
    app.script("return document.getElementById(arguments[0]) !== null;", json!([id])).await == Value::Bool(true)
}

/// Waits until the screen has put the keyboard focus on `#id`. Typing into another field before
/// then races the screen's own focusing, and keystrokes can land in the wrong field.
pub async fn focus_settles(app: &Session, id: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while app.focused_id().await != id {
        assert!(std::time::Instant::now() < deadline, "the focus never reached #{id}");
        tokio::task::yield_now().await;
    }
}

/// Chooses `value` in the select `#id`.
pub async fn choose(app: &Session, id: &str, value: &str) {
    app.click(&format!("[id=\"{id}\"] option[value=\"{value}\"]")).await;
}

async fn answer(app: &Session, id: &str, field: &Field, value: &Value) {
    let selector = format!("[id=\"{id}\"]");
    match (field.kind, value) {
        (FieldType::YesNo, Value::Bool(b)) => choose(app, id, if *b { "yes" } else { "no" }).await,
        (_, Value::String(v)) if app.tag_name(&selector).await == "select" => choose(app, id, v).await,
        (_, Value::String(v)) => app.type_into(&selector, v).await,
        (_, Value::Number(n)) => app.type_into(&selector, &n.to_string()).await,
        (kind, other) => panic!("no way to type {other} into a {kind:?} field"),
    }
}

/// A citizen of `age` registered through the registration form (fields as the profile holds them).
pub async fn register_citizen(app: &Session, surname: &str, id_number: &str, age: i32) {
    let today = time::OffsetDateTime::now_utc().date();
    let birthday = today.replace_year(today.year() - age).unwrap_or(today);
    focus_settles(app, "search").await;
    app.type_into("#citizen-surname", surname).await;
    app.type_into("#citizen-given_names", "Wambui Njeri").await;
    app.type_into("#citizen-id_number", id_number).await;
    app.type_into("#citizen-date_of_birth", &birthday.to_string()).await;
    choose(app, "citizen-sex", "female").await;
    app.type_into("#citizen-phone", "0712 345 678").await;
    app.type_into("#citizen-county_code", "021").await;
    app.click("#register").await;
}

/// Types the catalogue's sample answers (for a 30-year-old applicant) into the rendered form of
/// `service_id`, skipping fields the form hides or fills from the citizen's profile.
pub async fn fill_service_form(app: &Session, catalogue: &Catalogue, service_id: &str) {
    let service = catalogue.service(service_id).expect("service");
    let today = time::OffsetDateTime::now_utc().date();
    let (answers, check) = sample::answers(service, today);
    assert!(check.is_ok(), "{service_id}: the sample answers themselves fail: {:?}", check.errors);
    for field in &service.fields {
        let id = format!("field-{}", field.id);
        let Some(value) = answers.get(&field.id) else { continue };
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
