//! Citizens' feedback at the tent (Huduma Halisi): a satisfaction rating from 1 to 5, a comment,
//! and complaints routed to the body that handles them (EACC, NCIC, the Ombudsman, the Huduma
//! Centre's own desk), with the citizen's consent and, if they wish, anonymously.
//!
//! Feedback is anonymous by design: it is never linked to a citizen record or an application,
//! only to the service it is about and the outreach it was given at. A complaint may carry a
//! phone number to call back, unless the citizen chose anonymity.
//!
//! `check_feedback` turns raw input into the wire record (`fieldkit_protocol::FeedbackRecord`)
//! or refuses it naming every problem at once; nothing is stored until it passes.
//! `FeedbackSummary` is what the day report, the app and the server count.

use crate::catalogue::Catalogue;
use crate::error::{DomainError, Problem, Reason, Result};
use crate::validate;
use fieldkit_protocol::{Complaint, ComplaintBody, ComplaintCategory, FeedbackRecord};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

/// Longest comment kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;
/// Longest complaint description kept, in characters.
pub const MAX_DETAILS_CHARS: usize = 1000;
/// The satisfaction scale.
pub const RATINGS: std::ops::RangeInclusive<i64> = 1..=5;

/// The form's name in a refusal (`DomainError::FormInvalid`).
pub const FORM: &str = "feedback";

/// The complaint categories, in the order reports list them.
pub const CATEGORIES: [ComplaintCategory; 4] = [
    ComplaintCategory::Discrimination,
    ComplaintCategory::PoorService,
    ComplaintCategory::Corruption,
    ComplaintCategory::Other,
];

/// The bodies a complaint can be routed to.
pub const BODIES: [ComplaintBody; 4] =
    [ComplaintBody::Ombudsman, ComplaintBody::Eacc, ComplaintBody::Ncic, ComplaintBody::HudumaCentre];

/// What the officer enters after service, before checking. Strings are raw input; blank means
/// not given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewFeedback {
    /// The catalogue service the feedback is about, if any.
    #[serde(default)]
    pub service_id: Option<String>,
    /// 1 (very unhappy) to 5 (very happy). Wider than the scale so a wrong number is named, not
    /// lost in decoding.
    #[serde(default)]
    pub satisfaction: Option<i64>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub complaint: Option<NewComplaint>,
}

/// A complaint as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    /// `discrimination`, `poor_service`, `corruption` or `other`.
    pub category: String,
    /// `ombudsman` (or `caj`), `eacc`, `ncic` or `huduma_centre`; blank for the category's usual
    /// body ([`default_body`]).
    #[serde(default)]
    pub routed_to: Option<String>,
    #[serde(default)]
    pub details: String,
    /// The citizen agreed to the complaint being recorded and passed on. Without it nothing is
    /// recorded.
    #[serde(default)]
    pub consent: bool,
    /// No contact is kept (one typed anyway is dropped).
    #[serde(default)]
    pub anonymous: bool,
    /// A Kenyan mobile number to call the citizen back on.
    #[serde(default)]
    pub contact: Option<String>,
}

/// The stable code of a complaint category, as in the CSV and `messages.toml`
/// (`complaint.<code>`).
pub fn category_code(category: ComplaintCategory) -> &'static str {
    match category {
        ComplaintCategory::Discrimination => "discrimination",
        ComplaintCategory::PoorService => "poor_service",
        ComplaintCategory::Corruption => "corruption",
        ComplaintCategory::Other => "other",
    }
}

/// A category from its code, in any case, with `-` or a space for `_`.
pub fn parse_category(raw: &str) -> Option<ComplaintCategory> {
    let wanted = normalise(raw);
    CATEGORIES.into_iter().find(|c| category_code(*c) == wanted)
}

/// The stable code of a body, as in `messages.toml` (`complaint_body.<code>`).
pub fn body_code(body: ComplaintBody) -> &'static str {
    match body {
        ComplaintBody::Ombudsman => "ombudsman",
        ComplaintBody::Eacc => "eacc",
        ComplaintBody::Ncic => "ncic",
        ComplaintBody::HudumaCentre => "huduma_centre",
    }
}

