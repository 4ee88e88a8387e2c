//! Outreach dates as an iCalendar file (RFC 5545), for stakeholders' calendars: one all-day
//! VEVENT per outreach.
//!
//! What RFC 5545 asks of the text, all done here: CRLF line endings (3.1); lines folded so none is
//! longer than 75 octets, a continuation starting with one space, never inside a UTF-8 character
//! (3.1); TEXT values with backslash, semicolon, comma and line breaks escaped and other control
//! characters dropped (3.3.11); `DTSTAMP` in UTC (3.8.7.2); all-day events as `VALUE=DATE` with
//! `DTEND` the day after the last day, since DTEND is exclusive (3.6.1); `SEQUENCE` the plan's
//! revision, so a calendar replaces an older copy of the same `UID` (3.8.7.4).

use super::{parse_date, service_name};
use crate::catalogue::Catalogue;
use crate::error::{DomainError, Problem, Reason, Result};
use crate::lang::Text;
use fieldkit_protocol::{OutreachPlan, OutreachStatus};
use time::{Date, OffsetDateTime, UtcOffset};

/// Longest line, in octets, CRLF not counted (RFC 5545, 3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// The `UID` domain: `UID:<plan id>@huduma-fieldkit`.
pub const UID_DOMAIN: &str = "huduma-fieldkit";

/// The calendar of one outreach. Its dates must be readable and in order (as [`super::check_plan`]
/// requires); otherwise `form_invalid` with the date problems.
pub fn to_ics(plan: &OutreachPlan, now: OffsetDateTime) -> Result<String> {
    calendar(std::slice::from_ref(plan), None, now)
}

/// One calendar with an event per plan (at least one: RFC 5545 has no empty calendar). With
/// `catalogue`, services and MDAs are described by name in English and Kiswahili; without, by id.
pub fn calendar(plans: &[OutreachPlan], catalogue: Option<&Catalogue>, now: OffsetDateTime) -> Result<String> {
    if plans.is_empty() {
        return Err(DomainError::Calendar("a calendar needs at least one outreach".into()));
    }
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        &format!("PRODID:-//Huduma Kenya//Huduma Mashinani Field Kit {}//EN", env!("CARGO_PKG_VERSION")),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push_line(&mut out, line);
    }
    let stamp = utc_stamp(now)?;
    for plan in plans {
        event(&mut out, plan, catalogue, &stamp)?;
    }
    push_line(&mut out, "END:VCALENDAR");
    Ok(out)
}

fn event(out: &mut String, plan: &OutreachPlan, catalogue: Option<&Catalogue>, stamp: &str) -> Result<()> {
    let (first, last) = days(plan)?;
    let after_last = last.next_day().ok_or_else(|| invalid_dates(plan, "ends_on", Reason::DateFormat))?;
    push_line(out, "BEGIN:VEVENT");
    push_line(out, &format!("UID:{}@{UID_DOMAIN}", plan.id));
    push_line(out, &format!("DTSTAMP:{stamp}"));
    push_line(out, &format!("DTSTART;VALUE=DATE:{}", ics_date(first)));
    push_line(out, &format!("DTEND;VALUE=DATE:{}", ics_date(after_last)));
    push_line(out, &format!("SUMMARY:{}", escape_text(&plan.name)));
    let location = location(plan);
    if !location.is_empty() {
        push_line(out, &format!("LOCATION:{}", escape_text(&location)));
    }
    if let Some(gps) = plan.gps
        && gps.lat.is_finite()
        && gps.lon.is_finite()
        && (-90.0..=90.0).contains(&gps.lat)
        && (-180.0..=180.0).contains(&gps.lon)
    {
        push_line(out, &format!("GEO:{};{}", gps.lat, gps.lon));
    }
    push_line(out, &format!("DESCRIPTION:{}", escape_text(&description(plan, catalogue))));
    let status = if plan.status == OutreachStatus::Draft { "TENTATIVE" } else { "CONFIRMED" };
    push_line(out, &format!("STATUS:{status}"));
    push_line(out, &format!("SEQUENCE:{}", plan.revision));
    push_line(out, "TRANSP:OPAQUE");
    push_line(out, "END:VEVENT");
    Ok(())
}

