//! `huduma-sync`: the server Field Kit laptops sync with. [`run`] is the whole server (laptops'
//! listener, review console, delivery worker) over a configuration and a storage backend.
//!
//! The HTTP edge ([`app`]) only translates: it checks the protocol version and the request's
//! shape, takes the device's identity from the connection (never from a header: the TLS layer
//! puts the client certificate's fingerprint, [`ClientCertificate`], on each request and the
//! device registry maps it to an [`AuthenticatedDevice`]), and delegates to a [`storage::Storage`].

pub mod config;
pub mod console;
pub mod import;
pub mod openapi;
pub mod pki;
pub mod publish;
pub mod serve;
pub mod server;
pub mod service;
pub mod storage;
pub mod tls;

use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use fieldkit_protocol::{
    ErrorBody, ErrorCode, FeedbackPushRequest, FeedbackPushResponse, Health, MAX_BATCH_RECORDS, MAX_BODY_BYTES,
    PROTOCOL_VERSION, PlanResult, PlanUploadRequest, PlanUploadResponse, PullRequest, PullResponse, PushRequest,
    PushResponse, is_supported, paths,
};
pub use server::{RunError, Server, run, start};
use service::catalogue::CatalogueInForce;
use std::sync::Arc;
use storage::outreach::OutreachStorage;
use storage::review::ReviewStorage;
use storage::{Storage, StorageError};

/// Everything a backend must be for the laptops' routes and the console: implemented by
/// [`storage::sqlite::SqliteStorage`] and [`storage::postgres::PostgresStorage`].
pub trait Backend: Storage + ReviewStorage + OutreachStorage {}

impl<S: Storage + ReviewStorage + OutreachStorage> Backend for S {}

/// Largest `limit` a pull may ask for.
pub const MAX_PULL_EVENTS: u32 = 1000;

/// Bodies at least this large are gzip'd on the way back when the laptop accepts it.
const COMPRESS_FROM_BYTES: usize = 1024;

/// The SHA-256 fingerprint (lower-case hex) of the client certificate the TLS handshake
/// verified against the deployment CA. Inserted by [`serve`] on every request of a connection;
/// absent means the request did not come over mutual TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate(pub String);

/// The enrolled, unrevoked device a request came from. Extracting it looks the connection's
/// certificate up in the device registry on every request, so a revocation takes effect at once,
/// on every server node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedDevice(pub String);

/// What the laptops' routes share: the storage, and the catalogue in force (plans are checked
/// against it).
struct Api<S> {
    storage: Arc<S>,
    catalogue: CatalogueInForce,
}

impl<S: Backend> FromRequestParts<Arc<Api<S>>> for AuthenticatedDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, api: &Arc<Api<S>>) -> Result<Self, Self::Rejection> {
        let storage = &api.storage;
        let Some(ClientCertificate(fingerprint)) = parts.extensions.get::<ClientCertificate>().cloned() else {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::UnknownDevice, "no device certificate"));
        };
        match storage.device_by_fingerprint(&fingerprint).await? {
            None => {
                tracing::warn!(%fingerprint, "certificate from our CA but not enrolled");
                Err(ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::UnknownDevice, "this device is not enrolled"))
            }
            Some(device) if device.revoked_at.is_some() => {
                tracing::warn!(device = %device.id, "revoked device refused");
                Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Revoked, "this device has been revoked"))
            }
            Some(device) => {
                // "Last synced" on the console's device page; a failure here must not fail the sync.
                if let Err(e) = storage.touch_device(&device.id, time::OffsetDateTime::now_utc()).await {
                    tracing::warn!(device = %device.id, error = %e, "could not note the device as seen");
                }
                Ok(AuthenticatedDevice(device.id))
            }
        }
    }
}

/// An error as the laptop receives it: a status and an [`ErrorBody`] with a stable code.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { status, body: ErrorBody { code, message: message.into() } }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> ApiError {
        tracing::error!(error = %e, "storage failed");
        // The laptop keeps its outbox and retries; nothing was acknowledged.
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, "storage unavailable; retry later")
    }
}

/// Every route, once: [`app`] serves these and [`openapi`] must document exactly these.
fn routes<S: Backend>() -> [(&'static str, MethodRouter<Arc<Api<S>>>); 5] {
    [
        (paths::HEALTH, get(health)),
        (paths::PUSH, post(push::<S>)),
        (paths::PULL, post(pull::<S>)),
        (paths::PLANS, post(upload_plans::<S>)),
        (paths::FEEDBACK, post(push_feedback::<S>)),
    ]
}

/// The paths [`app`] serves.
pub fn routed_paths() -> Vec<&'static str> {
    routes::<storage::sqlite::SqliteStorage>().into_iter().map(|(path, _)| path).collect()
}

/// The server's routes over `storage`.
pub fn app<S: Backend>(storage: Arc<S>) -> Router {
    let mut router = Router::new();
    for (path, method) in routes::<S>() {
        router = router.route(path, method);
    }
    let api = Api { storage, catalogue: CatalogueInForce::new() };
    router.layer(DefaultBodyLimit::max(MAX_BODY_BYTES)).with_state(Arc::new(api))
}

async fn health() -> Json<Health> {
    Json(Health { status: "ok".into(), protocol: PROTOCOL_VERSION })
}

fn check_version(protocol: u32) -> Result<(), ApiError> {
    if is_supported(protocol) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::UnsupportedProtocol,
        format!(
            "protocol {protocol} is not served here; this server speaks {}..={PROTOCOL_VERSION}",
            fieldkit_protocol::OLDEST_SUPPORTED
        ),
    ))
}

