//! The laptop's side of the pinned channel: HTTPS with rustls, trusting only the deployment CA
//! from the laptop's enrolment (no system roots are even compiled in), presenting the laptop's
//! own certificate, TLS 1.3 only. Bodies are gzip'd both ways.
//!
//! Every failure becomes a [`CoreError`] the officer can act on: no link (retry later), a server
//! that is not ours (stop, tell the ICT officer), this laptop unknown or revoked, an old build.

use crate::error::{CoreError, Result};
use fieldkit_protocol::Deployment;
use fieldkit_protocol::{
    ApplicationRecord, Enrolment, ErrorBody, ErrorCode, MAX_BODY_BYTES, PROTOCOL_VERSION, PullRequest, PullResponse,
    PushRequest, PushResponse, gzip, paths,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use std::sync::Arc;
use std::time::Duration;

/// Request bodies at least this large are gzip'd.
const COMPRESS_FROM_BYTES: usize = 1024;
/// A link that cannot even connect in this long is as good as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Whole-request limit. Generous, because a 500-record batch over 50 kbit/s takes a while; the
/// batch sizer shrinks batches that come close.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(180);

/// Bytes one exchange put on the wire (HTTP bodies as sent, compressed; headers and TLS framing
/// are not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WireBytes {
    pub sent: u64,
    pub received: u64,
}

#[derive(Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    device_id: String,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient").field("base", &self.base).field("device_id", &self.device_id).finish()
    }
}

fn invalid(message: impl std::fmt::Display) -> CoreError {
    CoreError::EnrolmentInvalid(message.to_string())
}

