//! The console's HTML: one layout, shared pieces, the compiled-in stylesheet and script, and the
//! security headers every response carries. Everything is escaped by maud; nothing here reads
//! storage.

use super::auth::{CSRF_FIELD, Signed};
use crate::storage::review::ConsoleRole;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

const STYLESHEET: &str = include_str!("console.css");
const SCRIPT: &str = include_str!("console.js");

pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLESHEET).into_response()
}

pub async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response()
}

/// On every response: nothing from elsewhere may load, the console may not be framed, pages
/// with personal data are not cached, and browsers keep to HTTPS.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

pub fn redirect(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Percent-encodes everything but unreserved characters.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The hidden field every POST form carries.
pub fn csrf(signed: &Signed) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(signed.csrf_token); }
}

/// A whole page: skip link, header with the signed-in person's navigation, main content.
pub fn page(title: &str, signed: Option<&Signed>, content: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Huduma review console" }
                link rel="stylesheet" href="/static/console.css";
                script src="/static/console.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    p.brand { "Huduma review console" }
                    @if let Some(signed) = signed {
                        nav aria-label="Main" {
                            ul {
                                @match signed.user.role {
                                    ConsoleRole::Technician => {
                                        li { a href="/batches" { "Batches" } }
                                        li { a href="/applications" { "Applications" } }
                                        li { a href="/deliveries" { "Deliveries" } }
                                    }
                                    ConsoleRole::Admin => {
                                        li { a href="/admin/accounts" { "Accounts" } }
                                        li { a href="/admin/devices" { "Devices" } }
                                        li { a href="/admin/catalogue" { "Catalogue" } }
                                        li { a href="/admin/outreaches" { "Outreaches" } }
                                        li { a href="/admin/audit" { "Audit log" } }
                                    }
                                }
                            }
                        }
                        form.logout method="post" action="/logout" {
                            (csrf(signed))
                            span.who {
                                (signed.user.display_name)
                                @if let Some(mda) = &signed.user.mda { " (" (mda.to_uppercase()) ")" }
                            }
                            " "
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (content)
                }
            }
        }
    };
    Html(markup.into_string())
}

pub fn error_page(code: &str, message: &str) -> Html<String> {
    page(
        "Something stopped this",
        None,
        html! {
            p.error role="alert" data-error-code=(code) { (message) }
            p { a href="/" { "Back to the console" } }
        },
    )
}

pub fn notice(text: &str) -> Markup {
    html! { p.notice role="status" { (text) } }
}

pub fn problem(text: &str) -> Markup {
    html! { p.error role="alert" { (text) } }
}

pub fn login_page(next: &str, token: &str, error: Option<&str>, notice_text: Option<&str>) -> Html<String> {
    page(
        "Sign in",
        None,
        html! {
            @if let Some(text) = notice_text { (notice(text)) }
            @if let Some(text) = error { (problem(text)) }
            form.stack method="post" action="/login" {
                input type="hidden" name=(CSRF_FIELD) value=(token);
                input type="hidden" name="next" value=(next);
                label for="username" { "Username" }
                input #username type="text" name="username" autocomplete="username" required autofocus;
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
        },
    )
}

/// A small status badge; the word carries the meaning, the colour only repeats it.
pub fn status_badge(status: &str) -> Markup {
    html! { span class={ "badge " (status) } { (status) } }
}
