//! The technician's pages: batches, applications, one application with its warnings and
//! duplicates, decisions (one or in bulk), exports and the delivery log. Every query is bounded
//! by [`Signed::services`], the technician's own MDA's services.

use super::auth::Signed;
use super::export::{answers, applicant, export_record, to_csv};
use super::extract::{CsrfForm, FormData, Technician};
use super::views::{self, csrf, notice, page, problem, status_badge};
use super::{Console, ConsoleError};
use crate::service::Actor;
use crate::service::review::{self, Reviewer};
use crate::storage::Storage;
use crate::storage::review::{
    DecideOutcome, NewAudit, ReviewFilter, ReviewItem, ReviewStatus, ReviewStorage, kenyan_date,
};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fieldkit_domain::catalogue::{Catalogue, FieldType, Service, form};
use fieldkit_domain::{Lang, messages};
use fieldkit_protocol::Decision;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use uuid::Uuid;

/// Applications per page.
const PAGE_SIZE: u32 = 50;
/// Longest reason or question a technician may write (the laptop shows it to the citizen).
const MAX_NOTE_CHARS: usize = 500;

pub async fn home<S: Storage + ReviewStorage>(signed: Signed) -> Response {
    match signed.user.role {
        crate::storage::review::ConsoleRole::Admin => views::redirect("/admin/accounts"),
        crate::storage::review::ConsoleRole::Technician => views::redirect("/batches"),
    }
}

/// Filters as they arrive in a query string; empty fields mean "any".
#[derive(Debug, Default, Deserialize)]
pub struct FilterQuery {
    status: Option<String>,
    device: Option<String>,
    day: Option<String>,
    outreach: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    done: Option<String>,
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

impl FilterQuery {
    fn filter(&self, signed: &Signed) -> Result<ReviewFilter, ConsoleError> {
        let status = match non_empty(&self.status) {
            None => None,
            Some(text) => Some(
                ReviewStatus::parse(&text)
                    .ok_or_else(|| ConsoleError::BadRequest(format!("{text:?} is not a review status")))?,
            ),
        };
        let captured_on = non_empty(&self.day);
        if let Some(day) = &captured_on
            && time::Date::parse(day, time::macros::format_description!("[year]-[month]-[day]")).is_err()
        {
            return Err(ConsoleError::BadRequest(format!("{day:?} is not a date such as 2026-11-28")));
        }
        Ok(ReviewFilter {
            services: signed.services.clone(),
            status,
            device_id: non_empty(&self.device),
            captured_on,
            // "none" selects applications captured outside any outreach.
            outreach_id: self.outreach.as_deref().map(|o| if o == "none" { String::new() } else { o.to_string() }),
            search: non_empty(&self.q),
        })
    }

    /// This filter as a query string (for links and for coming back after a bulk decision).
    fn query_string(&self) -> String {
        let mut parts = Vec::new();
        for (key, value) in [
            ("status", &self.status),
            ("device", &self.device),
            ("day", &self.day),
            ("outreach", &self.outreach),
            ("q", &self.q),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{key}={}", views::url_encode(value)));
            }
        }
        parts.join("&")
    }
}

fn filter_form(query: &FilterQuery, action: &str) -> Markup {
    html! {
        form.filters method="get" action=(action) role="search" {
            @if let Some(device) = non_empty(&query.device) { input type="hidden" name="device" value=(device); }
            @if let Some(outreach) = &query.outreach { input type="hidden" name="outreach" value=(outreach); }
            label { "Search (reference, name or ID number)"
                input type="search" name="q" value=(query.q.clone().unwrap_or_default());
            }
            label { "Status"
                select name="status" {
                    option value="" { "Any" }
                    @for status in ReviewStatus::ALL {
                        option value=(status.as_str()) selected[query.status.as_deref() == Some(status.as_str())] {
                            (status.as_str())
                        }
                    }
                }
            }
            label { "Day captured"
                input type="date" name="day" value=(query.day.clone().unwrap_or_default());
            }
            button type="submit" { "Filter" }
        }
    }
}

