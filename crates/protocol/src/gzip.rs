//! Body compression both ends agree on: gzip, because application records are repetitive JSON
//! (field names, county codes) and shrink several times over, which is what matters on a link
//! measured in kilobits.

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use std::io::{Read, Write};

/// Compresses `bytes`. Level 6 is the usual balance; the laptop's CPU is not the bottleneck.
pub fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4 + 64), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

#[derive(Debug, thiserror::Error)]
pub enum InflateError {
    #[error("not valid gzip: {0}")]
    Corrupt(#[from] std::io::Error),
    #[error("inflates to more than {0} bytes")]
    TooLarge(usize),
}

/// Decompresses `bytes`, refusing output beyond `limit` bytes rather than allocating it.
pub fn inflate(bytes: &[u8], limit: usize) -> Result<Vec<u8>, InflateError> {
    let mut out = Vec::new();
    let read = GzDecoder::new(bytes).take(limit as u64 + 1).read_to_end(&mut out)?;
    if read > limit {
        return Err(InflateError::TooLarge(limit));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_shrinks_repetitive_json() {
        let json = br#"{"county_code":"039","surname":"Wekesa"}"#.repeat(200);
        let packed = deflate(&json);
        assert!(packed.len() * 10 < json.len(), "{} -> {}", json.len(), packed.len());
        assert_eq!(inflate(&packed, json.len()).expect("inflate"), json);
    }

    #[test]
    fn a_bomb_is_refused_at_the_limit() {
        let packed = deflate(&vec![0u8; 1 << 20]);
        assert!(matches!(inflate(&packed, 1 << 16), Err(InflateError::TooLarge(_))));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(inflate(b"not gzip at all", 1024), Err(InflateError::Corrupt(_))));
        let mut truncated = deflate(b"hello hello hello");
        truncated.truncate(truncated.len() / 2);
        assert!(inflate(&truncated, 1024).is_err());
    }
}
