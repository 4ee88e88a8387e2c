//! Outreach planning (issue 8) as pure domain: whether a plan is complete and consistent
//! ([`check_plan`]), what it double-books against other plans ([`clash`]), where its money stands
//! ([`budget`]) and its dates as an iCalendar file ([`ics`]). The plan PDF for stakeholders is
//! `documents::plan`.
//!
//! The plan itself is the wire type [`OutreachPlan`]: the centre manager edits it in the app, the
//! server publishes it to the laptops it names. Nothing here touches the store, the clock or a file;
//! callers pass "today" and "now" (Kenya's day, see `clock::kenyan_date`).
//!
//! Problems are the form problems every other check returns ([`Problem`], located by a path such
//! as `equipment[1].agency`, indices from 0), each with a label in English and Kiswahili (from
//! `messages.toml`, `field.outreach_*`). Rules that span fields (the last day before the first,
//! an MDA missing for a service offered, an unfinished MDA checklist on a confirmed plan) are
//! `rule_failed` problems with a stable `rule` parameter and their message in both languages,
//! as a catalogue rule's are.

pub mod budget;
pub mod clash;
pub mod ics;

pub use budget::{BudgetSummary, BudgetWarning, ExpenseCheck, check_expense, summarise};
pub use clash::{Booked, Clash, clashes};
pub use ics::{calendar, to_ics};

use crate::catalogue::Catalogue;
use crate::error::{Problem, Reason};
use crate::lang::{Lang, Text};
use crate::officer::OfficerNumber;
use fieldkit_protocol::{OutreachPlan, OutreachStatus, ServiceChecklist};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use time::Date;

/// The standing imprest of an outreach when the configuration says nothing else (KSh).
pub const DEFAULT_IMPREST_KSH: u64 = 50_000;
/// Largest imprest or single expense a plan may carry (KSh): far above any outreach, far below
/// where sums could overflow.
pub const MAX_KSH: u64 = 100_000_000;
/// Most items on one equipment line (chairs come in hundreds, not tens of thousands).
pub const MAX_QUANTITY: u32 = 10_000;
/// Longest outreach name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest centre name, in characters.
pub const MAX_CENTRE_CHARS: usize = 80;
/// Longest place (venue) description, in characters.
pub const MAX_PLACE_CHARS: usize = 120;
/// Longest stakeholder or lending agency name, in characters.
pub const MAX_PARTY_CHARS: usize = 100;
/// Longest expense description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// Longest asset tag or receipt number, in characters.
pub const MAX_TAG_CHARS: usize = 40;
/// Kenya's bounding box, in decimal degrees (a little wider than the borders).
pub const KENYA_LATITUDE: RangeInclusive<f64> = -4.9..=5.1;
pub const KENYA_LONGITUDE: RangeInclusive<f64> = 33.8..=42.0;

/// One item of the portable-service checklist agreed with an MDA before a service goes to the
/// field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistItem {
    Impact,
    ProcessMap,
    Procedures,
    Equipment,
    Counters,
    Staff,
    Turnaround,
}

impl ChecklistItem {
    pub const ALL: [ChecklistItem; 7] = [
        ChecklistItem::Impact,
        ChecklistItem::ProcessMap,
        ChecklistItem::Procedures,
        ChecklistItem::Equipment,
        ChecklistItem::Counters,
        ChecklistItem::Staff,
        ChecklistItem::Turnaround,
    ];

    /// Stable code, as the wire's field name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChecklistItem::Impact => "impact",
            ChecklistItem::ProcessMap => "process_map",
            ChecklistItem::Procedures => "procedures",
            ChecklistItem::Equipment => "equipment",
            ChecklistItem::Counters => "counters",
            ChecklistItem::Staff => "staff",
            ChecklistItem::Turnaround => "turnaround",
        }
    }

    /// Whether `checklist` has this item agreed.
    pub fn agreed(self, checklist: &ServiceChecklist) -> bool {
        match self {
            ChecklistItem::Impact => checklist.impact,
            ChecklistItem::ProcessMap => checklist.process_map,
            ChecklistItem::Procedures => checklist.procedures,
            ChecklistItem::Equipment => checklist.equipment,
            ChecklistItem::Counters => checklist.counters,
            ChecklistItem::Staff => checklist.staff,
            ChecklistItem::Turnaround => checklist.turnaround,
        }
    }

    /// The item's name in both languages (`planning.item_<code>` in `messages.toml`).
    pub fn name(self) -> Text {
        message_text(&format!("planning.item_{}", self.as_str()))
    }
}