pub async fn batches<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    signed: Technician,
    Query(query): Query<FilterQuery>,
) -> Result<Response, ConsoleError> {
    let filter = query.filter(&signed)?;
    let batches = console.storage.batches(&filter).await?;
    let content = html! {
        p { "Applications as they were captured: one batch per outreach, laptop and day (Kenyan time)." }
        (filter_form(&query, "/batches"))
        @if batches.is_empty() {
            p { "No applications match." }
        } @else {
            table {
                caption { (batches.len()) " batches" }
                thead { tr {
                    th scope="col" { "Day" } th scope="col" { "Outreach" } th scope="col" { "Laptop" }
                    th.number scope="col" { "Total" } th.number scope="col" { "Pending" }
                    th.number scope="col" { "Accepted" } th.number scope="col" { "Rejected" }
                    th.number scope="col" { "Queried" } th scope="col" { span.muted { "Open" } }
                } }
                tbody {
                    @for batch in &batches {
                        @let outreach = batch.outreach_id.clone().unwrap_or_else(|| "none".into());
                        @let link = format!("/applications?device={}&day={}&outreach={}",
                            views::url_encode(&batch.device_id), views::url_encode(&batch.captured_on), views::url_encode(&outreach));
                        tr {
                            td { (batch.captured_on) }
                            td { (batch.outreach_name.clone().unwrap_or_else(|| "No outreach".into())) }
                            td { (batch.device_id) }
                            td.number { (batch.total) } td.number { (batch.pending) }
                            td.number { (batch.accepted) } td.number { (batch.rejected) } td.number { (batch.queried) }
                            td { a href=(link) { "Review batch " (batch.device_id) " " (batch.captured_on) } }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Batches", Some(&signed), content).into_response())
}

/// The applicant's name as the list shows it: from the form, or the minimised profile.
fn display_name(item: &ReviewItem, service: Option<&Service>) -> String {
    let form = answers(&item.record.body);
    let profile = applicant(service, &item.record.body);
    let pick = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| form.get(*k).or_else(|| profile.get(*k)).and_then(Value::as_str))
            .unwrap_or_default()
            .to_string()
    };
    let name = format!("{} {}", pick(&["surname", "child_surname"]), pick(&["given_names", "child_given_names"]));
    let name = name.trim().to_string();
    if name.is_empty() { "—".into() } else { name }
}

fn service_name(catalogue: &Catalogue, id: &str) -> String {
    catalogue.service(id).map(|s| s.name.en.clone()).unwrap_or_else(|| id.to_string())
}

fn item_link(item: &ReviewItem) -> String {
    format!("/applications/{}/{}", item.record.id, item.record.revision)
}

pub async fn applications<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    signed: Technician,
    Query(query): Query<FilterQuery>,
) -> Result<Response, ConsoleError> {
    let filter = query.filter(&signed)?;
    let page_number = query.page.unwrap_or(1).max(1);
    let (items, total) = console.storage.review_items(&filter, PAGE_SIZE, (page_number - 1) * PAGE_SIZE).await?;
    let catalogue = console.catalogue().await?;
    let back = format!("/applications?{}", query.query_string());
    let pages = total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    let content = html! {
        @if let Some(done) = &query.done { (notice(done)) }
        (filter_form(&query, "/applications"))
        p {
            a href={ "/export/accepted.csv?" (query.query_string()) } { "Export accepted as CSV" }
            " · "
            a href={ "/export/accepted.json?" (query.query_string()) } { "Export accepted as JSON" }
        }
        form method="post" action="/applications/accept" data-bulk {
            (csrf(&signed))
            input type="hidden" name="back" value=(back);
            table {
                caption { (total) " applications" @if pages > 1 { ", page " (page_number) " of " (pages) } }
                thead { tr {
                    th scope="col" { span.muted { "Select" } } th scope="col" { "Reference" } th scope="col" { "Applicant" }
                    th scope="col" { "Service" } th scope="col" { "Day" } th scope="col" { "Laptop" } th scope="col" { "Status" }
                } }
                tbody {
                    @for item in &items {
                        @let service = catalogue.service(&item.record.service_id);
                        @let checkbox_id = format!("pick-{}", item.record.id);
                        tr {
                            td {
                                @if item.status() == ReviewStatus::Pending {
                                    input type="checkbox" name="item" id=(checkbox_id)
                                        value={ (item.record.id) "/" (item.record.revision) }
                                        aria-label={ "Select " (item.record.reference) };
                                }
                            }
                            td { a href=(item_link(item)) { (item.record.reference) } }
                            td { (display_name(item, service)) }
                            td { (service_name(&catalogue, &item.record.service_id)) }
                            td { (item.captured_on) }
                            td { (item.device_id) }
                            td { (status_badge(item.status().as_str())) }
                        }
                    }
                }
            }
            @if items.iter().any(|i| i.status() == ReviewStatus::Pending) {
                button type="submit" { "Accept selected" }
            }
        }
        @if pages > 1 {
            nav aria-label="Pages" {
                @if page_number > 1 { a href={ (back) "&page=" (page_number - 1) } { "Previous page" } " " }
                @if u64::from(page_number) < pages { a href={ (back) "&page=" (page_number + 1) } { "Next page" } }
            }
        }
    };
    Ok(page("Applications", Some(&signed), content).into_response())
}

/// One answer as a reader wants it: county codes named, yes/no in words, lists as tables.
fn answer_cell(field: Option<&fieldkit_domain::catalogue::Field>, value: &Value) -> Markup {
    match (field.map(|f| f.kind), value) {
        (Some(FieldType::County), Value::String(code)) => {
            let name = fieldkit_domain::counties::by_code(code).map(|c| c.name.clone()).unwrap_or_default();
            html! { (name) " (" (code) ")" }
        }
        (_, Value::Bool(b)) => html! { (if *b { "Yes" } else { "No" }) },
        (Some(FieldType::Choice), Value::String(choice)) => {
            let label = field
                .and_then(|f| f.choices.iter().find(|c| &c.value == choice))
                .map(|c| c.label.en.clone())
                .unwrap_or_else(|| choice.clone());
            html! { (label) }
        }
        (_, Value::Array(rows)) => {
            let inner = field.map(|f| f.fields.as_slice()).unwrap_or_default();
            html! {
                table {
                    thead { tr { @for f in inner { th scope="col" { (f.label.en) } } } }
                    tbody { @for row in rows { tr { @for f in inner { td { (answer_cell(Some(f), &row[&f.id])) } } } } }
                }
            }
        }
        (_, Value::String(s)) => html! { (s) },
        (_, Value::Null) => html! { span.muted { "—" } },
        (_, other) => html! { (other.to_string()) },
    }
}

fn decision_text(item: &ReviewItem) -> Markup {
    html! {
        (status_badge(item.status().as_str()))
        @match &item.decision {
            Some(Decision::Rejected { reason }) => { " — " (reason) }
            Some(Decision::Queried { question }) => { " — " (question) }
            _ => {}
        }
        @if let (Some(by), Some(at)) = (&item.decided_by, &item.decided_at) { span.muted { " by " (by) " at " (at) } }
    }
}

async fn load_item<S: Storage + ReviewStorage>(
    console: &Console<S>,
    signed: &Technician,
    id: &str,
    revision: &str,
) -> Result<ReviewItem, ConsoleError> {
    let (Ok(id), Ok(revision)) = (Uuid::parse_str(id), revision.parse::<u32>()) else {
        return Err(ConsoleError::NotFound);
    };
    console.storage.review_item(&signed.services, id, revision).await?.ok_or(ConsoleError::NotFound)
}

pub async fn application<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    signed: Technician,
    Path((id, revision)): Path<(String, String)>,
    Query(query): Query<FilterQuery>,
) -> Result<Response, ConsoleError> {
    let item = load_item(&console, &signed, &id, &revision).await?;
    application_page(&console, &signed, &item, query.done.as_deref(), None).await
}

async fn application_page<S: Storage + ReviewStorage>(
    console: &Console<S>,
    signed: &Signed,
    item: &ReviewItem,
    done: Option<&str>,
    error: Option<&str>,
) -> Result<Response, ConsoleError> {
    let catalogue = console.catalogue().await?;
    let service = catalogue.service(&item.record.service_id);
    let form_answers = answers(&item.record.body);
    let profile = applicant(service, &item.record.body);
    // The laptop checked the form when it was saved; checking again against the catalogue in
    // force shows what a newer catalogue would question.
    let today =
        time::Date::parse(&kenyan_date(console.now()), time::macros::format_description!("[year]-[month]-[day]"))
            .unwrap_or(time::Date::MIN);
    let check = service.map(|s| form::check(s, &form_answers, today));
    let mut duplicates = Vec::new();
    if let Some(key) = service.and_then(|s| s.duplicate_key.as_deref())
        && let Some(value) = form_answers.get(key).and_then(Value::as_str)
    {
        duplicates = console.storage.same_answer(&item.record.service_id, key, value, item.record.id).await?;
    }
    let title = format!("Application {}", item.record.reference);
    let content = html! {
        @if let Some(text) = done { (notice(text)) }
        @if let Some(text) = error { (problem(text)) }
        dl.facts {
            dt { "Service" } dd { (service_name(&catalogue, &item.record.service_id)) }
            dt { "Status" } dd { (decision_text(item)) }
            dt { "Revision" } dd { (item.record.revision) }
            dt { "Laptop" } dd { (item.device_id) }
            dt { "Outreach" } dd { (item.outreach_name.clone().unwrap_or_else(|| "No outreach".into())) }
            dt { "Captured on" } dd { (item.captured_on) }
            dt { "Received" } dd { (item.received_at) }
        }
        @if let Some(check) = &check {
            @if !check.errors.is_empty() || !check.warnings.is_empty() {
                section.warning aria-labelledby="warnings" {
                    h2 #warnings { "Validation warnings" }
                    ul {
                        @for p in check.errors.iter().chain(&check.warnings) { li { (messages::problem(p, Lang::En)) } }
                    }
                }
            }
        }
        @if !duplicates.is_empty() {
            section.warning aria-labelledby="duplicates" {
                h2 #duplicates { "Possible duplicates" }
                p { "Other applications for this service with the same ID number:" }
                ul {
                    @for twin in &duplicates {
                        li {
                            a href=(item_link(twin)) { (twin.record.reference) }
                            " from laptop " (twin.device_id) ", captured " (twin.captured_on) " — " (twin.status().as_str())
                        }
                    }
                }
            }
        }
        h2 { "Answers" }
        table {
            thead { tr { th scope="col" { "Question" } th scope="col" { "Answer" } } }
            tbody {
                @for (key, value) in &form_answers {
                    @let field = service.and_then(|s| s.field(key));
                    tr {
                        th scope="row" { (field.map(|f| f.label.en.clone()).unwrap_or_else(|| key.clone())) }
                        td { (answer_cell(field, value)) }
                    }
                }
            }
        }
        @if !profile.is_empty() {
            h2 { "Applicant's profile" }
            p.muted { "Only the details this service needs." }
            dl.facts { @for (key, value) in &profile { dt { (key.replace('_', " ")) } dd { (answer_cell(None, value)) } } }
        }
        @if item.status() == ReviewStatus::Pending {
            h2 { "Decide" }
            @let action = format!("{}/decide", item_link(item));
            div.decisions {
                form method="post" action=(action) {
                    (csrf(signed))
                    input type="hidden" name="decision" value="accept";
                    p { "Everything is in order." }
                    button #accept type="submit" { "Accept" }
                }
                form.stack method="post" action=(action) {
                    (csrf(signed))
                    input type="hidden" name="decision" value="reject";
                    label for="reason" { "Reason for rejecting (the citizen is told this)" }
                    textarea #reason name="reason" rows="3" maxlength=(MAX_NOTE_CHARS) required {}
                    button.danger #reject type="submit" { "Reject" }
                }
                form.stack method="post" action=(action) {
                    (csrf(signed))
                    input type="hidden" name="decision" value="query";
                    label for="question" { "Question for the officer" }
                    textarea #question name="question" rows="3" maxlength=(MAX_NOTE_CHARS) required {}
                    button.secondary #query type="submit" { "Send query" }
                }
            }
        }
    };
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    Ok((status, page(&title, Some(signed), content)).into_response())
}

/// A reason or question: trimmed, present, not too long.
fn note(form: &FormData, key: &str, what: &str) -> Result<String, String> {
    let text = form.get(key).unwrap_or_default().trim().to_string();
    if text.is_empty() {
        return Err(format!("Write the {what} before sending."));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(format!("The {what} is longer than {MAX_NOTE_CHARS} characters."));
    }
    Ok(text)
}

pub async fn decide<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    Path((id, revision)): Path<(String, String)>,
    CsrfForm { who: signed, form }: CsrfForm<Technician>,
) -> Result<Response, ConsoleError> {
    let item = load_item(&console, &signed, &id, &revision).await?;
    let mda = signed.mda.clone();
    let decision = match form.get("decision") {
        Some("accept") => Ok(Decision::Accepted),
        Some("reject") => note(&form, "reason", "reason").map(|reason| Decision::Rejected { reason }),
        Some("query") => note(&form, "question", "question").map(|question| Decision::Queried { question }),
        _ => Err("Choose accept, reject or query.".to_string()),
    };
    let decision = match decision {
        Ok(decision) => decision,
        Err(message) => return application_page(&console, &signed, &item, None, Some(&message)).await,
    };
    let accepted = decision == Decision::Accepted;
    let reviewer = Reviewer { actor: Actor::account(&signed.user.username), services: signed.services.clone(), mda };
    let outcome = review::decide(
        &*console.storage,
        &reviewer,
        vec![(item.record.id, item.record.revision, decision)],
        console.now(),
    )
    .await?;
    if accepted {
        console.deliveries_waiting.notify_one();
    }
    let message = match outcome.first() {
        Some(DecideOutcome::Decided) => "Decision recorded. The laptop receives it on its next sync.",
        Some(DecideOutcome::AlreadyDecided) => "Someone decided this application first; their decision stands.",
        Some(DecideOutcome::Superseded) => {
            "The officer has resubmitted this application; decide on the newer revision."
        }
        Some(DecideOutcome::NotFound) | None => return Err(ConsoleError::NotFound),
    };
    Ok(views::redirect(&format!("{}?done={}", item_link(&item), views::url_encode(message))))
}

pub async fn bulk_accept<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    CsrfForm { who: signed, form }: CsrfForm<Technician>,
) -> Result<Response, ConsoleError> {
    let mda = signed.mda.clone();
    let mut picks = Vec::new();
    for value in form.all("item") {
        let parsed =
            value.split_once('/').and_then(|(id, rev)| Some((Uuid::parse_str(id).ok()?, rev.parse::<u32>().ok()?)));
        let (id, revision) =
            parsed.ok_or_else(|| ConsoleError::BadRequest(format!("{value:?} is not an application")))?;
        picks.push((id, revision, Decision::Accepted));
    }
    let back =
        form.get("back").filter(|b| b.starts_with("/applications") && !b.starts_with("//")).unwrap_or("/applications");
    if picks.is_empty() {
        let separator = if back.contains('?') { '&' } else { '?' };
        return Ok(views::redirect(&format!("{back}{separator}done={}", views::url_encode("Nothing was selected."))));
    }
    let reviewer = Reviewer { actor: Actor::account(&signed.user.username), services: signed.services.clone(), mda };
    let outcomes = review::decide(&*console.storage, &reviewer, picks, console.now()).await?;
    let decided = outcomes.iter().filter(|o| **o == DecideOutcome::Decided).count();
    if decided > 0 {
        console.deliveries_waiting.notify_one();
    }
    let skipped = outcomes.len() - decided;
    let mut message = format!("Accepted {decided} application(s).");
    if skipped > 0 {
        message.push_str(&format!(" {skipped} were already decided or resubmitted and were left as they are."));
    }
    let separator = if back.contains('?') { '&' } else { '?' };
    Ok(views::redirect(&format!("{back}{separator}done={}", views::url_encode(&message))))
}

