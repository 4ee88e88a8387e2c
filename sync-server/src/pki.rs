//! The deployment's private certificate authority: one CA, the server's certificate, and one
//! client certificate per enrolled laptop, bound to the laptop's device id (its subject common
//! name) and recorded in the device registry by fingerprint.
//!
//! Files in the PKI directory: `ca.pem`, `ca.key` (the CA's private key: keep this directory on
//! the server, mode 0700, and back it up offline), `server.pem`, `server.key`, and `import.key`
//! (the X25519 key laptops seal USB export bundles to). Certificate keys are ECDSA P-256, which
//! every TLS 1.3 stack speaks and which signs fast on old laptops.

use fieldkit_protocol::bundle::ImportSecret;
use fieldkit_protocol::{Deployment, TRAINING_UNIT};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

pub const CA_CERT: &str = "ca.pem";
pub const CA_KEY: &str = "ca.key";
pub const SERVER_CERT: &str = "server.pem";
pub const SERVER_KEY: &str = "server.key";
pub const IMPORT_KEY: &str = "import.key";

/// How long certificates live. Laptops are re-enrolled when they come back to the centre for
/// their yearly check; two years leaves slack for a laptop that misses one.
const CA_LIFETIME: Duration = Duration::days(10 * 365);
const SERVER_LIFETIME: Duration = Duration::days(2 * 365);
const DEVICE_LIFETIME: Duration = Duration::days(2 * 365);

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0} already exists; refusing to overwrite a CA (move it away first if you mean it)")]
    AlreadyExists(PathBuf),
    #[error("{path} is not a usable certificate or key: {message}")]
    BadFile { path: PathBuf, message: String },
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("`{0}` is not a device id: 4 characters from 0-9 and A-Z without I, L, O, U (e.g. K7QM)")]
    BadDeviceId(String),
    #[error("`{0}` is not a host name or IP address")]
    BadHost(String),
}

/// A freshly issued client certificate and its private key, both PEM.
#[derive(Debug, Clone)]
pub struct DeviceCredentials {
    pub device_id: String,
    pub cert_pem: String,
    pub key_pem: String,
    pub fingerprint: String,
}

/// Lower-case hex SHA-256 of a certificate's DER: how the registry names a certificate.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

fn read(path: &Path) -> Result<String, PkiError> {
    std::fs::read_to_string(path).map_err(|source| PkiError::Io { path: path.to_path_buf(), source })
}

/// Writes `contents` to a new file only the owner can read (keys) or anyone can (certificates).
fn write(path: &Path, contents: &str, secret: bool) -> Result<(), PkiError> {
    let io = |source| PkiError::Io { path: path.to_path_buf(), source };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(contents.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

/// The key export bundles are sealed to, created on first use and never replaced: bundles already
/// on their way on USB sticks are sealed to it.
pub fn import_key(dir: &Path) -> Result<ImportSecret, PkiError> {
    let path = dir.join(IMPORT_KEY);
    let bad = |message: String| PkiError::BadFile { path: path.clone(), message };
    if !path.exists() {
        let secret = ImportSecret::generate().map_err(|e| bad(e.to_string()))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(mut file) => {
                let io = |source| PkiError::Io { path: path.clone(), source };
                file.write_all(secret.to_hex().as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
                return Ok(secret);
            }
            // Another process created it meanwhile: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => return Err(PkiError::Io { path, source }),
        }
    }
    ImportSecret::from_hex(&read(&path)?).map_err(|e| bad(e.to_string()))
}

fn validity(params: &mut CertificateParams, lifetime: Duration) {
    let now = OffsetDateTime::now_utc();
    // An hour of slack for laptops whose clocks run a little behind the server's.
    params.not_before = now - Duration::hours(1);
    params.not_after = now + lifetime;
}

/// Creates a production CA in `dir`; see [`init_ca_for`].
pub fn init_ca(dir: &Path, name: &str) -> Result<String, PkiError> {
    init_ca_for(dir, name, Deployment::Production)
}

/// Marks a certificate as training when it is one (see [`fieldkit_protocol::deployment`]).
fn mark(params: &mut CertificateParams, deployment: Deployment) {
    if deployment == Deployment::Training {
        params.distinguished_name.push(DnType::OrganizationalUnitName, TRAINING_UNIT);
    }
}

/// Creates the CA in `dir` (made if missing). Refuses to replace an existing CA: every laptop
/// trusts it, and a new one would strand them all. A training CA, and every certificate it
/// issues, is marked so that production servers and laptops refuse it.
pub fn init_ca_for(dir: &Path, name: &str, deployment: Deployment) -> Result<String, PkiError> {
    let (cert_path, key_path) = (dir.join(CA_CERT), dir.join(CA_KEY));
    for path in [&cert_path, &key_path] {
        if path.exists() {
            return Err(PkiError::AlreadyExists(path.clone()));
        }
    }
    std::fs::create_dir_all(dir).map_err(|source| PkiError::Io { path: dir.to_path_buf(), source })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|source| PkiError::Io { path: dir.to_path_buf(), source })?;
    }
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn.push(DnType::OrganizationName, "Huduma Kenya");
    dn.push(DnType::CountryName, "KE");
    params.distinguished_name = dn;
    mark(&mut params, deployment);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    validity(&mut params, CA_LIFETIME);
    let key = KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    write(&key_path, &key.serialize_pem(), true)?;
    write(&cert_path, &cert.pem(), false)?;
    import_key(dir)?;
    Ok(fingerprint(cert.der()))
}

