//! Properties of the validators, county codes and periods over generated input:
//!
//! - every written form of a valid value gives the same canonical value;
//! - a canonical value validates to itself (normalising is idempotent);
//! - no input makes a validator panic, and a refusal always carries the validator's documented
//!   reason code;
//! - what is outside a validator's definition is refused.
//!
//! Each property runs 256 cases (well under a second in a debug build). A failing case is printed
//! with its shrunk input; nothing is persisted to files. Proptest seeds each run afresh, so every green
//! property here must hold for every input its strategy can produce, not just likely ones.

use fieldkit_domain::catalogue::{Period, PeriodUnit};
use fieldkit_domain::{DomainError, Result, counties, validate};
use proptest::prelude::*;
use proptest::sample::select;
use time::Date;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 25);

/// 256 cases per property, or `PROPTEST_CASES` for a longer search
/// (`PROPTEST_CASES=20000 cargo test --release -p fieldkit-core --test properties`).
fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { default.cases } else { 256 };
    ProptestConfig { cases, failure_persistence: None, ..default }
}

/// The reason code of a refusal, or `None` if the value was accepted (or refused otherwise).
fn reason<T>(result: &Result<T>) -> Option<&'static str> {
    match result {
        Err(DomainError::InvalidInput { reason, .. }) => Some(reason.as_str()),
        _ => None,
    }
}

/// Asserts that `result` is either a value or a refusal with one of `allowed` reasons.
fn accepted_or_refused_with<T>(result: &Result<T>, allowed: &[&str]) -> std::result::Result<(), TestCaseError> {
    match result {
        Ok(_) => Ok(()),
        Err(DomainError::InvalidInput { reason, .. }) => {
            prop_assert!(allowed.contains(&reason.as_str()), "unexpected reason {}", reason.as_str());
            Ok(())
        }
        Err(other) => Err(TestCaseError::fail(format!("not an input refusal: {other:?}"))),
    }
}

/// Arbitrary text: any Unicode (controls included), printable Unicode, and printable ASCII.
fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(any::<char>(), 0..max).prop_map(|c| c.into_iter().collect::<String>()),
        proptest::string::string_regex(&format!("\\PC{{0,{max}}}")).expect("regex"),
        proptest::string::string_regex(&format!("[ -~]{{0,{max}}}")).expect("regex"),
    ]
}

/// Whitespace that `str::trim` removes, as pasted from spreadsheets and web pages.
fn padding() -> impl Strategy<Value = String> {
    proptest::collection::vec(select(vec![' ', '\t', '\n', '\u{a0}']), 0..3).prop_map(|c| c.into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// Kenyan mobile numbers
// ---------------------------------------------------------------------------------------------

/// A Kenyan mobile subscriber number: 9 digits starting 7 or 1.
fn subscriber() -> impl Strategy<Value = String> {
    ("[71]", "[0-9]{8}").prop_map(|(first, rest)| format!("{first}{rest}"))
}

/// `number` in one of its written forms: 0…, +254…, 254…, +254 ….
fn written_phone(number: &str, form: usize) -> String {
    match form {
        0 => format!("0{number}"),
        1 => format!("+254{number}"),
        2 => format!("254{number}"),
        _ => format!("+254 {number}"),
    }
}

/// Inserts the separators the validator ignores (space, hyphen, parentheses) before the given
/// character positions.
fn with_separators(text: &str, cuts: &[(usize, char)]) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        for (_, separator) in cuts.iter().filter(|(at, _)| *at == i) {
            out.push(*separator);
        }
        out.push(c);
    }
    out
}