/// Accepted applications matching the query, every page of them.
async fn accepted<S: Storage + ReviewStorage>(
    console: &Console<S>,
    signed: &Signed,
    query: &FilterQuery,
) -> Result<Vec<ReviewItem>, ConsoleError> {
    let mut filter = query.filter(signed)?;
    filter.status = Some(ReviewStatus::Accepted);
    let mut all = Vec::new();
    loop {
        let (items, total) = console.storage.review_items(&filter, 1000, all.len() as u32).await?;
        let done = items.is_empty() || all.len() + items.len() >= total as usize;
        all.extend(items);
        if done {
            return Ok(all);
        }
    }
}

async fn export<S: Storage + ReviewStorage>(
    console: &Console<S>,
    signed: &Technician,
    query: &FilterQuery,
    format: &str,
) -> Result<(Vec<ReviewItem>, Arc<Catalogue>, String), ConsoleError> {
    let mda = signed.mda.clone();
    let items = accepted(console, signed, query).await?;
    let catalogue = console.catalogue().await?;
    let now = console.now();
    console
        .storage
        .append_audit(
            NewAudit::new(
                &signed.user.username,
                &format!("export.{format}"),
                format!("mda:{mda}"),
                format!("{} applications; {}", items.len(), query.query_string()),
            ),
            now,
        )
        .await?;
    let filename = format!("accepted-{mda}-{}.{format}", kenyan_date(now));
    Ok((items, catalogue, filename))
}

