//! Field validators shared by the app and the server. Each returns the cleaned, canonical value or
//! an `InvalidInput` naming the field and a stable reason code.

use crate::error::{DomainError, Reason, Result};
use time::{Date, OffsetDateTime};

/// A person's name part: Unicode letters, with single spaces, apostrophes (Ng'ang'a) and hyphens
/// between them. Typographic apostrophes are folded to ASCII so searches match.
pub fn person_name(field: &str, raw: &str) -> Result<String> {
    let folded: String = raw.trim().replace(['\u{2019}', '\u{2018}', '`'], "'");
    let collapsed = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(DomainError::invalid(field, Reason::Required));
    }
    if collapsed.chars().count() > 60 {
        return Err(DomainError::invalid(field, Reason::TooLong));
    }
    let mut previous_was_letter = false;
    for c in collapsed.chars() {
        let is_letter = c.is_alphabetic();
        if !is_letter && !matches!(c, '\'' | '-' | ' ') {
            return Err(DomainError::invalid(field, Reason::NameCharacters));
        }
        if !is_letter && !previous_was_letter {
            return Err(DomainError::invalid(field, Reason::NameCharacters));
        }
        previous_was_letter = is_letter;
    }
    if !previous_was_letter {
        return Err(DomainError::invalid(field, Reason::NameCharacters));
    }
    Ok(collapsed)
}

/// Kenyan mobile number in any of its written forms (+254 7XX…, 254 7XX…, 07XX…, 01XX…) to E.164.
pub fn kenyan_phone(field: &str, raw: &str) -> Result<String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    let national = if let Some(rest) = digits.strip_prefix("+254") {
        rest.to_string()
    } else if let Some(rest) = digits.strip_prefix("254").filter(|r| r.len() == 9) {
        rest.to_string()
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest.to_string()
    } else {
        return Err(DomainError::invalid(field, Reason::PhoneFormat));
    };
    let valid = national.len() == 9
        && national.chars().all(|c| c.is_ascii_digit())
        && matches!(national.as_bytes()[0], b'7' | b'1');
    if !valid {
        return Err(DomainError::invalid(field, Reason::PhoneFormat));
    }
    Ok(format!("+254{national}"))
}

/// National ID number: digits only, 1 to 8 of them, no leading zero.
pub fn national_id_number(field: &str, raw: &str) -> Result<String> {
    let cleaned = raw.trim();
    let valid =
        (1..=8).contains(&cleaned.len()) && cleaned.chars().all(|c| c.is_ascii_digit()) && !cleaned.starts_with('0');
    if !valid {
        return Err(DomainError::invalid(field, Reason::IdNumberFormat));
    }
    Ok(cleaned.to_string())
}

/// Date of birth as `YYYY-MM-DD`, not in the future and not more than 130 years ago.
pub fn date_of_birth(field: &str, raw: &str, today: Date) -> Result<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(raw.trim(), format).map_err(|_| DomainError::invalid(field, Reason::DateFormat))?;
    if date > today {
        return Err(DomainError::invalid(field, Reason::DateInFuture));
    }
    if today.year() - date.year() > 130 {
        return Err(DomainError::invalid(field, Reason::DateTooOld));
    }
    Ok(date)
}

/// KRA PIN: 11 characters, `A` (individuals) or `P` (non-individuals), nine digits, a letter.
/// Typed in lower case or with spaces, it is stored upper case without them.
pub fn kra_pin(field: &str, raw: &str) -> Result<String> {
    let cleaned: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let bytes = cleaned.as_bytes();
    let valid = bytes.len() == 11
        && matches!(bytes[0], b'A' | b'P')
        && bytes[1..10].iter().all(u8::is_ascii_digit)
        && bytes[10].is_ascii_uppercase();
    if !valid {
        return Err(DomainError::invalid(field, Reason::KraPinFormat));
    }
    Ok(cleaned)
}

/// An e-mail address, checked for shape only (one `@`, a dotted domain, no spaces); lower-cased
/// domain.
pub fn email(field: &str, raw: &str) -> Result<String> {
    let trimmed = raw.trim();
    let invalid = || DomainError::invalid(field, Reason::EmailFormat);
    let (local, domain) = trimmed.split_once('@').ok_or_else(invalid)?;
    let labels_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    let valid = !local.is_empty()
        && local.len() <= 64
        && trimmed.len() <= 254
        && !domain.contains('@')
        && labels_ok
        && !local.chars().any(|c| c.is_whitespace() || c.is_control() || c == '@');
    if !valid {
        return Err(invalid());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// A place name typed by an officer (sub-county, ward, village): letters, digits, spaces,
/// apostrophes, hyphens, full stops and slashes; 1 to 80 characters.
pub fn place_name(field: &str, raw: &str) -> Result<String> {
    let text = free_text(field, raw, 80)?;
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !collapsed.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '\'' | '\u{2019}' | '-' | '.' | '/')) {
        return Err(DomainError::invalid(field, Reason::NameCharacters));
    }
    Ok(collapsed.replace('\u{2019}', "'"))
}

/// Catalogue service id, e.g. `national-id.first-issue`: lower-case letters, digits, `.` and `-`.
pub fn service_id(raw: &str) -> Result<String> {
    let valid = (2..=64).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && raw.as_bytes()[0].is_ascii_lowercase();
    if !valid {
        return Err(DomainError::invalid("service_id", Reason::ServiceIdFormat));
    }
    Ok(raw.to_string())
}

