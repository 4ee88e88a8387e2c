//! Double bookings: the same officer, laptop or tagged piece of equipment (a generator `GEN-02`)
//! in two outreaches whose dates overlap, shown to the centre manager before a plan is saved.
//!
//! Dates are inclusive on both sides: an outreach ending on the 23rd and another starting on the
//! 23rd share that day. Plans that are `closed` are over and book nothing; a plan does not clash
//! with itself (an earlier revision of it, same id). Drafts do book: two drafts planning the same
//! generator are worth seeing before either is confirmed. Plans whose dates are unreadable or
//! reversed clash with nothing (`check_plan` reports their dates).

use super::plan_days;
use crate::lang::{Lang, Text};
use crate::officer::OfficerNumber;
use fieldkit_protocol::{OutreachPlan, OutreachStatus};
use serde::Serialize;
use std::collections::BTreeSet;
use time::Date;
use uuid::Uuid;

/// What is booked twice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Booked {
    /// An officer, by service number (upper case).
    Officer(String),
    /// A laptop, by device id.
    Laptop(String),
    /// Equipment, by asset tag (upper case, spaces around it dropped).
    Equipment(String),
}

impl Booked {
    /// The officer number, device id or asset tag.
    pub fn id(&self) -> &str {
        match self {
            Booked::Officer(id) | Booked::Laptop(id) | Booked::Equipment(id) => id,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            Booked::Officer(_) => "planning.clash_officer",
            Booked::Laptop(_) => "planning.clash_laptop",
            Booked::Equipment(_) => "planning.clash_equipment",
        }
    }
}

/// One double booking: `booked` is also in outreach `other_id` (`other_name`) on the days
/// `first_day..=last_day`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clash {
    pub booked: Booked,
    pub other_id: Uuid,
    pub other_name: String,
    #[serde(serialize_with = "iso_date")]
    pub first_day: Date,
    #[serde(serialize_with = "iso_date")]
    pub last_day: Date,
}

impl Clash {
    /// The clash as the centre manager reads it in `lang` (`planning.clash_*` in
    /// `messages.toml`).
    pub fn message(&self, lang: Lang) -> String {
        self.text().get(lang).to_string()
    }

    /// The clash in both languages.
    pub fn text(&self) -> Text {
        let values = [
            ("id", self.booked.id().to_string()),
            ("outreach", self.other_name.clone()),
            ("first", crate::format::date(self.first_day)),
            ("last", crate::format::date(self.last_day)),
        ]
        .into_iter()
        .collect();
        let fill = |lang| crate::messages::fill(&crate::messages::template(self.booked.message_key(), lang), &values);
        Text::new(fill(Lang::En), fill(Lang::Sw))
    }
}

fn iso_date<S: serde::Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::format::date(*date))
}

/// The days two inclusive ranges share, as (first, last), if any.
pub fn overlap((start_a, end_a): (Date, Date), (start_b, end_b): (Date, Date)) -> Option<(Date, Date)> {
    let (first, last) = (start_a.max(start_b), end_a.min(end_b));
    (first <= last).then_some((first, last))
}

/// Everything `plan` books that one of `others` also books on a day both cover: for each other
/// plan in the order given, its officers, then laptops, then equipment, each named once. A closed
/// `plan` clashes with nothing.
pub fn clashes(plan: &OutreachPlan, others: &[OutreachPlan]) -> Vec<Clash> {
    let Some(days) = plan_days(plan) else { return Vec::new() };
    if plan.status == OutreachStatus::Closed {
        return Vec::new();
    }
    let mine = bookings(plan);
    let mut found = Vec::new();
    for other in others {
        if other.id == plan.id || other.status == OutreachStatus::Closed {
            continue;
        }
        let Some((first_day, last_day)) = plan_days(other).and_then(|theirs| overlap(days, theirs)) else {
            continue;
        };
        let theirs = bookings(other);
        for booked in mine.iter().filter(|b| theirs.contains(b)) {
            found.push(Clash {
                booked: booked.clone(),
                other_id: other.id,
                other_name: other.name.clone(),
                first_day,
                last_day,
            });
        }
    }
    found
}