/// A body from its code; the Ombudsman also answers to `caj` (the Commission on Administrative
/// Justice).
pub fn parse_body(raw: &str) -> Option<ComplaintBody> {
    let wanted = normalise(raw);
    if wanted == "caj" {
        return Some(ComplaintBody::Ombudsman);
    }
    BODIES.into_iter().find(|b| body_code(*b) == wanted)
}

/// Where a complaint goes unless the officer chooses otherwise: corruption to the EACC,
/// discrimination to the NCIC, poor service to the Huduma Centre's desk, the rest to the
/// Ombudsman (CAJ).
pub fn default_body(category: ComplaintCategory) -> ComplaintBody {
    match category {
        ComplaintCategory::Corruption => ComplaintBody::Eacc,
        ComplaintCategory::Discrimination => ComplaintBody::Ncic,
        ComplaintCategory::PoorService => ComplaintBody::HudumaCentre,
        ComplaintCategory::Other => ComplaintBody::Ombudsman,
    }
}

/// The indicator a complaint category counts towards (`complaints.corruption`, …), as the
/// catalogue's `[[indicators]]` name it.
pub fn complaint_indicator(category: ComplaintCategory) -> &'static str {
    match category {
        ComplaintCategory::Discrimination => "complaints.discrimination",
        ComplaintCategory::PoorService => "complaints.poor_service",
        ComplaintCategory::Corruption => "complaints.corruption",
        ComplaintCategory::Other => "complaints.other",
    }
}

/// The satisfaction indicator's name in the catalogue.
pub const SATISFACTION_INDICATOR: &str = "satisfaction";

fn normalise(raw: &str) -> String {
    raw.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

/// Free text as typed into a text box: line breaks and runs of spaces folded to one space, then
/// checked like other free text (bounded, no control characters). Blank is `None`.
fn clean_text(field: &str, raw: Option<&str>, max_chars: usize) -> std::result::Result<Option<String>, Problem> {
    let folded = raw.unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.is_empty() {
        return Ok(None);
    }
    validate::free_text(field, &folded, max_chars).map(Some).map_err(|e| match Problem::from(e) {
        p if p.reason == Reason::TooLong => p.with_param("max", max_chars),
        p => p,
    })
}

/// Checks feedback given on `given_on` (a Kenyan date) against the catalogue in force, naming
/// every problem at once (`DomainError::FormInvalid` for the form `feedback`):
///
/// - a rating, if given, is 1 to 5 (`satisfaction`);
/// - at least a rating, a comment or a complaint is given (`feedback`);
/// - a comment is at most 500 characters, cleaned like other free text (`comment`);
/// - a complaint has a known category, a known body if one is chosen (else the category's usual
///   one), details (at most 1000 characters) and the citizen's consent; refused without consent;
/// - an anonymous complaint keeps no contact; otherwise a contact, if given, is a Kenyan mobile
///   number, kept in E.164 (`complaint_contact`);
/// - a service, if named, is in the catalogue (`service_id`).
///
/// The record gets a new id; `outreach_id` is the outreach it was given at, if any.
pub fn check_feedback(
    new: &NewFeedback,
    catalogue: &Catalogue,
    given_on: Date,
    outreach_id: Option<Uuid>,
) -> Result<FeedbackRecord> {
    let mut problems = Vec::new();

    let service_id = match new.service_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => match validate::service_id(raw) {
            Err(e) => {
                problems.push(Problem::from(e));
                None
            }
            Ok(id) if catalogue.service(&id).is_none() => {
                problems.push(Problem::new("service_id", Reason::ServiceUnknown));
                None
            }
            Ok(id) => Some(id),
        },
    };

    let satisfaction = match new.satisfaction {
        None => None,
        Some(n) => match u8::try_from(n) {
            Ok(rating) if RATINGS.contains(&n) => Some(rating),
            _ => {
                problems.push(
                    Problem::new("satisfaction", Reason::NumberRange)
                        .with_param("min", RATINGS.start())
                        .with_param("max", RATINGS.end()),
                );
                None
            }
        },
    };

    let comment = clean_text("comment", new.comment.as_deref(), MAX_COMMENT_CHARS).unwrap_or_else(|p| {
        problems.push(p);
        None
    });

    let complaint = new.complaint.as_ref().and_then(|raw| check_complaint(raw, &mut problems));

    let nothing_given = new.satisfaction.is_none()
        && new.comment.as_deref().is_none_or(|c| c.trim().is_empty())
        && new.complaint.is_none();
    if nothing_given {
        problems.push(Problem::new(FORM, Reason::Required));
    }

    if !problems.is_empty() {
        return Err(DomainError::FormInvalid { service_id: FORM.to_string(), problems });
    }
    Ok(FeedbackRecord {
        id: Uuid::now_v7(),
        outreach_id,
        service_id,
        given_on: crate::format::date(given_on),
        satisfaction,
        comment,
        complaint,
    })
}