/// The checklist the plan holds for `service_id`, if any (the first, should there be several).
pub fn checklist_for<'a>(plan: &'a OutreachPlan, service_id: &str) -> Option<&'a ServiceChecklist> {
    plan.checklists.iter().find(|c| c.service_id == service_id)
}

/// The items not yet agreed for `service_id`: all seven when the plan has no checklist for it.
pub fn checklist_missing(plan: &OutreachPlan, service_id: &str) -> Vec<ChecklistItem> {
    match checklist_for(plan, service_id) {
        Some(checklist) => ChecklistItem::ALL.into_iter().filter(|item| !item.agreed(checklist)).collect(),
        None => ChecklistItem::ALL.to_vec(),
    }
}

/// An ISO date, `YYYY-MM-DD` exactly.
pub fn parse_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let text = text.trim();
    if text.len() != 10 {
        return None;
    }
    Date::parse(text, format).ok()
}

/// The plan's first and last days (inclusive), when both are dates and in order.
pub fn plan_days(plan: &OutreachPlan) -> Option<(Date, Date)> {
    let (first, last) = (parse_date(&plan.starts_on)?, parse_date(&plan.ends_on)?);
    (first <= last).then_some((first, last))
}

/// Every problem with `plan`, at once, in the order of the plan's fields; empty when it may be
/// saved. `catalogue` is the one in force (services and MDAs must be in it); `today` is Kenya's
/// day (expenses cannot be dated after it).
///
/// What is checked: name, centre and place present and bounded; a county code of the First
/// Schedule; sub-county and ward, when given, as place names; ISO dates, the last not before the
/// first; a GPS point inside Kenya; at least one service, each in the catalogue; MDAs in the
/// catalogue and including every offered service's MDA (one problem per MDA missing, naming
/// it); officer numbers and laptop ids well formed; equipment quantities of 1 or more, the
/// lending agency named exactly when the source is an agency; stakeholders named; an imprest
/// and expenses above zero, expenses described and dated no later than today; and, once the plan
/// is confirmed, every offered service's checklist agreed in full (one problem per service,
/// naming it and what is missing).
pub fn check_plan(plan: &OutreachPlan, catalogue: &Catalogue, today: Date) -> Vec<Problem> {
    let mut problems = Vec::new();
    let p = &mut problems;

    text(p, "name", &plan.name, MAX_NAME_CHARS, label("outreach_name"));
    text(p, "centre", &plan.centre, MAX_CENTRE_CHARS, label("outreach_centre"));
    if plan.county_code.trim().is_empty() {
        p.push(problem("county_code", Reason::Required, label("county_code")));
    } else if crate::counties::by_code(plan.county_code.trim()).is_none() {
        p.push(problem("county_code", Reason::CountyCode, label("county_code")));
    }
    for (field, value, key) in [("sub_county", &plan.sub_county, "sub_county"), ("ward", &plan.ward, "outreach_ward")] {
        if !value.trim().is_empty()
            && let Err(e) = crate::validate::place_name(field, value)
        {
            p.push(Problem::from(e).with_label(&label(key)));
        }
    }
    text(p, "place", &plan.place, MAX_PLACE_CHARS, label("outreach_place"));

    let first = date(p, "starts_on", &plan.starts_on, label("outreach_starts_on"));
    let last = date(p, "ends_on", &plan.ends_on, label("outreach_ends_on"));
    if let (Some(first), Some(last)) = (first, last)
        && last < first
    {
        let params = [("first", iso(first)), ("last", iso(last))];
        p.push(rule("ends_on", "dates_in_order", label("outreach_ends_on"), &params));
    }

    if let Some(gps) = plan.gps {
        for (field, value, range, key) in [
            ("gps.lat", gps.lat, KENYA_LATITUDE, "outreach_latitude"),
            ("gps.lon", gps.lon, KENYA_LONGITUDE, "outreach_longitude"),
        ] {
            if !range.contains(&value) {
                p.push(
                    problem(field, Reason::NumberRange, label(key))
                        .with_param("min", range.start())
                        .with_param("max", range.end()),
                );
            }
        }
    }

    check_services(p, plan, catalogue);

    for (i, number) in plan.officers.iter().enumerate() {
        if OfficerNumber::parse(number).is_err() {
            p.push(problem(format!("officers[{i}]"), Reason::OfficerNumberFormat, nth("outreach_officer", i, None)));
        }
    }
    for (i, laptop) in plan.laptops.iter().enumerate() {
        if !fieldkit_protocol::is_valid_device_id(laptop) {
            p.push(problem(format!("laptops[{i}]"), Reason::LaptopPrefixFormat, nth("outreach_laptop", i, None)));
        }
    }

    for (i, line) in plan.equipment.iter().enumerate() {
        let at = |part: &str| format!("equipment[{i}].{part}");
        let part_label = |part: &str| nth("outreach_equipment", i, Some(part));
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            p.push(
                problem(at("quantity"), Reason::NumberRange, part_label("outreach_quantity"))
                    .with_param("min", 1)
                    .with_param("max", MAX_QUANTITY),
            );
        }
        let agency = line.agency.as_deref().filter(|a| !a.trim().is_empty());
        match (line.source == fieldkit_protocol::EquipmentSource::Agency, agency) {
            (true, None) => p.push(problem(at("agency"), Reason::Required, part_label("outreach_agency"))),
            (true, Some(agency)) => text(p, &at("agency"), agency, MAX_PARTY_CHARS, part_label("outreach_agency")),
            (false, Some(_)) => {
                p.push(rule(&at("agency"), "agency_only_when_lent", part_label("outreach_agency"), &[]))
            }
            (false, None) => {}
        }
        if let Some(tag) = line.asset_tag.as_deref().filter(|t| !t.trim().is_empty()) {
            text(p, &at("asset_tag"), tag, MAX_TAG_CHARS, part_label("outreach_asset_tag"));
        }
    }

    for (i, stakeholder) in plan.stakeholders.iter().enumerate() {
        let field = format!("stakeholders[{i}].name");
        text(
            p,
            &field,
            &stakeholder.name,
            MAX_PARTY_CHARS,
            nth("outreach_stakeholder", i, Some("outreach_party_name")),
        );
    }

    if plan.status == OutreachStatus::Confirmed {
        check_checklists(p, plan, catalogue);
    }

    if let Some(budget) = &plan.budget {
        if !(1..=MAX_KSH).contains(&budget.imprest_ksh) {
            p.push(
                problem("budget.imprest_ksh", Reason::NumberRange, label("outreach_imprest"))
                    .with_param("min", 1)
                    .with_param("max", MAX_KSH),
            );
        }
        for (i, expense) in budget.expenses.iter().enumerate() {
            let at = |part: &str| format!("budget.expenses[{i}].{part}");
            let part_label = |part: &str| nth("outreach_expense", i, Some(part));
            if !(1..=MAX_KSH).contains(&expense.amount_ksh) {
                p.push(
                    problem(at("amount_ksh"), Reason::NumberRange, part_label("outreach_amount"))
                        .with_param("min", 1)
                        .with_param("max", MAX_KSH),
                );
            }
            text(
                p,
                &at("description"),
                &expense.description,
                MAX_DESCRIPTION_CHARS,
                part_label("outreach_description"),
            );
            if let Some(spent) = date(p, &at("spent_on"), &expense.spent_on, part_label("outreach_spent_on"))
                && spent > today
            {
                p.push(problem(at("spent_on"), Reason::DateInFuture, part_label("outreach_spent_on")));
            }
            if let Some(receipt) = expense.receipt.as_deref().filter(|r| !r.trim().is_empty()) {
                text(p, &at("receipt"), receipt, MAX_TAG_CHARS, part_label("outreach_receipt"));
            }
        }
    }
    problems
}

