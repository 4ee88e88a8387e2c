//! Outreach planning (issue 8) from the outside: a plan checked whole against the built-in
//! catalogue, clashes between plans, the budget's arithmetic and warnings, the iCalendar file read
//! back by an independent parser (the `ical` crate), and the plan PDF judged as a reader would see
//! it (`qpdf --check`, `pdffonts`, `pdftotext` from poppler-utils; renders kept under
//! `$CARGO_TARGET_DIR/artifacts/`). The tools come from `scripts/setup.sh`.

use fieldkit_core::lang::Lang;
use fieldkit_core::planning::budget::CATEGORIES;
use fieldkit_core::planning::{
    self, Booked, BudgetWarning, ExpenseCheck, check_expense, check_plan, clashes, summarise, to_ics,
};
use fieldkit_core::{Catalogue, Problem, Reason};
use fieldkit_protocol::{
    Budget, EquipmentKind, EquipmentLine, EquipmentSource, Expense, ExpenseCategory, GpsPoint, NoticeStatus,
    OutreachPlan, OutreachStatus, ServiceChecklist, Stakeholder, StakeholderKind,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use time::Date;
use time::macros::{date, datetime};
use uuid::Uuid;

const TODAY: Date = date!(2026 - 11 - 20);

fn catalogue() -> Catalogue {
    Catalogue::built_in().expect("the built-in catalogue")
}

fn line(
    kind: EquipmentKind,
    quantity: u32,
    source: EquipmentSource,
    agency: Option<&str>,
    tag: Option<&str>,
) -> EquipmentLine {
    EquipmentLine { kind, quantity, source, agency: agency.map(String::from), asset_tag: tag.map(String::from) }
}

fn spent(
    category: ExpenseCategory,
    amount_ksh: u64,
    description: &str,
    spent_on: &str,
    receipt: Option<&str>,
) -> Expense {
    Expense {
        category,
        amount_ksh,
        description: description.into(),
        spent_on: spent_on.into(),
        receipt: receipt.map(String::from),
    }
}

/// A confirmed three-day outreach with everything filled in.
fn kangema() -> OutreachPlan {
    let services = ["national-id.first-issue", "nssf.member-registration", "sha.member-registration"];
    OutreachPlan {
        id: Uuid::from_u128(0x4b41_4e47),
        revision: 4,
        name: "Kangema market days".into(),
        centre: "Murang'a".into(),
        county_code: "021".into(),
        place: "Kangema market, beside the chief's office; main gate".into(),
        starts_on: "2026-11-21".into(),
        ends_on: "2026-11-23".into(),
        services: services.map(String::from).to_vec(),
        status: OutreachStatus::Confirmed,
        sub_county: "Kangema".into(),
        ward: "Kanyenya-ini".into(),
        gps: Some(GpsPoint { lat: -0.6833, lon: 36.9667 }),
        mdas: vec!["nrb".into(), "nssf".into(), "sha".into()],
        officers: vec!["CM001".into(), "FD001".into(), "FD002".into()],
        laptops: vec!["K7QM".into(), "A1B2".into()],
        equipment: vec![
            line(EquipmentKind::Tent, 2, EquipmentSource::Centre, None, None),
            line(EquipmentKind::Chairs, 100, EquipmentSource::Hired, None, None),
            line(EquipmentKind::PublicAddress, 1, EquipmentSource::Agency, Some("Murang'a County Government"), None),
            line(EquipmentKind::Generator, 1, EquipmentSource::Centre, None, Some("GEN-02")),
            line(EquipmentKind::Printer, 1, EquipmentSource::Centre, None, Some("PRN-07")),
        ],
        stakeholders: vec![
            Stakeholder {
                kind: StakeholderKind::CountyCommissioner,
                name: "Murang'a County Commissioner".into(),
                status: NoticeStatus::Confirmed,
            },
            Stakeholder {
                kind: StakeholderKind::Chief,
                name: "Chief of Kanyenya-ini".into(),
                status: NoticeStatus::Notified,
            },
            Stakeholder {
                kind: StakeholderKind::VillageElders,
                name: "Kangema elders".into(),
                status: NoticeStatus::NotNotified,
            },
        ],
        checklists: services.map(ServiceChecklist::agreed).to_vec(),
        budget: Some(Budget {
            imprest_ksh: 50_000,
            expenses: vec![
                spent(
                    ExpenseCategory::Transport,
                    12_000,
                    "Matatu hire, Murang'a to Kangema",
                    "2026-11-18",
                    Some("R-101"),
                ),
                spent(ExpenseCategory::Fuel, 6_250, "Generator fuel, 25 litres", "2026-11-19", Some("R-102")),
                spent(ExpenseCategory::EquipmentHire, 8_000, "100 chairs for three days", "2026-11-19", None),
                spent(ExpenseCategory::Meals, 3_500, "Lunch for officers", "2026-11-20", Some("R-881")),
            ],
        }),
    }
}

fn fields(problems: &[Problem]) -> Vec<(String, Reason)> {
    problems.iter().map(|p| (p.field.clone(), p.reason)).collect()
}

// --- check_plan ------------------------------------------------------------------------------------

#[test]
fn a_complete_plan_has_no_problems() {
    assert_eq!(check_plan(&kangema(), &catalogue(), TODAY), Vec::<Problem>::new());
    // Draft, running and closed plans with the same content are fine too.
    for status in [OutreachStatus::Draft, OutreachStatus::Running, OutreachStatus::Closed] {
        let plan = OutreachPlan { status, ..kangema() };
        assert!(check_plan(&plan, &catalogue(), TODAY).is_empty(), "{status:?}");
    }
    // The planning fields are all optional: a plan as the server published it before issue 8.
    let bare = OutreachPlan {
        sub_county: String::new(),
        ward: String::new(),
        gps: None,
        services: vec!["national-id.first-issue".into()],
        mdas: vec!["nrb".into()],
        officers: Vec::new(),
        laptops: Vec::new(),
        equipment: Vec::new(),
        stakeholders: Vec::new(),
        checklists: vec![ServiceChecklist::agreed("national-id.first-issue")],
        budget: None,
        ..kangema()
    };
    assert!(check_plan(&bare, &catalogue(), TODAY).is_empty());
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut plan = OutreachPlan {
        name: "  ".into(),
        centre: "C".repeat(81),
        county_code: "048".into(),
        sub_county: "Kangema; upper".into(),
        place: String::new(),
        starts_on: "2026-11-23".into(),
        ends_on: "21/11/2026".into(),
        gps: Some(GpsPoint { lat: 9.0, lon: 36.9 }),
        services: vec!["national-id.first-issue".into(), "passport.first-issue".into()],
        mdas: vec!["nssf".into(), "immigration".into()],
        officers: vec!["CM001".into(), "F".into(), "FD 002".into()],
        laptops: vec!["K7QM".into(), "k7qm".into(), "K7QMX".into()],
        status: OutreachStatus::Draft,
        ..kangema()
    };
    plan.equipment[0].quantity = 0;
    plan.equipment[1].agency = Some("Kangema Hire Ltd".into());
    plan.equipment[2].agency = None;
    plan.stakeholders[1].name = String::new();
    if let Some(budget) = plan.budget.as_mut() {
        budget.imprest_ksh = 0;
        budget.expenses[0].amount_ksh = 0;
        budget.expenses[1].spent_on = "2026-11-21".into();
        budget.expenses[2].description = "\u{7}".into();
        budget.expenses[3].spent_on = "yesterday".into();
    }
    let problems = check_plan(&plan, &catalogue(), TODAY);
    let expected: Vec<(String, Reason)> = [
        ("name", Reason::Required),
        ("centre", Reason::TooLong),
        ("county_code", Reason::CountyCode),
        ("sub_county", Reason::NameCharacters),
        ("place", Reason::Required),
        ("ends_on", Reason::DateFormat),
        ("gps.lat", Reason::NumberRange),
        ("services[1]", Reason::ServiceUnknown),
        ("mdas[1]", Reason::ChoiceUnknown),
        ("mdas", Reason::RuleFailed),
        ("officers[1]", Reason::OfficerNumberFormat),
        ("officers[2]", Reason::OfficerNumberFormat),
        ("laptops[1]", Reason::LaptopPrefixFormat),
        ("laptops[2]", Reason::LaptopPrefixFormat),
        ("equipment[0].quantity", Reason::NumberRange),
        ("equipment[1].agency", Reason::RuleFailed),
        ("equipment[2].agency", Reason::Required),
        ("stakeholders[1].name", Reason::Required),
        ("budget.imprest_ksh", Reason::NumberRange),
        ("budget.expenses[0].amount_ksh", Reason::NumberRange),
        ("budget.expenses[1].spent_on", Reason::DateInFuture),
        ("budget.expenses[2].description", Reason::ControlCharacters),
        ("budget.expenses[3].spent_on", Reason::DateFormat),
    ]
    .into_iter()
    .map(|(f, r)| (f.to_string(), r))
    .collect();
    assert_eq!(fields(&problems), expected);
    // Every problem reads as a sentence in both languages, with its field's own label.
    for problem in &problems {
        let label = problem.label.as_ref().unwrap_or_else(|| panic!("no label: {problem:?}"));
        assert!(!label.has_gap(), "{problem:?}");
        let (en, sw) =
            (fieldkit_core::messages::problem(problem, Lang::En), fieldkit_core::messages::problem(problem, Lang::Sw));
        assert!(!en.contains('{') && !sw.contains('{'), "unfilled: {en} / {sw}");
        assert_ne!(en, sw, "{problem:?}");
    }
    let sentence = |field: &str, lang| {
        let p = problems.iter().find(|p| p.field == field).expect(field);
        fieldkit_core::messages::problem(p, lang)
    };
    assert_eq!(
        sentence("officers[1]", Lang::En),
        "Officer 2: an officer number is 2 to 16 letters and digits (e.g. FD001)."
    );
    assert_eq!(sentence("equipment[0].quantity", Lang::Sw), "Kifaa 1: idadi lazima iwe kati ya 1 na 10000.");
    assert_eq!(sentence("gps.lat", Lang::En), "GPS latitude must be between -4.9 and 5.1.");
}

#[test]
fn no_services_at_all_is_a_problem_of_its_own() {
    let plan = OutreachPlan { services: Vec::new(), checklists: Vec::new(), ..kangema() };
    assert_eq!(fields(&check_plan(&plan, &catalogue(), TODAY)), vec![("services".to_string(), Reason::Required)]);
}

#[test]
fn the_mda_of_every_service_offered_must_attend_and_is_named() {
    let plan = OutreachPlan { mdas: vec!["nrb".into(), "kra".into()], ..kangema() };
    let problems = check_plan(&plan, &catalogue(), TODAY);
    assert_eq!(fields(&problems), vec![("mdas".to_string(), Reason::RuleFailed); 2]);
    let missing: Vec<(&str, &str)> =
        problems.iter().map(|p| (p.params["mda"].as_str(), p.params["services"].as_str())).collect();
    assert_eq!(missing, vec![("nssf", "nssf.member-registration"), ("sha", "sha.member-registration")]);
    assert!(problems.iter().all(|p| p.params["rule"] == "mda_not_attending"));
    let sha = &problems[1];
    let en = fieldkit_core::messages::problem(sha, Lang::En);
    let sw = fieldkit_core::messages::problem(sha, Lang::Sw);
    assert!(en.starts_with("Social Health Authority must attend"), "{en}");
    assert!(sw.starts_with("Mamlaka ya Afya ya Jamii lazima ihudhurie"), "{sw}");
    // Attending without offering anything is allowed (an MDA may come to advise).
    let extra = OutreachPlan { mdas: vec!["nrb".into(), "nssf".into(), "sha".into(), "kra".into()], ..kangema() };
    assert!(check_plan(&extra, &catalogue(), TODAY).is_empty());
}

#[test]
fn a_confirmed_plan_needs_every_service_checklist_agreed_and_names_the_service() {
    let mut plan = kangema();
    plan.checklists[1].staff = false;
    plan.checklists[1].turnaround = false;
    plan.checklists.remove(2);
    let problems = check_plan(&plan, &catalogue(), TODAY);
    assert_eq!(fields(&problems), vec![("checklists".to_string(), Reason::RuleFailed); 2]);
    assert_eq!(problems[0].params["service"], "nssf.member-registration");
    assert_eq!(problems[0].params["items"], "staff,turnaround");
    assert_eq!(problems[1].params["service"], "sha.member-registration");
    assert_eq!(problems[1].params["items"].split(',').count(), 7, "no checklist at all: all seven missing");
    let en = fieldkit_core::messages::problem(&problems[0], Lang::En);
    assert!(en.starts_with("The checklist for NSSF member registration is not yet fully agreed"), "{en}");
    assert!(en.contains("staff, turnaround time"), "{en}");
    let sw = fieldkit_core::messages::problem(&problems[0], Lang::Sw);
    assert!(sw.contains("wafanyakazi, muda wa kukamilisha huduma"), "{sw}");
    // The same plan as a draft may still be negotiating.
    assert!(check_plan(&OutreachPlan { status: OutreachStatus::Draft, ..plan }, &catalogue(), TODAY).is_empty());
}

#[test]
fn the_last_day_cannot_come_before_the_first() {
    for (starts, ends, ok) in [
        ("2026-11-21", "2026-11-21", true),
        ("2026-11-21", "2026-11-22", true),
        ("2026-11-22", "2026-11-21", false),
        ("2026-12-31", "2027-01-01", true),
    ] {
        let plan = OutreachPlan { starts_on: starts.into(), ends_on: ends.into(), ..kangema() };
        let problems = check_plan(&plan, &catalogue(), TODAY);
        assert_eq!(problems.is_empty(), ok, "{starts}..{ends}: {problems:?}");
        if !ok {
            assert_eq!(fields(&problems), vec![("ends_on".to_string(), Reason::RuleFailed)]);
            let en = fieldkit_core::messages::problem(&problems[0], Lang::En);
            assert_eq!(en, "The last day (2026-11-21) cannot be before the first day (2026-11-22).");
        }
    }
}

#[test]
fn a_gps_point_must_be_in_kenya() {
    // (lat, lon, problems)
    let cases: [(f64, f64, &[&str]); 9] = [
        (-0.6833, 36.9667, &[]),
        (-4.9, 33.8, &[]),
        (5.1, 42.0, &[]),
        (-4.91, 36.0, &["gps.lat"]),
        (5.11, 36.0, &["gps.lat"]),
        (0.0, 33.79, &["gps.lon"]),
        (0.0, 42.01, &["gps.lon"]),
        (51.5, -0.12, &["gps.lat", "gps.lon"]),
        (f64::NAN, f64::INFINITY, &["gps.lat", "gps.lon"]),
    ];
    for (lat, lon, expected) in cases {
        let plan = OutreachPlan { gps: Some(GpsPoint { lat, lon }), ..kangema() };
        let problems = check_plan(&plan, &catalogue(), TODAY);
        let found: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(found, expected, "{lat}, {lon}");
        assert!(problems.iter().all(|p| p.reason == Reason::NumberRange));
    }
}

#[test]
fn an_agency_is_named_exactly_when_it_lends_the_equipment() {
    // (source, agency, problem)
    let cases: [(EquipmentSource, Option<&str>, Option<Reason>); 8] = [
        (EquipmentSource::Agency, Some("KRA"), None),
        (EquipmentSource::Agency, None, Some(Reason::Required)),
        (EquipmentSource::Agency, Some("   "), Some(Reason::Required)),
        (EquipmentSource::Agency, Some(&"A".repeat(101)), Some(Reason::TooLong)),
        (EquipmentSource::Centre, None, None),
        (EquipmentSource::Centre, Some(""), None),
        (EquipmentSource::Hired, Some("Kangema Hire Ltd"), Some(Reason::RuleFailed)),
        (EquipmentSource::Needed, Some("NRB"), Some(Reason::RuleFailed)),
    ];
    for (source, agency, expected) in cases {
        let mut plan = kangema();
        plan.equipment = vec![line(EquipmentKind::Tent, 1, source, agency, None)];
        let problems = check_plan(&plan, &catalogue(), TODAY);
        assert_eq!(problems.first().map(|p| p.reason), expected, "{source:?} {agency:?}");
        if expected.is_some() {
            assert_eq!(problems[0].field, "equipment[0].agency");
        }
    }
}

#[test]
fn expenses_are_dated_no_later_than_today() {
    for (spent_on, expected) in [
        ("2026-11-20", None),
        ("2026-11-21", Some(Reason::DateInFuture)),
        ("2026-02-30", Some(Reason::DateFormat)),
        ("", Some(Reason::Required)),
    ] {
        let mut plan = kangema();
        if let Some(budget) = plan.budget.as_mut() {
            budget.expenses[0].spent_on = spent_on.into();
        }
        let problems = check_plan(&plan, &catalogue(), TODAY);
        assert_eq!(problems.first().map(|p| p.reason), expected, "{spent_on:?}");
    }
}

// --- clashes ---------------------------------------------------------------------------------------

fn other(id: u128, name: &str, starts: &str, ends: &str, status: OutreachStatus) -> OutreachPlan {
    OutreachPlan {
        id: Uuid::from_u128(id),
        name: name.into(),
        starts_on: starts.into(),
        ends_on: ends.into(),
        status,
        officers: vec!["FD001".into(), "FD009".into()],
        laptops: vec!["K7QM".into()],
        equipment: vec![line(EquipmentKind::Generator, 1, EquipmentSource::Centre, None, Some("GEN-02"))],
        ..kangema()
    }
}

#[test]
fn clashes_show_what_is_double_booked_with_whom_and_when() {
    let others = [
        // Overlaps on the 23rd only: the day Kangema ends is the day Kiriaini starts.
        other(1, "Kiriaini market", "2026-11-23", "2026-11-24", OutreachStatus::Confirmed),
        // The day after Kangema ends: no clash.
        other(2, "Kahuro chief's camp", "2026-11-24", "2026-11-25", OutreachStatus::Confirmed),
        // Same days, but closed: it books nothing.
        other(3, "Old Kangema plan", "2026-11-21", "2026-11-23", OutreachStatus::Closed),
        // A draft over the whole period still books its generator.
        OutreachPlan {
            officers: Vec::new(),
            laptops: Vec::new(),
            ..other(4, "Gatanga draft", "2026-11-20", "2026-11-30", OutreachStatus::Draft)
        },
        // Kangema itself, an older revision: not a clash.
        OutreachPlan { revision: 3, ..kangema() },
    ];
    let found = clashes(&kangema(), &others);
    let summary: Vec<(Booked, &str, Date, Date)> =
        found.iter().map(|c| (c.booked.clone(), c.other_name.as_str(), c.first_day, c.last_day)).collect();
    assert_eq!(
        summary,
        vec![
            (Booked::Officer("FD001".into()), "Kiriaini market", date!(2026 - 11 - 23), date!(2026 - 11 - 23)),
            (Booked::Laptop("K7QM".into()), "Kiriaini market", date!(2026 - 11 - 23), date!(2026 - 11 - 23)),
            (Booked::Equipment("GEN-02".into()), "Kiriaini market", date!(2026 - 11 - 23), date!(2026 - 11 - 23)),
            (Booked::Equipment("GEN-02".into()), "Gatanga draft", date!(2026 - 11 - 21), date!(2026 - 11 - 23)),
        ]
    );
    assert_eq!(found[0].other_id, Uuid::from_u128(1));
    assert_eq!(
        found[2].message(Lang::En),
        "Equipment GEN-02 is also booked for Kiriaini market from 2026-11-23 to 2026-11-23."
    );
    assert_eq!(
        found[0].message(Lang::Sw),
        "Afisa FD001 pia amepangiwa Kiriaini market kuanzia 2026-11-23 hadi 2026-11-23."
    );
    // Resolved: another generator, officer and laptop for Kiriaini.
    let mut resolved = others[0].clone();
    resolved.officers = vec!["FD009".into()];
    resolved.laptops = vec!["Z9Z9".into()];
    resolved.equipment[0].asset_tag = Some("GEN-03".into());
    assert!(clashes(&kangema(), &[resolved]).is_empty());
}

// --- budget ----------------------------------------------------------------------------------------

#[test]
fn the_budget_adds_up_to_the_shilling() {
    let budget = kangema().budget.expect("budget");
    let summary = summarise(&budget);
    assert_eq!(summary.imprest, 50_000);
    assert_eq!(summary.spent, 29_750);
    assert_eq!(summary.balance, 20_250);
    assert_eq!(
        summary.by_category,
        vec![
            (ExpenseCategory::Transport, 12_000),
            (ExpenseCategory::Fuel, 6_250),
            (ExpenseCategory::EquipmentHire, 8_000),
            (ExpenseCategory::Meals, 3_500),
        ]
    );
    assert_eq!(summary.expenses_without_receipt, 1);
    assert_eq!(summary.warning(), None);
    assert_eq!(CATEGORIES.len(), 7);

    // 20,250 left: 15,250 more leaves 5,000 (exactly 10 %: not low); 15,251 leaves 4,999 (low);
    // 20,250 leaves nothing (low); 20,251 would overspend by 1.
    let fuel = |amount| spent(ExpenseCategory::Fuel, amount, "Generator fuel", "2026-11-20", None);
    let cases = [
        (15_250, ExpenseCheck { balance_after: 5_000, warning: None }),
        (15_251, ExpenseCheck { balance_after: 4_999, warning: Some(BudgetWarning::Low { balance_after: 4_999 }) }),
        (20_250, ExpenseCheck { balance_after: 0, warning: Some(BudgetWarning::Low { balance_after: 0 }) }),
        (20_251, ExpenseCheck { balance_after: -1, warning: Some(BudgetWarning::WouldGoNegative { short_by: 1 }) }),
        (
            45_000,
            ExpenseCheck { balance_after: -24_750, warning: Some(BudgetWarning::WouldGoNegative { short_by: 24_750 }) },
        ),
    ];
    for (amount, expected) in cases {
        assert_eq!(check_expense(&budget, &fuel(amount)), expected, "{amount}");
    }
    let warning = check_expense(&budget, &fuel(45_000)).warning.expect("warning");
    assert_eq!(warning.message(Lang::En), "Over the imprest by KSh 24,750: the balance goes below zero.");
    assert_eq!(warning.message(Lang::Sw), "Imezidi masurufu kwa KSh 24,750: salio linashuka chini ya sifuri.");
    let json = serde_json::to_value(summarise(&budget)).expect("json");
    assert_eq!(json["balance"], 20_250);
    assert_eq!(json["by_category"][0], serde_json::json!(["transport", 12_000]));
}

#[test]
fn the_default_imprest_comes_from_the_configuration() {
    let config = fieldkit_core::Config::default();
    assert_eq!(config.imprest_ksh, planning::DEFAULT_IMPREST_KSH);
    let env = |name: &str| (name == "FIELDKIT_IMPREST_KSH").then(|| "65000".to_string());
    assert_eq!(fieldkit_core::Config::load(None, env).expect("config").imprest_ksh, 65_000);
}

// --- iCalendar -------------------------------------------------------------------------------------

/// A TEXT value as written, unescaped (RFC 5545, 3.3.11).
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => panic!("a lone backslash ends {value:?}"),
        }
    }
    out
}