/// The TLS configuration an enrolment describes; also how an enrolment file is checked.
pub fn tls_config(enrolment: &Enrolment) -> Result<rustls::ClientConfig> {
    if !fieldkit_protocol::is_valid_device_id(&enrolment.device_id) {
        return Err(invalid(format!("device id {:?} is not 4 characters such as K7QM", enrolment.device_id)));
    }
    let url = enrolment.server_url.trim_end_matches('/');
    if !url.starts_with("https://") || url.len() <= "https://".len() {
        return Err(invalid(format!("server_url {:?} must be https://host:port", enrolment.server_url)));
    }
    let mut roots = rustls::RootCertStore::empty();
    let ca: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(enrolment.ca_pem.as_bytes())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| invalid(format!("ca_pem: {e}")))?;
    if ca.is_empty() {
        return Err(invalid("ca_pem holds no certificate"));
    }
    for cert in ca {
        roots.add(cert).map_err(|e| invalid(format!("ca_pem: {e}")))?;
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(enrolment.cert_pem.as_bytes())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| invalid(format!("cert_pem: {e}")))?;
    if chain.is_empty() {
        return Err(invalid("cert_pem holds no certificate"));
    }
    let key =
        PrivateKeyDer::from_pem_slice(enrolment.key_pem.as_bytes()).map_err(|e| invalid(format!("key_pem: {e}")))?;
    let laptop = Deployment::of_certificate(&chain[0]).map_err(|e| invalid(format!("cert_pem: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let signed_by_our_ca =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| invalid(format!("ca_pem: {e}")))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(invalid)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(SameDeployment { inner: signed_by_our_ca, laptop }))
        .with_client_auth_cert(chain, key)
        .map_err(|e| invalid(format!("the certificate and key do not belong together: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The deployment (training or production) an enrolment's laptop certificate belongs to.
pub fn enrolment_deployment(enrolment: &Enrolment) -> Result<Deployment> {
    Deployment::of_pem(&enrolment.cert_pem).map_err(|e| invalid(format!("cert_pem: {e}")))
}

/// Why the handshake was abandoned when the server is of the other deployment; carried inside
/// rustls's error so [`transport_error`] can tell the officer exactly that.
#[derive(Debug, thiserror::Error)]
#[error("a {laptop} laptop refused a {server} server")]
struct OtherDeployment {
    laptop: Deployment,
    server: Deployment,
}

/// The CA's verdict first (the server's certificate chains to the pinned CA and names the host),
/// then the deployment: a training laptop never talks to a production server, nor the other way
/// round, and the check happens before the laptop has sent a byte of data. "Dangerous" in rustls's
/// terms only because it is custom: every check the standard verifier makes still runs.
#[derive(Debug)]
struct SameDeployment {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    laptop: Deployment,
}

impl ServerCertVerifier for SameDeployment {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)?;
        match Deployment::of_certificate(end_entity) {
            Ok(server) if server == self.laptop => Ok(verified),
            Ok(server) => {
                Err(rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(OtherDeployment {
                    laptop: self.laptop,
                    server,
                })))))
            }
            Err(_) => Err(rustls::Error::InvalidCertificate(CertificateError::BadEncoding)),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

impl SyncClient {
    /// A client for the server and identity in `enrolment`. Nothing is contacted yet.
    pub fn new(enrolment: &Enrolment) -> Result<SyncClient> {
        let config = tls_config(enrolment)?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(config)
            .https_only(true)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("fieldkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| invalid(format!("HTTP client: {e}")))?;
        Ok(SyncClient {
            http,
            base: enrolment.server_url.trim_end_matches('/').to_string(),
            device_id: enrolment.device_id.clone(),
        })
    }

    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// Sends one batch; the server answers per record after committing.
    pub async fn push(&self, records: Vec<ApplicationRecord>) -> Result<(PushResponse, WireBytes)> {
        let request = PushRequest { protocol: PROTOCOL_VERSION, records };
        self.post(paths::PUSH, &request).await
    }

    /// Sends plans made on this laptop; the server answers per plan.
    pub async fn upload_plans(
        &self,
        plans: Vec<fieldkit_protocol::OutreachPlan>,
    ) -> Result<(fieldkit_protocol::PlanUploadResponse, WireBytes)> {
        let request = fieldkit_protocol::PlanUploadRequest { protocol: PROTOCOL_VERSION, plans };
        self.post(paths::PLANS, &request).await
    }

    /// Sends feedback records; the server answers with the ids it now holds.
    pub async fn push_feedback(
        &self,
        feedback: Vec<fieldkit_protocol::FeedbackRecord>,
    ) -> Result<(fieldkit_protocol::FeedbackPushResponse, WireBytes)> {
        let request = fieldkit_protocol::FeedbackPushRequest { protocol: PROTOCOL_VERSION, feedback };
        self.post(paths::FEEDBACK, &request).await
    }

    /// Events after `cursor`, at most `limit`.
    pub async fn pull(&self, cursor: u64, limit: u32) -> Result<(PullResponse, WireBytes)> {
        let request = PullRequest { protocol: PROTOCOL_VERSION, cursor, limit };
        self.post(paths::PULL, &request).await
    }

    async fn post<Q: serde::Serialize, A: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        request: &Q,
    ) -> Result<(A, WireBytes)> {
        let json = serde_json::to_vec(request).map_err(|e| CoreError::SyncRefused {
            code: "client".into(),
            message: format!("could not encode the request: {e}"),
        })?;
        let mut builder = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT_ENCODING, "gzip");
        let body = if json.len() >= COMPRESS_FROM_BYTES {
            builder = builder.header(reqwest::header::CONTENT_ENCODING, "gzip");
            gzip::deflate(&json)
        } else {
            json
        };
        let sent = body.len() as u64;
        let response = builder.body(body).send().await.map_err(transport_error)?;
        let status = response.status();
        let gzipped = response
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
        let bytes = response.bytes().await.map_err(transport_error)?;
        let wire = WireBytes { sent, received: bytes.len() as u64 };
        let text = if gzipped {
            gzip::inflate(&bytes, MAX_BODY_BYTES)
                .map_err(|e| CoreError::SyncUnreachable(format!("damaged reply: {e}")))?
        } else {
            bytes.to_vec()
        };
        if !status.is_success() {
            return Err(refusal(status.as_u16(), &text));
        }
        let answer = serde_json::from_slice(&text)
            .map_err(|e| CoreError::SyncRefused { code: "malformed_reply".into(), message: e.to_string() })?;
        Ok((answer, wire))
    }
}

/// The server's error body as the officer's error.
fn refusal(status: u16, body: &[u8]) -> CoreError {
    let Ok(ErrorBody { code, message }) = serde_json::from_slice::<ErrorBody>(body) else {
        // Not our server's error shape (a proxy page, say): treat as a passing outage.
        return CoreError::SyncUnreachable(format!("HTTP {status}"));
    };
    match code {
        ErrorCode::Revoked => CoreError::DeviceRevoked,
        ErrorCode::UnknownDevice => CoreError::DeviceUnknown,
        ErrorCode::UnsupportedProtocol => CoreError::ProtocolUnsupported(message),
        ErrorCode::Unavailable => CoreError::SyncUnreachable(format!("server busy: {message}")),
        ErrorCode::TooLarge => CoreError::SyncRefused { code: "too_large".into(), message },
        ErrorCode::MalformedRequest => CoreError::SyncRefused { code: "malformed_request".into(), message },
        ErrorCode::Internal => CoreError::SyncRefused { code: "internal".into(), message },
    }
}

/// The rustls error somewhere inside `error`, if any. `io::Error` hides what it wraps from
/// `source()` (it returns the wrapped error's source instead), so look inside those explicitly.
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

/// The deployment mismatch [`SameDeployment`] refused the server's certificate for, if that was why.
fn other_deployment(reason: &CertificateError) -> Option<&OtherDeployment> {
    match reason {
        CertificateError::Other(OtherError(other)) => other.downcast_ref::<OtherDeployment>(),
        _ => None,
    }
}

/// Sorts a transport failure into "not our server", "we were refused" or "no link".
fn transport_error(error: reqwest::Error) -> CoreError {
    if let Some(tls) = find_tls_error(&error) {
        return match tls {
            rustls::Error::InvalidCertificate(reason) => match other_deployment(reason) {
                Some(OtherDeployment { laptop, server }) => {
                    CoreError::WrongDeployment { profile: *laptop, other: *server, what: "sync server" }
                }
                None => CoreError::ServerNotTrusted(format!("{reason:?}")),
            },
            rustls::Error::AlertReceived(alert) => {
                use rustls::AlertDescription as A;
                match alert {
                    // The server refused our certificate (DecryptError: signed by a CA with our
                    // CA's name but not our CA's key).
                    A::BadCertificate
                    | A::UnknownCA
                    | A::CertificateRevoked
                    | A::CertificateUnknown
                    | A::CertificateExpired
                    | A::CertificateRequired
                    | A::DecryptError
                    | A::AccessDenied => CoreError::DeviceUnknown,
                    other => CoreError::SyncUnreachable(format!("TLS alert {other:?}")),
                }
            }
            other => CoreError::SyncUnreachable(format!("TLS: {other}")),
        };
    }
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "connection lost"
    };
    CoreError::SyncUnreachable(kind.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enrolment() -> Enrolment {
        Enrolment {
            device_id: "K7QM".into(),
            server_url: "https://127.0.0.1:8443".into(),
            ca_pem: String::new(),
            cert_pem: String::new(),
            key_pem: String::new(),
            import_key: None,
        }
    }

    #[test]
    fn plain_http_is_refused_before_anything_is_parsed() {
        let e = SyncClient::new(&Enrolment { server_url: "http://127.0.0.1:8443".into(), ..enrolment() })
            .expect_err("http");
        assert_eq!(e.code(), "enrolment_invalid");
        assert!(e.to_string().contains("https://"), "{e}");
    }

    #[test]
    fn a_bad_device_id_or_missing_ca_is_refused() {
        let e = SyncClient::new(&Enrolment { device_id: "laptop-1".into(), ..enrolment() }).expect_err("id");
        assert!(e.to_string().contains("device id"), "{e}");
        let e = SyncClient::new(&enrolment()).expect_err("no ca");
        assert!(e.to_string().contains("ca_pem"), "{e}");
    }

    #[test]
    fn server_error_codes_become_actionable_errors() {
        let body = |code: &str| format!(r#"{{"code":"{code}","message":"m"}}"#).into_bytes();
        assert_eq!(refusal(403, &body("revoked")).code(), "device_revoked");
        assert_eq!(refusal(401, &body("unknown_device")).code(), "device_unknown");
        assert_eq!(refusal(400, &body("unsupported_protocol")).code(), "protocol_unsupported");
        assert!(refusal(503, &body("unavailable")).is_retryable());
        assert!(refusal(502, b"<html>Bad gateway</html>").is_retryable());
        assert!(!refusal(400, &body("malformed_request")).is_retryable());
    }
}
