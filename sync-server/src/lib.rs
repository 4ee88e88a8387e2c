//! `huduma-sync`: the server Field Kit laptops sync with.
//!
//! The HTTP edge ([`app`]) only translates: it checks the protocol version and the request's
//! shape, takes the device's identity from the connection (never from a header: the TLS layer
//! puts an [`AuthenticatedDevice`] on each request), and delegates to a [`storage::Storage`].

pub mod storage;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use fieldkit_protocol::{
    ErrorBody, ErrorCode, MAX_BATCH_RECORDS, MAX_BODY_BYTES, PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest,
    PushResponse, is_supported, paths,
};
use std::sync::Arc;
use storage::{Storage, StorageError};

/// Largest `limit` a pull may ask for.
pub const MAX_PULL_EVENTS: u32 = 1000;

/// The device a request came from, as proven by its client certificate. Inserted by the TLS
/// acceptor for every request on a connection; absent means "not authenticated".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedDevice(pub String);

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

/// The server's routes over `storage`.
pub fn app<S: Storage>(storage: Arc<S>) -> Router {
    Router::new()
        .route(paths::HEALTH, get(health))
        .route(paths::PUSH, post(push::<S>))
        .route(paths::PULL, post(pull::<S>))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(storage)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "protocol": PROTOCOL_VERSION }))
}

fn device(device: Option<Extension<AuthenticatedDevice>>) -> Result<String, ApiError> {
    device
        .map(|Extension(AuthenticatedDevice(id))| id)
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::UnknownDevice, "no device certificate"))
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
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, e.to_string()))
}

async fn push<S: Storage>(
    State(storage): State<Arc<S>>,
    device_ext: Option<Extension<AuthenticatedDevice>>,
    body: axum::body::Bytes,
) -> Result<Json<PushResponse>, ApiError> {
    let device = device(device_ext)?;
    let request: PushRequest = parse(&body)?;
    check_version(request.protocol)?;
    if request.records.len() > MAX_BATCH_RECORDS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("at most {MAX_BATCH_RECORDS} records per push"),
        ));
    }
    let count = request.records.len();
    let results = storage.push(&device, request.records).await?;
    tracing::info!(device = %device, records = count, "push committed");
    Ok(Json(PushResponse { protocol: PROTOCOL_VERSION, results }))
}

async fn pull<S: Storage>(
    State(storage): State<Arc<S>>,
    device_ext: Option<Extension<AuthenticatedDevice>>,
    body: axum::body::Bytes,
) -> Result<Json<PullResponse>, ApiError> {
    let device = device(device_ext)?;
    let request: PullRequest = parse(&body)?;
    check_version(request.protocol)?;
    let limit = request.limit.clamp(1, MAX_PULL_EVENTS);
    let (events, more) = storage.pull(&device, request.cursor, limit).await?;
    let cursor = events.last().map(|e| e.seq).unwrap_or(request.cursor);
    Ok(Json(PullResponse {
        protocol: PROTOCOL_VERSION,
        cursor,
        events: events.into_iter().map(|e| e.event).collect(),
        more,
    }))
}