fn parse_ics(ics: &str) -> ical::parser::ical::component::IcalCalendar {
    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let calendar = calendars.next().expect("one calendar").expect("parses");
    assert!(calendars.next().is_none(), "exactly one calendar");
    calendar
}

fn property<'a>(properties: &'a [ical::property::Property], name: &str) -> &'a ical::property::Property {
    let mut matching = properties.iter().filter(|p| p.name == name);
    let found = matching.next().unwrap_or_else(|| panic!("no {name}"));
    assert!(matching.next().is_none(), "{name} twice");
    found
}

fn value<'a>(properties: &'a [ical::property::Property], name: &str) -> &'a str {
    property(properties, name).value.as_deref().unwrap_or_else(|| panic!("{name} has no value"))
}

/// Every physical line within 75 octets and ended by CRLF.
fn assert_folded(ics: &str) {
    assert!(ics.ends_with("\r\n"));
    for line in ics.split_terminator("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
    }
}

#[test]
fn the_calendar_parses_back_with_an_independent_reader() {
    let plan = kangema();
    let ics = to_ics(&plan, datetime!(2026-11-20 09:30 +3)).expect("ics");
    assert_folded(&ics);
    let calendar = parse_ics(&ics);
    assert_eq!(value(&calendar.properties, "VERSION"), "2.0");
    assert!(value(&calendar.properties, "PRODID").contains("Huduma Mashinani Field Kit"));
    assert_eq!(calendar.events.len(), 1);
    let event = &calendar.events[0].properties;
    assert_eq!(value(event, "UID"), format!("{}@huduma-fieldkit", plan.id));
    assert_eq!(value(event, "DTSTAMP"), "20261120T063000Z");
    for (name, day) in [("DTSTART", "20261121"), ("DTEND", "20261124")] {
        let p = property(event, name);
        assert_eq!(p.value.as_deref(), Some(day), "{name}");
        assert_eq!(p.params, Some(vec![("VALUE".to_string(), vec!["DATE".to_string()])]), "{name}");
    }
    assert_eq!(unescape(value(event, "SUMMARY")), plan.name);
    assert_eq!(
        unescape(value(event, "LOCATION")),
        "Kangema market, beside the chief's office; main gate, Kanyenya-ini, Kangema, Murang'a County"
    );
    assert_eq!(value(event, "GEO"), "-0.6833;36.9667");
    assert_eq!(value(event, "STATUS"), "CONFIRMED");
    assert_eq!(value(event, "SEQUENCE"), "4");
    let description = unescape(value(event, "DESCRIPTION"));
    let lines: Vec<&str> = description.lines().collect();
    assert_eq!(lines[1], "Services: national-id.first-issue; nssf.member-registration; sha.member-registration");
    assert_eq!(lines[2], "MDAs attending: NRB; NSSF; SHA");
    assert!(lines[4].starts_with("Huduma: "), "{description}");
}

