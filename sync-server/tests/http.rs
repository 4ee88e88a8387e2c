//! The HTTP edge in process (no sockets): version checks, shapes, identity from the connection's
//! certificate through the device registry, compression, and push/pull wired to storage. The TLS
//! layer that attaches the certificate is tested end to end (tests/sync_tls.rs).

use axum::Extension;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use fieldkit_protocol::{
    ApplicationRecord, Decision, ErrorBody, ErrorCode, Event, PROTOCOL_VERSION, PullResponse, PushOutcome,
    PushResponse, paths,
};
use http_body_util::BodyExt;
use huduma_sync::service::{Actor, devices};
use huduma_sync::storage::Storage;
use huduma_sync::storage::sqlite::SqliteStorage;
use huduma_sync::{ClientCertificate, app};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

fn test_actor() -> Actor {
    Actor::cli(Some("test"))
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

struct Server {
    _dir: tempfile::TempDir,
    storage: Arc<SqliteStorage>,
}

impl Server {
    fn new() -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = Arc::new(SqliteStorage::open(&dir.path().join("sync.db")).expect("open"));
        Server { _dir: dir, storage }
    }

    /// A server where `laptop-a` is enrolled with the certificate [`fingerprint`]`("laptop-a")`.
    async fn with_laptop() -> Server {
        let server = Server::new();
        devices::enrol(&*server.storage, &test_actor(), "laptop-a", &fingerprint("laptop-a"), now())
            .await
            .expect("enrol");
        server
    }

    /// Sends `body` to `path` over a connection whose client certificate is `cert` (a name
    /// standing for a certificate), or over no mutual TLS at all.
    async fn post(&self, cert: Option<&str>, path: &str, body: &str) -> (StatusCode, Value) {
        let request = Request::post(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        let (status, _, bytes) = self.send(cert, request).await;
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn send(&self, cert: Option<&str>, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut router = app(Arc::clone(&self.storage));
        if let Some(cert) = cert {
            router = router.layer(Extension(ClientCertificate(fingerprint(cert))));
        }
        let response = router.oneshot(request).await.expect("response");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes().to_vec();
        (parts.status, parts.headers, bytes)
    }
}

/// A stand-in fingerprint for the certificate called `name`.
fn fingerprint(name: &str) -> String {
    format!("{:0>64}", name.bytes().map(|b| format!("{b:02x}")).collect::<String>())
}

fn record(n: u32) -> ApplicationRecord {
    ApplicationRecord::new(
        uuid::Uuid::now_v7(),
        1,
        1,
        "sha.member-registration",
        format!("K7QM-{n:06}-X"),
        json!({ "n": n }),
    )
}

fn push_body(records: &[ApplicationRecord]) -> String {
    json!({ "protocol": PROTOCOL_VERSION, "records": records }).to_string()
}

fn error_code(body: &Value) -> ErrorCode {
    serde_json::from_value::<ErrorBody>(body.clone()).expect("error body").code
}

#[tokio::test]
async fn a_push_is_committed_and_acknowledged_per_record() {
    let server = Server::with_laptop().await;
    let records = [record(1), record(2)];
    let (status, body) = server.post(Some("laptop-a"), paths::PUSH, &push_body(&records)).await;
    assert_eq!(status, StatusCode::OK);
    let response: PushResponse = serde_json::from_value(body).expect("push response");
    assert!(response.results.iter().all(|r| r.outcome == PushOutcome::Stored));
    let (_, again) = server.post(Some("laptop-a"), paths::PUSH, &push_body(&records)).await;
    let again: PushResponse = serde_json::from_value(again).expect("push response");
    assert!(again.results.iter().all(|r| r.outcome == PushOutcome::AlreadyStored));
    assert_eq!(server.storage.count().await.expect("count"), 2);
}

#[tokio::test]
async fn without_a_device_identity_nothing_is_served() {
    let server = Server::with_laptop().await;
    let (status, body) = server.post(None, paths::PUSH, &push_body(&[record(1)])).await;
    assert_eq!((status, error_code(&body)), (StatusCode::UNAUTHORIZED, ErrorCode::UnknownDevice));
    assert_eq!(server.storage.count().await.expect("count"), 0);
}

#[tokio::test]
async fn a_certificate_not_in_the_registry_is_refused() {
    let server = Server::with_laptop().await;
    let (status, body) = server.post(Some("laptop-z"), paths::PUSH, &push_body(&[record(1)])).await;
    assert_eq!((status, error_code(&body)), (StatusCode::UNAUTHORIZED, ErrorCode::UnknownDevice));
    assert_eq!(server.storage.count().await.expect("count"), 0);
}

#[tokio::test]
async fn a_revoked_laptop_is_refused_from_its_next_request() {
    let server = Server::with_laptop().await;
    let (status, _) = server.post(Some("laptop-a"), paths::PUSH, &push_body(&[record(1)])).await;
    assert_eq!(status, StatusCode::OK);
    devices::revoke(&*server.storage, &test_actor(), "laptop-a", now()).await.expect("revoke");
    let (status, body) = server.post(Some("laptop-a"), paths::PUSH, &push_body(&[record(2)])).await;
    assert_eq!((status, error_code(&body)), (StatusCode::FORBIDDEN, ErrorCode::Revoked));
    let pull = json!({ "protocol": PROTOCOL_VERSION, "cursor": 0, "limit": 10 }).to_string();
    let (status, _) = server.post(Some("laptop-a"), paths::PULL, &pull).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(server.storage.count().await.expect("count"), 1);
}

#[tokio::test]
async fn gzip_bodies_are_accepted_and_replies_compressed_when_asked() {
    let server = Server::with_laptop().await;
    let records: Vec<_> = (0..50).map(record).collect();
    let packed = fieldkit_protocol::gzip::deflate(push_body(&records).as_bytes());
    let request = Request::post(paths::PUSH)
        .header("content-encoding", "gzip")
        .header("accept-encoding", "gzip")
        .body(Body::from(packed))
        .expect("request");
    let (status, headers, bytes) = server.send(Some("laptop-a"), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("content-encoding").map(|v| v.as_bytes()), Some(&b"gzip"[..]));
    let text = fieldkit_protocol::gzip::inflate(&bytes, 1 << 20).expect("inflate");
    let response: PushResponse = serde_json::from_slice(&text).expect("push response");
    assert_eq!(response.results.len(), 50);
    assert_eq!(server.storage.count().await.expect("count"), 50);
}

#[tokio::test]
async fn a_gzip_bomb_or_unknown_encoding_changes_nothing() {
    let server = Server::with_laptop().await;
    let bomb = fieldkit_protocol::gzip::deflate(&vec![b' '; fieldkit_protocol::MAX_BODY_BYTES + 1]);
    let request = Request::post(paths::PUSH).header("content-encoding", "gzip").body(Body::from(bomb)).expect("req");
    let (status, _, bytes) = server.send(Some("laptop-a"), request).await;
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest));
    assert!(body["message"].as_str().expect("message").contains("inflates to more than"), "{body}");
    let request = Request::post(paths::PUSH).header("content-encoding", "br").body(Body::from("x")).expect("req");
    let (status, _, _) = server.send(Some("laptop-a"), request).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(server.storage.count().await.expect("count"), 0);
}