fn attachment(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response()
}

pub async fn export_csv<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    signed: Technician,
    Query(query): Query<FilterQuery>,
) -> Result<Response, ConsoleError> {
    let (items, catalogue, filename) = export(&console, &signed, &query, "csv").await?;
    let body = to_csv(&items, &catalogue).map_err(|e| ConsoleError::Internal(e.to_string()))?;
    Ok(attachment("text/csv; charset=utf-8", &filename, body))
}

pub async fn export_json<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    signed: Technician,
    Query(query): Query<FilterQuery>,
) -> Result<Response, ConsoleError> {
    let (items, catalogue, filename) = export(&console, &signed, &query, "json").await?;
    let records: Vec<Value> = items.iter().map(|item| export_record(item, &catalogue)).collect();
    let body = serde_json::to_vec_pretty(&records).map_err(|e| ConsoleError::Internal(e.to_string()))?;
    Ok(attachment("application/json", &filename, body))
}

pub async fn deliveries<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    signed: Technician,
) -> Result<Response, ConsoleError> {
    let mda = signed.mda.as_str();
    let log = console.storage.delivery_log(mda, 200).await?;
    let content = html! {
        p { "Accepted applications sent to " (mda.to_uppercase()) "'s own system, newest first. Failed deliveries are retried with the same idempotency key, so the system receiving them can drop repeats." }
        @if log.is_empty() {
            p { "Nothing has been delivered yet." }
        } @else {
            table {
                caption { "Delivery log" }
                thead { tr {
                    th scope="col" { "When" } th scope="col" { "Reference" } th.number scope="col" { "Attempt" }
                    th scope="col" { "Outcome" } th.number scope="col" { "HTTP status" } th scope="col" { "Detail" }
                } }
                tbody {
                    @for attempt in &log {
                        tr {
                            td { (attempt.at) }
                            td { a href={ "/applications/" (attempt.application_id) "/" (attempt.revision) } { (attempt.reference) } }
                            td.number { (attempt.attempt) }
                            td { (attempt.outcome) }
                            td.number { (attempt.status.map(|s| s.to_string()).unwrap_or_default()) }
                            td { (attempt.error.clone().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Deliveries", Some(&signed), content).into_response())
}
