//! Purging (Data Protection Act 2019: kept no longer than needed): decided applications, citizens
//! with nothing left, sent feedback and old saved slips go after the retention period; work still
//! in hand stays; the audit log accounts for every removal and still verifies.

mod common;

use common::{application, citizen, fixture};
use fieldkit_core::feedback::NewFeedback;
use fieldkit_core::{ApplicationState, ReviewOutcome};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

#[test]
fn decided_work_goes_after_the_retention_period_and_work_in_hand_stays() {
    let f = fixture();
    let mut manager = f.create();
    let service = "sha.member-registration";
    let save = |s: &mut fieldkit_core::Session, surname: &str, id: &str| {
        let c = s.register_citizen(&citizen(surname, id)).expect("register");
        (c.id, s.save_and_submit(&application(c.id, service)).expect("save").id)
    };
    let (accepted_citizen, accepted) = save(&mut manager, "Kamau", "21000001");
    let (rejected_citizen, rejected) = save(&mut manager, "Otieno", "21000002");
    let (queried_citizen, queried) = save(&mut manager, "Wekesa", "21000003");
    let (_waiting_citizen, waiting) = save(&mut manager, "Chebet", "21000004");
    for id in [accepted, rejected, queried] {
        manager.mark_synced(id).expect("synced");
    }
    manager.apply_review(accepted, ReviewOutcome::Accepted).expect("accept");
    manager.apply_review(rejected, ReviewOutcome::Rejected { reason: "Photo unclear".into() }).expect("reject");
    manager.apply_review(queried, ReviewOutcome::Queried { question: "Which ward?".into() }).expect("query");
    let sent = manager.record_feedback(&NewFeedback { satisfaction: Some(4), ..NewFeedback::default() }).expect("fb");
    let unsent = manager.record_feedback(&NewFeedback { satisfaction: Some(2), ..NewFeedback::default() }).expect("fb");
    manager.mark_feedback_synced(&[sent.id]).expect("feedback sent");
    // A slip saved to disk for want of a printer: plain PDF, so it must not outlive its purpose.
    let slips = f.profile.dir().join("slips");
    std::fs::create_dir_all(&slips).expect("slips dir");
    let old_slip = slips.join("slip-old.pdf");
    std::fs::write(&old_slip, b"%PDF-1.7 old").expect("write");
    let long_ago = std::time::SystemTime::now() - 400 * DAY;
    std::fs::File::options().write(true).open(&old_slip).expect("open").set_modified(long_ago).expect("mtime");
    let new_slip = slips.join("slip-new.pdf");
    std::fs::write(&new_slip, b"%PDF-1.7 new").expect("write");

    // The purge runs after sync, on the background session, which does not lock for idleness.
    drop(manager);
    let mut manager = f.profile.sign_in(common::MANAGER, common::MANAGER_PIN).expect("sign in").fork().expect("fork");
    // Within the retention period nothing goes.
    f.clock.advance(29 * DAY);
    let early = manager.purge_expired().expect("purge");
    assert_eq!((early.applications, early.citizens, early.feedback), (0, 0, 0));
    assert_eq!(early.files, 1, "only the 400-day-old slip file");
    assert!(!old_slip.exists() && new_slip.exists());

    f.clock.advance(2 * DAY);
    let entries_before = manager.verify_audit().expect("verify").entries;
    let purged = manager.purge_expired().expect("purge");
    assert_eq!((purged.applications, purged.citizens, purged.feedback), (2, 2, 1), "{purged:?}");
    let left: Vec<_> = manager.applications(None).expect("applications").into_iter().map(|a| (a.id, a.state)).collect();
    assert_eq!(left.len(), 2);
    assert!(left.contains(&(queried, ApplicationState::Queried)), "a queried application still needs the officer");
    assert!(left.contains(&(waiting, ApplicationState::Submitted)), "unsent work is never purged");
    for gone in [accepted_citizen, rejected_citizen] {
        assert!(manager.citizen(gone).is_err(), "citizen {gone} with nothing left here is gone");
    }
    assert!(manager.citizen(queried_citizen).is_ok());
    let waiting_feedback = manager.feedback_waiting(10).expect("waiting");
    assert_eq!(waiting_feedback.iter().map(|r| r.id).collect::<Vec<_>>(), [unsent.id], "unsent feedback stays");

    // Every removal is in the audit log, which still verifies, and a second run finds nothing.
    let report = manager.verify_audit().expect("verify");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.entries, entries_before + 5, "one audit entry per record purged");
    let again = manager.purge_expired().expect("purge again");
    assert_eq!((again.applications, again.citizens, again.feedback, again.files), (0, 0, 0, 0));
}