/// Services offered must be in the catalogue; MDAs attending must be in it too and include the
/// MDA of every service offered.
fn check_services(p: &mut Vec<Problem>, plan: &OutreachPlan, catalogue: &Catalogue) {
    if plan.services.is_empty() {
        p.push(problem("services", Reason::Required, label("outreach_services")));
    }
    // The MDAs the offered services need, each with the services that need it, in order.
    let mut needed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (i, id) in plan.services.iter().enumerate() {
        match catalogue.service(id) {
            Some(service) => {
                let services = needed.entry(service.mda.as_str()).or_default();
                if !services.contains(&id.as_str()) {
                    services.push(id);
                }
            }
            None => p.push(
                problem(format!("services[{i}]"), Reason::ServiceUnknown, nth("outreach_service", i, None))
                    .with_param("service", id),
            ),
        }
    }
    for (i, id) in plan.mdas.iter().enumerate() {
        if catalogue.mda(id).is_none() {
            p.push(
                problem(format!("mdas[{i}]"), Reason::ChoiceUnknown, nth("outreach_mda", i, None))
                    .with_param("mda", id),
            );
        }
    }
    let attending: BTreeSet<&str> = plan.mdas.iter().map(String::as_str).collect();
    for (mda, services) in needed {
        if attending.contains(mda) {
            continue;
        }
        let mda_name = catalogue.mda(mda).map(|m| m.name.clone()).unwrap_or_else(|| Text::new(mda, mda));
        let names = join_texts(services.iter().map(|s| service_name(catalogue, s)));
        let mut problem = rule_with("mdas", "mda_not_attending", label("outreach_mdas"), |lang| {
            vec![("mda", mda_name.get(lang).to_string()), ("services", names.get(lang).to_string())]
        });
        problem = problem.with_param("mda", mda).with_param("services", services.join(","));
        p.push(problem);
    }
}

