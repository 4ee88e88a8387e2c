//! The administrator's pages: accounts, devices, catalogue publishing, the audit log. None of
//! them shows citizens' data.

use super::auth::Signed;
use super::extract::{Admin, CsrfForm};
use super::views::{self, csrf, notice, page, problem};
use super::{Console, ConsoleError};
use crate::Backend;
use crate::service::accounts::{self, NewAccount};
use crate::service::publishing::{self, CataloguePublished};
use crate::service::{Actor, ServiceError, devices};
use crate::storage::review::{ReviewFilter, ReviewStorage, verify_audit_chain};
use crate::storage::{Storage, StorageError};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
    page: Option<u32>,
}

fn done_redirect(path: &str, message: &str) -> Response {
    views::redirect(&format!("{path}?done={}", views::url_encode(message)))
}

pub async fn accounts<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    signed: Admin,
    Query(done): Query<Done>,
) -> Result<Response, ConsoleError> {
    accounts_page(&console, &signed, done.done.as_deref(), None).await
}

async fn accounts_page<S: Storage + ReviewStorage>(
    console: &Console<S>,
    signed: &Signed,
    done: Option<&str>,
    error: Option<&str>,
) -> Result<Response, ConsoleError> {
    let accounts = console.storage.accounts().await?;
    let catalogue = console.catalogue().await?;
    let content = html! {
        @if let Some(text) = done { (notice(text)) }
        @if let Some(text) = error { (problem(text)) }
        table {
            caption { (accounts.len()) " accounts" }
            thead { tr {
                th scope="col" { "Username" } th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "MDA" }
                th scope="col" { "State" } th scope="col" { "Actions" }
            } }
            tbody {
                @for account in &accounts {
                    @let base = format!("/admin/accounts/{}", views::url_encode(&account.username));
                    tr {
                        td { (account.username) } td { (account.display_name) } td { (account.role.as_str()) }
                        td { (account.mda.clone().unwrap_or_default().to_uppercase()) }
                        td { @if account.disabled { "disabled" } @else { "active" } }
                        td {
                            @if account.username != signed.user.username {
                                form.inline method="post" action={ (base) "/" (if account.disabled { "enable" } else { "disable" }) } {
                                    (csrf(signed))
                                    button.secondary type="submit" { @if account.disabled { "Enable " } @else { "Disable " } (account.username) }
                                }
                            }
                            form.inline method="post" action={ (base) "/password" } {
                                (csrf(signed))
                                label { span.muted { "New password for " (account.username) " " }
                                    input type="password" name="password" autocomplete="new-password" minlength="12" required;
                                }
                                button.secondary type="submit" { "Set password" }
                            }
                        }
                    }
                }
            }
        }
        h2 { "New account" }
        form.stack method="post" action="/admin/accounts" {
            (csrf(signed))
            label for="new-username" { "Username (a–z, 0–9, . _ -)" }
            input #new-username name="username" required pattern="[a-z0-9._\\-]{3,40}" autocomplete="off";
            label for="new-name" { "Full name" }
            input #new-name name="display_name" required autocomplete="off";
            label for="new-role" { "Role" }
            select #new-role name="role" {
                option value="technician" { "MDA technician" }
                option value="admin" { "Administrator" }
            }
            label for="new-mda" { "MDA (technicians only)" }
            select #new-mda name="mda" {
                option value="" { "None" }
                @for mda in &catalogue.mdas { option value=(mda.id) { (mda.name.en) } }
            }
            label for="new-password" { "First password (at least 12 characters)" }
            input #new-password type="password" name="password" required minlength="12" autocomplete="new-password";
            button type="submit" { "Create account" }
        }
    };
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    Ok((status, page("Accounts", Some(signed), content)).into_response())
}

