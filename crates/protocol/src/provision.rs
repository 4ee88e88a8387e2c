//! The provisioning bundle: a laptop's [`Enrolment`] sealed under a one-time code, so the file can
//! travel on a USB stick (or by e-mail) and be useless to whoever finds it without the code, which
//! the ICT officer receives separately.
//!
//! ```text
//! MAGIC | u32 header length | header (JSON) | u32 ciphertext length | ciphertext | SHA-256
//! ```
//! (lengths big-endian; the SHA-256 covers everything before it)
//!
//! - Confidentiality: the enrolment (JSON) is encrypted with ChaCha20-Poly1305 under a key from
//!   HKDF-SHA256 over Argon2id(code, salt). The code carries 80 random bits, so guessing it is out
//!   of reach even offline; Argon2id only adds cost per guess.
//! - Integrity: MAGIC and the header are the AEAD's associated data, so nothing in the header can
//!   be changed without the decryption failing.
//! - Telling a wrong code from a changed file: the trailing SHA-256 (no secret in it) shows an
//!   accidental or careless change before any key is derived, and the header's `key_check` (another
//!   HKDF output of the same Argon2id key) shows whether the code is the one the bundle was sealed
//!   with. So a wrong code is [`ProvisionError::WrongCode`], and a file changed on the way is
//!   [`ProvisionError::Tampered`] — and neither ever opens. (Someone who edits the salt or the key
//!   check on purpose and recomputes the checksum gets "wrong code" instead: the checksum holds no
//!   secret. The file still does not open.)
//!
//! Architecture invariant (as for the whole crate): bytes in, bytes out; no files, no clock (the
//! caller passes the creation time).

use crate::Enrolment;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The first bytes of every provisioning bundle; the last byte is the layout version.
pub const MAGIC: &[u8; 8] = b"HMFKPRV\x01";
/// The layout this build writes and reads (also in the header).
pub const FORMAT: u32 = 1;
/// The file extension `huduma-sync device enrol --sealed` suggests.
pub const EXTENSION: &str = "fkprov";
/// No bundle is bigger: an enrolment is a few kilobytes of PEM.
pub const MAX_BUNDLE_BYTES: usize = 64 << 10;
const MAX_HEADER_BYTES: usize = 8 << 10;
const DIGEST_LEN: usize = 32;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const KEY_LEN: usize = 32;
const KEY_INFO: &[u8] = b"huduma fieldkit provisioning v1 key";
const CHECK_INFO: &[u8] = b"huduma fieldkit provisioning v1 key check";

/// Crockford base-32 (no I, L, O, U), the alphabet of device ids and references too.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a one-time code: 16 × 5 bits = 80 random bits.
pub const CODE_LEN: usize = 16;
const CODE_BYTES: usize = CODE_LEN * 5 / 8;
const CODE_GROUP: usize = 4;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProvisionError {
    /// The bytes do not start as a provisioning bundle does: some other file.
    #[error("not a Field Kit provisioning bundle")]
    Malformed,
    #[error("provisioning bundle format {0} is not supported by this build")]
    UnsupportedFormat(u32),
    #[error("the file is larger than any provisioning bundle ({MAX_BUNDLE_BYTES} bytes)")]
    TooLarge,
    /// The bundle was changed or damaged after it was sealed (edited, truncated, extended).
    #[error("the provisioning bundle was changed or damaged after it was made: {0}")]
    Tampered(String),
    /// What was typed cannot be a one-time code at all (length, characters).
    #[error("not a one-time code: {0}")]
    CodeFormat(String),
    /// A well-formed code, but not the one this bundle was sealed with.
    #[error("the one-time code does not open this provisioning bundle")]
    WrongCode,
    /// Sealing could not be done here (no randomness, unusable parameters).
    #[error("cannot seal a provisioning bundle: {0}")]
    Sealing(String),
}

