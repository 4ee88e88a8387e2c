//! The outbound adapter: every accepted application is delivered to its MDA's own system by an
//! HTTPS POST of its [`export_record`], retried with backoff, each attempt in the delivery log.
//!
//! - One HTTP client per MDA endpoint, trusting only the CA file configured for that endpoint (no
//!   system roots), TLS 1.3 or 1.2 (MDA systems may be older than ours), redirects never
//!   followed (the payload goes only where it was configured to go).
//! - Every attempt of one job carries the same `Idempotency-Key` (`<application id>.<revision>`),
//!   so the MDA's system can drop a repeat: after a lost answer, or a node that died mid-delivery
//!   and whose lease ran out.
//! - 2xx is delivered; 408, 425, 429, 5xx and failures to connect or to agree on TLS are retried
//!   (30 s doubling per attempt, at most 1 h, or longer if the endpoint's `Retry-After` asks)
//!   until [`MAX_ATTEMPTS`]; any other answer fails the job for a person to look at.
//! - What the log says of a failure is in plain words and never quotes the payload or the
//!   endpoint's answer body (which might echo it).
//!
//! Times come in as parameters, so the schedule is tested without waiting.

use crate::console::export::export_record;
use crate::storage::StorageError;
use crate::storage::review::{DeliveryJob, DeliveryResult, ReviewStorage};
use crate::tls::{load_certs, provider};
use fieldkit_domain::catalogue::Catalogue;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// A TCP connection (and TLS handshake) that has not succeeded in this long is a failed attempt.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole-request limit, connection included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long claimed jobs stay hidden from other claimers (other server nodes). A claimed batch is
/// delivered concurrently, so it ends within [`REQUEST_TIMEOUT`], well inside the lease.
pub const LEASE_SECONDS: i64 = 120;
/// Jobs claimed at a time.
pub const CLAIM_LIMIT: u32 = 50;
/// Attempts before a retryable failure is given up for a person to look at.
pub const MAX_ATTEMPTS: u32 = 8;
/// The wait after a job's first failed attempt; it doubles with each further attempt.
pub const FIRST_BACKOFF_SECONDS: i64 = 30;
/// The longest wait the backoff itself reaches.
pub const MAX_BACKOFF_SECONDS: i64 = 3600;
/// The longest `Retry-After` honoured (a day): a larger one is read as this.
pub const MAX_RETRY_AFTER_SECONDS: i64 = 86_400;
/// How often [`Deliverer::run`] looks for due jobs when nothing wakes it.
pub const TICK: Duration = Duration::from_secs(15);

/// Where one MDA's system takes deliveries.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The catalogue's MDA id, e.g. `sha`.
    pub mda: String,
    /// `https://` only.
    pub url: String,
    /// PEM certificates to trust for this endpoint; nothing else is trusted (no system roots).
    pub ca_file: PathBuf,
    /// Sent as `Authorization: Bearer <token>` when set; never shown by `Debug`.
    pub bearer_token: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("mda", &self.mda)
            .field("url", &self.url)
            .field("ca_file", &self.ca_file)
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Why the endpoints could not be set up. Nothing is contacted while setting up.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The URL is not repeated (it might hold a password).
    #[error("the {mda} endpoint's URL is not usable: {message}")]
    BadUrl { mda: String, message: String },
    #[error("the {mda} endpoint's URL must start with https://")]
    NotHttps { mda: String },
    #[error("the CA file for the {mda} endpoint is not usable: {message}")]
    Ca { mda: String, message: String },
    #[error("the bearer token for the {mda} endpoint is not usable in an HTTP header")]
    BadToken { mda: String },
    #[error("the {0} endpoint is configured twice")]
    DuplicateMda(String),
    #[error("could not set up the HTTP client for the {mda} endpoint: {message}")]
    Client { mda: String, message: String },
}

/// What one [`Deliverer::deliver_due`] did, in attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Attempts the MDA's system accepted.
    pub delivered: u32,
    /// Attempts that failed and will be tried again.
    pub retrying: u32,
    /// Attempts that failed for good (refused, or too many attempts).
    pub failed: u32,
}

