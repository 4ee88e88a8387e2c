//! Catalogue files on disk: the laptop's side of `fieldkit_domain::catalogue`, which only parses
//! text.

use crate::catalogue::Catalogue;
use crate::error::{CoreError, Result};
use std::path::Path;

/// Reads and checks a catalogue file; the file's path names it in refusals.
pub fn load(path: &Path) -> Result<Catalogue> {
    let text = std::fs::read_to_string(path).map_err(|e| CoreError::io(path, e))?;
    Ok(Catalogue::parse(&path.display().to_string(), &text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalogue_file_can_be_loaded_from_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("catalogue-v2.toml");
        let text = crate::catalogue::BUILT_IN_TEXT.replacen("version = 1", "version = 2", 1);
        std::fs::write(&path, text).expect("write");
        assert_eq!(load(&path).expect("load").version, 2);
        let missing = load(&dir.path().join("nope.toml")).expect_err("missing file");
        assert_eq!(missing.code(), "io");
    }
}