/// Argon2id's cost: a provisioning bundle's (stored in each header so it can be raised later
/// without breaking old files) and, on the laptop, each officer's sealed copy of the data key
/// (stored beside it). The one definition of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// OWASP's argon2id minimum (19 MiB, 2 passes): about 0.1 s on a slow laptop, once per import.
    /// The code's 80 random bits, not this cost, are what keep a found stick closed.
    pub const DEFAULT: KdfParams = KdfParams { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 };
    /// A PIN's cost on the laptop: 64 MiB, 3 passes (the RFC 9106 second recommended option), so
    /// every guess costs an attacker 64 MiB of memory and a noticeable fraction of a second, and
    /// GPUs gain little. See ARCHITECTURE.md for what this does and does not protect against.
    pub const PRODUCTION: KdfParams = KdfParams { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 };
    /// Argon2's smallest cost, so tests and benchmarks can open many bundles and sign in thousands
    /// of times.
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams { memory_kib: 8, iterations: 1, parallelism: 1 };

    /// Bounds on what a header may ask for, so a crafted file cannot make the laptop allocate
    /// gigabytes or spin for minutes before it is refused.
    fn within_bounds(self) -> bool {
        (8..=256 * 1024).contains(&self.memory_kib)
            && (1..=16).contains(&self.iterations)
            && (1..=4).contains(&self.parallelism)
    }
}

/// What anyone holding the file can read: which laptop it enrols, for which server, and when it
/// was made — enough for the ICT officer to tell bundles apart, nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionHeader {
    pub format: u32,
    pub device_id: String,
    pub server_url: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub kdf: KdfParams,
    /// hex
    pub salt: String,
    /// hex
    pub nonce: String,
    /// hex; HKDF of the Argon2id output, so a wrong code is told apart from a changed file.
    pub key_check: String,
}

/// A one-time code: 16 Crockford base-32 characters (80 random bits), shown in groups of four
/// (`7KQ2-M9XD-4HNP-0RTA`). Kept in canonical form (upper case, no separators) and zeroed on drop.
pub struct OneTimeCode(Zeroizing<String>);

impl OneTimeCode {
    pub fn generate() -> Result<OneTimeCode, ProvisionError> {
        let bytes = random::<CODE_BYTES>()?;
        let mut code = Zeroizing::new(String::with_capacity(CODE_LEN));
        // 80 bits as 16 groups of 5, most significant first.
        let mut acc = Zeroizing::new(0u128);
        for byte in bytes.iter() {
            *acc = (*acc << 8) | u128::from(*byte);
        }
        for i in (0..CODE_LEN).rev() {
            let index = ((*acc >> (i * 5)) & 0x1f) as usize;
            code.push(char::from(ALPHABET[index]));
        }
        Ok(OneTimeCode(code))
    }

    /// Reads a code as a person types it: any case, spaces and dashes anywhere, and I/L read as 1
    /// and O as 0 (Crockford's rule, since they look alike on paper and on a phone's screen).
    pub fn parse(text: &str) -> Result<OneTimeCode, ProvisionError> {
        let mut code = Zeroizing::new(String::with_capacity(CODE_LEN));
        for c in text.chars() {
            let canonical = match c.to_ascii_uppercase() {
                '-' | '_' | '.' => continue,
                c if c.is_whitespace() => continue,
                'I' | 'L' => '1',
                'O' => '0',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                'U' => return Err(ProvisionError::CodeFormat("U is never part of a code".into())),
                _ => return Err(ProvisionError::CodeFormat(format!("{c:?} is never part of a code"))),
            };
            code.push(canonical);
        }
        if code.len() != CODE_LEN {
            return Err(ProvisionError::CodeFormat(format!(
                "it has {} letters and digits, and a code has {CODE_LEN}",
                code.len()
            )));
        }
        Ok(OneTimeCode(code))
    }