/// What a plan books, each once, in the plan's order: officers, laptops, tagged equipment.
/// Officer numbers and tags are compared as people mean them (`fd001` is `FD001`; spaces around
/// a tag do not count).
fn bookings(plan: &OutreachPlan) -> Vec<Booked> {
    let officers = plan.officers.iter().map(|n| {
        Booked::Officer(OfficerNumber::parse(n).map(String::from).unwrap_or_else(|_| n.trim().to_uppercase()))
    });
    let laptops = plan.laptops.iter().map(|id| Booked::Laptop(id.trim().to_uppercase()));
    let equipment = plan
        .equipment
        .iter()
        .filter_map(|line| line.asset_tag.as_deref())
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .map(|tag| Booked::Equipment(tag.to_uppercase()));
    let mut seen = BTreeSet::new();
    officers.chain(laptops).chain(equipment).filter(|b| !b.id().is_empty() && seen.insert(b.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldkit_protocol::{EquipmentKind, EquipmentLine, EquipmentSource};
    use time::macros::date;

    fn plan(id: u128, starts: &str, ends: &str) -> OutreachPlan {
        OutreachPlan {
            id: Uuid::from_u128(id),
            revision: 1,
            name: format!("Outreach {id}"),
            centre: "Murang'a".into(),
            county_code: "021".into(),
            place: "Kangema".into(),
            starts_on: starts.into(),
            ends_on: ends.into(),
            services: vec!["national-id.first-issue".into()],
            status: OutreachStatus::Confirmed,
            ..Default::default()
        }
    }

    fn generator(tag: &str) -> EquipmentLine {
        EquipmentLine {
            kind: EquipmentKind::Generator,
            quantity: 1,
            source: EquipmentSource::Centre,
            agency: None,
            asset_tag: Some(tag.into()),
        }
    }

    /// (what, mine, theirs, expected overlap)
    #[test]
    fn overlapping_dates_decide_a_clash() {
        type Case = (&'static str, (&'static str, &'static str), (&'static str, &'static str), Option<(Date, Date)>);
        let cases: [Case; 9] = [
            (
                "same days",
                ("2026-11-21", "2026-11-23"),
                ("2026-11-21", "2026-11-23"),
                Some((date!(2026 - 11 - 21), date!(2026 - 11 - 23))),
            ),
            (
                "touching: my end is their start",
                ("2026-11-21", "2026-11-23"),
                ("2026-11-23", "2026-11-25"),
                Some((date!(2026 - 11 - 23), date!(2026 - 11 - 23))),
            ),
            (
                "touching: their end is my start",
                ("2026-11-23", "2026-11-25"),
                ("2026-11-20", "2026-11-23"),
                Some((date!(2026 - 11 - 23), date!(2026 - 11 - 23))),
            ),
            ("adjacent: they start the day after", ("2026-11-21", "2026-11-23"), ("2026-11-24", "2026-11-25"), None),
            ("adjacent: they end the day before", ("2026-11-21", "2026-11-23"), ("2026-11-19", "2026-11-20"), None),
            (
                "inside",
                ("2026-11-20", "2026-11-30"),
                ("2026-11-22", "2026-11-24"),
                Some((date!(2026 - 11 - 22), date!(2026 - 11 - 24))),
            ),
            (
                "across a month end",
                ("2026-11-29", "2026-12-02"),
                ("2026-12-01", "2026-12-05"),
                Some((date!(2026 - 12 - 01), date!(2026 - 12 - 02))),
            ),
            (
                "one day each, same day",
                ("2026-11-21", "2026-11-21"),
                ("2026-11-21", "2026-11-21"),
                Some((date!(2026 - 11 - 21), date!(2026 - 11 - 21))),
            ),
            ("far apart", ("2026-01-05", "2026-01-06"), ("2026-11-21", "2026-11-23"), None),
        ];
        for (what, (a_start, a_end), (b_start, b_end), expected) in cases {
            let mut mine = plan(1, a_start, a_end);
            mine.officers = vec!["FD001".into()];
            let mut theirs = plan(2, b_start, b_end);
            theirs.officers = vec!["FD001".into()];
            let found = clashes(&mine, &[theirs]);
            match expected {
                Some((first, last)) => {
                    assert_eq!(found.len(), 1, "{what}: {found:?}");
                    assert_eq!((found[0].first_day, found[0].last_day), (first, last), "{what}");
                    assert_eq!(found[0].booked, Booked::Officer("FD001".into()), "{what}");
                }
                None => assert!(found.is_empty(), "{what}: {found:?}"),
            }
        }
    }

    #[test]
    fn only_what_both_book_clashes() {
        type Setup = fn(&mut OutreachPlan, &mut OutreachPlan);
        let cases: [(&str, Setup, Vec<Booked>); 8] = [
            (
                "different officers",
                |a, b| {
                    a.officers = vec!["FD001".into()];
                    b.officers = vec!["FD002".into()];
                },
                vec![],
            ),
            (
                "officer numbers in another case",
                |a, b| {
                    a.officers = vec!["fd001".into()];
                    b.officers = vec![" FD001".into()];
                },
                vec![Booked::Officer("FD001".into())],
            ),
            (
                "a laptop",
                |a, b| {
                    a.laptops = vec!["K7QM".into(), "A1B2".into()];
                    b.laptops = vec!["A1B2".into()];
                },
                vec![Booked::Laptop("A1B2".into())],
            ),
            (
                "a generator by tag",
                |a, b| {
                    a.equipment = vec![generator("GEN-02")];
                    b.equipment = vec![generator("gen-02 ")];
                },
                vec![Booked::Equipment("GEN-02".into())],
            ),
            (
                "untagged equipment never clashes",
                |a, b| {
                    a.equipment = vec![EquipmentLine { asset_tag: None, ..generator("x") }];
                    b.equipment = vec![EquipmentLine { asset_tag: Some("  ".into()), ..generator("x") }];
                },
                vec![],
            ),
            (
                "an officer and a generator, named once each",
                |a, b| {
                    a.officers = vec!["FD001".into(), "FD001".into(), "CM001".into()];
                    a.equipment = vec![generator("GEN-02"), generator("GEN-02")];
                    b.officers = vec!["CM002".into(), "FD001".into()];
                    b.equipment = vec![generator("GEN-02")];
                },
                vec![Booked::Officer("FD001".into()), Booked::Equipment("GEN-02".into())],
            ),
            (
                "the other plan is closed",
                |a, b| {
                    a.officers = vec!["FD001".into()];
                    b.officers = vec!["FD001".into()];
                    b.status = OutreachStatus::Closed;
                },
                vec![],
            ),
            (
                "the other plan is a draft",
                |a, b| {
                    a.laptops = vec!["K7QM".into()];
                    b.laptops = vec!["K7QM".into()];
                    b.status = OutreachStatus::Draft;
                },
                vec![Booked::Laptop("K7QM".into())],
            ),
        ];
        for (what, setup, expected) in cases {
            let (mut mine, mut theirs) = (plan(1, "2026-11-21", "2026-11-23"), plan(2, "2026-11-22", "2026-11-22"));
            setup(&mut mine, &mut theirs);
            let found: Vec<Booked> = clashes(&mine, &[theirs]).into_iter().map(|c| c.booked).collect();
            assert_eq!(found, expected, "{what}");
        }
    }

    #[test]
    fn a_plan_does_not_clash_with_itself_and_a_closed_or_undated_one_with_nothing() {
        let mut mine = plan(1, "2026-11-21", "2026-11-23");
        mine.officers = vec!["FD001".into()];
        let mut earlier_revision = mine.clone();
        earlier_revision.revision = 0;
        assert!(clashes(&mine, &[earlier_revision]).is_empty());
        let mut other = plan(2, "2026-11-21", "2026-11-23");
        other.officers = vec!["FD001".into()];
        assert_eq!(clashes(&mine, std::slice::from_ref(&other)).len(), 1);
        let mut closed = mine.clone();
        closed.status = OutreachStatus::Closed;
        assert!(clashes(&closed, std::slice::from_ref(&other)).is_empty());
        let mut undated = mine.clone();
        undated.ends_on = "2026-11-20".into();
        assert!(clashes(&undated, std::slice::from_ref(&other)).is_empty(), "reversed dates");
        undated.ends_on = "soon".into();
        assert!(clashes(&undated, std::slice::from_ref(&other)).is_empty(), "unreadable dates");
        assert!(clashes(&other, &[undated]).is_empty(), "against unreadable dates");
    }

    #[test]
    fn clashes_name_the_other_outreach_and_days_in_both_languages() {
        let mut mine = plan(1, "2026-11-21", "2026-11-23");
        mine.equipment = vec![generator("GEN-02")];
        let mut other = plan(7, "2026-11-23", "2026-11-24");
        other.name = "Kiriaini market".into();
        other.equipment = vec![generator("GEN-02")];
        let found = clashes(&mine, &[other]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].other_id, Uuid::from_u128(7));
        let en = found[0].message(Lang::En);
        let sw = found[0].message(Lang::Sw);
        for said in [&en, &sw] {
            assert!(
                said.contains("GEN-02") && said.contains("Kiriaini market") && said.contains("2026-11-23"),
                "{said}"
            );
        }
        assert_ne!(en, sw);
        let json = serde_json::to_value(&found[0]).expect("json");
        assert_eq!(json["booked"], serde_json::json!({"kind": "equipment", "id": "GEN-02"}));
        assert_eq!(json["first_day"], "2026-11-23");
        assert_eq!(json["last_day"], "2026-11-23");
    }
}