#[tokio::test]
async fn an_unsupported_protocol_version_is_refused_clearly() {
    let server = Server::with_laptop().await;
    let body = json!({ "protocol": PROTOCOL_VERSION + 1, "records": [record(1)] }).to_string();
    let (status, body) = server.post(Some("laptop-a"), paths::PUSH, &body).await;
    assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, ErrorCode::UnsupportedProtocol));
    assert!(body["message"].as_str().expect("message").contains("this server speaks 1..=1"));
    assert_eq!(server.storage.count().await.expect("count"), 0);
}

#[tokio::test]
async fn malformed_and_oversized_requests_change_nothing() {
    let server = Server::with_laptop().await;
    for body in ["", "{", r#"{"protocol":1}"#, r#"{"protocol":1,"records":[],"x":1}"#] {
        let (status, reply) = server.post(Some("laptop-a"), paths::PUSH, body).await;
        assert_eq!((status, error_code(&reply)), (StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest), "{body}");
    }
    let many: Vec<_> = (0..501).map(record).collect();
    let (status, reply) = server.post(Some("laptop-a"), paths::PUSH, &push_body(&many)).await;
    assert_eq!((status, error_code(&reply)), (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge));
    assert_eq!(server.storage.count().await.expect("count"), 0);
}

#[tokio::test]
async fn decisions_are_pulled_by_cursor() {
    let server = Server::with_laptop().await;
    devices::enrol(&*server.storage, &test_actor(), "laptop-b", &fingerprint("laptop-b"), now())
        .await
        .expect("enrol b");
    let records: Vec<_> = (1..=3).map(record).collect();
    server.post(Some("laptop-a"), paths::PUSH, &push_body(&records)).await;
    for r in &records {
        server.storage.decide(r.id, 1, Decision::Accepted).await.expect("decide");
    }
    let pull = |cursor: u64| json!({ "protocol": PROTOCOL_VERSION, "cursor": cursor, "limit": 2 }).to_string();
    let (status, body) = server.post(Some("laptop-a"), paths::PULL, &pull(0)).await;
    assert_eq!(status, StatusCode::OK);
    let first: PullResponse = serde_json::from_value(body).expect("pull");
    assert_eq!((first.events.len(), first.more), (2, true));
    let (_, body) = server.post(Some("laptop-a"), paths::PULL, &pull(first.cursor)).await;
    let second: PullResponse = serde_json::from_value(body).expect("pull");
    assert_eq!((second.events.len(), second.more), (1, false));
    let seen: Vec<uuid::Uuid> = first
        .events
        .iter()
        .chain(&second.events)
        .map(|e| match e {
            Event::Review { application_id, .. } => *application_id,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(seen, records.iter().map(|r| r.id).collect::<Vec<_>>());
    let (_, body) = server.post(Some("laptop-b"), paths::PULL, &pull(0)).await;
    let other: PullResponse = serde_json::from_value(body).expect("pull");
    assert!(other.events.is_empty(), "another laptop sees none of them");
}