    /// The code as shown to the ICT officer: groups of four joined by dashes.
    pub fn grouped(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(CODE_LEN + CODE_LEN / CODE_GROUP));
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % CODE_GROUP == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    fn canonical(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Never prints the code itself, so it cannot leak into a log through `{:?}`.
impl std::fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeCode(…)")
    }
}

fn random<const N: usize>() -> Result<Zeroizing<[u8; N]>, ProvisionError> {
    let mut bytes = Zeroizing::new([0u8; N]);
    getrandom::fill(&mut bytes[..]).map_err(|e| ProvisionError::Sealing(format!("no randomness: {e}")))?;
    Ok(bytes)
}

/// The encryption key and the key-check value, both from one Argon2id run.
struct Keys {
    key: Zeroizing<[u8; KEY_LEN]>,
    check: [u8; KEY_LEN],
}

fn derive(code: &OneTimeCode, salt: &[u8], kdf: KdfParams) -> Result<Keys, String> {
    let params = argon2::Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(KEY_LEN))
        .map_err(|e| format!("argon2 parameters: {e}"))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut master = Zeroizing::new([0u8; KEY_LEN]);
    argon.hash_password_into(code.canonical(), salt, &mut master[..]).map_err(|e| format!("argon2: {e}"))?;
    let hkdf = hkdf::Hkdf::<Sha256>::new(None, &master[..]);
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    let mut check = [0u8; KEY_LEN];
    // 32 bytes is far below HKDF-SHA256's 8,160-byte limit, so expand cannot fail.
    let _ = hkdf.expand(KEY_INFO, &mut key[..]);
    let _ = hkdf.expand(CHECK_INFO, &mut check);
    Ok(Keys { key, check })
}

/// Compares without stopping at the first difference, so timing says nothing about the check.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Seals `enrolment` under `code` with the default Argon2id cost. `created_at` is RFC 3339, UTC.
pub fn seal(enrolment: &Enrolment, code: &OneTimeCode, created_at: &str) -> Result<Vec<u8>, ProvisionError> {
    seal_with(enrolment, code, created_at, KdfParams::DEFAULT)
}

/// [`seal`] with a chosen Argon2id cost.
pub fn seal_with(
    enrolment: &Enrolment,
    code: &OneTimeCode,
    created_at: &str,
    kdf: KdfParams,
) -> Result<Vec<u8>, ProvisionError> {
    if !kdf.within_bounds() {
        return Err(ProvisionError::Sealing(format!("argon2 parameters {kdf:?} out of bounds")));
    }
    let salt = random::<SALT_LEN>()?;
    let nonce = random::<NONCE_LEN>()?;
    let keys = derive(code, &salt[..], kdf).map_err(ProvisionError::Sealing)?;
    let header = ProvisionHeader {
        format: FORMAT,
        device_id: enrolment.device_id.clone(),
        server_url: enrolment.server_url.clone(),
        created_at: created_at.to_string(),
        kdf,
        salt: hex::encode(&salt[..]),
        nonce: hex::encode(&nonce[..]),
        key_check: hex::encode(keys.check),
    };
    let header_bytes = serde_json::to_vec(&header).map_err(|e| ProvisionError::Sealing(e.to_string()))?;
    let plain = Zeroizing::new(serde_json::to_vec(enrolment).map_err(|e| ProvisionError::Sealing(e.to_string()))?);
    let aad = [&MAGIC[..], &header_bytes].concat();
    let ciphertext = ChaCha20Poly1305::new(Key::from_slice(&keys.key[..]))
        .encrypt(Nonce::from_slice(&nonce[..]), Payload { msg: &plain, aad: &aad })
        .map_err(|_| ProvisionError::Sealing("encryption failed".into()))?;

    let mut out = Vec::with_capacity(MAGIC.len() + 8 + header_bytes.len() + ciphertext.len() + DIGEST_LEN);
    out.extend_from_slice(MAGIC);
    put_block(&mut out, &header_bytes)?;
    put_block(&mut out, &ciphertext)?;
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    if out.len() > MAX_BUNDLE_BYTES {
        return Err(ProvisionError::Sealing("the enrolment is too large for a provisioning bundle".into()));
    }
    Ok(out)
}

