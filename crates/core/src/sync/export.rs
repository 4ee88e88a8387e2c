//! The offline export: the outbox sealed into a bundle file (format in
//! `fieldkit_protocol::bundle`) for a USB stick, and written so that a half-written file never
//! looks like a bundle.

use crate::error::{CoreError, Result};
use fieldkit_protocol::bundle::Sealer;
use fieldkit_protocol::{ApplicationRecord, Enrolment};
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Bundle files end in this.
pub const EXTENSION: &str = "hmfk";

/// A sealed bundle, ready to write.
#[derive(Debug, Clone)]
pub struct ExportedBundle {
    pub bytes: Vec<u8>,
    pub records: u32,
    pub device_id: String,
    pub created_at: OffsetDateTime,
}

impl ExportedBundle {
    /// `K7QM-20261125T090000Z.hmfk`: the laptop and the moment, so files from many laptops and
    /// days can sit on one stick.
    pub fn file_name(&self) -> String {
        let at = self.created_at;
        format!(
            "{}-{:04}{:02}{:02}T{:02}{:02}{:02}Z.{EXTENSION}",
            self.device_id,
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    }

    /// Writes the bundle into `dir` (a USB stick's folder): to a temporary name, flushed to the
    /// device, then renamed, so a stick pulled out mid-write leaves no file that looks complete.
    /// Refuses to replace an existing file. Returns the path written.
    pub fn write_into(&self, dir: &Path) -> Result<PathBuf> {
        use std::io::Write;
        let path = dir.join(self.file_name());
        if path.exists() {
            return Err(CoreError::ExportFailed(format!("{} already exists", path.display())));
        }
        let partial = dir.join(format!(".{}.partial", self.file_name()));
        let io = |p: &Path, e| CoreError::io(p, e);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&partial).map_err(|e| io(&partial, e))?;
        file.write_all(&self.bytes).map_err(|e| io(&partial, e))?;
        file.sync_all().map_err(|e| io(&partial, e))?;
        drop(file);
        std::fs::rename(&partial, &path).map_err(|e| io(&path, e))?;
        if let Ok(folder) = std::fs::File::open(dir) {
            // The rename itself reaches the stick only when the directory is flushed.
            let _ = folder.sync_all();
        }
        Ok(path)
    }
}

/// Seals `records` with the laptop's enrolment: signed with its certificate key, encrypted to the
/// server's import key.
pub(crate) fn seal(
    enrolment: &Enrolment,
    records: Vec<ApplicationRecord>,
    now: OffsetDateTime,
) -> Result<ExportedBundle> {
    let import_key = enrolment.import_key.as_deref().ok_or(CoreError::ExportNotSetUp)?;
    let key = match PrivateKeyDer::from_pem_slice(enrolment.key_pem.as_bytes()) {
        Ok(PrivateKeyDer::Pkcs8(key)) => key,
        _ => return Err(CoreError::ExportFailed("the enrolment's private key is not a PKCS#8 key".into())),
    };
    let created_at = now.replace_nanosecond(0).unwrap_or(now);
    let stamp = created_at.format(&Rfc3339).map_err(|e| CoreError::ExportFailed(e.to_string()))?;
    let count = u32::try_from(records.len()).map_err(|_| CoreError::ExportFailed("too many records".into()))?;
    let bytes = Sealer {
        device_id: &enrolment.device_id,
        created_at: &stamp,
        cert_pem: &enrolment.cert_pem,
        key_pkcs8: key.secret_pkcs8_der(),
        import_key,
    }
    .seal(records)
    .map_err(|e| CoreError::ExportFailed(e.to_string()))?;
    Ok(ExportedBundle { bytes, records: count, device_id: enrolment.device_id.clone(), created_at })
}