pub async fn create_account<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    CsrfForm { who: signed, form }: CsrfForm<Admin>,
) -> Result<Response, ConsoleError> {
    let catalogue = console.catalogue().await?;
    let account = NewAccount::new(
        form.get("username").unwrap_or_default(),
        form.get("display_name").unwrap_or_default(),
        form.get("role").unwrap_or_default(),
        form.get("mda"),
        form.get("password").unwrap_or_default().to_string(),
    );
    let username = account.username.clone();
    let actor = Actor::account(&signed.user.username);
    match accounts::create(&*console.storage, &actor, account, &catalogue, console.now()).await {
        Ok(_) => Ok(done_redirect("/admin/accounts", &format!("Account {username} created."))),
        Err(ServiceError::Refused(refusal)) => accounts_page(&console, &signed, None, Some(&refusal)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn account_action<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    Path((username, action)): Path<(String, String)>,
    CsrfForm { who: signed, form }: CsrfForm<Admin>,
) -> Result<Response, ConsoleError> {
    let actor = Actor::account(&signed.user.username);
    let now = console.now();
    let result = match action.as_str() {
        "disable" | "enable" => accounts::set_disabled(&*console.storage, &actor, &username, action == "disable", now)
            .await
            .map(|()| format!("Account {username} {action}d.")),
        "password" => {
            let password = form.get("password").unwrap_or_default().to_string();
            accounts::set_password(&*console.storage, &actor, &username, password, now)
                .await
                .map(|()| format!("New password set for {username}; their sessions were ended."))
        }
        _ => return Err(ConsoleError::NotFound),
    };
    match result {
        Ok(message) => Ok(done_redirect("/admin/accounts", &message)),
        Err(ServiceError::Refused(refusal)) => accounts_page(&console, &signed, None, Some(&refusal)).await,
        Err(ServiceError::Storage(StorageError::UnknownAccount(_))) => Err(ConsoleError::NotFound),
        Err(e) => Err(e.into()),
    }
}

pub async fn devices<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    signed: Admin,
    Query(done): Query<Done>,
) -> Result<Response, ConsoleError> {
    let devices = console.storage.devices().await?;
    let seen = console.storage.devices_last_seen().await?;
    let content = html! {
        @if let Some(text) = &done.done { (notice(text)) }
        table {
            caption { (devices.len()) " laptops" }
            thead { tr {
                th scope="col" { "Laptop" } th scope="col" { "Enrolled" } th scope="col" { "Last synced" }
                th scope="col" { "State" } th scope="col" { "Action" }
            } }
            tbody {
                @for device in &devices {
                    @let last = seen.iter().find(|(id, _)| id == &device.id).and_then(|(_, at)| at.clone());
                    tr {
                        td { (device.id) } td { (device.enrolled_at) }
                        td { (last.unwrap_or_else(|| "never".into())) }
                        td { @if let Some(at) = &device.revoked_at { "revoked " (at) } @else { "active" } }
                        td {
                            @if device.revoked_at.is_none() {
                                form.inline method="post" action={ "/admin/devices/" (views::url_encode(&device.id)) "/revoke" } {
                                    (csrf(&signed))
                                    button.danger type="submit" { "Revoke " (device.id) }
                                }
                            }
                        }
                    }
                }
            }
        }
        p.muted { "Enrol laptops with huduma-sync device enrol on the server: it writes the enrolment file the ICT officer loads on the laptop." }
    };
    Ok(page("Devices", Some(&signed), content).into_response())
}

pub async fn revoke_device<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    Path(id): Path<String>,
    CsrfForm { who: signed, .. }: CsrfForm<Admin>,
) -> Result<Response, ConsoleError> {
    match devices::revoke(&*console.storage, &Actor::account(&signed.user.username), &id, console.now()).await {
        Ok(_) => Ok(done_redirect("/admin/devices", &format!("Laptop {id} revoked: it can no longer sync."))),
        Err(StorageError::UnknownDevice(_)) => Err(ConsoleError::NotFound),
        Err(e) => Err(e.into()),
    }
}

pub async fn catalogue<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    signed: Admin,
    Query(done): Query<Done>,
) -> Result<Response, ConsoleError> {
    catalogue_page(&console, &signed, done.done.as_deref(), None).await
}

async fn catalogue_page<S: Storage + ReviewStorage>(
    console: &Console<S>,
    signed: &Signed,
    done: Option<&str>,
    error: Option<&str>,
) -> Result<Response, ConsoleError> {
    let current = console.catalogue().await?;
    let content = html! {
        @if let Some(text) = done { (notice(text)) }
        @if let Some(text) = error { (problem(text)) }
        p { "In force: version " (current.version) ", published " (current.published) ", " (current.services.len()) " services." }
        h2 { "Publish a new version" }
        p { "Paste the whole catalogue file. It is checked with the laptops' own rules; nothing is published unless every laptop would accept it." }
        form.stack method="post" action="/admin/catalogue" {
            (csrf(signed))
            label for="catalogue-text" { "Catalogue (TOML)" }
            textarea #catalogue-text name="catalogue" rows="16" required spellcheck="false" {}
            button type="submit" { "Publish to every laptop" }
        }
    };
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    Ok((status, page("Catalogue", Some(signed), content)).into_response())
}

