//! The offline export bundle: a laptop's outbox in one file, for a USB stick when it has had no
//! link for days. Only the sync server can read it, and the server knows which laptop made it
//! and that nobody changed it on the way.
//!
//! ```text
//! MAGIC | u32 header length | header (JSON) | u32 ciphertext length | ciphertext
//!       | u32 signature length | signature
//! ```
//! (lengths big-endian)
//!
//! - Confidentiality: the records (a gzip'd [`PushRequest`]) are encrypted with ChaCha20-Poly1305
//!   under a key from HKDF-SHA256 over an X25519 exchange between a fresh key of the laptop's and
//!   the server's import key, which the laptop got in its enrolment. The header is the AEAD's
//!   associated data, so it cannot be swapped.
//! - Authenticity: the laptop signs everything before the signature with its certificate's
//!   ECDSA P-256 key. The header carries the certificate, which the server looks up in its device
//!   registry before it believes the signature.
//! - Exactly once: importing stores the records through the same idempotent push as sync, so a
//!   bundle imported twice, or imported and then also synced, stores each application once.
//!
//! Opening is two steps, [`SealedBundle::parse`] then [`SealedBundle::verify`] (which gives a
//! [`VerifiedBundle`]), so nothing is decrypted before the signature has been checked.

use crate::{ApplicationRecord, PROTOCOL_VERSION, PushRequest};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use ring::signature::{self, EcdsaKeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

pub const MAGIC: &[u8; 8] = b"HMFKBND\x01";
/// The bundle layout this build writes and reads.
pub const FORMAT: u32 = 1;
/// No bundle is bigger: about 100,000 applications.
pub const MAX_BUNDLE_BYTES: usize = 256 << 20;
const MAX_HEADER_BYTES: usize = 64 << 10;
const MAX_SIGNATURE_BYTES: usize = 256;
/// The records inflate to at most this.
const MAX_PLAIN_BYTES: usize = 1 << 30;
const KDF_INFO: &[u8] = b"huduma fieldkit bundle v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("not a Field Kit bundle, or damaged: {0}")]
    Malformed(String),
    #[error("bundle format {0} is not supported by this build")]
    UnsupportedFormat(u32),
    #[error("the bundle is larger than {MAX_BUNDLE_BYTES} bytes")]
    TooLarge,
    #[error("the bundle's signature does not match its contents: it was changed after export")]
    BadSignature,
    #[error("the bundle cannot be decrypted with this server's import key")]
    CannotDecrypt,
    #[error("unusable key: {0}")]
    BadKey(String),
}

/// What anyone holding the file can read: who made it, when, and how many records it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleHeader {
    pub format: u32,
    pub protocol: u32,
    pub device_id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub records: u32,
    /// The laptop's client certificate (PEM), whose key signed the bundle.
    pub cert_pem: String,
    /// The laptop's one-time X25519 public key, hex.
    pub ephemeral_key: String,
    /// hex
    pub nonce: String,
}

/// The server's X25519 import key. The public half travels to laptops in their enrolment.
pub struct ImportSecret(StaticSecret);

impl ImportSecret {
    pub fn generate() -> Result<ImportSecret, BundleError> {
        Ok(ImportSecret(StaticSecret::from(*random::<32>()?)))
    }

    pub fn from_hex(text: &str) -> Result<ImportSecret, BundleError> {
        Ok(ImportSecret(StaticSecret::from(*key_bytes(text.trim())?)))
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.to_bytes()))
    }

    /// The public key, hex, as laptops receive it.
    pub fn public_hex(&self) -> String {
        hex::encode(PublicKey::from(&self.0).as_bytes())
    }
}

fn key_bytes(text: &str) -> Result<Zeroizing<[u8; 32]>, BundleError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text, &mut bytes[..]).map_err(|_| BundleError::BadKey("not 32 bytes of hex".into()))?;
    Ok(bytes)
}

fn random<const N: usize>() -> Result<Zeroizing<[u8; N]>, BundleError> {
    let mut bytes = Zeroizing::new([0u8; N]);
    getrandom::fill(&mut bytes[..]).map_err(|e| BundleError::BadKey(format!("no randomness: {e}")))?;
    Ok(bytes)
}