/// The complaint, or `None` with its problems added.
fn check_complaint(raw: &NewComplaint, problems: &mut Vec<Problem>) -> Option<Complaint> {
    let before = problems.len();
    let category = match raw.category.trim() {
        "" => {
            problems.push(Problem::new("complaint_category", Reason::Required));
            None
        }
        text => {
            let category = parse_category(text);
            if category.is_none() {
                problems.push(Problem::new("complaint_category", Reason::ChoiceUnknown));
            }
            category
        }
    };
    let chosen = match raw.routed_to.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => {
            let body = parse_body(text);
            if body.is_none() {
                problems.push(Problem::new("complaint_routed_to", Reason::ChoiceUnknown));
            }
            body
        }
    };
    let details = match clean_text("complaint_details", Some(&raw.details), MAX_DETAILS_CHARS) {
        Ok(Some(details)) => Some(details),
        Ok(None) => {
            problems.push(Problem::new("complaint_details", Reason::Required));
            None
        }
        Err(p) => {
            problems.push(p);
            None
        }
    };
    if !raw.consent {
        problems.push(Problem::new("complaint_consent", Reason::Required));
    }
    // Anonymity wins: a number typed before the citizen chose it is dropped, unread.
    let contact = match raw.contact.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(_) if raw.anonymous => None,
        None => None,
        Some(text) => match validate::kenyan_phone("complaint_contact", text) {
            Ok(phone) => Some(phone),
            Err(e) => {
                problems.push(Problem::from(e));
                None
            }
        },
    };
    if problems.len() > before {
        return None;
    }
    let (category, details) = (category?, details?);
    Some(Complaint {
        category,
        routed_to: chosen.unwrap_or_else(|| default_body(category)),
        details,
        consent: raw.consent,
        anonymous: raw.anonymous,
        contact,
    })
}

/// Complaints counted by category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintCounts {
    pub discrimination: u64,
    pub poor_service: u64,
    pub corruption: u64,
    pub other: u64,
}

impl ComplaintCounts {
    pub fn get(&self, category: ComplaintCategory) -> u64 {
        match category {
            ComplaintCategory::Discrimination => self.discrimination,
            ComplaintCategory::PoorService => self.poor_service,
            ComplaintCategory::Corruption => self.corruption,
            ComplaintCategory::Other => self.other,
        }
    }

    fn add(&mut self, category: ComplaintCategory) {
        match category {
            ComplaintCategory::Discrimination => self.discrimination += 1,
            ComplaintCategory::PoorService => self.poor_service += 1,
            ComplaintCategory::Corruption => self.corruption += 1,
            ComplaintCategory::Other => self.other += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.discrimination + self.poor_service + self.corruption + self.other
    }
}

/// Feedback counted: for a Kenyan day, or for an outreach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackSummary {
    /// Feedback records (a rating, a comment, a complaint or several of these).
    pub count: u64,
    /// How many rated 1, 2, 3, 4 and 5.
    pub ratings: [u64; 5],
    pub complaints: ComplaintCounts,
}

