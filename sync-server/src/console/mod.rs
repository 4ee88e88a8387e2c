//! The MDA review console: server-rendered HTML over HTTPS for MDA technicians (review their
//! MDA's applications, decide, export) and administrators (accounts, devices, catalogue
//! publishing, the audit log). No JavaScript build and no CDN: the HTML is written in Rust
//! (maud), one stylesheet and one small script are compiled in, and every page works without
//! the script.
//!
//! Handlers only translate: who may ask is in the types of their arguments ([`Admin`],
//! [`Technician`], [`CsrfForm`]: `extract.rs`), they turn the request into a call to
//! [`crate::service`] or a storage read bounded by what that person may see, and render the answer.
//!
//! Architecture invariants:
//! - a technician's every listing, page, decision and export goes through the services of their
//!   own MDA ([`Signed::services`]); an application of another MDA is "not found", by URL too;
//! - administrators never see citizens' data;
//! - every state-changing request is a POST carrying the session's CSRF token: handlers read forms
//!   only through [`CsrfForm`], which checks it.

pub mod admin;
pub mod auth;
pub mod delivery;
pub mod export;
pub mod extract;
pub mod review;
pub mod serve;
mod views;

use crate::service::ServiceError;
use crate::service::catalogue::{CONSOLE_MAX_AGE, CatalogueInForce};
use crate::storage::review::ReviewStorage;
use crate::storage::{Storage, StorageError};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fieldkit_domain::catalogue::Catalogue;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

pub use auth::Signed;
pub use extract::{Admin, CsrfForm, Technician};

/// How long sessions live and how hard failed logins are throttled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSettings {
    /// A session unused this long is over.
    pub idle_timeout: Duration,
    /// A session is over this long after sign-in, however busy.
    pub session_lifetime: Duration,
    /// Failed logins for one username within `failure_window` before it is locked out.
    pub max_failures_per_account: u32,
    /// Failed logins from one address within `failure_window` before it is locked out.
    pub max_failures_per_address: u32,
    pub failure_window: Duration,
}

impl Default for ConsoleSettings {
    fn default() -> ConsoleSettings {
        ConsoleSettings {
            idle_timeout: Duration::from_secs(15 * 60),
            session_lifetime: Duration::from_secs(8 * 3600),
            max_failures_per_account: 5,
            max_failures_per_address: 30,
            failure_window: Duration::from_secs(15 * 60),
        }
    }
}

/// The clock, injected so tests move time instead of waiting.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// Everything the console's handlers share.
pub struct Console<S> {
    pub storage: Arc<S>,
    pub settings: ConsoleSettings,
    clock: Clock,
    catalogue: CatalogueInForce,
    /// Wakes the outbound adapter when something was accepted.
    pub deliveries_waiting: Arc<tokio::sync::Notify>,
}

impl<S: Storage + ReviewStorage> Console<S> {
    pub fn new(storage: Arc<S>, settings: ConsoleSettings, clock: Clock) -> Console<S> {
        Console {
            storage,
            settings,
            clock,
            catalogue: CatalogueInForce::new(),
            deliveries_waiting: Arc::new(tokio::sync::Notify::new()),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }

    /// The catalogue in force: the newest published, else the built-in one (fetched again after
    /// [`CONSOLE_MAX_AGE`]: another node may have published one).
    pub async fn catalogue(&self) -> Result<Arc<Catalogue>, ConsoleError> {
        Ok(self.catalogue.get(&*self.storage, self.now(), CONSOLE_MAX_AGE).await?)
    }

    /// The cache of the catalogue in force, for publishing through [`crate::service`].
    pub fn catalogue_in_force(&self) -> &CatalogueInForce {
        &self.catalogue
    }
}

/// What can go wrong in a console request, each with its page and a stable code.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("sign in to continue")]
    NotSignedIn { next: String, expired: bool },
    #[error("your role cannot do this")]
    Forbidden,
    #[error("there is nothing here, or it is not yours to see")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("this form has expired or did not come from the console; go back, reload the page and try again")]
    Csrf,
    #[error("too many failed sign-ins; wait {minutes} minutes and try again")]
    Throttled { minutes: u64 },
    #[error("the console's storage is unavailable; try again shortly")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Internal(String),
}

