//! Kenya's 47 counties and their codes, from `reference/counties.json` (Constitution of Kenya 2010,
//! First Schedule; codes 001–047 in that order). Compiled in: the list changes only with the
//! Constitution.
//!
//! Sub-counties are not listed: no source we could check offline gives the current list with
//! codes, so sub-county is captured as a checked place name instead (see ARCHITECTURE.md).

use crate::error::{DomainError, Reason, Result};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const COUNTIES_JSON: &str = include_str!("../reference/counties.json");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct County {
    pub code: String,
    pub name: String,
}

#[derive(Deserialize)]
struct CountiesFile {
    counties: Vec<County>,
}

/// All 47 counties in First Schedule order.
pub fn all() -> &'static [County] {
    static COUNTIES: OnceLock<Vec<County>> = OnceLock::new();
    COUNTIES.get_or_init(|| {
        // The file is part of the source tree and checked by the tests below; an unreadable copy
        // would be a build defect, and an empty list then refuses every county answer.
        serde_json::from_str::<CountiesFile>(COUNTIES_JSON).map(|f| f.counties).unwrap_or_default()
    })
}

pub fn by_code(code: &str) -> Option<&'static County> {
    all().iter().find(|c| c.code == code)
}

/// A county answer, as its code (`047`, `47`) or its name (`Nairobi City`, `murang'a`), to its
/// three-digit code.
pub fn county_code(field: &str, raw: &str) -> Result<String> {
    let cleaned = raw.trim();
    if !cleaned.is_empty() && cleaned.len() <= 3 && cleaned.bytes().all(|b| b.is_ascii_digit()) {
        let code = format!("{:0>3}", cleaned);
        return by_code(&code).map(|c| c.code.clone()).ok_or_else(|| DomainError::invalid(field, Reason::CountyCode));
    }
    let wanted = fold_name(cleaned);
    all()
        .iter()
        .find(|c| fold_name(&c.name) == wanted || fold_name(&c.name) == format!("{wanted} city"))
        .map(|c| c.code.clone())
        .ok_or_else(|| DomainError::invalid(field, Reason::CountyCode))
}

/// Lower case, typographic apostrophes folded, hyphens and spaces treated alike.
fn fold_name(name: &str) -> String {
    let folded: String = name
        .chars()
        .map(|c| match c {
            '\u{2019}' | '\u{2018}' | '`' => '\'',
            '-' => ' ',
            other => other,
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_has_47_counties_numbered_in_order() {
        let counties = all();
        assert_eq!(counties.len(), 47);
        for (index, county) in counties.iter().enumerate() {
            assert_eq!(county.code, format!("{:03}", index + 1));
            assert!(!county.name.trim().is_empty());
        }
        assert_eq!(by_code("001").map(|c| c.name.as_str()), Some("Mombasa"));
        assert_eq!(by_code("021").map(|c| c.name.as_str()), Some("Murang'a"));
    }

    #[test]
    fn answers_by_code_or_name() {
        let ok = |raw: &str, want: &str| assert_eq!(county_code("county", raw).expect(raw), want);
        ok("047", "047");
        ok("47", "047");
        ok("1", "001");
        ok("Murang'a", "021");
        ok("murang\u{2019}a", "021");
        ok("taita taveta", "006");
        ok(" Tharaka-Nithi ", "013");
        for bad in ["", "0", "048", "000", "1000", "Atlantis", "Nairobbi"] {
            assert!(county_code("county", bad).is_err(), "{bad}");
        }
    }
}
