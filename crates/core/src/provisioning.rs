//! Importing what headquarters hands an ICT officer for a laptop: either a provisioning bundle
//! (the enrolment sealed under a one-time code, `fieldkit_protocol::provision`) or, from older
//! scripts and the demo, a plaintext enrolment file (TOML). The CLI and the app both come through
//! here, so they tell a wrong code from a damaged file the same way and in the same words.
//!
//! Nothing is kept before the whole file has opened and passed [`Session::enrol`]'s checks, so a
//! refused import leaves the laptop exactly as it was.

use crate::error::{CoreError, Result};
use crate::session::Session;
use fieldkit_protocol::Enrolment;
use fieldkit_protocol::provision::{self, ProvisionError};
use std::io::Read;
use std::path::Path;
use zeroize::Zeroizing;

/// A plaintext enrolment file is a few kilobytes of PEM; anything this big is not one.
const MAX_PLAIN_BYTES: u64 = 64 << 10;

/// An enrolment file as read from disk, before any code is asked for.
pub enum EnrolmentFile {
    /// A provisioning bundle: opening it needs the one-time code.
    Sealed(Zeroizing<Vec<u8>>),
    /// A plaintext enrolment (`huduma-sync device enrol` without `--sealed`).
    Plain(Box<Enrolment>),
}

impl EnrolmentFile {
    /// Reads `path` (at most a bundle's or an enrolment's size) and tells which kind it is.
    pub fn read(path: &Path) -> Result<EnrolmentFile> {
        let refused = |detail: String| CoreError::EnrolmentInvalid(format!("{}: {detail}", path.display()));
        let file = std::fs::File::open(path).map_err(|e| refused(e.to_string()))?;
        let limit = MAX_PLAIN_BYTES.max(provision::MAX_BUNDLE_BYTES as u64);
        let mut bytes = Zeroizing::new(Vec::new());
        // Read one byte past the limit, so a larger file is refused without reading all of it.
        file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| refused(e.to_string()))?;
        if bytes.len() as u64 > limit {
            return Err(refused("far larger than an enrolment file or provisioning bundle".into()));
        }
        if provision::is_bundle(&bytes) {
            return Ok(EnrolmentFile::Sealed(bytes));
        }
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| refused("neither a provisioning bundle nor an enrolment file".into()))?;
        let enrolment: Enrolment = toml::from_str(text).map_err(|e| refused(e.message().to_string()))?;
        Ok(EnrolmentFile::Plain(Box::new(enrolment)))
    }

    /// Whether [`EnrolmentFile::open`] needs a code (so the CLI knows to ask for one).
    pub fn needs_code(&self) -> bool {
        matches!(self, EnrolmentFile::Sealed(_))
    }

    /// The enrolment inside: a bundle is opened with `code` (as typed: any case, spaces or
    /// dashes); a plaintext file needs none and ignores it.
    pub fn open(self, code: Option<&str>) -> Result<Enrolment> {
        match self {
            EnrolmentFile::Plain(enrolment) => Ok(*enrolment),
            EnrolmentFile::Sealed(bytes) => open_bundle(&bytes, code.unwrap_or_default()),
        }
    }
}

/// Opens a provisioning bundle's bytes with the one-time code, each failure as the `CoreError`
/// the officer reads.
pub fn open_bundle(bytes: &[u8], code: &str) -> Result<Enrolment> {
    provision::open(bytes, code).map_err(error)
}

fn error(e: ProvisionError) -> CoreError {
    match e {
        ProvisionError::WrongCode => CoreError::ProvisioningWrongCode,
        ProvisionError::CodeFormat(detail) => CoreError::ProvisioningCodeFormat(detail),
        ProvisionError::Tampered(detail) => CoreError::ProvisioningTampered(detail),
        ProvisionError::Malformed | ProvisionError::UnsupportedFormat(_) | ProvisionError::TooLarge => {
            CoreError::EnrolmentInvalid(e.to_string())
        }
        // Only sealing fails this way; reported as it is, should a future caller seal here.
        ProvisionError::Sealing(_) => CoreError::Crypto("provisioning bundle sealing failed"),
    }
}

/// Reads an enrolment file or provisioning bundle at `path`, opens it with `code` if it is a
/// bundle, and installs it ([`Session::enrol`]: ICT officer only; every check before anything is
/// stored). Returns what was installed.
pub fn import(session: &mut Session, path: &Path, code: Option<&str>) -> Result<Enrolment> {
    let enrolment = EnrolmentFile::read(path)?.open(code)?;
    session.enrol(&enrolment)?;
    Ok(enrolment)
}