fn phone_separator() -> impl Strategy<Value = char> {
    select(vec![' ', '-', '(', ')'])
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_written_form_of_a_mobile_number_gives_one_e164(
        number in subscriber(),
        form in 0..4usize,
        cuts in proptest::collection::vec((0..14usize, phone_separator()), 0..4),
    ) {
        let written = with_separators(&written_phone(&number, form), &cuts);
        let canonical = validate::kenyan_phone("phone", &written).expect("valid number");
        prop_assert_eq!(&canonical, &format!("+254{number}"), "written {:?}", written);
        prop_assert_eq!(validate::kenyan_phone("phone", &canonical).expect("canonical"), canonical);
    }

    #[test]
    fn numbers_outside_the_mobile_ranges_are_refused(first in "[02-689]", rest in "[0-9]{8}", form in 0..4usize) {
        let written = written_phone(&format!("{first}{rest}"), form);
        prop_assert_eq!(reason(&validate::kenyan_phone("phone", &written)), Some("phone_format"), "{}", written);
    }

    #[test]
    fn numbers_of_another_length_are_refused(
        first in "[71]",
        rest in prop_oneof!["[0-9]{0,7}", "[0-9]{9,12}"],
        form in 0..4usize,
    ) {
        let written = written_phone(&format!("{first}{rest}"), form);
        prop_assert_eq!(reason(&validate::kenyan_phone("phone", &written)), Some("phone_format"), "{}", written);
    }

    #[test]
    fn any_text_is_a_phone_only_if_its_digits_are_one(
        raw in prop_oneof![
            any_text(20),
            "[0-9+ ()-]{0,16}",
            "(0|\\+254|254|\\+ 254|00254|\\+2540)[ ()-]{0,2}[0-9]?[0-9 -]{7,11}",
            "(0|\\+254|254)[ ()]{0,2}[71][0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{2,4}",
        ],
    ) {
        let result = validate::kenyan_phone("phone", &raw);
        accepted_or_refused_with(&result, &["phone_format"])?;
        if let Ok(canonical) = result {
            let national = canonical.strip_prefix("+254").expect("+254 prefix");
            prop_assert!(national.len() == 9 && national.starts_with(['7', '1']));
            prop_assert!(national.bytes().all(|b| b.is_ascii_digit()));
            // The input held exactly that number, in one of its prefixes, and nothing else but
            // separators.
            let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
            prop_assert!(
                [format!("0{national}"), format!("254{national}"), format!("+254{national}")].contains(&digits),
                "{:?} -> {}", raw, canonical
            );
            prop_assert_eq!(validate::kenyan_phone("phone", &canonical).ok(), Some(canonical));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// National ID numbers and KRA PINs
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn id_numbers_are_one_to_eight_digits_without_a_leading_zero(
        raw in prop_oneof!["[0-9 ]{0,11}", "[0-9]{0,10}", any_text(10)],
    ) {
        let trimmed = raw.trim();
        let valid = (1..=8).contains(&trimmed.len())
            && trimmed.bytes().all(|b| b.is_ascii_digit())
            && !trimmed.starts_with('0');
        let result = validate::national_id_number("id_number", &raw);
        accepted_or_refused_with(&result, &["id_number_format"])?;
        prop_assert_eq!(result.is_ok(), valid, "{:?}", raw);
        if let Ok(id) = result {
            prop_assert_eq!(&id, trimmed);
            prop_assert_eq!(validate::national_id_number("id_number", &id).ok(), Some(id));
        }
    }

    #[test]
    fn id_numbers_keep_their_digits_whatever_the_padding(id in "[1-9][0-9]{0,7}", before in padding(), after in padding()) {
        let written = format!("{before}{id}{after}");
        prop_assert_eq!(validate::national_id_number("id_number", &written).expect("valid id"), id);
    }

    #[test]
    fn kra_pins_are_accepted_in_any_case_and_spacing(
        kind in "[AaPp]",
        digits in "[0-9]{9}",
        last in "[A-Za-z]",
        spaces in proptest::collection::vec((0..12usize, select(vec![' ', '\t', '\u{a0}'])), 0..4),
    ) {
        let compact = format!("{kind}{digits}{last}");
        let written = with_separators(&compact, &spaces);
        let canonical = validate::kra_pin("kra_pin", &written).expect("valid PIN");
        prop_assert_eq!(&canonical, &compact.to_ascii_uppercase(), "written {:?}", written);
        prop_assert_eq!(validate::kra_pin("kra_pin", &canonical).expect("canonical"), canonical);
    }

    #[test]
    fn kra_pins_of_another_length_are_refused(body in prop_oneof!["[A-Za-z0-9]{0,10}", "[A-Za-z0-9]{12,20}"]) {
        prop_assert_eq!(reason(&validate::kra_pin("kra_pin", &body)), Some("kra_pin_format"), "{}", body);
    }

    #[test]
    fn kra_pins_of_the_wrong_shape_are_refused(
        kind in "[AP]",
        digits in "[0-9]{9}",
        last in "[A-Z]",
        flaw in 0..3usize,
        other_kind in "[B-OQ-Z0-9]",
        letter_at in 0..9usize,
        letter in "[A-Z]",
        not_a_letter in "[0-9'.-]",
    ) {
        let written = match flaw {
            0 => format!("{other_kind}{digits}{last}"), // neither A nor P
            1 => {
                // a letter among the nine digits
                let mut digits = digits.into_bytes();
                digits[letter_at] = letter.as_bytes()[0];
                format!("{kind}{}{last}", String::from_utf8(digits).expect("ASCII"))
            }
            _ => format!("{kind}{digits}{not_a_letter}"), // no final letter
        };
        prop_assert_eq!(reason(&validate::kra_pin("kra_pin", &written)), Some("kra_pin_format"), "{}", written);
    }

    #[test]
    fn any_text_is_a_kra_pin_only_in_its_shape(raw in prop_oneof![any_text(16), "[AaPp ][0-9 ]{8,11}[A-Za-z0-9 ]{0,2}", " ?[AaPpBb] ?[0-9]{4} ?[0-9]{4,6} ?[A-Za-z0-9]"]) {
        let result = validate::kra_pin("kra_pin", &raw);
        accepted_or_refused_with(&result, &["kra_pin_format"])?;
        if let Ok(pin) = result {
            let bytes = pin.as_bytes();
            prop_assert!(bytes.len() == 11 && matches!(bytes[0], b'A' | b'P'));
            prop_assert!(bytes[1..10].iter().all(u8::is_ascii_digit) && bytes[10].is_ascii_uppercase());
            prop_assert_eq!(validate::kra_pin("kra_pin", &pin).ok(), Some(pin));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Person names
// ---------------------------------------------------------------------------------------------

/// A name part: Latin letters (with accents) or Kiswahili/Kikuyu-style ASCII.
fn name_part() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z]{1,8}", "[a-zA-Zà-öø-ÿĀ-ſ]{1,6}"]
}

/// A valid name: parts joined by a space, an apostrophe or a hyphen, at most 60 characters.
fn valid_name() -> impl Strategy<Value = String> {
    (name_part(), proptest::collection::vec((select(vec![' ', '\'', '-']), name_part()), 0..4)).prop_map(
        |(first, rest)| {
            let mut name = first;
            for (join, part) in rest {
                name.push(join);
                name.push_str(&part);
            }
            name
        },
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn names_with_digits_are_refused(
        name in valid_name(),
        digit in prop_oneof!["[0-9]", "[٠-٩]", "[０-９]", "[०-९]"],
        at in 0..40usize,
    ) {
        let mut written: Vec<char> = name.chars().collect();
        let at = at.min(written.len());
        written.splice(at..at, digit.chars());
        let written: String = written.into_iter().collect();
        prop_assert_eq!(reason(&validate::person_name("surname", &written)), Some("name_characters"), "{:?}", written);
    }

    #[test]
    fn names_with_symbols_are_refused(name in valid_name(), symbol in "[@#%&*_+=<>;:,.!?/()\"]", at in 0..40usize) {
        let mut written: Vec<char> = name.chars().collect();
        let at = at.min(written.len());
        written.insert(at, symbol.chars().next().expect("one symbol"));
        let written: String = written.into_iter().collect();
        prop_assert_eq!(reason(&validate::person_name("surname", &written)), Some("name_characters"), "{:?}", written);
    }

    #[test]
    fn valid_names_are_kept_as_written(name in valid_name()) {
        prop_assume!(name.chars().count() <= 60);
        prop_assert_eq!(validate::person_name("surname", &name).expect("valid name"), name);
    }

    #[test]
    fn names_are_folded_and_collapsed_to_one_canonical_form(
        name in valid_name(),
        apostrophe in select(vec!['\'', '\u{2019}', '\u{2018}', '`']),
        gap in "[ \t]{1,3}",
        before in padding(),
        after in padding(),
    ) {
        prop_assume!(name.chars().count() <= 60);
        let written: String = name
            .chars()
            .map(|c| match c {
                '\'' => apostrophe.to_string(),
                ' ' => gap.clone(),
                other => other.to_string(),
            })
            .collect();
        let written = format!("{before}{written}{after}");
        prop_assert_eq!(validate::person_name("surname", &written).expect("valid name"), name, "{:?}", written);
    }

    #[test]
    fn names_longer_than_60_characters_are_refused(name in "[a-zA-Zé]{61,80}") {
        prop_assert_eq!(reason(&validate::person_name("surname", &name)), Some("too_long"));
    }

    #[test]
    fn any_text_is_a_name_only_if_its_canonical_form_is(raw in prop_oneof![any_text(30), "[a-zA-Z '’`-]{0,20}"]) {
        let result = validate::person_name("surname", &raw);
        accepted_or_refused_with(&result, &["required", "too_long", "name_characters"])?;
        if let Ok(name) = result {
            prop_assert!((1..=60).contains(&name.chars().count()));
            prop_assert!(name.chars().all(|c| c.is_alphabetic() || matches!(c, '\'' | '-' | ' ')), "{:?}", name);
            prop_assert!(!name.starts_with(['\'', '-', ' ']) && !name.ends_with(['\'', '-', ' ']), "{:?}", name);
            prop_assert!(!name.contains("  "));
            prop_assert_eq!(validate::person_name("surname", &name).ok(), Some(name));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// E-mail, place names, free text
// ---------------------------------------------------------------------------------------------

fn email_parts() -> impl Strategy<Value = (String, Vec<String>)> {
    ("[a-zA-Z0-9._%+-]{1,20}", proptest::collection::vec("[a-zA-Z0-9-]{1,10}", 2..4))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn e_mail_addresses_keep_their_local_part_and_lower_case_their_domain(
        (local, labels) in email_parts(),
        before in padding(),
        after in padding(),
    ) {
        let domain = labels.join(".");
        let written = format!("{before}{local}@{domain}{after}");
        let canonical = validate::email("email", &written).expect("valid address");
        prop_assert_eq!(&canonical, &format!("{local}@{}", domain.to_ascii_lowercase()));
        prop_assert_eq!(validate::email("email", &canonical).expect("canonical"), canonical);
    }

    #[test]
    fn e_mail_addresses_without_a_dotted_domain_are_refused(
        (local, labels) in email_parts(),
        broken in 0..4usize,
    ) {
        let domain = labels.join(".");
        let written = match broken {
            0 => format!("{local}{domain}"),            // no @
            1 => format!("{local}@{}", labels[0]),        // one label
            2 => format!("{local}@{domain}."),           // empty last label
            _ => format!("{local} x@{domain}"),          // space in the local part
        };
        prop_assert_eq!(reason(&validate::email("email", &written)), Some("email_format"), "{}", written);
    }

    /// ASCII only: for Unicode domains see `unicode_e_mail_domains_normalise_to_an_accepted_value`.
    #[test]
    fn any_ascii_text_is_an_e_mail_only_if_its_canonical_form_is(
        raw in prop_oneof![
            "[ -~]{0,40}",
            "[a-zA-Z0-9 .@-]{0,30}",
            "[a-z]{1,5}@[a-zA-Z.@ -]{1,12}",
            " ?[a-z.+]{1,5}@[a-zA-Z0-9]{1,4}\\.[a-zA-Z-]{0,4}\\.?[a-z]{0,3} ?",
        ],
    ) {
        let result = validate::email("email", &raw);
        accepted_or_refused_with(&result, &["email_format"])?;
        if let Ok(email) = result {
            prop_assert_eq!(email.matches('@').count(), 1);
            prop_assert!(!email.contains(char::is_whitespace));
            let domain = email.split_once('@').expect("@").1;
            prop_assert_eq!(domain, domain.to_lowercase());
            prop_assert_eq!(validate::email("email", &email).ok(), Some(email));
        }
    }

    /// Arbitrary Unicode must never panic and is refused only as `email_format`.
    #[test]
    fn any_text_as_an_e_mail_is_accepted_or_refused_as_email_format(raw in any_text(40)) {
        accepted_or_refused_with(&validate::email("email", &raw), &["email_format"])?;
    }

    /// KNOWN BUG (found by this property; `validate::email` not changed, see the report): the domain
    /// is lower-cased with Unicode `to_lowercase` *after* it was checked, so the canonical value
    /// can be one the validator itself refuses. Minimal input: `a@İ.co` (U+0130) gives
    /// `a@i\u{307}.co`, whose U+0307 COMBINING DOT ABOVE is not alphanumeric, so
    /// `email(email(x))` is `Err(email_format)`. Lower-casing can also grow the byte length past
    /// the 254 checked before it (`Ⱥ` U+023A, 2 bytes, becomes `ⱥ` U+2C65, 3 bytes).
    /// Run with `cargo test -p fieldkit-core --test properties -- --ignored`.
    #[test]
    #[ignore = "known bug: Unicode-lower-cased e-mail domains can fail re-validation (a@İ.co)"]
    fn unicode_e_mail_domains_normalise_to_an_accepted_value(
        local in "[a-z]{1,8}",
        labels in proptest::collection::vec("[a-zA-ZÀ-ÖØ-ÞİȺȾ]{1,6}", 2..3),
    ) {
        let written = format!("{local}@{}", labels.join("."));
        if let Ok(email) = validate::email("email", &written) {
            prop_assert_eq!(validate::email("email", &email).ok(), Some(email), "{:?}", written);
        }
    }

    #[test]
    fn place_names_are_collapsed_and_folded(
        words in proptest::collection::vec("[A-Za-z0-9'’./-]{1,10}", 1..5),
        gap in " {1,3}",
        before in padding(),
        after in padding(),
    ) {
        let written = format!("{before}{}{after}", words.join(&gap));
        prop_assume!(written.trim().chars().count() <= 80);
        let canonical = validate::place_name("sub_county", &written).expect("valid place");
        prop_assert_eq!(&canonical, &words.join(" ").replace('’', "'"), "{:?}", written);
        prop_assert_eq!(validate::place_name("sub_county", &canonical).expect("canonical"), canonical);
    }

    #[test]
    fn place_names_and_free_text_are_bounded_and_stable(raw in prop_oneof![any_text(100), "[a-zA-Z0-9 ;,.'-]{0,90}"]) {
        let place = validate::place_name("sub_county", &raw);
        accepted_or_refused_with(&place, &["required", "too_long", "control_characters", "name_characters"])?;
        if let Ok(place) = place {
            prop_assert!((1..=80).contains(&place.chars().count()));
            prop_assert!(!place.contains("  ") && place.trim() == place);
            prop_assert!(place.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '\'' | '-' | '.' | '/')));
            prop_assert_eq!(validate::place_name("sub_county", &place).ok(), Some(place));
        }
        let text = validate::free_text("reason", &raw, 50);
        accepted_or_refused_with(&text, &["required", "too_long", "control_characters"])?;
        if let Ok(text) = text {
            prop_assert!((1..=50).contains(&text.chars().count()));
            prop_assert!(!text.chars().any(char::is_control));
            prop_assert_eq!(text.as_str(), raw.trim());
            prop_assert_eq!(validate::free_text("reason", &text, 50).ok(), Some(text));
        }
    }

    #[test]
    fn free_text_with_a_control_character_inside_is_refused(
        head in "[a-zA-Z ]{0,10}[a-zA-Z]",
        control in "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}]",
        tail in "[a-zA-Z][a-zA-Z ]{0,10}",
    ) {
        let written = format!("{head}{control}{tail}");
        prop_assert_eq!(reason(&validate::free_text("reason", &written, 50)), Some("control_characters"));
    }
}

// ---------------------------------------------------------------------------------------------
// Dates of birth
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dates_of_birth_are_real_past_dates_within_130_years(
        y in 1850i32..2100, m in 1u8..=12, d in 1u8..=31, before in padding(), after in padding(),
    ) {
        let raw = format!("{before}{y:04}-{m:02}-{d:02}{after}");
        let real = time::Month::try_from(m).ok().and_then(|month| Date::from_calendar_date(y, month, d).ok());
        let result = validate::date_of_birth("date_of_birth", &raw, TODAY);
        match (&result, real) {
            (Ok(date), _) => {
                prop_assert_eq!(Some(*date), real);
                prop_assert!(*date <= TODAY && TODAY.year() - date.year() <= 130);
            }
            (Err(_), None) => prop_assert_eq!(reason(&result), Some("date_format")),
            (Err(_), Some(date)) if date > TODAY => prop_assert_eq!(reason(&result), Some("date_in_future")),
            (Err(_), Some(_)) => prop_assert_eq!(reason(&result), Some("date_too_old")),
        }
    }

    #[test]
    fn a_date_of_birth_prints_and_parses_back(days_ago in 0i64..(130 * 365)) {
        let date = TODAY - time::Duration::days(days_ago);
        let written = format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day());
        prop_assert_eq!(validate::date_of_birth("date_of_birth", &written, TODAY).expect("valid date"), date);
    }

    #[test]
    fn any_text_as_a_date_of_birth_is_refused_with_a_date_reason(
        raw in prop_oneof![
            any_text(20),
            "[0-9+-]{0,12}",
            "[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}",
            " ?(18|19|20)[0-9]{2}-[01][0-9]-[0-3][0-9] ?",
        ],
    ) {
        let result = validate::date_of_birth("date_of_birth", &raw, TODAY);
        accepted_or_refused_with(&result, &["date_format", "date_in_future", "date_too_old"])?;
        if let Ok(date) = result {
            prop_assert!(date <= TODAY && TODAY.year() - date.year() <= 130);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Counties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn county_codes_1_to_47_in_any_padding_up_to_three_digits(
        n in 0u32..1000, width in 1usize..=3, before in padding(), after in padding(),
    ) {
        let code = format!("{n:0width$}");
        let written = format!("{before}{code}{after}");
        let result = counties::county_code("county", &written);
        if (1..=47).contains(&n) {
            prop_assert_eq!(result.expect("valid county"), format!("{n:03}"));
        } else {
            prop_assert_eq!(reason(&result), Some("county_code"), "{:?}", written);
        }
    }

    #[test]
    fn county_names_are_found_whatever_their_case_spacing_and_apostrophe(
        index in 0usize..47,
        upper in proptest::collection::vec(any::<bool>(), 20),
        hyphen_for_space in any::<bool>(),
        space_for_hyphen in any::<bool>(),
        apostrophe in select(vec!['\'', '\u{2019}', '\u{2018}', '`']),
        before in padding(),
        after in padding(),
    ) {
        let county = &counties::all()[index];
        let written: String = county
            .name
            .chars()
            .zip(upper.iter().cycle())
            .map(|(c, up)| match c {
                ' ' if hyphen_for_space => "-".to_string(),
                '-' if space_for_hyphen => "  ".to_string(),
                '\'' => apostrophe.to_string(),
                c if *up => c.to_uppercase().to_string(),
                c => c.to_lowercase().to_string(),
            })
            .collect();
        let written = format!("{before}{written}{after}");
        prop_assert_eq!(counties::county_code("county", &written).expect("by name"), county.code.clone(), "{:?}", written);
    }

    #[test]
    fn any_text_is_a_county_only_as_one_of_the_47_codes(raw in prop_oneof![any_text(20), "[0-9 ]{0,5}", "[a-zA-Z' -]{0,12}"]) {
        let result = counties::county_code("county", &raw);
        accepted_or_refused_with(&result, &["county_code"])?;
        if let Ok(code) = result {
            prop_assert!(counties::by_code(&code).is_some(), "{}", code);
            prop_assert_eq!(counties::county_code("county", &code).ok(), Some(code));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------------

fn unit() -> impl Strategy<Value = PeriodUnit> {
    select(vec![PeriodUnit::Years, PeriodUnit::Months, PeriodUnit::Days])
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn periods_print_as_they_parse(amount in any::<u16>(), unit in unit()) {
        let period = Period { amount, unit };
        let written = period.to_string();
        prop_assert_eq!(Period::parse(&written), Some(period), "{}", written);
    }

    #[test]
    fn written_periods_parse_to_their_number_and_unit(
        amount in any::<u16>(), zeros in 0usize..3, letter in select(vec!['y', 'm', 'd']), before in padding(), after in padding(),
    ) {
        let written = format!("{before}{}{amount}{letter}{after}", "0".repeat(zeros));
        let period = Period::parse(&written).expect("valid period");
        prop_assert_eq!(period.amount, amount);
        prop_assert_eq!(period.to_string(), format!("{amount}{letter}"));
    }

    #[test]
    fn periods_beyond_u16_or_with_another_unit_are_refused(
        amount in 65_536u64..10_000_000_000, letter in select(vec!['y', 'm', 'd']), other_unit in "[A-Zabce-ln-xz]",
    ) {
        prop_assert_eq!(Period::parse(&format!("{amount}{letter}")), None);
        prop_assert_eq!(Period::parse(&format!("{}{other_unit}", amount % 65_536)), None);
    }

    #[test]
    fn any_text_is_a_period_only_if_it_prints_back(raw in prop_oneof![any_text(12), "[0-9]{0,6}[ymdYMD ]{0,2}"]) {
        if let Some(period) = Period::parse(&raw) {
            prop_assert_eq!(Period::parse(&period.to_string()), Some(period));
        }
    }

    /// `after` then `before` returns to the start, except that months and years clamp the day to
    /// the shorter month's end on the way (31 Jan + 1m = 28 Feb; 28 Feb - 1m = 28 Jan).
    #[test]
    fn a_period_after_then_before_returns_to_the_start_up_to_the_month_end_clamp(
        days in 0i64..60_000,
        amount in any::<u16>(),
        unit in unit(),
    ) {
        let start = date!(1900 - 01 - 01) + time::Duration::days(days);
        // 7000 years from 2064 stays within the dates `time` represents (up to 9999-12-31).
        let amount = if unit == PeriodUnit::Years { amount % 7_000 } else { amount };
        let period = Period { amount, unit };
        let there = period.after(start).expect("in range");
        prop_assert!(there >= start);
        let back = period.before(there).expect("in range");
        match unit {
            PeriodUnit::Days => {
                prop_assert_eq!(there, start + time::Duration::days(i64::from(amount)));
                prop_assert_eq!(back, start);
            }
            PeriodUnit::Years | PeriodUnit::Months => {
                let months = i32::from(amount) * if unit == PeriodUnit::Years { 12 } else { 1 };
                let index = |d: Date| d.year() * 12 + i32::from(u8::from(d.month())) - 1;
                prop_assert_eq!(index(there) - index(start), months);
                prop_assert_eq!(there.day(), start.day().min(there.month().length(there.year())));
                let clamped = start.replace_day(start.day().min(there.day())).expect("a shorter day exists");
                prop_assert_eq!(back, clamped, "{} -> {} -> {}", start, there, back);
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// Near the ends of the calendar a period may have no answer, but it never panics, and an
    /// answer it gives is on the right side of the date.
    #[test]
    fn periods_at_any_date_never_panic(
        julian in Date::MIN.to_julian_day()..=Date::MAX.to_julian_day(),
        amount in any::<u16>(),
        unit in unit(),
    ) {
        let date = Date::from_julian_day(julian).expect("in range");
        let period = Period { amount, unit };
        if let Some(after) = period.after(date) {
            prop_assert!(after >= date);
        }
        if let Some(before) = period.before(date) {
            prop_assert!(before <= date);
        }
    }
}
