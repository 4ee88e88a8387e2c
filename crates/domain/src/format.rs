//! How dates and amounts are written on paper and in messages, the same on laptop and server.

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
    fn dates_are_written_year_first() {
        assert_eq!(date(time::macros::date!(2026 - 11 - 28)), "2026-11-28");
    }
}
