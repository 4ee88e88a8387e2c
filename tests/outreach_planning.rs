//! A centre manager plans outreaches on a laptop; the plans reach the server at the next sync and
//! the server publishes each to exactly the laptops it names. A double booking is shown before
//! saving; a plan naming a laptop the server does not know is refused, with the reason, and sent
//! to nobody.

use fieldkit_core::Session;
use fieldkit_core::planning::Booked;
use fieldkit_core::sync::{BatchSizer, sync_once};
use fieldkit_e2e::deployment::{self, Deployment};
use fieldkit_e2e::{OFFICER, PIN, provision_enrolled, provision_enrolled_as};
use fieldkit_protocol::{
    Budget, EquipmentKind, EquipmentLine, EquipmentSource, Expense, ExpenseCategory, OutreachPlan, OutreachStatus,
    ServiceChecklist,
};
use huduma_sync::storage::outreach::OutreachStorage;

async fn sync(session: &mut Session) -> fieldkit_core::sync::SyncReport {
    let client = session.sync_client().expect("client");
    sync_once(session, &client, &mut BatchSizer::default(), &mut |_| {}).await.expect("sync")
}

/// Kenya's date `offset` days from today (plans are checked against today).
fn day(offset: i64) -> String {
    (fieldkit_core::clock::kenyan_date(time::OffsetDateTime::now_utc()) + time::Duration::days(offset)).to_string()
}