pub async fn publish_catalogue<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    CsrfForm { who: signed, form }: CsrfForm<Admin>,
) -> Result<Response, ConsoleError> {
    let text = form.get("catalogue").unwrap_or_default().replace("\r\n", "\n");
    let actor = Actor::account(&signed.user.username);
    let published = publishing::catalogue(
        &*console.storage,
        console.catalogue_in_force(),
        &actor,
        "the pasted catalogue",
        &text,
        console.now(),
    )
    .await;
    match published {
        Ok(CataloguePublished { version, laptops }) => Ok(done_redirect(
            "/admin/catalogue",
            &format!("Catalogue version {version} published to {laptops} laptop(s)."),
        )),
        Err(ServiceError::Refused(refusal)) => catalogue_page(&console, &signed, None, Some(&refusal)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn audit<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    signed: Admin,
    Query(query): Query<Done>,
) -> Result<Response, ConsoleError> {
    const PER_PAGE: u32 = 100;
    let page_number = query.page.unwrap_or(1).max(1);
    let entries = console.storage.audit_log(PER_PAGE, (page_number - 1) * PER_PAGE).await?;
    let chain = console.storage.audit_chain().await?;
    let verified = verify_audit_chain(&chain);
    let content = html! {
        @match &verified {
            Ok(count) => { (notice(&format!("All {count} entries verify: the hash chain is unbroken."))) }
            Err(e) => { (problem(&format!("The audit log does not verify: {e}"))) }
        }
        table {
            caption { "Newest first" }
            thead { tr {
                th.number scope="col" { "#" } th scope="col" { "When (UTC)" } th scope="col" { "Who" }
                th scope="col" { "What" } th scope="col" { "Subject" } th scope="col" { "Detail" }
            } }
            tbody {
                @for entry in &entries {
                    tr {
                        td.number { (entry.seq) } td { (entry.at) } td { (entry.actor) }
                        td { (entry.action) } td { (entry.subject) } td { (entry.detail) }
                    }
                }
            }
        }
        nav aria-label="Pages" {
            @if page_number > 1 { a href={ "/admin/audit?page=" (page_number - 1) } { "Newer entries" } " " }
            @if entries.len() == PER_PAGE as usize { a href={ "/admin/audit?page=" (page_number + 1) } { "Older entries" } }
        }
    };
    Ok(page("Audit log", Some(&signed), content).into_response())
}

pub async fn outreaches<S: Backend>(
    State(console): State<Arc<Console<S>>>,
    signed: Admin,
) -> Result<Response, ConsoleError> {
    let plans = console.storage.plans().await?;
    let totals = console.storage.feedback_totals().await?;
    let catalogue = console.catalogue().await?;
    // Counts only (no citizen's data): every service, grouped by outreach.
    let every_service =
        ReviewFilter { services: catalogue.services.iter().map(|s| s.id.clone()).collect(), ..ReviewFilter::default() };
    let batches = console.storage.batches(&every_service).await?;
    let applications =
        |id: &str| batches.iter().filter(|b| b.outreach_id.as_deref() == Some(id)).map(|b| b.total).sum::<u64>();
    let percent = |value: Option<f64>| value.map(|v| format!("{v:.0} %")).unwrap_or_else(|| "—".into());
    let mean = |value: Option<f64>| value.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into());
    let content = html! {
        p { "Outreaches planned by centre managers, with what was captured and what citizens said (Huduma Halisi). Satisfaction is the share of ratings of 4 or 5." }
        @if plans.is_empty() && totals.is_empty() {
            p { "No outreach has been planned yet." }
        } @else {
            table {
                caption { (plans.len()) " outreaches" }
                thead { tr {
                    th scope="col" { "Outreach" } th scope="col" { "Dates" } th scope="col" { "Status" } th scope="col" { "Laptops" }
                    th.number scope="col" { "Applications" } th.number scope="col" { "Feedback" } th.number scope="col" { "Satisfied" }
                    th.number scope="col" { "Mean rating" } th.number scope="col" { "Complaints" }
                } }
                tbody {
                    @for plan in &plans {
                        @let id = plan.id.to_string();
                        @let feedback = totals.iter().find(|t| t.outreach_id == Some(plan.id)).cloned().unwrap_or_default();
                        tr {
                            td { (plan.name) br; span.muted { (plan.place) ", " (fieldkit_domain::counties::by_code(&plan.county_code).map(|c| c.name.clone()).unwrap_or_default()) } }
                            td { (plan.starts_on) " to " (plan.ends_on) }
                            td { (format!("{:?}", plan.status).to_lowercase()) }
                            td { (plan.laptops.join(", ")) }
                            td.number { (applications(&id)) }
                            td.number { (feedback.count) }
                            td.number { (percent(feedback.satisfaction_rate())) }
                            td.number { (mean(feedback.mean_rating())) }
                            td.number {
                                (feedback.complaints())
                                @if feedback.complaints() > 0 {
                                    span.muted { " (corruption " (feedback.corruption) ", discrimination " (feedback.discrimination)
                                        ", poor service " (feedback.poor_service) ", other " (feedback.other) ")" }
                                }
                            }
                        }
                    }
                    @if let Some(outside) = totals.iter().find(|t| t.outreach_id.is_none()) {
                        tr {
                            td { "Outside any outreach" } td {} td {} td {} td.number {}
                            td.number { (outside.count) }
                            td.number { (percent(outside.satisfaction_rate())) }
                            td.number { (mean(outside.mean_rating())) }
                            td.number { (outside.complaints()) }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Outreaches", Some(&signed), content).into_response())
}