#[test]
fn a_long_kiswahili_name_and_a_place_full_of_separators_fold_and_escape_safely() {
    let name = "Huduma Mashinani ya Kangema — siku za soko kwa wakazi wa Kanyenya-ini, Gĩtũgĩ na Kĩriaini: \
                vitambulisho, NSSF na SHA";
    let place = "Soko la Kangema; karibu na ofisi ya chifu, lango kuu\\nyuma ya \"stage\"\nna kanisa";
    let mut plan = OutreachPlan { name: name.into(), place: place.into(), status: OutreachStatus::Draft, ..kangema() };
    plan.centre = "Murang'a, Kiambu; Nyeri".into();
    let ics = to_ics(&plan, datetime!(2026-11-20 06:30 UTC)).expect("ics");
    assert_folded(&ics);
    // Folded, and no physical line split a character (each line is UTF-8 on its own).
    assert!(ics.split_terminator("\r\n").count() > ics.replace("\r\n ", "").split_terminator("\r\n").count());
    for physical in ics.as_bytes().split(|&b| b == b'\n') {
        assert!(std::str::from_utf8(physical).is_ok(), "a character split across a fold");
    }
    // Escaped by hand: every separator in the text is escaped, the backslash doubled, the line
    // break written as \n.
    let unfolded = ics.replace("\r\n ", "");
    let location = unfolded.lines().find(|l| l.starts_with("LOCATION:")).expect("LOCATION");
    assert!(
        location.starts_with(
            "LOCATION:Soko la Kangema\\; karibu na ofisi ya chifu\\, lango kuu\\\\nyuma ya \"stage\"\\nna kanisa\\, "
        ),
        "{location}"
    );
    let summary = unfolded.lines().find(|l| l.starts_with("SUMMARY:")).expect("SUMMARY");
    assert_eq!(summary.trim_end(), format!("SUMMARY:{}", name.replace(',', "\\,")));
    // And read back whole by the parser.
    let calendar = parse_ics(&ics);
    let event = &calendar.events[0].properties;
    assert_eq!(unescape(value(event, "SUMMARY")), name);
    assert!(unescape(value(event, "LOCATION")).starts_with(place), "{}", value(event, "LOCATION"));
    assert!(unescape(value(event, "DESCRIPTION")).contains("Huduma Centre Murang'a, Kiambu; Nyeri"));
    assert_eq!(value(event, "STATUS"), "TENTATIVE");
}