/// A confirmed plan has every offered service's checklist agreed in full.
fn check_checklists(p: &mut Vec<Problem>, plan: &OutreachPlan, catalogue: &Catalogue) {
    let mut seen = BTreeSet::new();
    for id in &plan.services {
        if !seen.insert(id.as_str()) {
            continue;
        }
        let missing = checklist_missing(plan, id);
        if missing.is_empty() {
            continue;
        }
        let service = service_name(catalogue, id);
        let items = join_texts(missing.iter().map(|item| item.name()));
        let codes: Vec<&str> = missing.iter().map(|item| item.as_str()).collect();
        let problem = rule_with("checklists", "checklist_incomplete", label("outreach_checklists"), |lang| {
            vec![("service", service.get(lang).to_string()), ("items", items.get(lang).to_string())]
        })
        .with_param("service", id)
        .with_param("items", codes.join(","));
        p.push(problem);
    }
}

/// A service's name in both languages, its id when the catalogue does not have it.
pub fn service_name(catalogue: &Catalogue, id: &str) -> Text {
    catalogue.service(id).map(|s| s.name.clone()).unwrap_or_else(|| Text::new(id, id))
}

fn join_texts(texts: impl Iterator<Item = Text>) -> Text {
    let (en, sw): (Vec<String>, Vec<String>) = texts.map(|t| (t.en, t.sw)).unzip();
    Text::new(en.join(", "), sw.join(", "))
}

fn iso(date: Date) -> String {
    crate::format::date(date)
}

/// `messages.toml` text for `key` in both languages (the key itself where it is missing, which the
/// tests forbid).
pub(crate) fn message_text(key: &str) -> Text {
    crate::messages::all().get(key).cloned().unwrap_or_else(|| Text::new(key, key))
}

/// A field's label, `field.<key>` in `messages.toml`.
fn label(key: &str) -> Text {
    message_text(&format!("field.{key}"))
}

/// The label of the `index`th (from 0) entry of a list, counted from 1 for people (`Officer 2`),
/// with the part of it when there is one (`Equipment 1: quantity`).
fn nth(list_key: &str, index: usize, part_key: Option<&str>) -> Text {
    let list = label(list_key);
    let position = index.saturating_add(1);
    match part_key.map(label) {
        Some(part) => {
            Text::new(format!("{} {position}: {}", list.en, part.en), format!("{} {position}: {}", list.sw, part.sw))
        }
        None => Text::new(format!("{} {position}", list.en), format!("{} {position}", list.sw)),
    }
}

fn problem(field: impl Into<String>, reason: Reason, label: Text) -> Problem {
    Problem::new(field, reason).with_label(&label)
}

/// A required, bounded, printable text.
fn text(p: &mut Vec<Problem>, field: &str, value: &str, max_chars: usize, label: Text) {
    if let Err(e) = crate::validate::free_text(field, value, max_chars) {
        let mut refused = Problem::from(e).with_label(&label);
        if refused.reason == Reason::TooLong {
            refused = refused.with_param("max", max_chars);
        }
        p.push(refused);
    }
}

