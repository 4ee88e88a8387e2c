//! The server's side of mutual TLS: TLS 1.3 only, the ring provider, the server certificate from
//! the PKI directory, and a client verifier that accepts only certificates our CA signed. Which
//! of those certificates are still welcome is the device registry's business, per request.
//!
//! Why 1.3 only: every client is our own build of rustls, so there is no legacy peer to serve,
//! and 1.3 leaves out the renegotiation and cipher-suite choices 1.2 would make us reason about.

use crate::pki::{CA_CERT, SERVER_CERT, SERVER_KEY};
use fieldkit_protocol::Deployment;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("TLS configuration refused: {0}")]
    Config(String),
}

pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Every certificate in a PEM file; at least one.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bad = |message: String| TlsError::File { path: path.to_path_buf(), message };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no certificate in this file".into()));
    }
    Ok(certs)
}

pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsError::File { path: path.to_path_buf(), message: e.to_string() })
}

/// The server's TLS configuration from the PKI directory.
pub fn server_config(pki_dir: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    let ca_path = pki_dir.join(CA_CERT);
    for cert in load_certs(&ca_path)? {
        roots.add(cert).map_err(|e| TlsError::File { path: ca_path.clone(), message: e.to_string() })?;
    }
    let signed_by_our_ca = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let server_cert_path = pki_dir.join(SERVER_CERT);
    let chain = load_certs(&server_cert_path)?;
    let deployment = Deployment::of_certificate(&chain[0])
        .map_err(|e| TlsError::File { path: server_cert_path.clone(), message: e.to_string() })?;
    let verifier = Arc::new(SameDeployment { inner: signed_by_our_ca, deployment });
    let key = load_key(&pki_dir.join(SERVER_KEY))?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The console's TLS configuration: the same server certificate, no client certificate (people
/// sign in with a password), TLS 1.2 and 1.3 for the browsers MDA offices run.
pub fn console_config(pki_dir: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = load_certs(&pki_dir.join(SERVER_CERT))?;
    let key = load_key(&pki_dir.join(SERVER_KEY))?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Refuses, during the handshake, a laptop certificate of the other deployment: a training laptop
/// at a production server or a production laptop at a training server. Our CA signing it is not
/// enough (see [`fieldkit_protocol::deployment`]).
#[derive(Debug)]
struct SameDeployment {
    inner: Arc<dyn ClientCertVerifier>,
    deployment: Deployment,
}

impl ClientCertVerifier for SameDeployment {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self.inner.verify_client_cert(end_entity, intermediates, now)?;
        match Deployment::of_certificate(end_entity) {
            Ok(theirs) if theirs == self.deployment => Ok(verified),
            Ok(theirs) => {
                tracing::warn!(server = %self.deployment, laptop = %theirs, "laptop of the other deployment refused");
                Err(rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure))
            }
            Err(_) => Err(rustls::Error::InvalidCertificate(CertificateError::BadEncoding)),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
