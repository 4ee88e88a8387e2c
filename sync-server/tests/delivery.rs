//! The outbound adapter against real HTTPS endpoints: a local server with a certificate from a
//! test CA (rcgen through `huduma_sync::pki`), served by axum over tokio-rustls, that records
//! every request and answers from a script. Storage is SQLite in a temporary directory; times
//! are passed explicitly, so retries are scheduled without waiting.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use fieldkit_domain::catalogue::Catalogue;
use fieldkit_protocol::{ApplicationRecord, Decision};
use huduma_sync::console::delivery::{Deliverer, DeliveryError, Endpoint, MAX_ATTEMPTS, Round};
use huduma_sync::console::export::export_record;
use huduma_sync::pki;
use huduma_sync::service::Actor;
use huduma_sync::service::review::{self, Reviewer};
use huduma_sync::storage::Storage;
use huduma_sync::storage::review::{DecideOutcome, DeliveryAttempt, ReviewStorage};
use huduma_sync::storage::sqlite::SqliteStorage;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use uuid::Uuid;

const SHA: &str = "sha.member-registration";
const NATIONAL_ID: &str = "national-id.first-issue";
/// 2026-11-20 06:00 UTC.
const NOW: i64 = 1_795_154_400;
const TOKEN: &str = "sha-outbound-token";

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).expect("time")
}

/// One answer of a scripted endpoint: a status and extra headers.
#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
}

fn reply(status: u16) -> Reply {
    Reply { status, headers: Vec::new() }
}

fn reply_after(status: u16, retry_after: u32) -> Reply {
    Reply { status, headers: vec![("retry-after", retry_after.to_string())] }
}

/// A request as the endpoint received it.
#[derive(Debug, Clone)]
struct Seen {
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    received: Arc<tokio::sync::Notify>,
}

async fn answer(State(script): State<Script>, headers: HeaderMap, body: Bytes) -> Response {
    script.seen.lock().expect("lock").push(Seen { headers, body: body.to_vec() });
    script.received.notify_one();
    let next = script.replies.lock().expect("lock").pop_front().unwrap_or_else(|| reply(500));
    let mut response_headers = HeaderMap::new();
    for (name, value) in next.headers {
        response_headers.insert(HeaderName::from_static(name), HeaderValue::from_str(&value).expect("header"));
    }
    let status = StatusCode::from_u16(next.status).expect("status");
    (status, response_headers, "{\"ok\":true}").into_response()
}

/// A CA in its own directory, with a server certificate for 127.0.0.1.
struct TestCa {
    dir: tempfile::TempDir,
}

impl TestCa {
    fn new(name: &str) -> TestCa {
        let dir = tempfile::tempdir().expect("tempdir");
        pki::init_ca(dir.path(), name).expect("ca");
        pki::issue_server_cert(dir.path(), &["127.0.0.1".to_string()]).expect("server certificate");
        TestCa { dir }
    }

    fn ca_file(&self) -> PathBuf {
        self.dir.path().join(pki::CA_CERT)
    }
}

/// A scripted MDA system over HTTPS on 127.0.0.1.
struct MdaSystem {
    url: String,
    script: Script,
    /// TCP connections accepted (whether or not TLS then succeeded).
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MdaSystem {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MdaSystem {
    async fn start(ca: &TestCa, replies: Vec<Reply>) -> MdaSystem {
        MdaSystem::start_with(ca, replies, &[&rustls::version::TLS13]).await
    }

    async fn start_with(
        ca: &TestCa,
        replies: Vec<Reply>,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> MdaSystem {
        let tls = server_tls(ca.dir.path(), versions);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let script = Script { replies: Arc::new(Mutex::new(replies.into())), ..Script::default() };
        let router = axum::Router::new().route("/intake/applications", post(answer)).with_state(script.clone());
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        let acceptor = TlsAcceptor::from(tls);
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                let (acceptor, router) = (acceptor.clone(), router.clone());
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(tcp).await else { return };
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router))
                        .await;
                });
            }
        });
        MdaSystem { url: format!("https://127.0.0.1:{port}/intake/applications"), script, connections, task }
    }

    fn seen(&self) -> Vec<Seen> {
        self.script.seen.lock().expect("lock").clone()
    }

    fn endpoint(&self, mda: &str, ca: &TestCa, token: Option<&str>) -> Endpoint {
        Endpoint {
            mda: mda.into(),
            url: self.url.clone(),
            ca_file: ca.ca_file(),
            bearer_token: token.map(str::to_string),
        }
    }
}

