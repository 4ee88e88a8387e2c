//! The keyring file: one sealed copy of the data key per officer, plus each officer's wrong-PIN
//! count. It sits beside the encrypted store, unencrypted itself (it must be read before anything
//! can be decrypted) and holds no citizen data: officer numbers, roles, sealed keys, counters.
//!
//! Writes are atomic (temp file, fsync, rename, fsync the directory) and serialised across
//! processes by an exclusive lock on `keyring.lock`, so a crash never leaves a half-written keyring.

use crate::crypto::SealedKey;
use crate::error::{CoreError, Result};
use crate::officer::{OfficerNumber, Role};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use uuid::Uuid;

const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Keyring {
    pub format: u32,
    pub profile_id: Uuid,
    pub officers: Vec<KeyringEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeyringEntry {
    pub number: OfficerNumber,
    pub role: Role,
    pub sealed_key: SealedKey,
    /// Consecutive wrong PINs since the last good one.
    pub failed_attempts: u32,
    /// Unix seconds before which sign-in is refused without checking the PIN.
    pub locked_until: Option<i64>,
}

impl Keyring {
    pub fn new(profile_id: Uuid) -> Keyring {
        Keyring { format: FORMAT, profile_id, officers: Vec::new() }
    }

    /// What a sealed key is bound to: tampering with any of it makes the seal fail to open.
    pub fn binding(profile_id: Uuid, number: &OfficerNumber, role: Role) -> Vec<u8> {
        format!("huduma-fieldkit/keyring/v1|{profile_id}|{number}|{}", role.as_str()).into_bytes()
    }

    pub fn entry(&self, number: &OfficerNumber) -> Option<&KeyringEntry> {
        self.officers.iter().find(|e| &e.number == number)
    }

    pub fn entry_mut(&mut self, number: &OfficerNumber) -> Option<&mut KeyringEntry> {
        self.officers.iter_mut().find(|e| &e.number == number)
    }

    /// Adds or replaces the entry for `entry.number`.
    pub fn upsert(&mut self, entry: KeyringEntry) {
        self.officers.retain(|e| e.number != entry.number);
        self.officers.push(entry);
        self.officers.sort_by(|a, b| a.number.cmp(&b.number));
    }

    pub fn remove(&mut self, number: &OfficerNumber) {
        self.officers.retain(|e| &e.number != number);
    }
}

/// The keyring's location and its cross-process lock.
pub struct KeyringFile {
    path: PathBuf,
    lock_path: PathBuf,
}

/// Held while a read-modify-write of the keyring is in progress.
pub struct KeyringLock {
    _file: File,
}

impl KeyringFile {
    pub fn in_dir(dir: &Path) -> KeyringFile {
        KeyringFile { path: dir.join("keyring.json"), lock_path: dir.join("keyring.lock") }
    }

    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    pub fn lock(&self) -> Result<KeyringLock> {
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&self.lock_path).map_err(|e| CoreError::io(&self.lock_path, e))?;
        file.lock().map_err(|e| CoreError::io(&self.lock_path, e))?;
        Ok(KeyringLock { _file: file })
    }

    pub fn read(&self) -> Result<Keyring> {
        let text = std::fs::read_to_string(&self.path).map_err(|e| CoreError::io(&self.path, e))?;
        let corrupt = |message: String| CoreError::KeyringCorrupt { path: self.path.display().to_string(), message };
        let keyring: Keyring = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        if keyring.format != FORMAT {
            return Err(corrupt(format!("format {} is not supported (expected {FORMAT})", keyring.format)));
        }
        Ok(keyring)
    }

    /// Replaces the keyring atomically. The caller holds the lock.
    pub fn write(&self, keyring: &Keyring, _lock: &KeyringLock) -> Result<()> {
        let text = serde_json::to_vec_pretty(keyring)
            .map_err(|e| CoreError::KeyringCorrupt { path: self.path.display().to_string(), message: e.to_string() })?;
        write_atomically(&self.path, &text)
    }
}

/// Write `bytes` to `path` so that after a crash the file is either the old or the new content.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = path.with_extension("tmp");
    let mut options = OpenOptions::new();
    options.create(true).truncate(true).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp).map_err(|e| CoreError::io(&temp, e))?;
    file.write_all(bytes).map_err(|e| CoreError::io(&temp, e))?;
    file.sync_all().map_err(|e| CoreError::io(&temp, e))?;
    drop(file);
    std::fs::rename(&temp, path).map_err(|e| CoreError::io(path, e))?;
    sync_dir(dir)
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let handle = File::open(dir).map_err(|e| CoreError::io(dir, e))?;
        handle.sync_all().map_err(|e| CoreError::io(dir, e))?;
    }
    let _ = dir;
    Ok(())
}
