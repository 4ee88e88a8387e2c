//! The two official languages, and text that exists in both.

use crate::error::{DomainError, Reason, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Sw,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Sw];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sw => "sw",
        }
    }

    /// `en`/`sw`, also the names officers type (`english`, `kiswahili`, `swahili`).
    pub fn parse(text: &str) -> Result<Lang> {
        match text.trim().to_ascii_lowercase().as_str() {
            "en" | "eng" | "english" => Ok(Lang::En),
            "sw" | "swa" | "kiswahili" | "swahili" => Ok(Lang::Sw),
            _ => Err(DomainError::invalid("lang", Reason::UnknownLanguage)),
        }
    }
}

/// A piece of user-facing text in English and Kiswahili. Both are required wherever it appears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    pub sw: String,
}

impl Text {
    pub fn new(en: impl Into<String>, sw: impl Into<String>) -> Text {
        Text { en: en.into(), sw: sw.into() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Sw => &self.sw,
        }
    }

    /// Whether either language is missing (empty or only spaces).
    pub fn has_gap(&self) -> bool {
        self.en.trim().is_empty() || self.sw.trim().is_empty()
    }
}