/// Free text an officer types (display names, reasons): trimmed, non-empty, bounded, no control
/// characters.
pub fn free_text(field: &str, raw: &str, max_chars: usize) -> Result<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid(field, Reason::Required));
    }
    if trimmed.chars().count() > max_chars {
        return Err(DomainError::invalid(field, Reason::TooLong));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(DomainError::invalid(field, Reason::ControlCharacters));
    }
    Ok(trimmed.to_string())
}

/// The calendar day of `now` in Kenya, against which dates of birth and the like are checked.
pub fn today(now: OffsetDateTime) -> Date {
    // Kenya is UTC+3 all year; a birth at 01:00 EAT on the 1st must not be "in the future".
    now.to_offset(time::macros::offset!(+3)).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn reason<T: std::fmt::Debug>(result: Result<T>) -> Option<&'static str> {
        result.err().and_then(|e| e.reason().map(|r| r.as_str()))
    }

    #[test]
    fn names() {
        let ok = |raw: &str, want: &str| assert_eq!(person_name("surname", raw).expect(raw), want);
        ok("Ng'ang'a", "Ng'ang'a");
        ok("  Wanjiru   Njoki ", "Wanjiru Njoki");
        ok("Arap-Moi", "Arap-Moi");
        ok("Ng\u{2019}ang\u{2019}a", "Ng'ang'a");
        ok("Kipchoge Keino", "Kipchoge Keino");
        ok("Çelik", "Çelik");
        assert_eq!(reason(person_name("surname", "")), Some("required"));
        assert_eq!(reason(person_name("surname", "Otieno2")), Some("name_characters"));
        assert_eq!(reason(person_name("surname", "'Otieno")), Some("name_characters"));
        assert_eq!(reason(person_name("surname", "Otieno-")), Some("name_characters"));
        assert_eq!(reason(person_name("surname", "O--tieno")), Some("name_characters"));
        assert_eq!(reason(person_name("surname", &"a".repeat(61))), Some("too_long"));
    }

    #[test]
    fn phones_normalise_to_e164() {
        for raw in ["0712345678", "+254712345678", "254712345678", "0712 345 678", "+254 712-345-678"] {
            assert_eq!(kenyan_phone("phone", raw).expect(raw), "+254712345678");
        }
        assert_eq!(kenyan_phone("phone", "0110123456").expect("01 prefix"), "+254110123456");
        for bad in ["", "0812345678", "071234567", "07123456789", "+255712345678", "07a2345678", "712345678"] {
            assert_eq!(reason(kenyan_phone("phone", bad)), Some("phone_format"), "{bad}");
        }
    }

    #[test]
    fn id_numbers() {
        assert_eq!(national_id_number("id_number", " 12345678 ").expect("id"), "12345678");
        for bad in ["", "123456789", "01234567", "1234567a", "-1"] {
            assert!(national_id_number("id_number", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_of_birth() {
        let today = date!(2026 - 11 - 22);
        assert_eq!(date_of_birth("dob", "1990-02-28", today).expect("dob"), date!(1990 - 02 - 28));
        assert_eq!(reason(date_of_birth("dob", "2026-11-23", today)), Some("date_in_future"));
        assert_eq!(reason(date_of_birth("dob", "1990-02-30", today)), Some("date_format"));
        assert_eq!(reason(date_of_birth("dob", "28/02/1990", today)), Some("date_format"));
        assert_eq!(reason(date_of_birth("dob", "1880-01-01", today)), Some("date_too_old"));
    }

    #[test]
    fn kenya_date_is_used_near_midnight() {
        let late_utc = time::macros::datetime!(2026-11-21 22:30 UTC);
        assert_eq!(today(late_utc), date!(2026 - 11 - 22));
    }

    #[test]
    fn kra_pins() {
        assert_eq!(kra_pin("kra_pin", "A012345678Z").expect("pin"), "A012345678Z");
        assert_eq!(kra_pin("kra_pin", " p051234567k ").expect("pin"), "P051234567K");
        for bad in ["", "A01234567Z", "A0123456789Z", "B012345678Z", "A012345678", "A01234567AZ", "A012345678-"] {
            assert_eq!(reason(kra_pin("kra_pin", bad)), Some("kra_pin_format"), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(email("email", " wanjiru.kamau@Example.CO.KE ").expect("email"), "wanjiru.kamau@example.co.ke");
        for bad in ["", "wanjiru", "@example.com", "w@", "w@example", "w k@example.com", "w@@example.com", "w@ex..com"]
        {
            assert_eq!(reason(email("email", bad)), Some("email_format"), "{bad}");
        }
    }

    #[test]
    fn place_names() {
        assert_eq!(place_name("sub_county", " Kiharu ").expect("place"), "Kiharu");
        assert_eq!(place_name("sub_county", "Ng\u{2019}arua  Ward").expect("place"), "Ng'arua Ward");
        assert!(place_name("sub_county", "Kiharu; DROP").is_err());
        assert!(place_name("sub_county", "").is_err());
    }

    #[test]
    fn service_ids() {
        assert!(service_id("national-id.first-issue").is_ok());
        assert!(service_id("National ID").is_err());
        assert!(service_id("1id").is_err());
    }
}