#[test]
fn several_outreaches_make_one_calendar_with_names_from_the_catalogue() {
    let second =
        OutreachPlan { gps: None, ..other(9, "Kiriaini market", "2026-12-01", "2026-12-01", OutreachStatus::Running) };
    let ics = planning::calendar(&[kangema(), second.clone()], Some(&catalogue()), datetime!(2026-11-20 06:30 UTC))
        .expect("ics");
    assert_folded(&ics);
    let calendar = parse_ics(&ics);
    assert_eq!(calendar.events.len(), 2);
    let uids: Vec<&str> = calendar.events.iter().map(|e| value(&e.properties, "UID")).collect();
    assert_eq!(uids, vec![format!("{}@huduma-fieldkit", kangema().id), format!("{}@huduma-fieldkit", second.id)]);
    let last = &calendar.events[1].properties;
    assert_eq!(value(last, "DTEND"), "20261202");
    assert!(last.iter().all(|p| p.name != "GEO"));
    let description = unescape(value(&calendar.events[0].properties, "DESCRIPTION"));
    assert!(description.contains("National Registration Bureau (NRB)"), "{description}");
    assert!(description.contains("Ofisi ya Usajili wa Kitaifa (NRB)"), "{description}");
}

// --- the plan PDF ----------------------------------------------------------------------------------