impl FeedbackSummary {
    pub fn from_records<'r>(records: impl IntoIterator<Item = &'r FeedbackRecord>) -> FeedbackSummary {
        let mut summary = FeedbackSummary::default();
        for record in records {
            summary.add(record);
        }
        summary
    }

    pub fn add(&mut self, record: &FeedbackRecord) {
        self.count += 1;
        if let Some(rating) = record.satisfaction
            && let Some(n) = self.ratings.get_mut(usize::from(rating).wrapping_sub(1))
        {
            *n += 1;
        }
        if let Some(complaint) = &record.complaint {
            self.complaints.add(complaint.category);
        }
    }

    /// How many gave a rating.
    pub fn rated(&self) -> u64 {
        self.ratings.iter().sum()
    }

    /// The mean rating out of 5, if anyone rated.
    pub fn mean_rating(&self) -> Option<f64> {
        let rated = self.rated();
        let sum: u64 = self.ratings.iter().zip(1..).map(|(n, stars)| n * stars).sum();
        (rated > 0).then(|| sum as f64 / rated as f64)
    }

    /// The satisfaction rate: the share of ratings of 4 or 5, in per cent (Huduma Halisi tracks
    /// it against 95 %), if anyone rated.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        let rated = self.rated();
        (rated > 0).then(|| 100.0 * (self.ratings[3] + self.ratings[4]) as f64 / rated as f64)
    }
}

