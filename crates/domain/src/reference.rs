//! Human application references, unique across laptops without coordination and safe to read out
//! over the phone: `K7QM-000042-T` = laptop prefix, sequence on that laptop, check character.
//!
//! The alphabet is Crockford's base 32 (no I, L, O or U), so spoken or hand-copied references do
//! not confuse 1/I/L or 0/O; when parsing, those letters are read as the digits they look like. The
//! check character is Luhn mod 32 over prefix and sequence, which catches every single wrong
//! character and every swap of two different neighbouring characters except `0` beside `Z` (the
//! one blind spot Luhn mod N has, as `09`/`90` is for Luhn mod 10).

use crate::error::{DomainError, Reason, Result};
use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const PREFIX_LEN: usize = 4;
pub const SEQUENCE_DIGITS: usize = 6;
pub const MAX_SEQUENCE: u32 = 999_999;

/// The 4-character code of one laptop, issued when it is enrolled; the reference's uniqueness across
/// laptops rests on no two laptops sharing one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LaptopPrefix(String);

impl LaptopPrefix {
    pub fn parse(text: &str) -> Result<LaptopPrefix> {
        let normalised = normalise(text);
        if normalised.len() != PREFIX_LEN || !normalised.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(DomainError::invalid("laptop_prefix", Reason::LaptopPrefixFormat));
        }
        Ok(LaptopPrefix(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LaptopPrefix {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self> {
        LaptopPrefix::parse(&value)
    }
}

impl From<LaptopPrefix> for String {
    fn from(value: LaptopPrefix) -> String {
        value.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Reference(String);

impl Reference {
    pub fn new(prefix: &LaptopPrefix, sequence: u32) -> Result<Reference> {
        if sequence == 0 || sequence > MAX_SEQUENCE {
            return Err(DomainError::ReferencesExhausted);
        }
        let body = format!("{}{:0width$}", prefix.as_str(), sequence, width = SEQUENCE_DIGITS);
        let check = check_char(body.as_bytes());
        Ok(Reference(format!("{}-{:0width$}-{}", prefix.as_str(), sequence, check, width = SEQUENCE_DIGITS)))
    }

    /// Parses what an officer or citizen typed or read out: case, spaces, dashes and the look-alike
    /// letters I, L, O are forgiven; a wrong check character is not.
    pub fn parse(text: &str) -> Result<Reference> {
        let compact = normalise(text);
        let expected_len = PREFIX_LEN + SEQUENCE_DIGITS + 1;
        if compact.len() != expected_len || !compact.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(DomainError::invalid("reference", Reason::ReferenceFormat));
        }
        let (body, check) = compact.split_at(expected_len - 1);
        let prefix = LaptopPrefix::parse(&body[..PREFIX_LEN])?;
        let sequence: u32 =
            body[PREFIX_LEN..].parse().map_err(|_| DomainError::invalid("reference", Reason::ReferenceFormat))?;
        if check.as_bytes()[0] != check_char(body.as_bytes()) as u8 {
            return Err(DomainError::invalid("reference", Reason::ReferenceCheckDigit));
        }
        Reference::new(&prefix, sequence).map_err(|_| DomainError::invalid("reference", Reason::ReferenceFormat))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Reference {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self> {
        Reference::parse(&value)
    }
}

impl From<Reference> for String {
    fn from(value: Reference) -> String {
        value.0
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            other => other,
        })
        .collect()
}

fn code_point(byte: u8) -> u32 {
    ALPHABET.iter().position(|&a| a == byte).map_or(0, |p| p as u32)
}

/// Luhn mod N (N = 32) check character for `body`, whose bytes must come from `ALPHABET`.
fn check_char(body: &[u8]) -> char {
    let n = ALPHABET.len() as u32;
    let mut factor = 2;
    let mut sum = 0;
    for &byte in body.iter().rev() {
        let addend = factor * code_point(byte);
        sum += addend / n + addend % n;
        factor = if factor == 2 { 1 } else { 2 };
    }
    let check = (n - sum % n) % n;
    ALPHABET[check as usize] as char
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(text: &str) -> LaptopPrefix {
        LaptopPrefix::parse(text).expect("prefix")
    }

    #[test]
    fn formats_and_parses_back() {
        let reference = Reference::new(&prefix("K7QM"), 42).expect("reference");
        assert!(reference.as_str().starts_with("K7QM-000042-"), "{reference}");
        assert_eq!(Reference::parse(reference.as_str()).expect("parse"), reference);
        let spoken = reference.as_str().to_lowercase().replace('-', " ");
        assert_eq!(Reference::parse(&spoken).expect("parse spoken"), reference);
    }

    #[test]
    fn look_alike_letters_are_read_as_digits() {
        let reference = Reference::new(&prefix("K7Q1"), 100).expect("reference");
        let misheard = reference.as_str().replacen("1", "I", 1).replacen("0", "O", 1);
        assert_eq!(Reference::parse(&misheard).expect("parse"), reference);
    }

    #[test]
    fn every_single_character_error_is_caught() {
        let reference = Reference::new(&prefix("K7QM"), 123_456).expect("reference");
        let compact: Vec<u8> = normalise(reference.as_str()).into_bytes();
        for position in 0..compact.len() {
            for &replacement in ALPHABET {
                if replacement == compact[position] {
                    continue;
                }
                let mut typo = compact.clone();
                typo[position] = replacement;
                let typo = String::from_utf8(typo).expect("ascii");
                assert!(Reference::parse(&typo).is_err(), "{typo} accepted as {reference}");
            }
        }
    }

    #[test]
    fn neighbour_swaps_are_caught() {
        for (laptop, sequence) in [("ZX90", 1), ("ZX90", 90), ("K7QM", 123_456), ("0Z0Z", 909_090), ("ABCD", 999_999)] {
            let reference = Reference::new(&prefix(laptop), sequence).expect("reference");
            let compact: Vec<u8> = normalise(reference.as_str()).into_bytes();
            for i in 0..compact.len() - 1 {
                let pair = [compact[i], compact[i + 1]];
                if pair[0] == pair[1] || pair == *b"0Z" || pair == *b"Z0" {
                    continue;
                }
                let mut swapped = compact.clone();
                swapped.swap(i, i + 1);
                let swapped = String::from_utf8(swapped).expect("ascii");
                assert!(Reference::parse(&swapped).is_err(), "{swapped} accepted as {reference}");
            }
        }
    }

    #[test]
    fn the_known_blind_spot_is_only_zero_beside_z() {
        // Documented limitation, kept honest: swapping 0 and Z leaves the check character valid.
        let reference = Reference::new(&prefix("A0ZB"), 1).expect("reference");
        let swapped = reference.as_str().replacen("0Z", "Z0", 1);
        assert_eq!(Reference::parse(&swapped).map(|r| r.as_str().to_string()).ok(), Some(swapped));
    }

    #[test]
    fn references_from_different_laptops_never_collide() {
        let a: std::collections::HashSet<_> =
            (1..=5000).map(|s| Reference::new(&prefix("AAAA"), s).expect("ref")).collect();
        let b: std::collections::HashSet<_> =
            (1..=5000).map(|s| Reference::new(&prefix("AAAB"), s).expect("ref")).collect();
        assert_eq!(a.len(), 5000);
        assert!(a.is_disjoint(&b));
    }

    #[test]
    fn sequence_range_is_enforced() {
        assert_eq!(Reference::new(&prefix("K7QM"), 0).expect_err("zero").code(), "references_exhausted");
        assert_eq!(
            Reference::new(&prefix("K7QM"), MAX_SEQUENCE + 1).expect_err("overflow").code(),
            "references_exhausted"
        );
        assert!(LaptopPrefix::parse("K7Q").is_err());
        assert!(LaptopPrefix::parse("K7QU").is_err(), "U is not in Crockford's alphabet");
    }
}