fn run(program: &str, args: &[&str]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): install poppler-utils and qpdf (scripts/setup.sh)"))
}

fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            let cache = PathBuf::from(std::env::var_os("HOME")?).join(".cache/fieldkit-target");
            cache.is_dir().then_some(cache)
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("artifacts");
    std::fs::create_dir_all(&dir).expect("create the artifacts directory");
    dir
}

/// Writes `pdf`, checks it with qpdf and pdffonts, keeps a render; returns its words.
fn read_pdf(pdf: &[u8], name: &str) -> (String, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write the PDF");
    let file = path.to_str().expect("utf-8 path");
    let check = run("qpdf", &["--check", file]);
    let said = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(0), "qpdf --check: {said}{}", String::from_utf8_lossy(&check.stderr));
    assert!(said.contains("No syntax or stream encoding errors found"), "{said}");
    let fonts = run("pdffonts", &[file]);
    let listing = String::from_utf8_lossy(&fonts.stdout);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts: {listing}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        assert!(row.contains("DejaVuSans"), "not the bundled font: {row}");
        assert_eq!(columns[columns.len() - 5], "yes", "not embedded: {row}");
    }
    let info = run("pdfinfo", &[file]);
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("pages: {info}"));
    let size: Vec<f64> = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .map(|s| s.split_whitespace().filter_map(|w| w.parse().ok()).collect())
        .unwrap_or_default();
    let mm: Vec<f64> = size.iter().map(|pt| (pt * 25.4 / 72.0).round()).collect();
    assert_eq!(mm.get(..2), Some(&[210.0, 297.0][..]), "A4: {info}");
    let prefix = artifacts_dir().join(name);
    let render = run("pdftoppm", &["-png", "-r", "80", file, prefix.to_str().expect("utf-8")]);
    assert!(render.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&render.stderr));
    let text = run("pdftotext", &[file, "-"]);
    assert!(text.status.success());
    (String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<Vec<_>>().join(" "), pages)
}