/// One endpoint, ready to post to.
struct Target {
    mda: String,
    url: Url,
    authorization: Option<HeaderValue>,
    client: reqwest::Client,
}

/// Delivers accepted applications to the MDAs that have an endpoint.
pub struct Deliverer<S> {
    storage: Arc<S>,
    targets: HashMap<String, Arc<Target>>,
}

impl<S> std::fmt::Debug for Deliverer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut endpoints: Vec<(&str, &str)> =
            self.targets.values().map(|t| (t.mda.as_str(), t.url.as_str())).collect();
        endpoints.sort_unstable();
        f.debug_struct("Deliverer").field("endpoints", &endpoints).finish_non_exhaustive()
    }
}

impl<S: ReviewStorage> Deliverer<S> {
    /// Checks every endpoint and builds its client. Nothing is contacted yet.
    pub fn new(storage: Arc<S>, endpoints: Vec<Endpoint>) -> Result<Self, DeliveryError> {
        let mut targets = HashMap::new();
        for endpoint in endpoints {
            let target = target(&endpoint)?;
            if targets.insert(endpoint.mda.clone(), Arc::new(target)).is_some() {
                return Err(DeliveryError::DuplicateMda(endpoint.mda));
            }
        }
        Ok(Deliverer { storage, targets })
    }

    /// The MDAs with an endpoint, sorted.
    pub fn mdas(&self) -> Vec<String> {
        let mut mdas: Vec<String> = self.targets.keys().cloned().collect();
        mdas.sort_unstable();
        mdas
    }

    /// Delivers every job due at `now` for the MDAs with an endpoint, in claimed batches (each
    /// batch concurrently) until none is due, and records each attempt. Jobs of other MDAs are
    /// left queued. Fails only when storage does; attempts recorded before that stand.
    pub async fn deliver_due(&self, catalogue: &Catalogue, now: OffsetDateTime) -> Result<Round, StorageError> {
        let mut round = Round::default();
        if self.targets.is_empty() {
            return Ok(round);
        }
        let mdas = self.mdas();
        let mut services: HashMap<&str, Vec<String>> = HashMap::new();
        for service in &catalogue.services {
            services.entry(service.mda.as_str()).or_default().push(service.id.clone());
        }
        loop {
            let jobs = self.storage.claim_deliveries(&mdas, now.unix_timestamp(), LEASE_SECONDS, CLAIM_LIMIT).await?;
            if jobs.is_empty() {
                return Ok(round);
            }
            let mut posts = JoinSet::new();
            for job in jobs {
                let Some(target) = self.targets.get(&job.mda) else {
                    // Not claimed for, so not ours: its lease runs out and it stays queued.
                    tracing::warn!(mda = %job.mda, "claimed a delivery for an MDA without an endpoint");
                    continue;
                };
                let mda_services = services.get(job.mda.as_str()).map(Vec::as_slice).unwrap_or_default();
                let item = self.storage.review_item(mda_services, job.application_id, job.revision).await?;
                let body = item.map(|item| serde_json::to_vec(&export_record(&item, catalogue)));
                let body = match body {
                    Some(Ok(body)) => body,
                    problem => {
                        let error = match problem {
                            Some(Err(e)) => format!("could not encode the application: {e}"),
                            _ => format!(
                                "the application is not among the {} services of the catalogue in force",
                                label(&job.mda)
                            ),
                        };
                        let result = DeliveryResult::Failed { status: None, error, retry_at: None };
                        count(&mut round, &result);
                        log(&job, &result);
                        self.storage.record_delivery(&job, result, now).await?;
                        continue;
                    }
                };
                let (storage, target) = (Arc::clone(&self.storage), Arc::clone(target));
                posts.spawn(async move {
                    let answer = post(&target, &job, body).await;
                    let result = judge(&job, answer, now.unix_timestamp());
                    log(&job, &result);
                    storage.record_delivery(&job, result.clone(), now).await.map(|()| result)
                });
            }
            let mut failure = None;
            while let Some(joined) = posts.join_next().await {
                match joined {
                    Ok(Ok(result)) => count(&mut round, &result),
                    Ok(Err(e)) => failure = failure.or(Some(e)),
                    Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    // Cancelled: the runtime is shutting down; the lease brings the job back.
                    Err(_) => {}
                }
            }
            if let Some(e) = failure {
                return Err(e);
            }
        }
    }