fn server_tls(dir: &Path, versions: &[&'static rustls::SupportedProtocolVersion]) -> Arc<rustls::ServerConfig> {
    let chain = huduma_sync::tls::load_certs(&dir.join(pki::SERVER_CERT)).expect("chain");
    let key = huduma_sync::tls::load_key(&dir.join(pki::SERVER_KEY)).expect("key");
    let mut config = rustls::ServerConfig::builder_with_provider(huduma_sync::tls::provider())
        .with_protocol_versions(versions)
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// The review side: SQLite in a temporary directory and the built-in catalogue.
struct Review {
    _dir: tempfile::TempDir,
    storage: Arc<SqliteStorage>,
    catalogue: Catalogue,
}

impl Review {
    fn new() -> Review {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = Arc::new(SqliteStorage::open(&dir.path().join("sync.db")).expect("open"));
        Review { _dir: dir, storage, catalogue: Catalogue::built_in().expect("catalogue") }
    }

    fn services_of(&self, mda: &str) -> Vec<String> {
        self.catalogue.services.iter().filter(|s| s.mda == mda).map(|s| s.id.clone()).collect()
    }

    /// Pushes application `n` for `service` from laptop K7QM and accepts it at `decided`.
    async fn accepted(&self, n: u32, service: &str, decided: i64) -> Uuid {
        let id = Uuid::from_u128(0x0190_f000_0000_7000_8000_0000_0000_0000 + u128::from(n));
        let body = json!({
            "application": {
                "id": id, "reference": reference(n), "service_id": service, "revision": 1,
                "created_at": decided - 3600,
                "form": {
                    "id_number": "12345678", "surname": "Wanjiru", "given_names": "Achieng Mary",
                    "date_of_birth": "1990-04-01", "sex": "female", "phone": "+254712345678",
                },
            },
            "citizen": {
                "id_number": "12345678", "surname": "Wanjiru", "given_names": "Achieng Mary",
                "date_of_birth": "1990-04-01", "sex": "female", "phone": "+254712345678",
                "kra_pin": "A123456789Z", "sub_county": "Kangema", "registered_by": "HC-0001",
            },
        });
        let record = ApplicationRecord::new(id, 1, self.catalogue.version, service, reference(n), body);
        self.storage.push("K7QM", vec![record]).await.expect("push");
        let mda = self.catalogue.service(service).expect("service").mda.clone();
        let reviewer = Reviewer::new(Actor::account("achieng.tech"), &self.services_of(&mda), &mda);
        let outcomes = review::decide(&*self.storage, &reviewer, vec![(id, 1, Decision::Accepted)], at(decided))
            .await
            .expect("decide");
        assert_eq!(outcomes, [DecideOutcome::Decided]);
        id
    }

    async fn log(&self, mda: &str) -> Vec<DeliveryAttempt> {
        self.storage.delivery_log(mda, 100).await.expect("log")
    }

    fn deliverer(&self, endpoints: Vec<Endpoint>) -> Deliverer<SqliteStorage> {
        Deliverer::new(Arc::clone(&self.storage), endpoints).expect("deliverer")
    }
}

fn reference(n: u32) -> String {
    format!("K7QM-{n:06}-X")
}

fn round(delivered: u32, retrying: u32, failed: u32) -> Round {
    Round { delivered, retrying, failed }
}

/// (attempt, outcome, status) of each log line, newest first.
fn shape(log: &[DeliveryAttempt]) -> Vec<(u32, &str, Option<u16>)> {
    log.iter().map(|a| (a.attempt, a.outcome.as_str(), a.status)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_outages_then_delivered_once_with_one_idempotency_key() {
    let ca = TestCa::new("SHA test CA");
    let sha = MdaSystem::start(&ca, vec![reply(503), reply(503), reply(201)]).await;
    let review = Review::new();
    let id = review.accepted(1, SHA, NOW).await;
    let deliverer = review.deliverer(vec![sha.endpoint("sha", &ca, Some(TOKEN))]);

    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW)).await.expect("round 1"), round(0, 1, 0));
    // Not due again before the backoff (30 s) has passed.
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW + 29)).await.expect("early"), Round::default());
    assert_eq!(sha.seen().len(), 1);
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW + 30)).await.expect("round 2"), round(0, 1, 0));
    // The second wait is 60 s.
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW + 89)).await.expect("early"), Round::default());
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW + 90)).await.expect("round 3"), round(1, 0, 0));
    // Delivered is done: nothing more is ever sent.
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW + 100_000)).await.expect("later"), Round::default());

    let seen = sha.seen();
    assert_eq!(seen.len(), 3, "three attempts, no more");
    let item = review.storage.review_item(&review.services_of("sha"), id, 1).await.expect("read").expect("item");
    let expected = export_record(&item, &review.catalogue);
    for request in &seen {
        assert_eq!(request.header("idempotency-key"), Some(format!("{id}.1").as_str()));
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        assert_eq!(request.json(), expected, "the body is the export record");
    }
    let body = seen[0].json();
    assert_eq!(body["reference"], reference(1));
    assert_eq!(body["mda"], "sha");
    assert_eq!(body["answers"]["surname"], "Wanjiru");
    assert_eq!(body["answers"]["phone"], "+254712345678");
    let applicant = body["applicant"].as_object().expect("applicant");
    let mut keys: Vec<&str> = applicant.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["date_of_birth", "given_names", "id_number", "kra_pin", "phone", "sex", "surname"]);
    assert!(!applicant.contains_key("sub_county") && !applicant.contains_key("registered_by"), "minimised");

    let log = review.log("sha").await;
    assert_eq!(shape(&log), [(3, "delivered", Some(201)), (2, "retrying", Some(503)), (1, "retrying", Some(503))]);
    assert_eq!(log[2].error.as_deref(), Some("the SHA endpoint answered 503 Service Unavailable"));
    assert_eq!(log[0].error, None);
    assert!(log.iter().all(|a| a.reference == reference(1) && a.application_id == id));
    for attempt in &log {
        let error = attempt.error.as_deref().unwrap_or_default();
        assert!(!error.contains("Wanjiru") && !error.contains("12345678"), "no payload in the log: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_fails_for_good_after_one_attempt() {
    let ca = TestCa::new("SHA test CA");
    let sha = MdaSystem::start(&ca, vec![reply(400), reply(201)]).await;
    let review = Review::new();
    review.accepted(1, SHA, NOW).await;
    let deliverer = review.deliverer(vec![sha.endpoint("sha", &ca, None)]);

    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW)).await.expect("round"), round(0, 0, 1));
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW + 100_000)).await.expect("later"), Round::default());
    let seen = sha.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("authorization"), None, "no token configured, none sent");
    let log = review.log("sha").await;
    assert_eq!(shape(&log), [(1, "failed", Some(400))]);
    assert_eq!(log[0].error.as_deref(), Some("the SHA endpoint answered 400 Bad Request"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_whose_certificate_another_ca_signed_never_gets_the_payload() {
    let trusted = TestCa::new("SHA test CA");
    // A CA with the same name as the trusted one (but its own key), and a stranger.
    for impostor_name in ["SHA test CA", "Some other CA"] {
        let impostor_ca = TestCa::new(impostor_name);
        let impostor = MdaSystem::start(&impostor_ca, vec![reply(201)]).await;
        let review = Review::new();
        review.accepted(1, SHA, NOW).await;
        // The impostor's URL, but the CA configured for SHA.
        let deliverer = review.deliverer(vec![impostor.endpoint("sha", &trusted, Some(TOKEN))]);

        assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW)).await.expect("round"), round(0, 1, 0));
        assert!(impostor.connections.load(Ordering::SeqCst) >= 1, "it was reached");
        assert!(impostor.seen().is_empty(), "TLS refused it: no request, no payload, no token");
        let log = review.log("sha").await;
        assert_eq!(shape(&log), [(1, "retrying", None)]);
        let error = log[0].error.as_deref().expect("error");
        assert_eq!(
            error, "the SHA endpoint's TLS certificate is not signed by the CA configured for it; nothing was sent",
            "{impostor_name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_for_an_mda_without_an_endpoint_stay_queued_and_untouched() {
    let ca = TestCa::new("SHA test CA");
    let sha = MdaSystem::start(&ca, vec![reply(201)]).await;
    let review = Review::new();
    let nrb_job = review.accepted(1, NATIONAL_ID, NOW).await;
    review.accepted(2, SHA, NOW).await;
    let deliverer = review.deliverer(vec![sha.endpoint("sha", &ca, None)]);
    assert_eq!(deliverer.mdas(), ["sha"]);

    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW)).await.expect("round"), round(1, 0, 0));
    assert_eq!(sha.seen().len(), 1);
    assert_eq!(sha.seen()[0].json()["reference"], reference(2), "only SHA's application went to SHA");
    assert!(review.log("nrb").await.is_empty(), "no attempt logged for NRB");
    // NRB's job is still due now, with no attempt counted and no lease taken.
    let jobs = review.storage.claim_deliveries(&["nrb".to_string()], NOW, 60, 10).await.expect("claim");
    assert_eq!(jobs.iter().map(|j| (j.application_id, j.attempts)).collect::<Vec<_>>(), [(nrb_job, 0)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_when_longer_than_the_backoff() {
    let ca = TestCa::new("SHA test CA");
    let sha = MdaSystem::start(&ca, vec![reply_after(503, 600), reply_after(429, 5), reply(202)]).await;
    let review = Review::new();
    review.accepted(1, SHA, NOW).await;
    let deliverer = review.deliverer(vec![sha.endpoint("sha", &ca, None)]);

    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW)).await.expect("round 1"), round(0, 1, 0));
    // 600 s asked for, longer than the first backoff (30 s).
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW + 599)).await.expect("early"), Round::default());
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW + 600)).await.expect("round 2"), round(0, 1, 0));
    // 5 s asked for, shorter than the second backoff (60 s): the backoff stands.
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW + 659)).await.expect("early"), Round::default());
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW + 660)).await.expect("round 3"), round(1, 0, 0));
    assert_eq!(sha.seen().len(), 3);
    let log = review.log("sha").await;
    assert_eq!(shape(&log), [(3, "delivered", Some(202)), (2, "retrying", Some(429)), (1, "retrying", Some(503))]);
    assert_eq!(log[1].error.as_deref(), Some("the SHA endpoint answered 429 Too Many Requests"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_that_lasts_is_given_up_after_eight_attempts() {
    let ca = TestCa::new("SHA test CA");
    let sha = MdaSystem::start(&ca, vec![reply(502); MAX_ATTEMPTS as usize + 1]).await;
    let review = Review::new();
    review.accepted(1, SHA, NOW).await;
    let deliverer = review.deliverer(vec![sha.endpoint("sha", &ca, None)]);

    for attempt in 1..MAX_ATTEMPTS {
        let now = NOW + i64::from(attempt - 1) * 10_000;
        assert_eq!(deliverer.deliver_due(&review.catalogue, at(now)).await.expect("round"), round(0, 1, 0));
    }
    let last = NOW + i64::from(MAX_ATTEMPTS) * 10_000;
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(last)).await.expect("round"), round(0, 0, 1));
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(last * 2)).await.expect("later"), Round::default());
    assert_eq!(sha.seen().len(), MAX_ATTEMPTS as usize);
    let log = review.log("sha").await;
    assert_eq!(log.len(), MAX_ATTEMPTS as usize);
    assert_eq!(shape(&log[..1]), [(MAX_ATTEMPTS, "failed", Some(502))]);
    assert_eq!(log[0].error.as_deref(), Some("the SHA endpoint answered 502 Bad Gateway; gave up after 8 attempts"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_endpoint_speaking_only_tls_1_2_is_delivered_to() {
    let ca = TestCa::new("SHA test CA");
    let sha = MdaSystem::start_with(&ca, vec![reply(200)], &[&rustls::version::TLS12]).await;
    let review = Review::new();
    review.accepted(1, SHA, NOW).await;
    let deliverer = review.deliverer(vec![sha.endpoint("sha", &ca, None)]);
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW)).await.expect("round"), round(1, 0, 0));
    assert_eq!(sha.seen().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_is_down_is_retried_with_the_cause_in_words() {
    let ca = TestCa::new("SHA test CA");
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("address").port();
    let review = Review::new();
    review.accepted(1, SHA, NOW).await;
    let endpoint = Endpoint {
        mda: "sha".into(),
        url: format!("https://127.0.0.1:{port}/intake"),
        ca_file: ca.ca_file(),
        bearer_token: None,
    };
    let deliverer = review.deliverer(vec![endpoint]);
    assert_eq!(deliverer.deliver_due(&review.catalogue, at(NOW)).await.expect("round"), round(0, 1, 0));
    let log = review.log("sha").await;
    assert_eq!(shape(&log), [(1, "retrying", None)]);
    let error = log[0].error.as_deref().expect("error");
    assert!(error.starts_with("could not connect: "), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_delivers_when_woken_and_stops_on_shutdown() {
    let ca = TestCa::new("SHA test CA");
    let sha = MdaSystem::start(&ca, vec![reply(201)]).await;
    let review = Review::new();
    let deliverer = review.deliverer(vec![sha.endpoint("sha", &ca, None)]);
    let wake = Arc::new(tokio::sync::Notify::new());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let catalogue = Arc::new(review.catalogue.clone());
    let current = move || {
        let catalogue = Arc::clone(&catalogue);
        async move { Some(catalogue) }
    };
    let running = tokio::spawn(deliverer.run(current, Arc::clone(&wake), async move {
        let _ = stopped.await;
    }));

    // A decision made now (real time) and the wake the console sends after it.
    review.accepted(1, SHA, OffsetDateTime::now_utc().unix_timestamp()).await;
    wake.notify_one();
    // Well before the 15 s tick.
    tokio::time::timeout(Duration::from_secs(10), sha.script.received.notified()).await.expect("delivered promptly");
    // The endpoint has answered; the attempt is recorded right after (each check is a database
    // read, so this loop waits on the database, not on a timer).
    let logged = async {
        loop {
            let log = review.log("sha").await;
            if !log.is_empty() {
                return log;
            }
            tokio::task::yield_now().await;
        }
    };
    let log = tokio::time::timeout(Duration::from_secs(10), logged).await.expect("recorded");
    assert_eq!(shape(&log), [(1, "delivered", Some(201))]);
    stop.send(()).expect("stop");
    tokio::time::timeout(Duration::from_secs(10), running).await.expect("stopped").expect("no panic");
    assert_eq!(sha.seen().len(), 1);
}

#[test]
fn endpoints_are_checked_before_anything_is_contacted() {
    let ca = TestCa::new("SHA test CA");
    let review = Review::new();
    let endpoint = |url: &str, ca_file: PathBuf| Endpoint {
        mda: "sha".into(),
        url: url.into(),
        ca_file,
        bearer_token: Some(TOKEN.into()),
    };
    let refused =
        |endpoints: Vec<Endpoint>| Deliverer::new(Arc::clone(&review.storage), endpoints).expect_err("refused");
    assert!(matches!(
        refused(vec![endpoint("http://127.0.0.1:8080/intake", ca.ca_file())]),
        DeliveryError::NotHttps { .. }
    ));
    assert!(matches!(refused(vec![endpoint("not a url", ca.ca_file())]), DeliveryError::BadUrl { .. }));
    let credentials = refused(vec![endpoint("https://user:pw@sha.example/intake", ca.ca_file())]);
    assert!(matches!(credentials, DeliveryError::BadUrl { .. }), "{credentials}");
    assert!(!format!("{credentials} {credentials:?}").contains("pw@"), "the password is not repeated");
    let missing = refused(vec![endpoint("https://sha.example/intake", ca.dir.path().join("missing.pem"))]);
    assert!(matches!(missing, DeliveryError::Ca { .. }), "{missing}");
    let not_pem = refused(vec![endpoint("https://sha.example/intake", ca.dir.path().join(pki::IMPORT_KEY))]);
    assert!(matches!(not_pem, DeliveryError::Ca { .. }), "{not_pem}");
    let twice = refused(vec![
        endpoint("https://sha.example/intake", ca.ca_file()),
        endpoint("https://sha.example/other", ca.ca_file()),
    ]);
    assert!(matches!(twice, DeliveryError::DuplicateMda(ref mda) if mda == "sha"), "{twice}");
    let bad_token = refused(vec![Endpoint {
        bearer_token: Some("line\nbreak".into()),
        ..endpoint("https://sha.example/", ca.ca_file())
    }]);
    assert!(matches!(bad_token, DeliveryError::BadToken { .. }), "{bad_token}");
    // The token never shows in debug output.
    let debug = format!("{:?}", endpoint("https://sha.example/", ca.ca_file()));
    assert!(!debug.contains(TOKEN), "{debug}");
}