fn assert_says(text: &str, phrases: &[&str]) {
    for phrase in phrases {
        assert!(text.contains(phrase), "{phrase:?} missing from:\n{text}");
    }
}

#[test]
fn the_plan_pdf_tells_stakeholders_where_when_who_what_and_the_money() {
    let pdf = fieldkit_core::documents::plan_pdf(&kangema(), &catalogue(), datetime!(2026-11-20 06:30 UTC), false)
        .expect("plan PDF");
    let (text, pages) = read_pdf(&pdf, "plan-kangema");
    assert!((1..=4).contains(&pages), "{pages} pages");
    assert_says(
        &text,
        &[
            "Outreach plan",
            "Mpango wa huduma mashinani",
            "Kangema market days",
            "Confirmed · Revision 4",
            "Imethibitishwa · Toleo 4",
            "Murang'a County (021)",
            "Kanyenya-ini",
            "Kangema market, beside the chief's office; main gate",
            "-0.68330, 36.96670",
            "2026-11-21 to 2026-11-23 (3 days)",
            "2026-11-21 hadi 2026-11-23 (siku 3)",
            "National Registration Bureau (NRB)",
            "Social Health Authority (SHA)",
            "CM001, FD001, FD002",
            "K7QM, A1B2",
            "Generator",
            "Jenereta",
            "GEN-02",
            "PRN-07",
            "Lent by Murang'a County Government",
            "Hired",
            "County commissioner",
            "Murang'a County Commissioner",
            "Not yet notified",
            "Bado hajaarifiwa",
            "All seven items agreed",
            "KSh 50,000",
            "KSh 29,750",
            "KSh 20,250",
            "Equipment hire",
            "Kukodi vifaa",
            "100 chairs for three days",
            "R-881",
            "2026-11-20 09:30 EAT",
        ],
    );
    assert!(!text.contains("TRAINING"));
}