    /// Delivers due jobs now, then whenever `wake` is notified (use `notify_one`, so a wake
    /// during a round is not lost) and every [`TICK`], until `shutdown` completes.
    ///
    /// `catalogue` is asked for the catalogue in force before each round (the console's cached
    /// `Console::catalogue`, say); `None` (it could not be read) skips that round. Storage
    /// failures are logged and the next round tries again. On shutdown, posts in flight are
    /// abandoned: their jobs come back when the lease runs out and are sent again with the same
    /// idempotency key.
    pub async fn run<C, F>(self, catalogue: C, wake: Arc<Notify>, shutdown: impl Future<Output = ()>)
    where
        C: Fn() -> F,
        F: Future<Output = Option<Arc<Catalogue>>>,
    {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = self.round(&catalogue) => {}
            }
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = wake.notified() => {}
                () = tokio::time::sleep(TICK) => {}
            }
        }
    }

    /// One round of [`Deliverer::run`], at the real time, its outcome logged.
    async fn round<C, F>(&self, catalogue: &C)
    where
        C: Fn() -> F,
        F: Future<Output = Option<Arc<Catalogue>>>,
    {
        if self.targets.is_empty() {
            return;
        }
        let Some(current) = catalogue().await else {
            tracing::warn!("no deliveries this round: the catalogue in force could not be read");
            return;
        };
        match self.deliver_due(&current, OffsetDateTime::now_utc()).await {
            Ok(round) if round != Round::default() => tracing::info!(
                delivered = round.delivered,
                retrying = round.retrying,
                failed = round.failed,
                "delivery round"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "delivery round stopped: storage failed"),
        }
    }
}

/// An endpoint checked and its client built.
fn target(endpoint: &Endpoint) -> Result<Target, DeliveryError> {
    let mda = || endpoint.mda.clone();
    let bad_url = |message: String| DeliveryError::BadUrl { mda: mda(), message };
    let url = Url::parse(&endpoint.url).map_err(|e| bad_url(e.to_string()))?;
    if url.scheme() != "https" {
        return Err(DeliveryError::NotHttps { mda: mda() });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad_url("it names no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad_url("it holds credentials; use bearer_token instead".into()));
    }
    let authorization = match &endpoint.bearer_token {
        None => None,
        Some(token) => {
            let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| DeliveryError::BadToken { mda: mda() })?;
            value.set_sensitive(true);
            Some(value)
        }
    };
    let ca = |message: String| DeliveryError::Ca { mda: mda(), message };
    let mut roots = rustls::RootCertStore::empty();
    for cert in load_certs(&endpoint.ca_file).map_err(|e| ca(e.to_string()))? {
        roots.add(cert).map_err(|e| ca(format!("{}: {e}", endpoint.ca_file.display())))?;
    }
    let client_error = |message: String| DeliveryError::Client { mda: mda(), message };
    let mut tls = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| client_error(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .https_only(true)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("huduma-sync/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| client_error(e.to_string()))?;
    Ok(Target { mda: endpoint.mda.clone(), url, authorization, client })
}

/// How an attempt ended on the wire.
enum Answer {
    Status {
        status: StatusCode,
        retry_after: Option<i64>,
    },
    /// No answer: what went wrong, in words.
    Transport(String),
}

async fn post(target: &Target, job: &DeliveryJob, body: Vec<u8>) -> Answer {
    let mut request = target
        .client
        .post(target.url.clone())
        .header("Idempotency-Key", job.idempotency_key())
        .header(CONTENT_TYPE, "application/json")
        .body(body);
    if let Some(authorization) = &target.authorization {
        request = request.header(AUTHORIZATION, authorization.clone());
    }
    match request.send().await {
        Ok(response) => {
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|s| i64::try_from(s).unwrap_or(i64::MAX).min(MAX_RETRY_AFTER_SECONDS));
            // The answer's body is not read: nothing in it is needed, and it is never logged.
            Answer::Status { status: response.status(), retry_after }
        }
        Err(e) => Answer::Transport(transport_error(&target.mda, &e)),
    }
}

/// The wait after a failed `attempt` (1 for the first): 30 s, 60 s, 120 s, … at most 1 h.
pub fn backoff(attempt: u32) -> i64 {
    let doublings = attempt.saturating_sub(1).min(20);
    (FIRST_BACKOFF_SECONDS << doublings).min(MAX_BACKOFF_SECONDS)
}

/// Whether an answer is worth waiting and asking again.
fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 425 | 429) || status.is_server_error()
}

