//! Citizens' feedback at the tent (Huduma Halisi): what is refused (and that a refusal records
//! nothing), consent and anonymity, exact counts for a day and an outreach, that no comment or
//! contact reaches the audit log or the disk in plaintext, the day report's feedback section (read
//! back with `pdftotext`, as `slips.rs` does), and the catalogue's indicator tags.

mod common;

use common::{CLERK, MANAGER, MANAGER_PIN, fixture};
use fieldkit_core::catalogue::{BUILT_IN_TEXT, Catalogue, CatalogueError};
use fieldkit_core::feedback::{FeedbackSummary, NewComplaint, NewFeedback};
use fieldkit_core::{CoreError, Lang, LaptopPrefix, NewOfficer, Role, Session, messages};
use fieldkit_protocol::{ComplaintBody, ComplaintCategory, Event};
use std::path::Path;
use std::process::Command;
use time::macros::date;
use uuid::Uuid;

// --- helpers -------------------------------------------------------------------------------------

/// A profile at the Kangema outreach (the fixture's clock: 2026-11-22 11:00 EAT) with the
/// manager's and the clerk's sessions.
fn at_kangema() -> (common::Fixture, Session, Session) {
    let f = fixture();
    let mut manager = f.create();
    manager.apply_events(&[Event::Outreach { plan: Box::new(common::kangema()) }]).expect("outreach plan");
    let clerk = f.clerk();
    (f, manager, clerk)
}

fn rating(stars: i64) -> NewFeedback {
    NewFeedback { satisfaction: Some(stars), ..NewFeedback::default() }
}

fn complaint(category: &str, details: &str) -> NewComplaint {
    NewComplaint { category: category.into(), details: details.into(), consent: true, ..NewComplaint::default() }
}

fn with_complaint(complaint: NewComplaint) -> NewFeedback {
    NewFeedback { complaint: Some(complaint), ..NewFeedback::default() }
}