fn load_issuer(dir: &Path) -> Result<Issuer<'static, KeyPair>, PkiError> {
    let key_path = dir.join(CA_KEY);
    let cert_path = dir.join(CA_CERT);
    let key = KeyPair::from_pem(&read(&key_path)?)
        .map_err(|e| PkiError::BadFile { path: key_path, message: e.to_string() })?;
    Issuer::from_ca_cert_pem(&read(&cert_path)?, key)
        .map_err(|e| PkiError::BadFile { path: cert_path, message: e.to_string() })
}

/// Which deployment the CA in `dir` serves: training if its certificate is marked so.
pub fn deployment(dir: &Path) -> Result<Deployment, PkiError> {
    let path = dir.join(CA_CERT);
    Deployment::of_pem(&read(&path)?).map_err(|e| PkiError::BadFile { path, message: e.to_string() })
}

/// Issues (or replaces) the server's certificate for `hosts`: DNS names or IP addresses the
/// laptops dial. Replacing it needs no change on laptops: they pin the CA.
pub fn issue_server_cert(dir: &Path, hosts: &[String]) -> Result<String, PkiError> {
    issue_server_cert_as(dir, hosts, deployment(dir)?)
}

/// [`issue_server_cert`] with the deployment mark chosen by the caller rather than the CA: only
/// tests use it, to play a CA that was misused for the other deployment.
pub fn issue_server_cert_as(dir: &Path, hosts: &[String], deployment: Deployment) -> Result<String, PkiError> {
    let issuer = load_issuer(dir)?;
    let mut params = CertificateParams::default();
    mark(&mut params, deployment);
    params.distinguished_name.push(DnType::CommonName, hosts.first().map(String::as_str).unwrap_or("huduma-sync"));
    for host in hosts {
        let san = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(host.clone().try_into().map_err(|_| PkiError::BadHost(host.clone()))?),
        };
        params.subject_alt_names.push(san);
    }
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    validity(&mut params, SERVER_LIFETIME);
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;
    write(&dir.join(SERVER_KEY), &key.serialize_pem(), true)?;
    write(&dir.join(SERVER_CERT), &cert.pem(), false)?;
    Ok(fingerprint(cert.der()))
}

/// Issues a client certificate for one laptop. The caller records the fingerprint in the device
/// registry; a certificate that is not registered is refused even though our CA signed it.
pub fn issue_device_cert(dir: &Path, device_id: &str) -> Result<DeviceCredentials, PkiError> {
    if !fieldkit_protocol::is_valid_device_id(device_id) {
        return Err(PkiError::BadDeviceId(device_id.to_string()));
    }
    issue_device_cert_as(dir, device_id, deployment(dir)?)
}

/// [`issue_device_cert`] with the deployment mark chosen by the caller (tests of misuse only).
pub fn issue_device_cert_as(
    dir: &Path,
    device_id: &str,
    deployment: Deployment,
) -> Result<DeviceCredentials, PkiError> {
    if !fieldkit_protocol::is_valid_device_id(device_id) {
        return Err(PkiError::BadDeviceId(device_id.to_string()));
    }
    let issuer = load_issuer(dir)?;
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, device_id);
    params.distinguished_name.push(DnType::OrganizationalUnitName, "Field Kit laptop");
    mark(&mut params, deployment);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    validity(&mut params, DEVICE_LIFETIME);
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;
    Ok(DeviceCredentials {
        device_id: device_id.to_string(),
        fingerprint: fingerprint(cert.der()),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// The CA certificate's PEM text, for laptops to pin.
pub fn ca_pem(dir: &Path) -> Result<String, PkiError> {
    read(&dir.join(CA_CERT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        init_ca(dir.path(), "Test CA").expect("init");
        let before = ca_pem(dir.path()).expect("read");
        let again = init_ca(dir.path(), "Test CA");
        assert!(matches!(again, Err(PkiError::AlreadyExists(_))), "{again:?}");
        assert_eq!(ca_pem(dir.path()).expect("read"), before);
    }

    #[cfg(unix)]
    #[test]
    fn private_keys_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        init_ca(dir.path(), "Test CA").expect("init");
        issue_server_cert(dir.path(), &["localhost".into(), "127.0.0.1".into()]).expect("server");
        for key in [CA_KEY, SERVER_KEY] {
            let mode = std::fs::metadata(dir.path().join(key)).expect("stat").permissions().mode();
            assert_eq!(mode & 0o077, 0, "{key} is readable by others: {mode:o}");
        }
    }

    #[test]
    fn device_ids_are_checked_and_fingerprints_differ() {
        let dir = tempfile::tempdir().expect("tempdir");
        init_ca(dir.path(), "Test CA").expect("init");
        assert!(matches!(issue_device_cert(dir.path(), "k7qm!"), Err(PkiError::BadDeviceId(_))));
        let a = issue_device_cert(dir.path(), "K7QM").expect("a");
        let b = issue_device_cert(dir.path(), "K7QM").expect("b");
        assert_ne!(a.fingerprint, b.fingerprint, "each issue is a new key and certificate");
        assert_eq!(a.fingerprint.len(), 64);
    }

    #[test]
    fn without_a_ca_nothing_is_issued() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(issue_device_cert(dir.path(), "K7QM"), Err(PkiError::Io { .. })));
    }
}