fn put_block(out: &mut Vec<u8>, block: &[u8]) -> Result<(), ProvisionError> {
    let len = u32::try_from(block.len()).map_err(|_| ProvisionError::Sealing("block too large".into()))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(block);
    Ok(())
}

/// Whether `bytes` claim to be a provisioning bundle (of any layout version): what a caller
/// given "an enrolment file" looks at to choose between this and a plain TOML enrolment.
pub fn is_bundle(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC[..MAGIC.len() - 1])
}

/// A bundle split into its parts, its checksum verified; nothing decrypted yet.
#[derive(Debug)]
pub struct SealedProvision<'a> {
    pub header: ProvisionHeader,
    header_bytes: &'a [u8],
    ciphertext: &'a [u8],
}

fn tampered(what: impl Into<String>) -> ProvisionError {
    ProvisionError::Tampered(what.into())
}

/// Reads one length-prefixed block at `*at`, at most `max` bytes, from `body`.
fn take_block<'a>(body: &'a [u8], at: &mut usize, max: usize, what: &str) -> Result<&'a [u8], ProvisionError> {
    let len_bytes: [u8; 4] = body
        .get(*at..*at + 4)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| tampered(format!("cut short in the {what}")))?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    if len > max {
        return Err(tampered(format!("the {what} claims {len} bytes")));
    }
    let block = body.get(*at + 4..*at + 4 + len).ok_or_else(|| tampered(format!("cut short in the {what}")))?;
    *at += 4 + len;
    Ok(block)
}

impl<'a> SealedProvision<'a> {
    /// Checks size, magic, checksum and layout, and reads the header. A file that starts as a
    /// bundle but is wrong after that was changed or damaged ([`ProvisionError::Tampered`]).
    pub fn parse(bytes: &'a [u8]) -> Result<SealedProvision<'a>, ProvisionError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(ProvisionError::TooLarge);
        }
        if !is_bundle(bytes) {
            return Err(ProvisionError::Malformed);
        }
        match bytes.get(MAGIC.len() - 1) {
            None => return Err(tampered("cut short")),
            Some(&version) if version != MAGIC[MAGIC.len() - 1] => {
                return Err(ProvisionError::UnsupportedFormat(u32::from(version)));
            }
            Some(_) => {}
        }
        let Some(split) = bytes.len().checked_sub(DIGEST_LEN).filter(|&s| s >= MAGIC.len()) else {
            return Err(tampered("cut short"));
        };
        let (body, digest) = bytes.split_at(split);
        if !same(&Sha256::digest(body), digest) {
            return Err(tampered("its checksum does not match its contents"));
        }
        let mut at = MAGIC.len();
        let header_bytes = take_block(body, &mut at, MAX_HEADER_BYTES, "header")?;
        let ciphertext = take_block(body, &mut at, MAX_BUNDLE_BYTES, "sealed enrolment")?;
        if at != body.len() {
            return Err(tampered(format!("{} unexpected bytes before the checksum", body.len() - at)));
        }
        let header: ProvisionHeader =
            serde_json::from_slice(header_bytes).map_err(|e| tampered(format!("its header: {e}")))?;
        if header.format != FORMAT {
            return Err(ProvisionError::UnsupportedFormat(header.format));
        }
        if !header.kdf.within_bounds() {
            return Err(tampered(format!("its key derivation parameters {:?} are out of bounds", header.kdf)));
        }
        Ok(SealedProvision { header, header_bytes, ciphertext })
    }

    /// Derives the key from `code`, tells a wrong code from a changed file, and decrypts.
    pub fn open(&self, code: &OneTimeCode) -> Result<Enrolment, ProvisionError> {
        let header = &self.header;
        let salt = hex::decode(&header.salt).map_err(|_| tampered("its salt is not hex"))?;
        let nonce: [u8; NONCE_LEN] = hex::decode(&header.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| tampered("its nonce is not 12 bytes of hex"))?;
        let check = hex::decode(&header.key_check).map_err(|_| tampered("its key check is not hex"))?;
        if salt.len() < 8 || check.len() != KEY_LEN {
            return Err(tampered("its salt or key check has the wrong length"));
        }
        let keys = derive(code, &salt, header.kdf).map_err(tampered)?;
        if !same(&keys.check, &check) {
            return Err(ProvisionError::WrongCode);
        }
        // The code is right, so a failure from here on means the file was changed (and someone
        // took the trouble to fix its checksum).
        let aad = [&MAGIC[..], self.header_bytes].concat();
        let plain = Zeroizing::new(
            ChaCha20Poly1305::new(Key::from_slice(&keys.key[..]))
                .decrypt(Nonce::from_slice(&nonce), Payload { msg: self.ciphertext, aad: &aad })
                .map_err(|_| tampered("its sealed enrolment does not decrypt"))?,
        );
        let enrolment: Enrolment =
            serde_json::from_slice(&plain).map_err(|e| tampered(format!("its enrolment does not read: {e}")))?;
        if enrolment.device_id != header.device_id || enrolment.server_url != header.server_url {
            return Err(tampered("its header and its enrolment name different laptops or servers"));
        }
        Ok(enrolment)
    }
}

