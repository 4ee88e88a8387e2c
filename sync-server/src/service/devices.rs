//! Enrolling and revoking laptops, each with its audit entry in the same transaction.

use super::Actor;
use crate::storage::review::NewAudit;
use crate::storage::{Device, Storage, StorageError};
use time::OffsetDateTime;

/// Registers a laptop's certificate (by its SHA-256 fingerprint); audited as `device.enrolled`.
pub async fn enrol<S: Storage>(
    storage: &S,
    actor: &Actor,
    device_id: &str,
    fingerprint: &str,
    now: OffsetDateTime,
) -> Result<Device, StorageError> {
    let audit = NewAudit::new(actor.as_str(), "device.enrolled", format!("device:{device_id}"), fingerprint);
    storage.enrol_device(device_id, fingerprint, audit, now).await
}

/// Revokes a laptop: every request it makes is refused from now on; audited as `device.revoked`.
/// [`StorageError::UnknownDevice`] for an id never enrolled (and nothing is audited).
pub async fn revoke<S: Storage>(
    storage: &S,
    actor: &Actor,
    device_id: &str,
    now: OffsetDateTime,
) -> Result<Device, StorageError> {
    let audit = NewAudit::new(actor.as_str(), "device.revoked", format!("device:{device_id}"), "");
    storage.revoke_device(device_id, audit, now).await
}