#[test]
fn an_unfinished_overspent_draft_says_so_on_paper() {
    let mut plan = OutreachPlan { status: OutreachStatus::Draft, ..kangema() };
    plan.checklists[0].process_map = false;
    plan.checklists[0].staff = false;
    plan.checklists.remove(2);
    plan.stakeholders.clear();
    plan.equipment.clear();
    if let Some(budget) = plan.budget.as_mut() {
        budget.imprest_ksh = 27_405;
    }
    let pdf = fieldkit_core::documents::plan_pdf(&plan, &catalogue(), datetime!(2026-11-20 06:30 UTC), true)
        .expect("plan PDF");
    let (text, _) = read_pdf(&pdf, "plan-draft");
    assert_says(
        &text,
        &[
            "Draft · Revision 4",
            "Not yet agreed (2 / 7): process map, staff",
            "Bado haijakubaliwa: ramani ya mchakato, wafanyakazi",
            "Not yet agreed (7 / 7)",
            "KSh -2,345",
            "Over the imprest by KSh 2,345",
            "Training only",
        ],
    );
    // No budget at all.
    let pdf = fieldkit_core::documents::plan_pdf(
        &OutreachPlan { budget: None, ..kangema() },
        &catalogue(),
        datetime!(2026-11-20 06:30 UTC),
        false,
    )
    .expect("plan PDF");
    let (text, _) = read_pdf(&pdf, "plan-no-budget");
    assert_says(&text, &["No budget recorded yet.", "Bado hakuna bajeti iliyorekodiwa."]);
}
