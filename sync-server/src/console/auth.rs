//! Who is asking: passwords (argon2id), session cookies, CSRF tokens, login throttling.
//!
//! - The session cookie (`__Host-console`) holds 256 random bits; the database keeps only their
//!   SHA-256, so a leaked database cannot be replayed as a browser. It is `Secure`, `HttpOnly`,
//!   `SameSite=Strict`, and a session ends after [`ConsoleSettings::idle_timeout`] unused or
//!   [`ConsoleSettings::session_lifetime`] after sign-in.
//! - Every form carries the session's synchroniser token; the login form, before any session,
//!   carries a token that must match a short-lived cookie of its own (double submit).
//! - Failed logins are counted per username and per address in the database (so every node
//!   agrees); past the limit, the login is refused before the password is even checked.
//!
//! [`ConsoleSettings::idle_timeout`]: super::ConsoleSettings::idle_timeout
//! [`ConsoleSettings::session_lifetime`]: super::ConsoleSettings::session_lifetime

use super::extract::{CsrfForm, LoginForm};
use super::{Console, ConsoleError, views};
pub use crate::service::accounts::{MIN_PASSWORD_CHARS, check_new_password, hash_password, verify_password};
use crate::storage::Storage;
use crate::storage::review::{ConsoleRole, ConsoleSession, ConsoleUser, NewAudit, ReviewStorage};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "__Host-console";
pub const LOGIN_COOKIE: &str = "__Host-console-login";
/// The form field every POST carries.
pub const CSRF_FIELD: &str = "csrf";

/// The address a request came from, put on each request by [`super::serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddress(pub SocketAddr);

/// `count` random bytes as lower-case hex.
pub fn random_hex(count: usize) -> Result<String, ConsoleError> {
    let mut bytes = vec![0u8; count];
    getrandom::fill(&mut bytes).map_err(|e| ConsoleError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn set_cookie(name: &str, value: &str, max_age: Option<u64>) -> String {
    let mut cookie = format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict");
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    cookie
}

/// A signed-in person, for the length of one request.
#[derive(Debug, Clone)]
pub struct Signed {
    pub user: ConsoleUser,
    pub csrf_token: String,
    token_hash: String,
    /// The services of the technician's MDA (empty for administrators): every review query is
    /// bounded by it.
    pub services: Vec<String>,
}

impl<S: Storage + ReviewStorage> FromRequestParts<Arc<Console<S>>> for Signed {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, console: &Arc<Console<S>>) -> Result<Signed, ConsoleError> {
        let next = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let not_signed_in = |expired| ConsoleError::NotSignedIn { next: next.clone(), expired };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(not_signed_in(false));
        };
        let hash = token_hash(token);
        let Some(session) = console.storage.session(&hash).await? else {
            return Err(not_signed_in(false));
        };
        let now = console.now().unix_timestamp();
        let settings = &console.settings;
        let idle = now - session.last_seen_at > settings.idle_timeout.as_secs() as i64;
        let too_old = now - session.created_at > settings.session_lifetime.as_secs() as i64;
        if idle || too_old {
            console.storage.delete_session(&hash).await?;
            return Err(not_signed_in(true));
        }
        let Some(user) = console.storage.account(&session.username).await?.filter(|u| !u.disabled) else {
            console.storage.delete_session(&hash).await?;
            return Err(not_signed_in(false));
        };
        console.storage.touch_session(&hash, now).await?;
        let services = match &user.mda {
            Some(mda) if user.role == ConsoleRole::Technician => {
                let catalogue = console.catalogue().await?;
                catalogue.services.iter().filter(|s| &s.mda == mda).map(|s| s.id.clone()).collect()
            }
            _ => Vec::new(),
        };
        Ok(Signed { user, csrf_token: session.csrf_token, token_hash: hash, services })
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

/// Only a path on this site: never `//elsewhere` or `https://elsewhere` (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_string(),
        _ => "/".into(),
    }
}