/// The first and last days, or `form_invalid` naming what is wrong with them.
fn days(plan: &OutreachPlan) -> Result<(Date, Date)> {
    let first = parse_date(&plan.starts_on).ok_or_else(|| invalid_dates(plan, "starts_on", Reason::DateFormat))?;
    let last = parse_date(&plan.ends_on).ok_or_else(|| invalid_dates(plan, "ends_on", Reason::DateFormat))?;
    if last < first {
        return Err(invalid_dates(plan, "ends_on", Reason::RuleFailed));
    }
    Ok((first, last))
}

fn invalid_dates(plan: &OutreachPlan, field: &str, reason: Reason) -> DomainError {
    let mut problem = Problem::new(field, reason).with_param("outreach", &plan.name);
    if reason == Reason::RuleFailed {
        problem = problem.with_param("rule", "dates_in_order");
        let message = super::message_text("planning.dates_in_order");
        let values = [("first", plan.starts_on.clone()), ("last", plan.ends_on.clone())].into_iter().collect();
        problem.message = Some(Box::new(Text::new(
            crate::messages::fill(&message.en, &values),
            crate::messages::fill(&message.sw, &values),
        )));
    }
    DomainError::FormInvalid { service_id: "outreach".into(), problems: vec![problem] }
}

/// `20261122T063000Z`.
fn utc_stamp(now: OffsetDateTime) -> Result<String> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let utc = now
        .checked_to_offset(UtcOffset::UTC)
        .ok_or_else(|| DomainError::Calendar("calendar time stamp out of range".into()))?;
    utc.format(format).map_err(|e| DomainError::Calendar(format!("calendar time stamp: {e}")))
}

/// `20261121`.
fn ics_date(date: Date) -> String {
    format!("{:04}{:02}{:02}", date.year(), date.month() as u8, date.day())
}

/// Place, ward, sub-county and county, those known, comma-separated.
fn location(plan: &OutreachPlan) -> String {
    let county = crate::counties::by_code(plan.county_code.trim())
        .map(|c| format!("{} County", c.name))
        .unwrap_or_else(|| plan.county_code.trim().to_string());
    [plan.place.trim(), plan.ward.trim(), plan.sub_county.trim(), county.as_str()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the outreach offers and who attends, in English then Kiswahili, one item a line.
fn description(plan: &OutreachPlan, catalogue: Option<&Catalogue>) -> String {
    let service = |id: &String| -> Text {
        match catalogue {
            Some(catalogue) => {
                let name = service_name(catalogue, id);
                let mda = catalogue.service(id).map(|s| s.mda.to_uppercase()).unwrap_or_default();
                if mda.is_empty() {
                    name
                } else {
                    Text::new(format!("{} ({mda})", name.en), format!("{} ({mda})", name.sw))
                }
            }
            None => Text::new(id.as_str(), id.as_str()),
        }
    };
    let mda = |id: &String| -> Text {
        match catalogue.and_then(|c| c.mda(id)) {
            Some(mda) => {
                let code = id.to_uppercase();
                Text::new(format!("{} ({code})", mda.name.en), format!("{} ({code})", mda.name.sw))
            }
            None => Text::new(id.to_uppercase(), id.to_uppercase()),
        }
    };
    let services: Vec<Text> = plan.services.iter().map(service).collect();
    let mdas: Vec<Text> = plan.mdas.iter().map(mda).collect();
    let list = |texts: &[Text], en: bool| {
        if texts.is_empty() {
            return "-".to_string();
        }
        texts.iter().map(|t| if en { t.en.as_str() } else { t.sw.as_str() }).collect::<Vec<_>>().join("; ")
    };
    let mut lines = vec![format!("Huduma Mashinani outreach by Huduma Centre {}", plan.centre.trim())];
    lines.push(format!("Services: {}", list(&services, true)));
    lines.push(format!("MDAs attending: {}", list(&mdas, true)));
    lines.push(format!("Huduma Mashinani ya Kituo cha Huduma {}", plan.centre.trim()));
    lines.push(format!("Huduma: {}", list(&services, false)));
    lines.push(format!("Taasisi zinazohudhuria: {}", list(&mdas, false)));
    lines.join("\n")
}

/// A TEXT value escaped (RFC 5545, 3.3.11): `\` `;` `,` with a backslash, every line break
/// (CRLF, CR or LF) as `\n`; other control characters but tab dropped.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `line` folded at [`MAX_LINE_OCTETS`] octets (the continuation's leading space counted), never
/// inside a UTF-8 character, each physical line ended by CRLF. A fold never leaves spaces at the
/// end of a physical line (they move to the start of the next): readers that trim lines, as some
/// do, would lose them.
pub fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 64 * 3 + 2);
    push_line(&mut out, line);
    out
}