/// First start of a laptop: opens the provisioning bundle at `path` with `code`, then creates the
/// profile for the laptop it names (its device id becomes the reference prefix) with `ict` as the
/// first officer, and enrols it. Nothing is created unless the bundle opens and suits this profile
/// (a training bundle never sets up a real laptop, nor the other way round). The ICT officer is
/// signed in on return, with what was installed.
pub fn set_up_laptop(
    profile: &crate::Profile,
    ict: &crate::NewOfficer,
    pin: &str,
    path: &Path,
    code: Option<&str>,
) -> Result<(Session, Enrolment)> {
    if ict.role != crate::Role::IctOfficer {
        return Err(CoreError::NotPermitted("enrol this laptop for sync"));
    }
    let enrolment = EnrolmentFile::read(path)?.open(code)?;
    crate::sync::client::tls_config(&enrolment)?;
    let theirs = crate::sync::client::enrolment_deployment(&enrolment)?;
    if theirs != profile.deployment() {
        return Err(CoreError::WrongDeployment { profile: profile.deployment(), other: theirs, what: "enrolment" });
    }
    let prefix = crate::LaptopPrefix::parse(&enrolment.device_id)?;
    let mut session = profile.create(&prefix, ict, pin)?;
    session.enrol(&enrolment)?;
    Ok((session, enrolment))
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldkit_protocol::provision::{KdfParams, OneTimeCode};

    fn enrolment() -> Enrolment {
        Enrolment {
            device_id: "K7QM".into(),
            server_url: "https://sync.huduma.example".into(),
            ca_pem: "ca".into(),
            cert_pem: "cert".into(),
            key_pem: "key".into(),
            import_key: None,
        }
    }

    fn sealed(dir: &Path) -> (std::path::PathBuf, OneTimeCode) {
        let code = OneTimeCode::generate().expect("code");
        let bytes = provision::seal_with(&enrolment(), &code, "2026-11-28T06:30:00Z", KdfParams::INSECURE_FOR_TESTS)
            .expect("seal");
        let path = dir.join("K7QM.fkprov");
        std::fs::write(&path, bytes).expect("write");
        (path, code)
    }

    #[test]
    fn a_bundle_is_told_from_a_plain_file_and_opens_with_its_code() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, code) = sealed(dir.path());
        let file = EnrolmentFile::read(&path).expect("read");
        assert!(file.needs_code());
        assert_eq!(file.open(Some(&code.grouped().to_lowercase())).expect("open"), enrolment());

        let plain = dir.path().join("K7QM.enrolment.toml");
        std::fs::write(&plain, toml::to_string(&enrolment()).expect("toml")).expect("write");
        let file = EnrolmentFile::read(&plain).expect("read");
        assert!(!file.needs_code());
        assert_eq!(file.open(None).expect("open"), enrolment());
    }

    #[test]
    fn each_failure_has_its_own_code() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, _) = sealed(dir.path());
        let open = |code: Option<&str>| EnrolmentFile::read(&path).and_then(|f| f.open(code)).map_err(|e| e.code());
        assert_eq!(open(Some("0000-0000-0000-0000")), Err("provisioning_wrong_code"));
        assert_eq!(open(Some("0000-0000")), Err("provisioning_code_format"));
        assert_eq!(open(None), Err("provisioning_code_format"));

        let mut bytes = std::fs::read(&path).expect("read");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x04;
        std::fs::write(&path, &bytes).expect("write");
        assert_eq!(open(Some("0000-0000-0000-0000")), Err("provisioning_tampered"));

        let garbage = dir.path().join("photo.jpg");
        std::fs::write(&garbage, [0xff, 0xd8, 0xff, 0xe0, 0x00]).expect("write");
        assert_eq!(EnrolmentFile::read(&garbage).err().map(|e| e.code()), Some("enrolment_invalid"));
        let missing = dir.path().join("missing.fkprov");
        assert_eq!(EnrolmentFile::read(&missing).err().map(|e| e.code()), Some("enrolment_invalid"));
        let huge = dir.path().join("huge.fkprov");
        std::fs::write(&huge, vec![b'#'; 200 << 10]).expect("write");
        assert_eq!(EnrolmentFile::read(&huge).err().map(|e| e.code()), Some("enrolment_invalid"));
    }
}
