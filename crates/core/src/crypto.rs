//! Key handling: the random data key that encrypts the store, and its per-officer wrapping.
//!
//! The store is encrypted by SQLCipher with a 256-bit data key drawn from the OS at profile creation.
//! Each officer holds a copy of that key sealed with XChaCha20-Poly1305 under a key-encryption key
//! derived from their PIN by argon2id. The officer number, role and profile id are bound in as
//! associated data, so editing a role in the keyring file makes the seal fail instead of elevating.

use crate::config::KdfParams;
use crate::error::{CoreError, Result};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, Zeroizing};

pub const KEY_LEN: usize = 32;
pub const SALT_LEN: usize = 16;
pub const NONCE_LEN: usize = 24;

/// The store's data key. Zeroed when dropped; never written anywhere unsealed.
#[derive(Clone, Zeroize, zeroize::ZeroizeOnDrop)]
pub struct DataKey([u8; KEY_LEN]);

impl DataKey {
    pub fn generate() -> Result<DataKey> {
        let mut bytes = [0u8; KEY_LEN];
        random_bytes(&mut bytes)?;
        Ok(DataKey(bytes))
    }

    /// The key in SQLCipher's raw-key form (`x'…'`), which skips SQLCipher's own PBKDF2 because the
    /// key is already uniformly random.
    pub(crate) fn sqlcipher_pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0)))
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// A data key sealed for one officer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SealedKey {
    pub kdf: KdfParams,
    #[serde(with = "hex::serde")]
    pub salt: Vec<u8>,
    #[serde(with = "hex::serde")]
    pub nonce: Vec<u8>,
    #[serde(with = "hex::serde")]
    pub ciphertext: Vec<u8>,
}

pub fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| CoreError::Crypto("the operating system gave no random bytes"))
}

fn derive_kek(pin: &str, salt: &[u8], kdf: KdfParams) -> Result<Zeroizing<[u8; KEY_LEN]>> {
    let params = argon2::Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(KEY_LEN))
        .map_err(|_| CoreError::Crypto("argon2 parameters out of range"))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut kek = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(pin.as_bytes(), salt, kek.as_mut())
        .map_err(|_| CoreError::Crypto("argon2 key derivation failed"))?;
    Ok(kek)
}

/// Seals `key` under `pin`; `binding` (officer, role, profile) must be given again to open it.
pub fn seal(key: &DataKey, pin: &str, binding: &[u8], kdf: KdfParams) -> Result<SealedKey> {
    let mut salt = vec![0u8; SALT_LEN];
    random_bytes(&mut salt)?;
    let mut nonce = vec![0u8; NONCE_LEN];
    random_bytes(&mut nonce)?;
    let kek = derive_kek(pin, &salt, kdf)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let ciphertext = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: &key.0, aad: binding })
        .map_err(|_| CoreError::Crypto("sealing the data key failed"))?;
    Ok(SealedKey { kdf, salt, nonce, ciphertext })
}

/// Opens a sealed key. A wrong PIN, a wrong binding or any tampering all give `WrongPin`: the
/// caller must not learn which.
pub fn open(sealed: &SealedKey, pin: &str, binding: &[u8]) -> Result<DataKey> {
    if sealed.salt.len() != SALT_LEN || sealed.nonce.len() != NONCE_LEN {
        return Err(CoreError::Crypto("sealed key has the wrong shape"));
    }
    let kek = derive_kek(pin, &sealed.salt, sealed.kdf)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let plain = Zeroizing::new(
        cipher
            .decrypt(XNonce::from_slice(&sealed.nonce), Payload { msg: &sealed.ciphertext, aad: binding })
            .map_err(|_| CoreError::WrongPin)?,
    );
    let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().map_err(|_| CoreError::WrongPin)?;
    Ok(DataKey(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KDF: KdfParams = KdfParams::INSECURE_FOR_TESTS;

    #[test]
    fn seal_then_open_round_trips() {
        let key = DataKey::generate().expect("key");
        let sealed = seal(&key, "482913", b"FD001|front_desk_officer", KDF).expect("seal");
        let opened = open(&sealed, "482913", b"FD001|front_desk_officer").expect("open");
        assert_eq!(opened.0, key.0);
    }

    #[test]
    fn wrong_pin_or_binding_fails_the_same_way() {
        let key = DataKey::generate().expect("key");
        let sealed = seal(&key, "482913", b"FD001|front_desk_officer", KDF).expect("seal");
        let wrong_pin = open(&sealed, "482914", b"FD001|front_desk_officer").expect_err("wrong pin");
        assert_eq!(wrong_pin.code(), "wrong_pin");
        let elevated = open(&sealed, "482913", b"FD001|ict_officer").expect_err("edited role");
        assert_eq!(elevated.code(), "wrong_pin");
    }

    #[test]
    fn two_seals_of_one_key_differ() {
        let key = DataKey::generate().expect("key");
        let a = seal(&key, "111111", b"x", KDF).expect("seal");
        let b = seal(&key, "111111", b"x", KDF).expect("seal");
        assert_ne!(a.salt, b.salt);
        assert_ne!(a.ciphertext, b.ciphertext);
    }
}