fn derive_key(shared: &[u8; 32], ephemeral: &PublicKey, server: &PublicKey) -> Zeroizing<[u8; 32]> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral.as_bytes());
    salt[32..].copy_from_slice(server.as_bytes());
    let mut key = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's 8,160-byte limit, so expand cannot fail.
    let _ = hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt), shared).expand(KDF_INFO, &mut key[..]);
    key
}

/// What a laptop needs to seal a bundle.
pub struct Sealer<'a> {
    pub device_id: &'a str,
    /// RFC 3339, UTC.
    pub created_at: &'a str,
    pub cert_pem: &'a str,
    /// The certificate's private key, PKCS#8 DER.
    pub key_pkcs8: &'a [u8],
    /// The server's import key, hex ([`ImportSecret::public_hex`]).
    pub import_key: &'a str,
}

impl Sealer<'_> {
    /// Encrypts and signs `records` into a bundle file's bytes.
    pub fn seal(&self, records: Vec<ApplicationRecord>) -> Result<Vec<u8>, BundleError> {
        let rng = ring::rand::SystemRandom::new();
        let signer = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, self.key_pkcs8, &rng)
            .map_err(|e| BundleError::BadKey(format!("the laptop's key: {e}")))?;
        let server = PublicKey::from(*key_bytes(self.import_key)?);
        let ephemeral = StaticSecret::from(*random::<32>()?);
        let ephemeral_public = PublicKey::from(&ephemeral);
        let shared = Zeroizing::new(ephemeral.diffie_hellman(&server).to_bytes());
        let key = derive_key(&shared, &ephemeral_public, &server);
        let nonce = random::<12>()?;

        let header = BundleHeader {
            format: FORMAT,
            protocol: PROTOCOL_VERSION,
            device_id: self.device_id.to_string(),
            created_at: self.created_at.to_string(),
            records: u32::try_from(records.len()).map_err(|_| BundleError::TooLarge)?,
            cert_pem: self.cert_pem.to_string(),
            ephemeral_key: hex::encode(ephemeral_public.as_bytes()),
            nonce: hex::encode(&nonce[..]),
        };
        let header_bytes = serde_json::to_vec(&header).map_err(|e| BundleError::Malformed(e.to_string()))?;
        let plain = serde_json::to_vec(&PushRequest { protocol: PROTOCOL_VERSION, records })
            .map_err(|e| BundleError::Malformed(e.to_string()))?;
        let plain = Zeroizing::new(crate::gzip::deflate(&plain));
        let aad = [&MAGIC[..], &header_bytes].concat();
        let ciphertext = ChaCha20Poly1305::new(Key::from_slice(&key[..]))
            .encrypt(Nonce::from_slice(&nonce[..]), Payload { msg: &plain, aad: &aad })
            .map_err(|_| BundleError::CannotDecrypt)?;

        let mut out = Vec::with_capacity(MAGIC.len() + header_bytes.len() + ciphertext.len() + 128);
        out.extend_from_slice(MAGIC);
        put_block(&mut out, &header_bytes)?;
        put_block(&mut out, &ciphertext)?;
        let signature = signer.sign(&rng, &out).map_err(|_| BundleError::BadKey("signing failed".into()))?;
        put_block(&mut out, signature.as_ref())?;
        if out.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge);
        }
        Ok(out)
    }

    /// The signing key's public half (uncompressed point), as a certificate would hold it.
    pub fn public_key(&self) -> Result<Vec<u8>, BundleError> {
        let rng = ring::rand::SystemRandom::new();
        let signer = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, self.key_pkcs8, &rng)
            .map_err(|e| BundleError::BadKey(format!("the laptop's key: {e}")))?;
        Ok(signer.public_key().as_ref().to_vec())
    }
}

fn put_block(out: &mut Vec<u8>, block: &[u8]) -> Result<(), BundleError> {
    let len = u32::try_from(block.len()).map_err(|_| BundleError::TooLarge)?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(block);
    Ok(())
}