/// What an attempt's answer means for the job, at `now` (unix seconds).
fn judge(job: &DeliveryJob, answer: Answer, now: i64) -> DeliveryResult {
    let attempt = job.attempts + 1;
    let again = |status: Option<u16>, error: String, retry_after: Option<i64>| {
        if attempt >= MAX_ATTEMPTS {
            let error = format!("{error}; gave up after {attempt} attempts");
            DeliveryResult::Failed { status, error, retry_at: None }
        } else {
            let wait = backoff(attempt).max(retry_after.unwrap_or(0));
            DeliveryResult::Failed { status, error, retry_at: Some(now.saturating_add(wait)) }
        }
    };
    match answer {
        Answer::Status { status, .. } if status.is_success() => DeliveryResult::Delivered { status: status.as_u16() },
        Answer::Status { status, retry_after } => {
            let error = format!("the {} endpoint answered {}", label(&job.mda), describe(status));
            if retryable(status) {
                again(Some(status.as_u16()), error, retry_after)
            } else {
                let error =
                    if status.is_redirection() { format!("{error} (redirects are not followed)") } else { error };
                DeliveryResult::Failed { status: Some(status.as_u16()), error, retry_at: None }
            }
        }
        Answer::Transport(error) => again(None, error, None),
    }
}

/// How an MDA is named in the log: its id in capitals (`SHA`).
fn label(mda: &str) -> String {
    mda.to_uppercase()
}

/// `503 Service Unavailable`.
fn describe(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

fn count(round: &mut Round, result: &DeliveryResult) {
    match result {
        DeliveryResult::Delivered { .. } => round.delivered += 1,
        DeliveryResult::Failed { retry_at: Some(_), .. } => round.retrying += 1,
        DeliveryResult::Failed { retry_at: None, .. } => round.failed += 1,
    }
}

fn log(job: &DeliveryJob, result: &DeliveryResult) {
    let key = job.idempotency_key();
    match result {
        DeliveryResult::Delivered { status } => tracing::info!(mda = %job.mda, %key, status, "delivered"),
        DeliveryResult::Failed { error, retry_at, .. } => {
            tracing::warn!(mda = %job.mda, %key, attempt = job.attempts + 1, ?retry_at, %error, "delivery failed")
        }
    }
}

/// The rustls error somewhere inside `error`, if any. `io::Error` hides what it wraps from
/// `source()`, so look inside those explicitly.
fn find_tls_error<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut pending: Vec<&'e (dyn std::error::Error + 'static)> = vec![error];
    while let Some(current) = pending.pop() {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = current.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            pending.push(inner);
        }
        if let Some(next) = current.source() {
            pending.push(next);
        }
    }
    None
}