/// An ISO date, required.
fn date(p: &mut Vec<Problem>, field: &str, value: &str, label: Text) -> Option<Date> {
    if value.trim().is_empty() {
        p.push(problem(field, Reason::Required, label));
        return None;
    }
    let parsed = parse_date(value);
    if parsed.is_none() {
        p.push(problem(field, Reason::DateFormat, label));
    }
    parsed
}

/// A planning rule that failed: `rule_failed` with the stable `rule` code and the message
/// `planning.<rule>` filled in both languages with `params`.
fn rule(field: &str, rule_id: &'static str, label: Text, params: &[(&'static str, String)]) -> Problem {
    let mut problem = rule_with(field, rule_id, label, |_| params.to_vec());
    for (name, value) in params {
        problem = problem.with_param(name, value);
    }
    problem
}

/// As [`rule`], with parameters that differ by language (names from the catalogue).
fn rule_with(
    field: &str,
    rule_id: &'static str,
    label: Text,
    params: impl Fn(Lang) -> Vec<(&'static str, String)>,
) -> Problem {
    let key = format!("planning.{rule_id}");
    let fill = |lang: Lang| {
        let values: BTreeMap<&str, String> = params(lang).into_iter().collect();
        crate::messages::fill(&crate::messages::template(&key, lang), &values)
    };
    let mut problem = Problem::new(field, Reason::RuleFailed).with_param("rule", rule_id).with_label(&label);
    problem.message = Some(Box::new(Text::new(fill(Lang::En), fill(Lang::Sw))));
    problem
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every label and message key this module and its siblings use is in `messages.toml`, in
    /// both languages.
    #[test]
    fn every_planning_text_is_in_the_messages_file() {
        let keys = [
            "outreach_name",
            "outreach_centre",
            "county_code",
            "sub_county",
            "outreach_ward",
            "outreach_place",
            "outreach_starts_on",
            "outreach_ends_on",
            "outreach_latitude",
            "outreach_longitude",
            "outreach_services",
            "outreach_service",
            "outreach_mdas",
            "outreach_mda",
            "outreach_officer",
            "outreach_laptop",
            "outreach_equipment",
            "outreach_quantity",
            "outreach_agency",
            "outreach_asset_tag",
            "outreach_stakeholder",
            "outreach_party_name",
            "outreach_checklists",
            "outreach_imprest",
            "outreach_expense",
            "outreach_amount",
            "outreach_description",
            "outreach_spent_on",
            "outreach_receipt",
        ];
        let messages = crate::messages::all();
        for key in keys {
            let text = messages.get(&format!("field.{key}")).unwrap_or_else(|| panic!("field.{key} missing"));
            assert!(!text.has_gap(), "field.{key}");
        }
        let rules = ["dates_in_order", "agency_only_when_lent", "mda_not_attending", "checklist_incomplete"];
        let others = ["clash_officer", "clash_laptop", "clash_equipment", "budget_would_go_negative", "budget_low"];
        for key in rules.iter().chain(&others) {
            assert!(messages.contains_key(&format!("planning.{key}")), "planning.{key} missing");
        }
        for item in ChecklistItem::ALL {
            let name = item.name();
            assert!(!name.has_gap() && name.en != format!("planning.item_{}", item.as_str()), "{item:?}");
        }
    }

    #[test]
    fn dates_are_iso_and_exact() {
        assert_eq!(parse_date("2026-11-21"), Some(time::macros::date!(2026 - 11 - 21)));
        assert_eq!(parse_date(" 2026-11-21 "), Some(time::macros::date!(2026 - 11 - 21)));
        for bad in ["", "2026-11-31", "2026-2-1", "21/11/2026", "+2026-11-21", "2026-11-21T00:00"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn list_labels_count_from_one_in_both_languages() {
        let officer = nth("outreach_officer", 1, None);
        assert_eq!(officer.en, format!("{} 2", label("outreach_officer").en));
        let quantity = nth("outreach_equipment", 0, Some("outreach_quantity"));
        assert!(quantity.en.contains(" 1: ") && quantity.sw.contains(" 1: "), "{quantity:?}");
    }
}