/// Reads one length-prefixed block at `*at`, at most `max` bytes.
fn take_block<'a>(bytes: &'a [u8], at: &mut usize, max: usize, what: &str) -> Result<&'a [u8], BundleError> {
    let truncated = || BundleError::Malformed(format!("truncated in the {what}"));
    let len_bytes: [u8; 4] = bytes.get(*at..*at + 4).ok_or_else(truncated)?.try_into().map_err(|_| truncated())?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    if len > max {
        return Err(BundleError::Malformed(format!("{what} of {len} bytes is too long")));
    }
    let block = bytes.get(*at + 4..*at + 4 + len).ok_or_else(truncated)?;
    *at += 4 + len;
    Ok(block)
}

/// A bundle file split into its parts; nothing is trusted yet.
#[derive(Debug)]
pub struct SealedBundle<'a> {
    pub header: BundleHeader,
    header_bytes: &'a [u8],
    /// Everything the signature covers.
    signed: &'a [u8],
    ciphertext: &'a [u8],
    signature: &'a [u8],
}

impl<'a> SealedBundle<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<SealedBundle<'a>, BundleError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge);
        }
        if !bytes.starts_with(MAGIC) {
            return Err(BundleError::Malformed("it does not start as a Field Kit bundle does".into()));
        }
        let mut at = MAGIC.len();
        let header_bytes = take_block(bytes, &mut at, MAX_HEADER_BYTES, "header")?;
        let ciphertext = take_block(bytes, &mut at, MAX_BUNDLE_BYTES, "records")?;
        let signed = &bytes[..at];
        let signature = take_block(bytes, &mut at, MAX_SIGNATURE_BYTES, "signature")?;
        if at != bytes.len() {
            return Err(BundleError::Malformed(format!("{} unexpected bytes at the end", bytes.len() - at)));
        }
        let header: BundleHeader =
            serde_json::from_slice(header_bytes).map_err(|e| BundleError::Malformed(format!("header: {e}")))?;
        if header.format != FORMAT {
            return Err(BundleError::UnsupportedFormat(header.format));
        }
        Ok(SealedBundle { header, header_bytes, signed, ciphertext, signature })
    }

    /// Checks the signature against the public key (uncompressed P-256 point) of the certificate
    /// in the header, which the caller has found in its device registry.
    pub fn verify(self, public_key: &[u8]) -> Result<VerifiedBundle<'a>, BundleError> {
        signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, public_key)
            .verify(self.signed, self.signature)
            .map_err(|_| BundleError::BadSignature)?;
        Ok(VerifiedBundle(self))
    }
}

/// A bundle whose signature checked out.
#[derive(Debug)]
pub struct VerifiedBundle<'a>(SealedBundle<'a>);