pub async fn login_page<S: Storage + ReviewStorage>(
    State(_console): State<Arc<Console<S>>>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, ConsoleError> {
    let notice = query.expired.is_some().then_some("Your session ended. Sign in again to continue.");
    login_form(&safe_next(query.next.as_deref()), None, notice, axum::http::StatusCode::OK)
}

/// The login page with a fresh double-submit token.
fn login_form(
    next: &str,
    error: Option<&str>,
    notice: Option<&str>,
    status: axum::http::StatusCode,
) -> Result<Response, ConsoleError> {
    let token = random_hex(32)?;
    let mut response = (status, views::login_page(next, &token, error, notice)).into_response();
    if let Ok(value) = set_cookie(LOGIN_COOKIE, &token, Some(3600)).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

pub async fn login<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    peer: Option<axum::Extension<PeerAddress>>,
    LoginForm(form): LoginForm,
) -> Result<Response, ConsoleError> {
    let next = safe_next(form.get("next"));
    let username = form.get("username").unwrap_or_default().trim().to_lowercase();
    let password = form.get("password").unwrap_or_default().to_string();
    let address = peer.map(|p| p.0.0.ip().to_string()).unwrap_or_else(|| "unknown".into());
    let (account_key, address_key) = (format!("user:{username}"), format!("address:{address}"));

    let now = console.now();
    let settings = &console.settings;
    let since = now.unix_timestamp() - settings.failure_window.as_secs() as i64;
    let storage = &console.storage;
    // Housekeeping on the way: failures too old to count, sessions too idle to use.
    storage.forget_stale(since, now.unix_timestamp() - settings.idle_timeout.as_secs() as i64).await?;
    if storage.login_failures(&account_key, since).await? >= settings.max_failures_per_account
        || storage.login_failures(&address_key, since).await? >= settings.max_failures_per_address
    {
        storage
            .append_audit(NewAudit::new(&username, "login.throttled", format!("account:{username}"), address), now)
            .await?;
        return Err(ConsoleError::Throttled { minutes: settings.failure_window.as_secs().div_ceil(60) });
    }

    let account = storage.account(&username).await?;
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    // Unknown accounts cost the same argon2 work as known ones, so timing does not tell which
    // usernames exist.
    let verified = tokio::task::spawn_blocking(move || match stored_hash {
        Some(hash) => verify_password(&password, &hash),
        None => {
            let _ = verify_password(&password, DUMMY_HASH);
            false
        }
    })
    .await
    .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let account = account.filter(|a| verified && !a.disabled);
    let Some(account) = account else {
        storage.record_login_failure(&account_key, now.unix_timestamp()).await?;
        storage.record_login_failure(&address_key, now.unix_timestamp()).await?;
        storage
            .append_audit(NewAudit::new(&username, "login.failed", format!("account:{username}"), address), now)
            .await?;
        return login_form(
            &next,
            Some("The username or password is wrong, or the account is disabled."),
            None,
            axum::http::StatusCode::UNAUTHORIZED,
        );
    };
    storage.clear_login_failures(&account_key).await?;
    // A new token on every sign-in: a session id planted before login is worthless after it.
    let token = random_hex(32)?;
    let session = ConsoleSession {
        username: account.username.clone(),
        csrf_token: random_hex(32)?,
        created_at: now.unix_timestamp(),
        last_seen_at: now.unix_timestamp(),
    };
    storage.create_session(&token_hash(&token), session).await?;
    storage
        .append_audit(NewAudit::new(&account.username, "login", format!("account:{}", account.username), address), now)
        .await?;
    let mut response = views::redirect(&next);
    for cookie in [set_cookie(SESSION_COOKIE, &token, None), set_cookie(LOGIN_COOKIE, "", Some(0))] {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

pub async fn logout<S: Storage + ReviewStorage>(
    State(console): State<Arc<Console<S>>>,
    CsrfForm { who: signed, .. }: CsrfForm<Signed>,
) -> Result<Response, ConsoleError> {
    console.storage.delete_session(&signed.token_hash).await?;
    let username = &signed.user.username;
    console
        .storage
        .append_audit(NewAudit::new(username, "logout", format!("account:{username}"), ""), console.now())
        .await?;
    let mut response = views::redirect("/login");
    if let Ok(value) = set_cookie(SESSION_COOKIE, "", Some(0)).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// A real argon2id hash of a random password nobody knows, for unknown usernames.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3Gb1dl6YhOiJ3VmrrxhmPbX0ZLfJSTUzZ8qfAGBIOcI";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_parses_so_unknown_users_cost_argon2_work() {
        assert!(argon2::password_hash::PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("anything", DUMMY_HASH));
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/applications?x=1")), "/applications?x=1");
        for bad in ["//evil.example/", "https://evil.example/", "/\\evil.example", "batches"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