/// Opens a bundle's bytes with a code as typed. The file is checked before the code, so a
/// damaged file is reported as such whatever was typed.
pub fn open(bytes: &[u8], code: &str) -> Result<Enrolment, ProvisionError> {
    let sealed = SealedProvision::parse(bytes)?;
    let code = OneTimeCode::parse(code)?;
    sealed.open(&code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KDF: KdfParams = KdfParams::INSECURE_FOR_TESTS;
    const CREATED: &str = "2026-11-28T06:30:00Z";

    fn enrolment() -> Enrolment {
        Enrolment {
            device_id: "K7QM".into(),
            server_url: "https://sync.huduma.example:8443".into(),
            ca_pem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n".into(),
            cert_pem: "-----BEGIN CERTIFICATE-----\nLAPTOP\n-----END CERTIFICATE-----\n".into(),
            key_pem: "-----BEGIN PRIVATE KEY-----\nSECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n".into(),
            import_key: Some("ab".repeat(32)),
        }
    }

    fn sealed() -> (Vec<u8>, OneTimeCode) {
        let code = OneTimeCode::generate().expect("code");
        (seal_with(&enrolment(), &code, CREATED, KDF).expect("seal"), code)
    }

    #[test]
    fn a_sealed_enrolment_opens_with_its_code_and_hides_the_key() {
        let (bytes, code) = sealed();
        assert!(is_bundle(&bytes));
        assert_eq!(open(&bytes, &code.grouped()), Ok(enrolment()));
        assert!(!bytes.windows(6).any(|w| w == b"SECRET"), "the private key is readable in the file");
        let header = SealedProvision::parse(&bytes).expect("parse").header;
        assert_eq!((header.device_id.as_str(), header.created_at.as_str()), ("K7QM", CREATED));
        assert_eq!(header.kdf, KDF);
    }

    #[test]
    fn the_default_cost_is_argon2id_at_owasp_strength_and_round_trips() {
        let code = OneTimeCode::generate().expect("code");
        let bytes = seal(&enrolment(), &code, CREATED).expect("seal");
        assert_eq!(SealedProvision::parse(&bytes).expect("parse").header.kdf, KdfParams::DEFAULT);
        assert_eq!(open(&bytes, &code.grouped()), Ok(enrolment()));
    }

    #[test]
    fn a_wrong_code_is_reported_as_such() {
        let (bytes, _) = sealed();
        let other = OneTimeCode::generate().expect("code");
        assert_eq!(open(&bytes, &other.grouped()), Err(ProvisionError::WrongCode));
        assert_eq!(open(&bytes, "0000-0000-0000-0000"), Err(ProvisionError::WrongCode));
    }

    #[test]
    fn one_mistyped_character_is_a_wrong_code() {
        let (bytes, code) = sealed();
        let mut typed: Vec<u8> = code.grouped().as_bytes().to_vec();
        typed[0] = if typed[0] == b'7' { b'8' } else { b'7' };
        let typed = String::from_utf8(typed).expect("ascii");
        assert_eq!(open(&bytes, &typed), Err(ProvisionError::WrongCode));
    }

    #[test]
    fn every_changed_byte_is_refused_as_tampered_or_not_a_bundle() {
        let (bytes, code) = sealed();
        let code = code.grouped();
        for at in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[at] ^= 0x01;
            match open(&changed, &code) {
                Err(ProvisionError::Tampered(_)) => {}
                // The magic's own bytes: no longer a provisioning bundle (or another version).
                Err(ProvisionError::Malformed | ProvisionError::UnsupportedFormat(_)) if at < MAGIC.len() => {}
                other => panic!("byte {at} changed: {other:?}"),
            }
        }
    }

    #[test]
    fn a_changed_file_whose_checksum_was_recomputed_is_still_tampered_never_a_wrong_code() {
        let (bytes, code) = sealed();
        let body_len = bytes.len() - DIGEST_LEN;
        let header_len = u32::from_be_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
        // One byte in the ciphertext, then one in the header's created_at, each with a fixed checksum.
        let ciphertext_byte = 12 + header_len + 4 + 3;
        let header_text = String::from_utf8(bytes[12..12 + header_len].to_vec()).expect("json");
        let created_byte = 12 + header_text.find(CREATED).expect("created_at in header");
        for at in [ciphertext_byte, created_byte] {
            let mut changed = bytes[..body_len].to_vec();
            changed[at] ^= 0x01;
            let digest = Sha256::digest(&changed);
            changed.extend_from_slice(&digest);
            assert!(
                matches!(open(&changed, &code.grouped()), Err(ProvisionError::Tampered(_))),
                "byte {at}: {:?}",
                open(&changed, &code.grouped())
            );
        }
    }

    #[test]
    fn truncated_or_extended_files_are_tampered() {
        let (bytes, code) = sealed();
        let code = code.grouped();
        for len in [MAGIC.len(), MAGIC.len() + 3, bytes.len() / 2, bytes.len() - 1] {
            assert!(matches!(open(&bytes[..len], &code), Err(ProvisionError::Tampered(_))), "cut at {len}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(open(&longer, &code), Err(ProvisionError::Tampered(_))));
    }

    #[test]
    fn other_files_and_oversized_ones_are_refused_before_any_work() {
        assert_eq!(open(b"device_id = \"K7QM\"\n", "0000000000000000"), Err(ProvisionError::Malformed));
        assert_eq!(open(b"", "0000000000000000"), Err(ProvisionError::Malformed));
        let mut huge = MAGIC.to_vec();
        huge.resize(MAX_BUNDLE_BYTES + 1, 0);
        assert_eq!(open(&huge, "0000000000000000"), Err(ProvisionError::TooLarge));
        let mut newer = sealed().0;
        newer[MAGIC.len() - 1] = 2;
        assert_eq!(open(&newer, "0000000000000000"), Err(ProvisionError::UnsupportedFormat(2)));
    }

    #[test]
    fn a_header_asking_for_gigabytes_of_memory_is_refused_without_deriving() {
        let (bytes, code) = sealed();
        let header_len = u32::from_be_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
        let mut header: ProvisionHeader = serde_json::from_slice(&bytes[12..12 + header_len]).expect("header");
        header.kdf.memory_kib = 4 << 20;
        let header_bytes = serde_json::to_vec(&header).expect("json");
        let mut changed = MAGIC.to_vec();
        put_block(&mut changed, &header_bytes).expect("header");
        changed.extend_from_slice(&bytes[12 + header_len..bytes.len() - DIGEST_LEN]);
        let digest = Sha256::digest(&changed);
        changed.extend_from_slice(&digest);
        assert!(
            matches!(open(&changed, &code.grouped()), Err(ProvisionError::Tampered(m)) if m.contains("out of bounds"))
        );
    }

    #[test]
    fn a_damaged_file_is_reported_before_a_badly_typed_code() {
        let (mut bytes, _) = sealed();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x80;
        assert!(matches!(open(&bytes, "12"), Err(ProvisionError::Tampered(_))));
    }

    #[test]
    fn codes_are_sixteen_crockford_characters_in_four_groups() {
        let code = OneTimeCode::generate().expect("code");
        let shown = code.grouped();
        assert_eq!(shown.len(), 19);
        let groups: Vec<&str> = shown.split('-').collect();
        assert_eq!(groups.len(), 4);
        assert!(groups.iter().all(|g| g.len() == 4 && g.bytes().all(|b| ALPHABET.contains(&b))), "{}", *shown);
        assert_eq!(format!("{code:?}"), "OneTimeCode(…)");
        // Two codes in a row differ (80 random bits each).
        assert_ne!(*OneTimeCode::generate().expect("code").grouped(), *shown);
    }

    #[test]
    fn every_generated_code_reads_back_and_uses_the_whole_alphabet() {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let grouped = OneTimeCode::generate().expect("code").grouped();
            assert_eq!(*OneTimeCode::parse(&grouped).expect("parse").grouped(), *grouped);
            seen.extend(grouped.bytes().filter(|b| *b != b'-'));
        }
        // 3,200 characters drawn: all 32 symbols appear unless the encoding drops bits.
        assert_eq!(seen.len(), 32, "{seen:?}");
    }

    #[test]
    fn codes_are_read_as_people_type_them() {
        let canonical = "7KQ2-M9XD-4HNP-0RT1";
        for typed in [
            "7KQ2-M9XD-4HNP-0RT1",
            "7kq2-m9xd-4hnp-0rt1",
            "7KQ2M9XD4HNP0RT1",
            " 7KQ2 M9XD 4HNP 0RT1 ",
            "7KQ2-M9XD-4HNP-ORTI",
            "7KQ2-M9XD-4HNP-oRTl",
        ] {
            assert_eq!(*OneTimeCode::parse(typed).expect(typed).grouped(), canonical, "{typed}");
        }
        for (typed, says) in [
            ("7KQ2-M9XD-4HNP-0RT", "has 15"),
            ("7KQ2-M9XD-4HNP-0RT11", "has 17"),
            ("", "has 0"),
            ("7KQ2-M9XD-4HNP-0RTU", "U is never"),
            ("7KQ2-M9XD-4HNP-0RT#", "'#'"),
            ("7KQ2-M9XD-4HNP-0RTé", "'é'"),
        ] {
            match OneTimeCode::parse(typed) {
                Err(ProvisionError::CodeFormat(message)) => assert!(message.contains(says), "{typed}: {message}"),
                other => panic!("{typed}: {other:?}"),
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Whatever single byte changes, and however the code is typed, a bundle never opens to
        /// anything but the enrolment it was sealed with.
        #[test]
        fn a_bundle_opens_only_unchanged_and_with_its_code(
            at in any::<prop::sample::Index>(),
            flip in 1u8..=255,
            lower in any::<bool>(),
        ) {
            let (bytes, code) = sealed();
            let typed = if lower { code.grouped().to_lowercase() } else { code.grouped().replace('-', " ") };
            prop_assert_eq!(open(&bytes, &typed), Ok(enrolment()));
            let mut changed = bytes.clone();
            let at = at.index(changed.len());
            changed[at] ^= flip;
            prop_assert!(open(&changed, &typed).is_err(), "byte {} ^ {} opened", at, flip);
        }
    }
}