impl VerifiedBundle<'_> {
    pub fn header(&self) -> &BundleHeader {
        &self.0.header
    }

    /// Decrypts the records with the server's import key.
    pub fn open(&self, secret: &ImportSecret) -> Result<Vec<ApplicationRecord>, BundleError> {
        let bundle = &self.0;
        let ephemeral = PublicKey::from(*key_bytes(&bundle.header.ephemeral_key)?);
        let mut nonce = [0u8; 12];
        hex::decode_to_slice(&bundle.header.nonce, &mut nonce).map_err(|_| BundleError::Malformed("nonce".into()))?;
        let shared = Zeroizing::new(secret.0.diffie_hellman(&ephemeral).to_bytes());
        let key = derive_key(&shared, &ephemeral, &PublicKey::from(&secret.0));
        let aad = [&MAGIC[..], bundle.header_bytes].concat();
        let plain = Zeroizing::new(
            ChaCha20Poly1305::new(Key::from_slice(&key[..]))
                .decrypt(Nonce::from_slice(&nonce), Payload { msg: bundle.ciphertext, aad: &aad })
                .map_err(|_| BundleError::CannotDecrypt)?,
        );
        let json = Zeroizing::new(
            crate::gzip::inflate(&plain, MAX_PLAIN_BYTES)
                .map_err(|e| BundleError::Malformed(format!("records: {e}")))?,
        );
        let request: PushRequest =
            serde_json::from_slice(&json).map_err(|e| BundleError::Malformed(format!("records: {e}")))?;
        if request.records.len() != bundle.header.records as usize {
            return Err(BundleError::Malformed(format!(
                "the header says {} records, the bundle holds {}",
                bundle.header.records,
                request.records.len()
            )));
        }
        Ok(request.records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    fn records(n: u32) -> Vec<ApplicationRecord> {
        (0..n)
            .map(|i| {
                ApplicationRecord::new(
                    Uuid::from_u128(u128::from(i) + 1),
                    1,
                    1,
                    "kra.pin-registration",
                    format!("K7QM-{i:06}-X"),
                    json!({ "surname": "Ng'ang'a", "i": i }),
                )
            })
            .collect()
    }

    struct Keys {
        pkcs8: Vec<u8>,
        public: Vec<u8>,
        import: ImportSecret,
    }

    fn keys() -> Keys {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("key");
        let pair =
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).expect("pair");
        Keys {
            pkcs8: pkcs8.as_ref().to_vec(),
            public: pair.public_key().as_ref().to_vec(),
            import: ImportSecret::generate().expect("import key"),
        }
    }

    fn seal(keys: &Keys, records: Vec<ApplicationRecord>) -> Vec<u8> {
        let import_key = keys.import.public_hex();
        Sealer {
            device_id: "K7QM",
            created_at: "2026-11-25T09:00:00Z",
            cert_pem: "-----BEGIN CERTIFICATE-----\n...",
            key_pkcs8: &keys.pkcs8,
            import_key: &import_key,
        }
        .seal(records)
        .expect("seal")
    }

    #[test]
    fn a_sealed_bundle_opens_to_the_same_records() {
        let keys = keys();
        let bytes = seal(&keys, records(50));
        let sealed = SealedBundle::parse(&bytes).expect("parse");
        assert_eq!((sealed.header.device_id.as_str(), sealed.header.records), ("K7QM", 50));
        let opened = sealed.verify(&keys.public).expect("verify").open(&keys.import).expect("open");
        assert_eq!(opened, records(50));
    }

    #[test]
    fn the_records_are_not_readable_in_the_file() {
        let keys = keys();
        let bytes = seal(&keys, records(5));
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("Ng'ang'a") && !text.contains("K7QM-000001"), "plaintext leaked");
    }

    #[test]
    fn any_changed_byte_is_refused() {
        let keys = keys();
        let bytes = seal(&keys, records(3));
        // Every byte position, flipped: refused at parse, at the signature, or (never reached
        // here) at decryption; never opened.
        for at in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[at] ^= 0x01;
            let opened =
                SealedBundle::parse(&changed).and_then(|s| s.verify(&keys.public)).and_then(|v| v.open(&keys.import));
            assert!(opened.is_err(), "a flipped byte at {at} was accepted");
        }
    }

    #[test]
    fn another_laptops_key_or_another_servers_key_is_refused() {
        let keys = keys();
        let other = self::keys();
        let bytes = seal(&keys, records(2));
        let wrong_signer = SealedBundle::parse(&bytes).expect("parse").verify(&other.public);
        assert_eq!(wrong_signer.expect_err("other laptop"), BundleError::BadSignature);
        let verified = SealedBundle::parse(&bytes).expect("parse").verify(&keys.public).expect("verify");
        assert_eq!(verified.open(&other.import).expect_err("other server"), BundleError::CannotDecrypt);
    }

    #[test]
    fn truncated_or_padded_files_are_refused() {
        let keys = keys();
        let bytes = seal(&keys, records(2));
        for cut in [0, 4, MAGIC.len() + 2, bytes.len() / 2, bytes.len() - 1] {
            assert!(SealedBundle::parse(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let padded = [&bytes[..], b"x"].concat();
        assert!(matches!(SealedBundle::parse(&padded), Err(BundleError::Malformed(_))));
    }

    #[test]
    fn import_keys_round_trip_through_hex() {
        let secret = ImportSecret::generate().expect("key");
        let again = ImportSecret::from_hex(&secret.to_hex()).expect("from hex");
        assert_eq!(again.public_hex(), secret.public_hex());
        assert!(ImportSecret::from_hex("abcd").is_err());
    }
}