/// The fields and reasons of a refusal, in order.
fn refusal(result: fieldkit_core::Result<fieldkit_protocol::FeedbackRecord>) -> Vec<(String, &'static str)> {
    match result {
        Err(CoreError::FormInvalid { service_id, problems }) => {
            assert_eq!(service_id, "feedback");
            problems.into_iter().map(|p| (p.field, p.reason.as_str())).collect()
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn named(pairs: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    pairs.iter().map(|(field, reason)| (field.to_string(), *reason)).collect()
}

/// Feedback rows and audit entries in the store.
fn counts(session: &Session) -> (i64, i64) {
    let conn = session.store().expect("unlocked").connection();
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql);
    (count("SELECT count(*) FROM feedback"), count("SELECT count(*) FROM audit_log"))
}

/// The words of a PDF, whitespace folded (poppler-utils, from `scripts/setup.sh`).
fn pdf_text(dir: &Path, pdf: &[u8]) -> String {
    let path = dir.join("report.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    let out = Command::new("pdftotext")
        .args([path.to_str().expect("utf-8 path"), "-"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run pdftotext ({e}): install poppler-utils (scripts/setup.sh)"));
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}

// --- recording -----------------------------------------------------------------------------------

#[test]
fn feedback_is_recorded_at_todays_outreach_and_waits_for_sync() {
    let (_f, mut manager, mut clerk) = at_kangema();
    let new = NewFeedback {
        service_id: Some("national-id.first-issue".into()),
        satisfaction: Some(5),
        comment: Some("  Served within\nten minutes ".into()),
        complaint: None,
    };
    let record = clerk.record_feedback(&new).expect("recorded");
    assert_eq!(record.outreach_id, Some(common::kangema().id), "the outreach running today is attached");
    assert_eq!(record.given_on, "2026-11-22");
    assert_eq!(record.service_id.as_deref(), Some("national-id.first-issue"));
    assert_eq!(record.comment.as_deref(), Some("Served within ten minutes"), "cleaned like other free text");

    // Never linked to a citizen or an application: the stored record holds only these keys.
    let stored: String = clerk
        .store()
        .expect("unlocked")
        .connection()
        .query_row("SELECT record FROM feedback", [], |r| r.get(0))
        .expect("stored");
    let stored: serde_json::Value = serde_json::from_str(&stored).expect("json");
    let keys: Vec<&str> = stored.as_object().expect("object").keys().map(String::as_str).collect();
    for key in &keys {
        assert!(
            ["id", "outreach_id", "service_id", "given_on", "satisfaction", "comment", "complaint"].contains(key),
            "unexpected key {key}"
        );
    }

    // It waits for sync, oldest first, until the server acknowledges it; marking is idempotent.
    let second = clerk.record_feedback(&rating(3)).expect("second");
    let waiting = clerk.feedback_waiting(10).expect("waiting");
    assert_eq!(waiting.iter().map(|r| r.id).collect::<Vec<_>>(), [record.id, second.id]);
    assert_eq!(clerk.feedback_waiting(1).expect("limited").len(), 1);
    assert_eq!(clerk.mark_feedback_synced(&[record.id, Uuid::now_v7()]).expect("marked"), 1);
    assert_eq!(clerk.mark_feedback_synced(&[record.id]).expect("again"), 0, "already synced");
    assert_eq!(clerk.feedback_waiting(10).expect("waiting").iter().map(|r| r.id).collect::<Vec<_>>(), [second.id]);

    // Audited: recorded (with the record's hash) and synced, by the clerk.
    let conn = clerk.store().expect("unlocked").connection();
    let mut statement = conn
        .prepare("SELECT officer, action, entity_id, after_hash FROM audit_log WHERE entity = 'feedback' ORDER BY seq")
        .expect("query");
    let entries: Vec<(String, String, String, Option<String>)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read");
    let actions: Vec<(&str, &str, &str)> =
        entries.iter().map(|(o, a, id, _)| (o.as_str(), a.as_str(), id.as_str())).collect();
    let (first_id, second_id) = (record.id.to_string(), second.id.to_string());
    assert_eq!(
        actions,
        [
            (CLERK, "feedback.recorded", first_id.as_str()),
            (CLERK, "feedback.recorded", second_id.as_str()),
            (CLERK, "feedback.synced", first_id.as_str()),
        ]
    );
    let hashes = clerk.store().expect("unlocked").feedback_hashes().expect("hashes");
    let hash_of = |id: &str| hashes.iter().find(|(_, i, _)| i == id).map(|(_, _, h)| h.clone());
    assert_eq!(entries[0].3, hash_of(&first_id), "the audit entry holds the record's hash");
    assert!(manager.verify_audit().expect("verify").is_intact());
}

#[test]
fn refusals_name_every_problem_and_record_nothing() {
    let (_f, _manager, mut clerk) = at_kangema();
    let before = counts(&clerk);
    let cases: Vec<(NewFeedback, Vec<(String, &'static str)>)> = vec![
        (NewFeedback::default(), named(&[("feedback", "required")])),
        (NewFeedback { comment: Some("   ".into()), ..NewFeedback::default() }, named(&[("feedback", "required")])),
        (rating(0), named(&[("satisfaction", "number_range")])),
        (rating(6), named(&[("satisfaction", "number_range")])),
        (NewFeedback { comment: Some("ndiyo ".repeat(100)), ..rating(4) }, named(&[("comment", "too_long")])),
        (
            NewFeedback { service_id: Some("passport.first-issue".into()), ..rating(4) },
            named(&[("service_id", "service_unknown")]),
        ),
        (
            NewFeedback { service_id: Some("Passport!".into()), ..rating(4) },
            named(&[("service_id", "service_id_format")]),
        ),
        (
            with_complaint(NewComplaint { category: "bribery".into(), ..complaint("", "Asked for chai") }),
            named(&[("complaint_category", "choice_unknown")]),
        ),
        (
            with_complaint(NewComplaint { routed_to: Some("police".into()), ..complaint("corruption", "Chai") }),
            named(&[("complaint_routed_to", "choice_unknown")]),
        ),
        (with_complaint(complaint("poor_service", " ")), named(&[("complaint_details", "required")])),
        (
            NewFeedback {
                service_id: Some("nope.nope".into()),
                satisfaction: Some(9),
                comment: Some("fine\u{7}".into()),
                complaint: Some(NewComplaint {
                    category: String::new(),
                    consent: false,
                    contact: Some("0812 345 678".into()),
                    ..complaint("", "")
                }),
            },
            named(&[
                ("service_id", "service_unknown"),
                ("satisfaction", "number_range"),
                ("comment", "control_characters"),
                ("complaint_category", "required"),
                ("complaint_details", "required"),
                ("complaint_consent", "required"),
                ("complaint_contact", "phone_format"),
            ]),
        ),
    ];
    for (new, expected) in cases {
        assert_eq!(refusal(clerk.record_feedback(&new)), expected, "{new:?}");
        assert_eq!(counts(&clerk), before, "a refusal records nothing: {new:?}");
    }
    assert!(clerk.feedback_waiting(10).expect("waiting").is_empty());

    // Problems read in both languages.
    let problem = fieldkit_core::Problem::new("complaint_consent", fieldkit_core::Reason::Required);
    assert_eq!(
        messages::problem(&problem, Lang::En),
        "The citizen's consent to record and pass on the complaint is required."
    );
    assert_eq!(messages::problem(&problem, Lang::Sw), "Idhini ya mwananchi kurekodi na kupeleka lalamiko inahitajika.");
    let nothing = fieldkit_core::Problem::new("feedback", fieldkit_core::Reason::Required);
    assert_eq!(messages::problem(&nothing, Lang::En), "A rating, a comment or a complaint is required.");
}

#[test]
fn only_the_officers_who_serve_citizens_record_feedback_and_only_the_manager_sees_the_figures() {
    let f = fixture();
    let prefix = LaptopPrefix::parse("K7QM").expect("prefix");
    let ict = NewOfficer { number: "IT001".into(), display_name: "Kamau Mwangi".into(), role: Role::IctOfficer };
    let mut ict = f.profile.create(&prefix, &ict, "604918").expect("create profile");
    let manager =
        NewOfficer { number: MANAGER.into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
    ict.add_officer(&manager, MANAGER_PIN).expect("add manager");
    let before = counts(&ict);
    assert_eq!(ict.record_feedback(&rating(5)).expect_err("ICT officer").code(), "not_permitted");
    assert_eq!(ict.feedback_summary_for_day(None).expect_err("ICT officer").code(), "not_permitted");
    assert_eq!(counts(&ict), before);

    let mut manager = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager");
    let clerk = NewOfficer { number: CLERK.into(), display_name: "Wanjiru Kamau".into(), role: Role::FrontDeskOfficer };
    manager.add_officer(&clerk, common::CLERK_PIN).expect("add clerk");
    let trainer = NewOfficer { number: "TR001".into(), display_name: "Njeri Wambui".into(), role: Role::Trainer };
    manager.add_officer(&trainer, "571938").expect("add trainer");
    manager.record_feedback(&rating(4)).expect("the manager records");
    let mut clerk = f.clerk();
    clerk.record_feedback(&rating(5)).expect("the clerk records");
    assert_eq!(clerk.feedback_summary_for_day(None).expect_err("clerk").code(), "not_permitted");
    let mut trainer = f.profile.sign_in("TR001", "571938").expect("trainer");
    trainer.record_feedback(&rating(2)).expect("the trainer records");
    assert_eq!(manager.feedback_summary_for_day(None).expect("figures").ratings, [0, 1, 0, 1, 1]);
}

#[test]
fn a_complaint_needs_the_citizens_consent() {
    let (_f, _manager, mut clerk) = at_kangema();
    let before = counts(&clerk);
    let refused = NewComplaint { consent: false, ..complaint("corruption", "Asked for chai to speed it up") };
    assert_eq!(
        refusal(clerk.record_feedback(&NewFeedback { complaint: Some(refused), ..rating(1) })),
        named(&[("complaint_consent", "required")]),
        "without consent not even the rating is kept"
    );
    assert_eq!(counts(&clerk), before);

    let record = clerk.record_feedback(&with_complaint(complaint("corruption", "Asked for chai"))).expect("consented");
    let kept = record.complaint.expect("complaint");
    assert!(kept.consent);
    assert_eq!((kept.category, kept.routed_to), (ComplaintCategory::Corruption, ComplaintBody::Eacc));
    assert_eq!(kept.details, "Asked for chai");

    let chosen = NewComplaint { routed_to: Some("ombudsman".into()), ..complaint("discrimination", "Turned away") };
    let record = clerk.record_feedback(&with_complaint(chosen)).expect("routed by choice");
    assert_eq!(record.complaint.map(|c| c.routed_to), Some(ComplaintBody::Ombudsman));
}

#[test]
fn an_anonymous_complaint_keeps_no_contact() {
    let (_f, _manager, mut clerk) = at_kangema();
    for typed in ["0712 345 678", "not a number"] {
        let anonymous =
            NewComplaint { anonymous: true, contact: Some(typed.into()), ..complaint("poor_service", "Long queue") };
        let record = clerk.record_feedback(&with_complaint(anonymous)).expect("anonymous");
        let kept = record.complaint.expect("complaint");
        assert!(kept.anonymous);
        assert_eq!(kept.contact, None, "{typed} is dropped");
    }
    let named_contact = NewComplaint { contact: Some("0712 345 678".into()), ..complaint("other", "Lost form") };
    let record = clerk.record_feedback(&with_complaint(named_contact)).expect("with contact");
    assert_eq!(record.complaint.and_then(|c| c.contact).as_deref(), Some("+254712345678"));
    // What the store keeps is what was returned: no contact for the anonymous ones.
    let kept: Vec<Option<String>> =
        clerk.feedback_waiting(10).expect("waiting").into_iter().map(|r| r.complaint.and_then(|c| c.contact)).collect();
    assert_eq!(kept, [None, None, Some("+254712345678".to_string())]);
}

// --- counting ------------------------------------------------------------------------------------

#[test]
fn a_day_and_an_outreach_are_counted_exactly() {
    let (f, mut manager, _clerk) = at_kangema();
    let note = |text: &str| NewFeedback { comment: Some(text.into()), ..NewFeedback::default() };
    for new in [
        rating(5),
        NewFeedback { complaint: Some(complaint("corruption", "Chai")), ..rating(4) },
        rating(3),
        NewFeedback { complaint: Some(complaint("discrimination", "Turned away")), ..rating(1) },
        rating(5),
        with_complaint(complaint("corruption", "Chai again")),
        note("Good tent"),
    ] {
        manager.record_feedback(&new).expect("recorded");
    }
    let day = manager.feedback_summary_for_day(Some(date!(2026 - 11 - 22))).expect("day");
    assert_eq!(day.count, 7);
    assert_eq!(day.ratings, [1, 0, 1, 1, 2]);
    assert_eq!(day.rated(), 5);
    assert_eq!(day.satisfaction_rate(), Some(60.0), "ratings 5, 4, 3, 1, 5: three of five are 4 or 5");
    assert_eq!(day.mean_rating(), Some(3.6));
    assert_eq!(
        (day.complaints.corruption, day.complaints.discrimination, day.complaints.poor_service, day.complaints.other),
        (2, 1, 0, 0)
    );
    assert_eq!(day, manager.feedback_summary_for_day(None).expect("today"), "today in Kenya");

    // The next day, still at the outreach; the day after it ends, at none.
    f.clock.advance(std::time::Duration::from_secs(24 * 3600));
    manager.unlock(MANAGER_PIN).expect("unlock");
    manager.record_feedback(&rating(2)).expect("next day");
    f.clock.advance(std::time::Duration::from_secs(24 * 3600));
    manager.unlock(MANAGER_PIN).expect("unlock");
    let after = manager.record_feedback(&rating(4)).expect("after the outreach");
    assert_eq!((after.outreach_id, after.given_on.as_str()), (None, "2026-11-24"));

    assert_eq!(manager.feedback_summary_for_day(Some(date!(2026 - 11 - 22))).expect("day"), day, "unchanged");
    let next = manager.feedback_summary_for_day(Some(date!(2026 - 11 - 23))).expect("next day");
    assert_eq!((next.count, next.ratings), (1, [0, 1, 0, 0, 0]));
    assert_eq!(next.satisfaction_rate(), Some(0.0));
    let outreach = manager.feedback_summary_for_outreach(common::kangema().id).expect("outreach");
    assert_eq!((outreach.count, outreach.ratings), (8, [1, 1, 1, 1, 2]));
    assert_eq!(outreach.mean_rating(), Some(20.0 / 6.0));
    assert_eq!(
        manager.feedback_summary_for_day(Some(date!(2026 - 11 - 30))).expect("quiet day"),
        FeedbackSummary::default()
    );
}

// --- privacy -------------------------------------------------------------------------------------

/// Every audit entry as one line of all its columns.
fn audit_rows(session: &Session) -> Vec<String> {
    let conn = session.store().expect("unlocked").connection();
    let mut statement = conn.prepare("SELECT * FROM audit_log").expect("query");
    let columns = statement.column_count();
    statement
        .query_map([], |r| {
            let mut line = Vec::new();
            for i in 0..columns {
                line.push(format!("{:?}", r.get::<_, rusqlite::types::Value>(i)?));
            }
            Ok(line.join("|"))
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read")
}

#[test]
fn no_comment_or_contact_reaches_the_audit_log_or_the_disk_in_plaintext() {
    const COMMENT: &str = "Mkunazini-queue-moved-swiftly";
    const DETAILS: &str = "Kipevu-clerk-asked-for-chai";
    const CONTACT: &str = "+254722000111";
    let (f, _manager, mut clerk) = at_kangema();
    let new = NewFeedback {
        comment: Some(COMMENT.into()),
        complaint: Some(NewComplaint { contact: Some("0722 000 111".into()), ..complaint("corruption", DETAILS) }),
        ..rating(2)
    };
    clerk.record_feedback(&new).expect("recorded");
    // Control: the store does hold them, decrypted for the session.
    let kept = clerk.feedback_waiting(1).expect("waiting").remove(0);
    assert_eq!(kept.comment.as_deref(), Some(COMMENT));
    assert_eq!(kept.complaint.and_then(|c| c.contact).as_deref(), Some(CONTACT));

    // The audit log names the record by id and hash only.
    let rows = audit_rows(&clerk);
    assert!(rows.iter().any(|r| r.contains("feedback.recorded")), "{rows:?}");
    for row in &rows {
        for secret in [COMMENT, DETAILS, CONTACT, "0722000111", "722000111"] {
            assert!(!row.contains(secret), "{secret} in the audit log: {row}");
        }
    }

    // Nor is any of it readable in the files on disk, open or closed.
    let open_bytes = common::all_bytes(f.profile.dir());
    drop(clerk);
    let closed_bytes = common::all_bytes(f.profile.dir());
    for bytes in [&open_bytes, &closed_bytes] {
        assert!(bytes.len() > 4096, "the scan must have read the store");
        for secret in [COMMENT, DETAILS, CONTACT] {
            assert!(!common::contains(bytes, secret), "{secret} found in plaintext on disk");
        }
    }
}

// --- the day report ------------------------------------------------------------------------------

#[test]
fn the_day_report_shows_the_feedback_with_its_indicator_tags() {
    let (f, mut manager, mut clerk) = at_kangema();
    for new in [
        rating(5),
        NewFeedback { complaint: Some(complaint("corruption", "Chai")), ..rating(4) },
        rating(3),
        NewFeedback { complaint: Some(complaint("corruption", "Chai again")), ..rating(1) },
        NewFeedback { complaint: Some(complaint("poor_service", "Long queue")), ..rating(5) },
    ] {
        clerk.record_feedback(&new).expect("recorded");
    }
    let report = manager.day_report(Some(date!(2026 - 11 - 22))).expect("report");
    let summary = report.feedback_summary.expect("feedback counted");
    assert_eq!((summary.count, summary.satisfaction_rate(), summary.mean_rating()), (5, Some(60.0), Some(3.6)));
    let feedback = report.feedback.expect("in short");
    assert_eq!((feedback.ratings, feedback.complaints), ([1, 0, 1, 1, 2], 3));
    let tags = |id: &str| report.indicators.iter().find(|i| i.id == id).map(|i| i.tags.clone()).expect(id);
    assert_eq!(tags("complaints.corruption"), ["transparency", "sdg16"]);
    assert_eq!(tags("satisfaction"), ["efficiency", "sdg16"]);
    assert_eq!(tags("complaints.poor_service"), ["efficiency"]);
    assert_eq!(tags("complaints.discrimination"), ["sdg16"]);
    assert!(tags("complaints.other").is_empty());

    let text = pdf_text(f.dir.path(), &report.to_pdf().expect("pdf"));
    for phrase in [
        "Citizens' feedback (Huduma Halisi)",
        "Maoni ya wananchi (Huduma Halisi)",
        "Feedback given",
        "Maoni yaliyotolewa",
        "Satisfaction rate (4 or 5 of 5)",
        "60 % · average / wastani 3.6 / 5 [Efficiency / Ufanisi] [SDG 16]",
        "Complaints of corruption",
        "Malalamiko ya ufisadi",
        "2 [Transparency / Uwazi] [SDG 16]",
        "Complaints of poor service",
        "1 [Efficiency / Ufanisi]",
        "5 ratings / tathmini",
        "In brackets: what each figure is reported against",
    ] {
        assert!(text.contains(phrase), "{phrase:?} missing from:\n{text}");
    }
    assert!(!text.contains("not collected"), "{text}");

    let csv_bytes = report.to_csv().expect("csv");
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    let value = |measure: &str, breakdown: &str, category: &str| -> String {
        let found: Vec<&csv::StringRecord> =
            rows.iter().filter(|r| &r[1] == measure && &r[6] == breakdown && &r[7] == category).collect();
        assert_eq!(found.len(), 1, "{measure} {breakdown} {category}");
        found[0][8].to_string()
    };
    assert_eq!(value("feedback_given", "all", ""), "5");
    assert_eq!(value("satisfaction_rate", "all", ""), "60");
    assert_eq!(value("satisfaction_mean", "all", ""), "3.6");
    assert_eq!(value("satisfaction_rating", "rating", "1"), "1");
    assert_eq!(value("complaints", "all", ""), "3");
    assert_eq!(value("complaints", "category", "corruption"), "2");
    assert_eq!(value("complaints", "category", "poor_service"), "1");
    assert_eq!(value("complaints", "category", "discrimination"), "0");
    assert_eq!(value("indicator_tag", "complaints.corruption", "transparency"), "2");
    assert_eq!(value("indicator_tag", "complaints.corruption", "sdg16"), "2");
    assert_eq!(value("indicator_tag", "satisfaction", "efficiency"), "60");
    assert_eq!(value("indicator_tag", "complaints.discrimination", "sdg16"), "0");
    assert!(!rows.iter().any(|r| &r[1] == "indicator_tag" && &r[6] == "complaints.other"), "untagged");

    // Another day without feedback still reads "not collected".
    let quiet = manager.day_report(Some(date!(2026 - 11 - 21))).expect("quiet day");
    assert_eq!((quiet.feedback, quiet.feedback_summary), (None, None));
    assert!(quiet.indicators.is_empty());
}

// --- the catalogue's indicator tags -------------------------------------------------------------

/// Loads the built-in catalogue with `from` replaced (once) by `to`, expecting a refusal.
fn refused(from: &str, to: &str) -> CatalogueError {
    assert!(BUILT_IN_TEXT.contains(from), "the test's anchor `{from}` is not in the catalogue");
    match Catalogue::parse("bad-catalogue.toml", &BUILT_IN_TEXT.replacen(from, to, 1)) {
        Err(fieldkit_core::error::DomainError::CatalogueInvalid(e)) => *e,
        Err(other) => panic!("refused with the wrong error: {other}"),
        Ok(_) => panic!("accepted a catalogue with `{from}` replaced by `{to}`"),
    }
}

#[test]
fn the_built_in_catalogue_tags_every_indicator() {
    let catalogue = Catalogue::built_in().expect("built-in");
    assert_eq!(catalogue.indicator_tags("complaints.corruption"), ["transparency", "sdg16"]);
    assert_eq!(catalogue.indicator_tags("complaints.discrimination"), ["sdg16"]);
    assert_eq!(catalogue.indicator_tags("complaints.poor_service"), ["efficiency"]);
    assert_eq!(catalogue.indicator_tags("satisfaction"), ["efficiency", "sdg16"]);
    assert!(catalogue.indicator_tags("complaints.other").is_empty());
    assert!(catalogue.indicator_tags("unheard.of").is_empty());
}

#[test]
fn a_catalogue_without_indicators_still_loads() {
    let mut table: toml::Table = toml::from_str(BUILT_IN_TEXT).expect("toml");
    assert!(table.remove("indicators").is_some());
    let older = toml::to_string(&table).expect("toml");
    let catalogue = Catalogue::parse("older-catalogue.toml", &older).expect("an older catalogue loads");
    assert!(catalogue.indicators.is_empty());
    assert!(catalogue.indicator_tags("complaints.corruption").is_empty());
}

#[test]
fn unknown_or_repeated_indicators_and_tags_refuse_the_catalogue() {
    let cases = [
        (
            r#"id = "complaints.corruption""#,
            r#"id = "complaints.bribery""#,
            "indicator `complaints.bribery` is not known; the indicators are satisfaction,",
        ),
        (
            r#"tags = ["transparency", "sdg16"]"#,
            r#"tags = ["transparency", "sdg-16"]"#,
            "indicator `complaints.corruption`: tag `sdg-16` is not known; the tags are efficiency, transparency, sdg16",
        ),
        (
            r#"tags = ["transparency", "sdg16"]"#,
            r#"tags = ["transparency", "transparency"]"#,
            "tag `transparency` is given twice",
        ),
        (r#"id = "complaints.other""#, r#"id = "complaints.corruption""#, "`complaints.corruption` is listed twice"),
        (r#"tags = ["efficiency"]"#, r#"tag = ["efficiency"]"#, "unknown field `tag`"),
    ];
    for (from, to, says) in cases {
        let e = refused(from, to);
        assert_eq!(e.file, "bad-catalogue.toml");
        assert!(e.message.contains(says), "`{e}` should say `{says}`");
        assert!(e.to_string().starts_with("catalogue bad-catalogue.toml refused"), "{e}");
    }
}
