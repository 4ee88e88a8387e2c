//! How dates and amounts are written on paper and in messages, the same on laptop and server, and
//! the paper they are printed on.

use time::Date;

/// `2026-11-28`.
pub fn date(date: Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    date.format(format).unwrap_or_else(|_| date.to_string())
}

/// `1,234,567`: digits grouped in threes, as Kenyan shillings and counts are printed.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The paper in the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// A5 sheet, 148 × 210 mm.
    #[default]
    A5,
    /// 80 mm thermal receipt roll (72 mm printable); the slip is as long as its content.
    Receipt80,
}

impl Paper {
    pub const ALL: [Paper; 2] = [Paper::A5, Paper::Receipt80];

    pub fn as_str(self) -> &'static str {
        match self {
            Paper::A5 => "a5",
            Paper::Receipt80 => "receipt80",
        }
    }

    /// `a5` or `receipt80` (also `receipt`, `80mm`).
    pub fn parse(text: &str) -> crate::error::Result<Paper> {
        match text.trim().to_ascii_lowercase().as_str() {
            "a5" => Ok(Paper::A5),
            "receipt80" | "receipt" | "80mm" | "receipt-80" => Ok(Paper::Receipt80),
            _ => Err(crate::error::DomainError::invalid("paper", crate::error::Reason::ChoiceUnknown)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_are_grouped_in_thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(950), "950");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(1234567), "1,234,567");
    }

    #[test]
    fn paper_names() {
        for paper in Paper::ALL {
            assert_eq!(Paper::parse(paper.as_str()).expect("parses"), paper);
        }
        assert_eq!(Paper::parse(" Receipt ").expect("parses"), Paper::Receipt80);
        assert_eq!(Paper::parse("a4").err().and_then(|e| e.reason()), Some(crate::error::Reason::ChoiceUnknown));
    }

    #[test]
    fn dates_are_written_year_first() {
        assert_eq!(date(time::macros::date!(2026 - 11 - 28)), "2026-11-28");
    }
}
