//! Importing a laptop's USB export bundle: the same exactly-once store as a sync push, reached
//! through a file instead of a link.
//!
//! The bundle is believed only as far as the device registry vouches for it: its certificate
//! must be one the registry holds for the laptop the header names, not revoked, and its key must
//! have signed the bundle. Only then is it decrypted with the server's import key.

use crate::pki;
use crate::storage::{Storage, StorageError};
use fieldkit_protocol::bundle::{BundleError, BundleHeader, ImportSecret, SealedBundle};
use fieldkit_protocol::{MAX_BATCH_RECORDS, PushOutcome};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Bundle(#[from] BundleError),
    #[error("the bundle's certificate is not one this server enrolled: {0}")]
    UnknownCertificate(String),
    #[error("the bundle says it is from {claimed}, but its certificate belongs to {enrolled}")]
    WrongDevice { claimed: String, enrolled: String },
    #[error("the bundle is from {0}, which is revoked; nothing was imported")]
    Revoked(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What an import did, per record outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub device_id: String,
    pub created_at: String,
    pub stored: u32,
    pub already_stored: u32,
    pub conflicts: u32,
    pub invalid: u32,
}

/// Checks, opens and stores a bundle. Importing the same bundle again, or one whose records
/// also arrived by sync, stores nothing twice.
pub async fn import_bundle<S: Storage>(
    storage: &S,
    secret: &ImportSecret,
    bytes: &[u8],
) -> Result<ImportReport, ImportError> {
    let sealed = SealedBundle::parse(bytes)?;
    let header: BundleHeader = sealed.header.clone();
    let (fingerprint, public_key) = certificate_key(&header.cert_pem)?;
    let device = storage
        .device_by_fingerprint(&fingerprint)
        .await?
        .ok_or_else(|| ImportError::UnknownCertificate(fingerprint.clone()))?;
    if device.id != header.device_id {
        return Err(ImportError::WrongDevice { claimed: header.device_id, enrolled: device.id });
    }
    if device.revoked_at.is_some() {
        return Err(ImportError::Revoked(device.id));
    }
    let records = sealed.verify(&public_key)?.open(secret)?;
    let mut report =
        ImportReport { device_id: device.id.clone(), created_at: header.created_at.clone(), ..Default::default() };
    let mut records = records.into_iter().peekable();
    while records.peek().is_some() {
        let batch: Vec<_> = records.by_ref().take(MAX_BATCH_RECORDS).collect();
        for result in storage.push(&device.id, batch).await? {
            match result.outcome {
                PushOutcome::Stored => report.stored += 1,
                PushOutcome::AlreadyStored => report.already_stored += 1,
                PushOutcome::Conflict { .. } => report.conflicts += 1,
                PushOutcome::Invalid { .. } => report.invalid += 1,
            }
        }
    }
    tracing::info!(device = %device.id, created_at = %header.created_at, stored = report.stored,
        already = report.already_stored, "bundle imported");
    Ok(report)
}

/// The certificate's registry fingerprint and its public key (the uncompressed P-256 point).
fn certificate_key(pem: &str) -> Result<(String, Vec<u8>), ImportError> {
    let bad = |m: String| ImportError::Bundle(BundleError::Malformed(format!("certificate: {m}")));
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|e| bad(e.to_string()))?;
    let (_, cert) = x509_parser::parse_x509_certificate(&pem.contents).map_err(|e| bad(e.to_string()))?;
    let key = cert.tbs_certificate.subject_pki.subject_public_key.data.to_vec();
    Ok((pki::fingerprint(&pem.contents), key))
}