impl From<ServiceError> for ConsoleError {
    fn from(e: ServiceError) -> ConsoleError {
        match e {
            ServiceError::Refused(message) => ConsoleError::BadRequest(message),
            ServiceError::Storage(e) => ConsoleError::Storage(e),
            ServiceError::Internal(message) => ConsoleError::Internal(message),
        }
    }
}

impl ConsoleError {
    /// Stable, for tests and for anyone reading logs.
    pub fn code(&self) -> &'static str {
        match self {
            ConsoleError::NotSignedIn { .. } => "not_signed_in",
            ConsoleError::Forbidden => "forbidden",
            ConsoleError::NotFound => "not_found",
            ConsoleError::BadRequest(_) => "bad_request",
            ConsoleError::Csrf => "csrf",
            ConsoleError::Throttled { .. } => "throttled",
            ConsoleError::Storage(_) => "storage",
            ConsoleError::Internal(_) => "internal",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ConsoleError::NotSignedIn { .. } => StatusCode::SEE_OTHER,
            ConsoleError::Forbidden | ConsoleError::Csrf => StatusCode::FORBIDDEN,
            ConsoleError::NotFound => StatusCode::NOT_FOUND,
            ConsoleError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ConsoleError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ConsoleError::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
            ConsoleError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        if let ConsoleError::NotSignedIn { next, expired } = &self {
            let mut location = format!("/login?next={}", views::url_encode(next));
            if *expired {
                location.push_str("&expired=1");
            }
            return views::redirect(&location);
        }
        match &self {
            ConsoleError::Storage(e) => tracing::error!(error = %e, "console storage failed"),
            ConsoleError::Internal(e) => tracing::error!(error = %e, "console failed"),
            _ => {}
        }
        let mut response = (self.status(), views::error_page(self.code(), &self.to_string())).into_response();
        if let ConsoleError::Throttled { minutes } = self
            && let Ok(value) = HeaderValue::from_str(&(minutes * 60).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// The console's routes over `console`, with the security headers on every response.
pub fn router<S: crate::Backend>(console: Arc<Console<S>>) -> Router {
    Router::new()
        .route("/", get(review::home::<S>))
        .route("/login", get(auth::login_page::<S>).post(auth::login::<S>))
        .route("/logout", post(auth::logout::<S>))
        .route("/static/console.css", get(views::stylesheet))
        .route("/static/console.js", get(views::script))
        .route("/batches", get(review::batches::<S>))
        .route("/applications", get(review::applications::<S>))
        .route("/applications/accept", post(review::bulk_accept::<S>))
        .route("/applications/{id}/{revision}", get(review::application::<S>))
        .route("/applications/{id}/{revision}/decide", post(review::decide::<S>))
        .route("/export/accepted.csv", get(review::export_csv::<S>))
        .route("/export/accepted.json", get(review::export_json::<S>))
        .route("/deliveries", get(review::deliveries::<S>))
        .route("/admin/accounts", get(admin::accounts::<S>).post(admin::create_account::<S>))
        .route("/admin/accounts/{username}/{action}", post(admin::account_action::<S>))
        .route("/admin/devices", get(admin::devices::<S>))
        .route("/admin/devices/{id}/revoke", post(admin::revoke_device::<S>))
        .route("/admin/catalogue", get(admin::catalogue::<S>).post(admin::publish_catalogue::<S>))
        .route("/admin/audit", get(admin::audit::<S>))
        .route("/admin/outreaches", get(admin::outreaches::<S>))
        .fallback(|| async { ConsoleError::NotFound })
        .layer(axum::middleware::map_response(views::security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(4 << 20))
        .with_state(console)
}