/// A confirmed two-day outreach with an SHA desk, on `laptops`, with generator `GEN-02`.
fn plan(name: &str, starts_in: i64, ends_in: i64, laptops: &[&str]) -> OutreachPlan {
    OutreachPlan {
        name: name.into(),
        centre: "Murang'a".into(),
        county_code: "021".into(),
        sub_county: "Kangema".into(),
        ward: "Kanyenya-ini".into(),
        place: "Kangema market grounds".into(),
        starts_on: day(starts_in),
        ends_on: day(ends_in),
        services: vec!["sha.member-registration".into()],
        mdas: vec!["sha".into()],
        officers: vec![OFFICER.into()],
        laptops: laptops.iter().map(|l| l.to_string()).collect(),
        checklists: vec![ServiceChecklist::agreed("sha.member-registration")],
        equipment: vec![EquipmentLine {
            kind: EquipmentKind::Generator,
            quantity: 1,
            source: EquipmentSource::Centre,
            agency: None,
            asset_tag: Some("GEN-02".into()),
        }],
        budget: Some(Budget {
            imprest_ksh: 50_000,
            expenses: vec![Expense {
                category: ExpenseCategory::Fuel,
                amount_ksh: 6_500,
                description: "Generator diesel, 40 litres".into(),
                spent_on: day(-1),
                receipt: Some("KRA-ETR-0042".into()),
            }],
        }),
        status: OutreachStatus::Confirmed,
        ..OutreachPlan::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_made_on_a_laptop_reaches_exactly_the_laptops_it_names() {
    let deployment = Deployment::start().await;
    let root = deployment.dir.path();
    let k7qm_profile = provision_enrolled(&root.join("k7qm"), &deployment.enrolment);
    let mut k7qm = k7qm_profile.sign_in(OFFICER, PIN).expect("sign in");
    let mut others = Vec::new();
    for id in ["P2ZX", "M4RN"] {
        let enrolment = deployment::enrol(&deployment.pki, &*deployment.storage, id, deployment.server.addr).await;
        let profile = provision_enrolled_as(&root.join(id), id, &enrolment);
        others.push(profile.sign_in(OFFICER, PIN).expect("sign in"));
    }

    let kangema = k7qm.save_outreach_plan(plan("Kangema market day", 3, 4, &["K7QM", "P2ZX"]), false);
    let kangema = kangema.expect("save");
    assert!(kangema.saved && kangema.clashes.is_empty());
    assert_eq!(kangema.plan.revision, 1);

    // Another outreach overlapping on Kangema's second day with the same generator: shown, not saved.
    let othaya = plan("Othaya stadium", 4, 5, &["K7QM"]);
    let stopped = k7qm.save_outreach_plan(othaya.clone(), false).expect("checked");
    assert!(!stopped.saved);
    let booked: Vec<_> =
        stopped.clashes.iter().map(|c| (c.booked.clone(), c.other_name.as_str(), c.first_day.to_string())).collect();
    assert!(booked.contains(&(Booked::Equipment("GEN-02".into()), "Kangema market day", day(4))), "{booked:?}");
    assert!(booked.contains(&(Booked::Laptop("K7QM".into()), "Kangema market day", day(4))), "{booked:?}");
    assert_eq!(k7qm.plans_waiting_upload().expect("waiting").len(), 1, "the clashing plan was not saved");
    // Moved a day later, nothing clashes and it is saved.
    let moved = OutreachPlan { starts_on: day(5), ends_on: day(6), ..othaya };
    assert!(k7qm.save_outreach_plan(moved, false).expect("save").saved);

    // A plan naming a laptop the server does not know: fine here, refused by the server.
    let stranger = plan("Kiriaini", 12, 12, &["ZZZZ"]);
    assert!(k7qm.save_outreach_plan(stranger, false).expect("save").saved);

    let report = sync(&mut k7qm).await;
    assert_eq!(report.plans.published, 2);
    assert_eq!(report.plans.refused.len(), 1);
    assert!(report.plans.refused[0].1.contains("ZZZZ"), "{:?}", report.plans.refused);
    assert!(k7qm.plans_waiting_upload().expect("waiting").is_empty(), "nothing is sent twice");
    let kept = deployment.storage.plans().await.expect("plans");
    assert_eq!(kept.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Kangema market day", "Othaya stadium"]);

    // P2ZX gets Kangema only; M4RN, named by none, gets nothing.
    sync(&mut others[0]).await;
    let p2zx: Vec<_> = others[0].outreaches().expect("plans").into_iter().map(|p| p.name).collect();
    assert_eq!(p2zx, ["Kangema market day"]);
    sync(&mut others[1]).await;
    assert!(others[1].outreaches().expect("plans").is_empty());

    // A change is a new revision; it replaces the old one on the laptops.
    let mut changed = kangema.plan.clone();
    changed.place = "Kangema stadium".into();
    let saved = k7qm.save_outreach_plan(changed, false).expect("save");
    assert_eq!(saved.plan.revision, 2);
    sync(&mut k7qm).await;
    sync(&mut others[0]).await;
    let p2zx = others[0].outreaches().expect("plans");
    assert_eq!((p2zx[0].place.as_str(), p2zx[0].revision), ("Kangema stadium", 2));

    // Only the centre manager plans.
    let ict = k7qm_profile.sign_in(fieldkit_e2e::ICT_OFFICER, PIN).expect("ict");
    let mut ict = ict;
    let refused = ict.save_outreach_plan(plan("x", 20, 20, &["K7QM"]), false).expect_err("role");
    assert_eq!(refused.code(), "not_permitted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_given_at_the_tent_is_totalled_per_outreach_on_the_server() {
    use fieldkit_core::feedback::{NewComplaint, NewFeedback};
    let deployment = Deployment::start().await;
    let profile = provision_enrolled(&deployment.dir.path().join("k7qm"), &deployment.enrolment);
    let mut session = profile.sign_in(OFFICER, PIN).expect("sign in");
    // An outreach running today on this laptop: feedback given today is filed under it.
    let today = session.save_outreach_plan(plan("Kangema market day", 0, 1, &["K7QM"]), false).expect("save");
    assert!(today.saved);

    let rating = |n: i64| NewFeedback {
        service_id: Some("sha.member-registration".into()),
        satisfaction: Some(n),
        comment: Some("Served within the hour".into()),
        complaint: None,
    };
    for n in [5, 4, 3, 1, 5] {
        let record = session.record_feedback(&rating(n)).expect("feedback");
        assert_eq!(record.outreach_id, Some(today.plan.id));
    }
    let corruption = NewFeedback {
        complaint: Some(NewComplaint {
            category: "corruption".into(),
            routed_to: None,
            details: "Asked for money to be served faster".into(),
            consent: true,
            anonymous: true,
            contact: Some("0712345678".into()),
        }),
        satisfaction: None,
        comment: None,
        service_id: None,
    };
    let complaint = session.record_feedback(&corruption).expect("complaint");
    let routed = complaint.complaint.as_ref().map(|c| (c.routed_to, c.contact.clone()));
    assert_eq!(routed, Some((fieldkit_protocol::ComplaintBody::Eacc, None)), "EACC, and no contact kept");
    // Without consent nothing is recorded.
    let mut refused = corruption.clone();
    if let Some(c) = refused.complaint.as_mut() {
        c.consent = false;
    }
    assert_eq!(session.record_feedback(&refused).expect_err("no consent").code(), "form_invalid");

    let report = sync(&mut session).await;
    assert_eq!(report.feedback_sent, 6);
    assert_eq!(sync(&mut session).await.feedback_sent, 0, "sent once");
    let totals = deployment.storage.feedback_totals().await.expect("totals");
    let kangema = totals.iter().find(|t| t.outreach_id == Some(today.plan.id)).expect("filed under the outreach");
    assert_eq!((kangema.count, kangema.rated, kangema.corruption), (6, 5, 1));
    assert_eq!(kangema.satisfaction_rate(), Some(60.0));
    assert_eq!(kangema.mean_rating(), Some(3.6));
}