/// Parses JSON ourselves so malformed bodies get the protocol's error shape, not axum's text.
/// A gzip'd body is inflated first, never beyond [`MAX_BODY_BYTES`] (a small compressed body
/// must not become a memory bomb).
fn parse<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ApiError> {
    let inflated;
    let body = match headers.get(header::CONTENT_ENCODING).map(HeaderValue::as_bytes) {
        None | Some(b"identity") => body,
        Some(b"gzip") => {
            inflated = fieldkit_protocol::gzip::inflate(body, MAX_BODY_BYTES).map_err(|e| {
                ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, format!("bad gzip body: {e}"))
            })?;
            &inflated
        }
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::MalformedRequest,
                format!("content encoding {} is not supported; use gzip", String::from_utf8_lossy(other)),
            ));
        }
    };
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, e.to_string()))
}

/// A request body that states its protocol version.
trait Versioned: serde::de::DeserializeOwned {
    fn protocol(&self) -> u32;
}

impl Versioned for PushRequest {
    fn protocol(&self) -> u32 {
        self.protocol
    }
}

impl Versioned for PullRequest {
    fn protocol(&self) -> u32 {
        self.protocol
    }
}

impl Versioned for PlanUploadRequest {
    fn protocol(&self) -> u32 {
        self.protocol
    }
}

impl Versioned for FeedbackPushRequest {
    fn protocol(&self) -> u32 {
        self.protocol
    }
}

/// Parses a request and refuses a protocol version this server cannot serve.
fn parse_versioned<T: Versioned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ApiError> {
    let request: T = parse(headers, body)?;
    check_version(request.protocol())?;
    Ok(request)
}

/// JSON, gzip'd when the laptop accepts it and it is worth it.
fn reply<T: serde::Serialize>(headers: &HeaderMap, value: &T) -> Result<Response, ApiError> {
    let json = serde_json::to_vec(value)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, e.to_string()))?;
    let accepts_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let mut response = if accepts_gzip && json.len() >= COMPRESS_FROM_BYTES {
        let mut response = fieldkit_protocol::gzip::deflate(&json).into_response();
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        json.into_response()
    };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

async fn push<S: Backend>(
    State(api): State<Arc<Api<S>>>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let request: PushRequest = parse_versioned(&headers, &body)?;
    if request.records.len() > MAX_BATCH_RECORDS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("at most {MAX_BATCH_RECORDS} records per push"),
        ));
    }
    let count = request.records.len();
    let results = api.storage.push(&device, request.records).await?;
    tracing::info!(device = %device, records = count, bytes = body.len(), "push committed");
    reply(&headers, &PushResponse { protocol: PROTOCOL_VERSION, results })
}

async fn pull<S: Backend>(
    State(api): State<Arc<Api<S>>>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let request: PullRequest = parse_versioned(&headers, &body)?;
    let limit = request.limit.clamp(1, MAX_PULL_EVENTS);
    let (events, more) = api.storage.pull(&device, request.cursor, limit).await?;
    let cursor = events.last().map(|e| e.seq).unwrap_or(request.cursor);
    let response = PullResponse {
        protocol: PROTOCOL_VERSION,
        cursor,
        events: events.into_iter().map(|e| e.event).collect(),
        more,
    };
    reply(&headers, &response)
}

/// Most plans one upload may carry (a centre plans a handful at a time).
const MAX_PLANS_PER_UPLOAD: usize = 50;

async fn upload_plans<S: Backend>(
    State(api): State<Arc<Api<S>>>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let request: PlanUploadRequest = parse_versioned(&headers, &body)?;
    if request.plans.len() > MAX_PLANS_PER_UPLOAD {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("at most {MAX_PLANS_PER_UPLOAD} plans per upload"),
        ));
    }
    let now = time::OffsetDateTime::now_utc();
    // Always the newest: one may have been published a moment ago, by the CLI or another node.
    let catalogue = api.catalogue.get(&*api.storage, now, time::Duration::ZERO).await.map_err(|e| match e {
        service::ServiceError::Storage(e) => ApiError::from(e),
        e => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, e.to_string()),
    })?;
    let mut results = Vec::with_capacity(request.plans.len());
    for plan in request.plans {
        let (id, revision) = (plan.id, plan.revision);
        let outcome = match publish::check_plan(&plan, &catalogue, now) {
            Err(reason) => fieldkit_protocol::PlanOutcome::Refused { reason },
            Ok(()) => api.storage.keep_plan(&device, plan, now).await?,
        };
        tracing::info!(device = %device, plan = %id, revision, ?outcome, "plan upload");
        results.push(PlanResult { id, revision, outcome });
    }
    reply(&headers, &PlanUploadResponse { protocol: PROTOCOL_VERSION, results })
}

async fn push_feedback<S: Backend>(
    State(api): State<Arc<Api<S>>>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let request: FeedbackPushRequest = parse_versioned(&headers, &body)?;
    if request.feedback.len() > MAX_BATCH_RECORDS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("at most {MAX_BATCH_RECORDS} feedback records per push"),
        ));
    }
    for record in &request.feedback {
        let bad_rating = record.satisfaction.is_some_and(|r| !(1..=5).contains(&r));
        let no_consent = record.complaint.as_ref().is_some_and(|c| !c.consent);
        if bad_rating || no_consent {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::MalformedRequest,
                format!("feedback {}: a rating must be 1 to 5 and a complaint needs the citizen's consent", record.id),
            ));
        }
    }
    let stored = api.storage.push_feedback(&device, request.feedback, time::OffsetDateTime::now_utc()).await?;
    reply(&headers, &FeedbackPushResponse { protocol: PROTOCOL_VERSION, stored })
}