/// The deepest cause's words (`Connection refused (os error 111)`), without reqwest's wrapping.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// A failure without an answer, in plain words.
fn transport_error(mda: &str, error: &reqwest::Error) -> String {
    let label = label(mda);
    if let Some(tls) = find_tls_error(error) {
        return match tls {
            rustls::Error::InvalidCertificate(reason) => {
                use rustls::CertificateError as C;
                let why = match reason {
                    // BadSignature: a CA of the same name as ours, but another key.
                    C::UnknownIssuer | C::BadSignature => "is not signed by the CA configured for it".to_string(),
                    C::Expired | C::ExpiredContext { .. } => "has expired".to_string(),
                    C::NotValidYet | C::NotValidYetContext { .. } => "is not valid yet".to_string(),
                    C::NotValidForName | C::NotValidForNameContext { .. } => {
                        "is not issued for the host name in its URL".to_string()
                    }
                    C::Revoked => "is revoked".to_string(),
                    other => format!("was refused ({other})"),
                };
                format!("the {label} endpoint's TLS certificate {why}; nothing was sent")
            }
            rustls::Error::AlertReceived(alert) => {
                format!("the {label} endpoint refused the TLS handshake (alert: {alert:?})")
            }
            rustls::Error::PeerIncompatible(why) => {
                format!("the {label} endpoint speaks no TLS version or cipher we allow ({why:?})")
            }
            other => format!("TLS with the {label} endpoint failed: {other}"),
        };
    }
    if error.is_timeout() {
        if error.is_connect() {
            format!("could not connect within {} s", CONNECT_TIMEOUT.as_secs())
        } else {
            format!("the {label} endpoint did not answer within {} s", REQUEST_TIMEOUT.as_secs())
        }
    } else if error.is_connect() {
        format!("could not connect: {}", root_cause(error))
    } else {
        format!("the connection to the {label} endpoint failed: {}", root_cause(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn job(attempts: u32) -> DeliveryJob {
        DeliveryJob { application_id: Uuid::nil(), revision: 1, mda: "sha".into(), attempts }
    }

    fn answer(status: u16, retry_after: Option<i64>) -> Answer {
        Answer::Status { status: StatusCode::from_u16(status).expect("status"), retry_after }
    }

    #[test]
    fn the_backoff_doubles_from_30_seconds_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(backoff).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(u32::MAX), 3600);
    }

    #[test]
    fn answers_are_judged_by_status() {
        assert_eq!(judge(&job(0), answer(201, None), 1000), DeliveryResult::Delivered { status: 201 });
        for status in [408, 425, 429, 500, 502, 503, 504] {
            assert!(
                matches!(
                    judge(&job(0), answer(status, None), 1000),
                    DeliveryResult::Failed { retry_at: Some(1030), .. }
                ),
                "{status}"
            );
        }
        for status in [301, 400, 401, 403, 404, 409, 422] {
            assert!(
                matches!(judge(&job(0), answer(status, None), 1000), DeliveryResult::Failed { retry_at: None, .. }),
                "{status}"
            );
        }
        assert_eq!(
            judge(&job(2), answer(503, None), 1000),
            DeliveryResult::Failed {
                status: Some(503),
                error: "the SHA endpoint answered 503 Service Unavailable".into(),
                retry_at: Some(1120)
            }
        );
    }

    #[test]
    fn retry_after_counts_only_when_longer_than_the_backoff() {
        let at = |result: DeliveryResult| match result {
            DeliveryResult::Failed { retry_at, .. } => retry_at,
            DeliveryResult::Delivered { .. } => None,
        };
        assert_eq!(at(judge(&job(0), answer(429, Some(600)), 1000)), Some(1600));
        assert_eq!(at(judge(&job(0), answer(429, Some(5)), 1000)), Some(1030));
    }

    #[test]
    fn the_eighth_failure_gives_up() {
        let result = judge(&job(MAX_ATTEMPTS - 1), Answer::Transport("could not connect: refused".into()), 1000);
        assert_eq!(
            result,
            DeliveryResult::Failed {
                status: None,
                error: "could not connect: refused; gave up after 8 attempts".into(),
                retry_at: None
            }
        );
    }
}
