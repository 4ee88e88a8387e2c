//! Properties of the validators over generated input: every written form of a valid value gives the
//! same canonical value, canonical values validate to themselves, and no input makes a validator
//! panic or accept something outside its definition.

use fieldkit_core::catalogue::{Period, PeriodUnit};
use fieldkit_core::{counties, validate};
use proptest::prelude::*;
use time::Date;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 25);

/// 256 cases per property keeps the file to a few seconds in a debug build. Failures are not
/// persisted to files: a failing case is printed with its minimal input instead.
fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

/// A Kenyan mobile subscriber number: 9 digits starting 7 or 1.
fn subscriber() -> impl Strategy<Value = String> {
    (prop_oneof![Just('7'), Just('1')], "[0-9]{8}").prop_map(|(first, rest)| format!("{first}{rest}"))
}

/// Inserts spaces or hyphens at the given byte positions.
fn with_separators(digits: &str, cuts: &[(usize, bool)]) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if let Some((_, hyphen)) = cuts.iter().find(|(at, _)| *at == i && i > 0) {
            out.push(if *hyphen { '-' } else { ' ' });
        }
        out.push(c);
    }
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_written_form_of_a_mobile_number_gives_one_e164(
        number in subscriber(),
        form in 0..4usize,
        cuts in proptest::collection::vec((0..13usize, any::<bool>()), 0..3),
    ) {
        let written = match form {
            0 => format!("0{number}"),
            1 => format!("+254{number}"),
            2 => format!("254{number}"),
            _ => format!("+254 {number}"),
        };
        let written = with_separators(&written, &cuts);
        let canonical = validate::kenyan_phone("phone", &written).expect("valid number");
        prop_assert_eq!(&canonical, &format!("+254{number}"));
        prop_assert_eq!(validate::kenyan_phone("phone", &canonical).expect("canonical"), canonical);
    }

    #[test]
    fn numbers_outside_the_mobile_ranges_are_refused(first in "[02-689]", rest in "[0-9]{8}") {
        let local = format!("0{first}{rest}");
        let international = format!("+254{first}{rest}");
        prop_assert!(validate::kenyan_phone("phone", &local).is_err());
        prop_assert!(validate::kenyan_phone("phone", &international).is_err());
    }

    #[test]
    fn any_text_is_a_phone_only_if_its_canonical_form_is(raw in "\\PC{0,20}") {
        if let Ok(canonical) = validate::kenyan_phone("phone", &raw) {
            prop_assert!(canonical.starts_with("+254") && canonical.len() == 13);
            prop_assert_eq!(validate::kenyan_phone("phone", &canonical).ok(), Some(canonical));
        }
    }

    #[test]
    fn id_numbers_are_one_to_eight_digits_without_a_leading_zero(raw in "[0-9 ]{0,11}") {
        let trimmed = raw.trim();
        let valid = (1..=8).contains(&trimmed.len())
            && trimmed.bytes().all(|b| b.is_ascii_digit())
            && !trimmed.starts_with('0');
        prop_assert_eq!(validate::national_id_number("id", &raw).is_ok(), valid, "{:?}", raw);
    }

    #[test]
    fn kra_pins_are_accepted_in_any_case_and_spacing(
        kind in "[AaPp]",
        digits in "[0-9]{9}",
        last in "[A-Za-z]",
        spaces in proptest::collection::vec(0..11usize, 0..3),
    ) {
        let mut written: String = format!("{kind}{digits}{last}");
        for at in spaces {
            written.insert(at.min(written.len()), ' ');
        }
        let canonical = validate::kra_pin("kra_pin", &written).expect("valid PIN");
        prop_assert_eq!(canonical.len(), 11);
        prop_assert_eq!(&canonical, &canonical.to_ascii_uppercase());
        prop_assert_eq!(validate::kra_pin("kra_pin", &canonical).expect("canonical"), canonical);
    }

    #[test]
    fn kra_pins_of_another_length_are_refused(body in "[A-Z0-9]{0,20}") {
        prop_assume!(body.len() != 11);
        prop_assert!(validate::kra_pin("kra_pin", &body).is_err());
    }

    #[test]
    fn names_with_digits_or_symbols_are_refused(
        name in "[A-Za-z]{1,10}",
        bad in "[0-9@#%&*_+=<>;]",
        at in 0..10usize,
    ) {
        let mut written = name.clone();
        written.insert_str(at.min(written.len()), &bad);
        prop_assert!(validate::person_name("surname", &written).is_err(), "{:?}", written);
    }

    #[test]
    fn names_normalise_once_and_stay(raw in "\\PC{0,30}") {
        if let Ok(name) = validate::person_name("surname", &raw) {
            prop_assert_eq!(validate::person_name("surname", &name).ok(), Some(name.clone()));
            prop_assert!(!name.starts_with(['\'', '-', ' ']) && !name.ends_with(['\'', '-', ' ']));
            prop_assert!(!name.contains("  "));
        }
    }

    #[test]
    fn apostrophes_and_hyphens_between_letters_are_kept(
        parts in proptest::collection::vec("[a-zA-Zà-öø-ÿ]{1,6}", 1..4),
        joins in proptest::collection::vec(prop_oneof![Just("'"), Just("-"), Just(" ")], 3),
    ) {
        let mut written = parts[0].clone();
        for (part, join) in parts.iter().skip(1).zip(&joins) {
            written.push_str(join);
            written.push_str(part);
        }
        prop_assert_eq!(validate::person_name("surname", &written).expect("valid name"), written);
    }

    #[test]
    fn e_mail_addresses_normalise_their_domain_and_stay(raw in "\\PC{0,40}") {
        if let Ok(email) = validate::email("email", &raw) {
            prop_assert_eq!(validate::email("email", &email).ok(), Some(email.clone()));
            prop_assert_eq!(email.matches('@').count(), 1);
            prop_assert!(!email.contains(char::is_whitespace));
        }
    }

    #[test]
    fn place_names_and_free_text_are_bounded_and_stable(raw in "\\PC{0,100}") {
        if let Ok(place) = validate::place_name("sub_county", &raw) {
            prop_assert!((1..=80).contains(&place.chars().count()));
            prop_assert_eq!(validate::place_name("sub_county", &place).ok(), Some(place.clone()));
        }
        if let Ok(text) = validate::free_text("reason", &raw, 50) {
            prop_assert!((1..=50).contains(&text.chars().count()));
            prop_assert!(!text.chars().any(char::is_control));
        }
    }

    #[test]
    fn dates_of_birth_are_real_past_dates_within_130_years(y in 1850i32..2100, m in 1u8..=12, d in 1u8..=31) {
        let raw = format!("{y:04}-{m:02}-{d:02}");
        let real = time::Month::try_from(m).ok().and_then(|month| Date::from_calendar_date(y, month, d).ok());
        match validate::date_of_birth("dob", &raw, TODAY) {
            Ok(date) => {
                prop_assert_eq!(Some(date), real);
                prop_assert!(date <= TODAY && TODAY.year() - date.year() <= 130);
            }
            Err(_) => prop_assert!(real.is_none_or(|date| date > TODAY || TODAY.year() - date.year() > 130)),
        }
    }

    #[test]
    fn county_codes_1_to_47_in_any_padding(n in 0u32..200, width in 1usize..=3) {
        let written = format!("{n:0width$}");
        let result = counties::county_code("county", &written);
        if (1..=47).contains(&n) && written.len() <= 3 {
            prop_assert_eq!(result.expect("valid county"), format!("{n:03}"));
        } else {
            prop_assert!(result.is_err(), "{}", written);
        }
    }

    #[test]
    fn county_names_are_found_whatever_their_case(index in 0usize..47, upper in any::<bool>()) {
        let county = &counties::all()[index];
        let written = if upper { county.name.to_uppercase() } else { county.name.to_lowercase() };
        prop_assert_eq!(counties::county_code("county", &written).expect("by name"), county.code.clone());
    }

    #[test]
    fn periods_print_as_they_parse(amount in 0u16..1000, unit in prop_oneof![Just('y'), Just('m'), Just('d')]) {
        let written = format!("{amount}{unit}");
        let period = Period::parse(&written).expect("valid period");
        prop_assert_eq!(period.to_string(), written);
    }

    #[test]
    fn a_period_after_then_before_returns_within_the_month_end_clamp(
        days in 0i64..40_000,
        amount in 0u16..120,
        unit in prop_oneof![Just(PeriodUnit::Years), Just(PeriodUnit::Months), Just(PeriodUnit::Days)],
    ) {
        let start = date!(1920 - 01 - 01) + time::Duration::days(days);
        let period = Period { amount, unit };
        let there = period.after(start).expect("in range");
        prop_assert!(there >= start);
        let back = period.before(there).expect("in range");
        // Days are exact; months and years may clamp the 29th-31st to a shorter month's end.
        match unit {
            PeriodUnit::Days => prop_assert_eq!(back, start),
            _ => prop_assert!(back <= start && (start - back).whole_days() <= 3, "{} -> {} -> {}", start, there, back),
        }
    }
}