fn push_line(out: &mut String, line: &str) {
    // The physical line being filled, without its leading fold space; 75 octets for the first,
    // 74 after the space for each continuation.
    let mut current = String::new();
    let mut room = MAX_LINE_OCTETS;
    for c in line.chars() {
        while current.len() + c.len_utf8() > room {
            let kept = current.trim_end_matches([' ', '\t']).len();
            let carried = if kept > 0 { current.split_off(kept) } else { String::new() };
            out.push_str(&current);
            out.push_str("\r\n ");
            current = carried;
            room = MAX_LINE_OCTETS - 1;
        }
        current.push(c);
    }
    out.push_str(&current);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldkit_protocol::GpsPoint;
    use time::macros::datetime;
    use uuid::Uuid;

    fn plan() -> OutreachPlan {
        OutreachPlan {
            id: Uuid::from_u128(0x42),
            revision: 3,
            name: "Kangema market day".into(),
            centre: "Murang'a".into(),
            county_code: "021".into(),
            place: "Kangema market".into(),
            starts_on: "2026-11-21".into(),
            ends_on: "2026-11-23".into(),
            services: vec!["national-id.first-issue".into()],
            status: OutreachStatus::Confirmed,
            mdas: vec!["nrb".into()],
            ..Default::default()
        }
    }

    /// Every physical line of `ics` within 75 octets and ended by CRLF; no bare CR or LF.
    fn assert_well_formed(ics: &str) {
        assert!(ics.ends_with("\r\n"));
        for line in ics.split_terminator("\r\n") {
            assert!(line.len() <= MAX_LINE_OCTETS, "{} octets: {line:?}", line.len());
            assert!(!line.contains('\r') && !line.contains('\n'), "{line:?}");
        }
    }

    /// The logical lines: continuations (CRLF + space) joined back.
    fn unfold(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "").split_terminator("\r\n").map(String::from).collect()
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape_text(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(escape_text("one\ntwo\r\nthree\rfour"), r"one\ntwo\nthree\nfour");
        assert_eq!(escape_text("bell\u{7}\ttab"), "bell\ttab");
        assert_eq!(escape_text("Murang'a: \"soko\""), "Murang'a: \"soko\"");
    }

    #[test]
    fn long_lines_fold_at_75_octets_and_never_inside_a_character() {
        let short = fold_line("SUMMARY:Kangema");
        assert_eq!(short, "SUMMARY:Kangema\r\n");
        let exactly = format!("SUMMARY:{}", "a".repeat(75 - 8));
        assert_eq!(fold_line(&exactly), format!("{exactly}\r\n"), "75 octets stay on one line");
        let one_more = format!("{exactly}b");
        assert_eq!(fold_line(&one_more), format!("{exactly}\r\n b\r\n"));
        // Two-octet letters (ĩ, ũ in Gĩkũyũ names) and a three-octet one (€) land across the fold.
        let name = format!("SUMMARY:{}", "Wanjikũ Mũthoni wa Kĩrĩnyaga € ".repeat(6).trim_end());
        let folded = fold_line(&name);
        assert_well_formed(&folded);
        assert!(folded.split_terminator("\r\n").count() > 3);
        assert_eq!(unfold(&folded), vec![name.clone()]);
        // Every physical line is valid UTF-8 on its own: no character was split.
        for line in folded.as_bytes().split(|&b| b == b'\n') {
            assert!(std::str::from_utf8(line).is_ok());
        }
        assert!(folded.split_terminator("\r\n").all(|l| !l.ends_with(' ')), "{folded}");
        // A space at the fold goes to the next line.
        let spaced = format!("X:{} word", "a".repeat(72));
        assert_eq!(fold_line(&spaced), format!("X:{}\r\n  word\r\n", "a".repeat(72)));
        // An odd offset: the fold moves before the two-octet letter rather than splitting it.
        let odd = format!("X:{}ũ", "a".repeat(72));
        assert_eq!(fold_line(&odd), format!("X:{}\r\n ũ\r\n", "a".repeat(72)));
    }

    #[test]
    fn one_all_day_event_with_an_exclusive_end() {
        let mut p = plan();
        p.gps = Some(GpsPoint { lat: -0.7167, lon: 37.15 });
        let ics = to_ics(&p, datetime!(2026-11-20 09:30 +3)).expect("ics");
        assert_well_formed(&ics);
        let lines = unfold(&ics);
        let expected_in_order = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "BEGIN:VEVENT",
            "UID:00000000-0000-0000-0000-000000000042@huduma-fieldkit",
            "DTSTAMP:20261120T063000Z",
            "DTSTART;VALUE=DATE:20261121",
            "DTEND;VALUE=DATE:20261124",
            "SUMMARY:Kangema market day",
            "LOCATION:Kangema market\\, Murang'a County",
            "GEO:-0.7167;37.15",
            "STATUS:CONFIRMED",
            "SEQUENCE:3",
            "END:VEVENT",
            "END:VCALENDAR",
        ];
        let mut at = 0;
        for wanted in expected_in_order {
            let found =
                lines[at..].iter().position(|l| l == wanted).unwrap_or_else(|| panic!("{wanted} in {lines:#?}"));
            at += found + 1;
        }
        assert!(lines.iter().any(|l| l.starts_with("PRODID:-//Huduma Kenya//")));
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 1);
    }

    #[test]
    fn drafts_are_tentative_and_nothing_is_cancelled() {
        for (status, expected) in [
            (OutreachStatus::Draft, "STATUS:TENTATIVE"),
            (OutreachStatus::Confirmed, "STATUS:CONFIRMED"),
            (OutreachStatus::Running, "STATUS:CONFIRMED"),
            (OutreachStatus::Closed, "STATUS:CONFIRMED"),
        ] {
            let ics = to_ics(&OutreachPlan { status, ..plan() }, datetime!(2026-11-20 09:30 UTC)).expect("ics");
            assert!(unfold(&ics).iter().any(|l| l == expected), "{status:?}");
            assert!(!ics.contains("CANCELLED"));
        }
    }

    #[test]
    fn unreadable_or_reversed_dates_are_refused() {
        for (starts, ends, field) in
            [("2026-11-21", "2026-11-20", "ends_on"), ("21/11/2026", "2026-11-23", "starts_on")]
        {
            let bad = OutreachPlan { starts_on: starts.into(), ends_on: ends.into(), ..plan() };
            match to_ics(&bad, datetime!(2026-11-20 09:30 UTC)) {
                Err(DomainError::FormInvalid { problems, .. }) => assert_eq!(problems[0].field, field),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn an_empty_calendar_is_refused() {
        assert!(calendar(&[], None, datetime!(2026-11-20 09:30 UTC)).is_err());
    }

    #[test]
    fn no_gps_no_geo_and_a_single_day_ends_the_next_day() {
        let p = OutreachPlan { ends_on: "2026-12-31".into(), starts_on: "2026-12-31".into(), ..plan() };
        let lines = unfold(&to_ics(&p, datetime!(2026-11-20 09:30 UTC)).expect("ics"));
        assert!(!lines.iter().any(|l| l.starts_with("GEO:")));
        assert!(lines.iter().any(|l| l == "DTSTART;VALUE=DATE:20261231"));
        assert!(lines.iter().any(|l| l == "DTEND;VALUE=DATE:20270101"));
    }
}