impl Serialize for FeedbackSummary {
    /// With the derived figures, so the app and the CLI need not compute them.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown {
            count: u64,
            ratings: [u64; 5],
            rated: u64,
            satisfaction_rate: Option<f64>,
            mean_rating: Option<f64>,
            complaints: ComplaintCounts,
            complaints_total: u64,
        }
        Shown {
            count: self.count,
            ratings: self.ratings,
            rated: self.rated(),
            satisfaction_rate: self.satisfaction_rate(),
            mean_rating: self.mean_rating(),
            complaints: self.complaints,
            complaints_total: self.complaints.total(),
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const DAY: Date = date!(2026 - 11 - 22);

    fn catalogue() -> Catalogue {
        Catalogue::built_in().expect("built-in catalogue")
    }

    fn reasons(new: &NewFeedback) -> Vec<(String, &'static str)> {
        match check_feedback(new, &catalogue(), DAY, None) {
            Err(DomainError::FormInvalid { service_id, problems }) => {
                assert_eq!(service_id, FORM);
                problems.into_iter().map(|p| (p.field, p.reason.as_str())).collect()
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn complaint(category: &str) -> NewComplaint {
        NewComplaint {
            category: category.into(),
            details: "Asked for something to speed it up".into(),
            consent: true,
            ..NewComplaint::default()
        }
    }

    #[test]
    fn a_rating_alone_is_enough() {
        let new = NewFeedback { satisfaction: Some(4), ..NewFeedback::default() };
        let record = check_feedback(&new, &catalogue(), DAY, None).expect("accepted");
        assert_eq!((record.satisfaction, record.given_on.as_str()), (Some(4), "2026-11-22"));
        assert_eq!((record.comment, record.complaint, record.service_id), (None, None, None));
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let new = NewFeedback {
            service_id: Some("no.such-service".into()),
            satisfaction: Some(6),
            comment: Some("x".repeat(MAX_COMMENT_CHARS + 1)),
            complaint: Some(NewComplaint {
                category: "bribery".into(),
                routed_to: Some("police".into()),
                details: "  ".into(),
                consent: false,
                anonymous: false,
                contact: Some("0812 345 678".into()),
            }),
        };
        assert_eq!(
            reasons(&new),
            [
                ("service_id".to_string(), "service_unknown"),
                ("satisfaction".to_string(), "number_range"),
                ("comment".to_string(), "too_long"),
                ("complaint_category".to_string(), "choice_unknown"),
                ("complaint_routed_to".to_string(), "choice_unknown"),
                ("complaint_details".to_string(), "required"),
                ("complaint_consent".to_string(), "required"),
                ("complaint_contact".to_string(), "phone_format"),
            ]
        );
    }

    #[test]
    fn nothing_given_is_refused() {
        let blank = NewFeedback { comment: Some(" \n ".into()), ..NewFeedback::default() };
        assert_eq!(reasons(&blank), [("feedback".to_string(), "required")]);
        for n in [0, -1, 6, 300] {
            let new = NewFeedback { satisfaction: Some(n), ..NewFeedback::default() };
            assert_eq!(reasons(&new), [("satisfaction".to_string(), "number_range")], "{n}");
        }
    }

    #[test]
    fn comments_are_cleaned() {
        let new = NewFeedback { comment: Some("  Quick\r\n\tservice,   thank you ".into()), ..NewFeedback::default() };
        let record = check_feedback(&new, &catalogue(), DAY, None).expect("accepted");
        assert_eq!(record.comment.as_deref(), Some("Quick service, thank you"));
        let bell = NewFeedback { comment: Some("ring\u{7}".into()), ..NewFeedback::default() };
        assert_eq!(reasons(&bell), [("comment".to_string(), "control_characters")]);
    }

    #[test]
    fn complaints_are_routed_by_category_unless_chosen() {
        for (category, body) in [
            ("corruption", ComplaintBody::Eacc),
            ("discrimination", ComplaintBody::Ncic),
            ("poor-service", ComplaintBody::HudumaCentre),
            ("Other", ComplaintBody::Ombudsman),
        ] {
            let new = NewFeedback { complaint: Some(complaint(category)), ..NewFeedback::default() };
            let record = check_feedback(&new, &catalogue(), DAY, None).expect(category);
            assert_eq!(record.complaint.map(|c| c.routed_to), Some(body), "{category}");
        }
        let mut chosen = complaint("poor_service");
        chosen.routed_to = Some("CAJ".into());
        let new = NewFeedback { complaint: Some(chosen), ..NewFeedback::default() };
        let record = check_feedback(&new, &catalogue(), DAY, None).expect("chosen body");
        assert_eq!(record.complaint.map(|c| c.routed_to), Some(ComplaintBody::Ombudsman));
    }

    #[test]
    fn summaries_count_exactly() {
        let record = |satisfaction: Option<u8>, category: Option<ComplaintCategory>| FeedbackRecord {
            id: Uuid::now_v7(),
            outreach_id: None,
            service_id: None,
            given_on: "2026-11-22".into(),
            satisfaction,
            comment: None,
            complaint: category.map(|category| Complaint {
                category,
                routed_to: default_body(category),
                details: "d".into(),
                consent: true,
                anonymous: true,
                contact: None,
            }),
        };
        let records = [
            record(Some(5), None),
            record(Some(4), None),
            record(Some(3), Some(ComplaintCategory::Corruption)),
            record(Some(1), Some(ComplaintCategory::Corruption)),
            record(Some(5), None),
            record(None, Some(ComplaintCategory::Discrimination)),
        ];
        let summary = FeedbackSummary::from_records(&records);
        assert_eq!(summary.count, 6);
        assert_eq!(summary.ratings, [1, 0, 1, 1, 2]);
        assert_eq!(summary.satisfaction_rate(), Some(60.0));
        assert_eq!(summary.mean_rating(), Some(3.6));
        assert_eq!((summary.complaints.corruption, summary.complaints.discrimination), (2, 1));
        assert_eq!(summary.complaints.total(), 3);
        assert_eq!(FeedbackSummary::default().mean_rating(), None);
        let shown = serde_json::to_value(summary).expect("json");
        assert_eq!(shown["satisfaction_rate"], 60.0);
        assert_eq!(shown["complaints_total"], 3);
    }
}
