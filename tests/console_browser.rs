//! The review console in Debian's headless Chromium, over real HTTPS, against applications a
//! laptop synced over mutual TLS: an SHA technician signs in, reviews the laptop's batch,
//! accepts one application and rejects another; the laptop's next sync brings both outcomes
//! home. axe-core runs on every page on the way and fails the test on any serious or critical
//! violation.

use fieldkit_core::sync::{BatchSizer, sync_once};
use fieldkit_core::{ApplicationState, Session};
use fieldkit_e2e::browser::{Browser, Chromedriver};
use fieldkit_e2e::deployment::{Deployment, RunningConsole, console_account, server_cert_der};
use fieldkit_e2e::{OFFICER, PIN, capture, provision_enrolled};
use huduma_sync::storage::review::ConsoleRole;
use std::time::Duration;

const PASSWORD: &str = "ugali na sukuma 2026";

async fn sync(session: &mut Session) -> fieldkit_core::sync::SyncReport {
    let client = session.sync_client().expect("client");
    sync_once(session, &client, &mut BatchSizer::default(), &mut |_| {}).await.expect("sync")
}

/// Waits until the browser's address satisfies `ready` (a click that submits a form returns
/// before the redirect it causes has always landed), re-reading it up to 15 s.
async fn wait_for_url(browser: &Browser, ready: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let url = browser.current_url().await;
        if ready(&url) {
            return url;
        }
        assert!(std::time::Instant::now() < deadline, "still at {url}");
        tokio::task::yield_now().await;
    }
}

async fn sign_in(browser: &Browser, console: &RunningConsole, username: &str) {
    browser.goto(&console.url("/login")).await;
    browser.assert_no_serious_axe_violations("sign-in").await;
    browser.type_into("#username", username).await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("form.stack button[type=submit]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_technician_reviews_a_synced_batch_and_the_laptop_gets_the_outcomes() {
    // A laptop captures six applications (two each for SHA, NSSF and KRA) and syncs them.
    let deployment = Deployment::start().await;
    let profile = provision_enrolled(&deployment.dir.path().join("laptop"), &deployment.enrolment);
    let mut session = profile.sign_in(OFFICER, PIN).expect("sign in");
    capture(&mut session, 32_000_000, 6);
    let report = sync(&mut session).await;
    assert_eq!(report.pushed.synced, 6);
    let synced = session.applications(Some(ApplicationState::Synced)).expect("synced");
    let sha: Vec<_> = synced.iter().filter(|a| a.service_id == "sha.member-registration").collect();
    let others: Vec<_> = synced.iter().filter(|a| a.service_id != "sha.member-registration").collect();
    assert_eq!(sha.len(), 2);

    console_account(&*deployment.storage, "achieng.sha", ConsoleRole::Technician, Some("sha"), PASSWORD).await;
    console_account(&*deployment.storage, "admin", ConsoleRole::Admin, None, PASSWORD).await;
    let console = RunningConsole::start(&deployment.pki, deployment.storage.clone()).await;
    let driver = Chromedriver::start();
    let browser = Browser::start(&driver, &server_cert_der(&deployment.pki)).await;

    // Sign in; the batch page shows the laptop's batch of SHA applications only.
    sign_in(&browser, &console, "achieng.sha").await;
    wait_for_url(&browser, |u| u.ends_with("/batches")).await;
    browser.assert_no_serious_axe_violations("batches").await;
    let batch = browser.text("table tbody tr").await;
    assert!(batch.contains(fieldkit_e2e::LAPTOP_PREFIX) && batch.contains('2'), "{batch}");
    browser.click("table tbody tr a").await;
    wait_for_url(&browser, |u| u.contains("/applications?device=")).await;
    browser.assert_no_serious_axe_violations("applications of a batch").await;
    let rows = browser.find_all("table tbody tr").await;
    assert_eq!(rows.len(), 2, "only SHA's two applications");
    let listed = browser.text("table tbody").await;
    assert!(sha.iter().all(|a| listed.contains(a.reference.as_str())), "{listed}");
    assert!(others.iter().all(|a| !listed.contains(a.reference.as_str())), "{listed}");

    // Accept the first.
    browser.click(&format!("a[href='/applications/{}/1']", sha[0].id)).await;
    wait_for_url(&browser, |u| u.ends_with(&format!("/applications/{}/1", sha[0].id))).await;
    browser.assert_no_serious_axe_violations("an application").await;
    let page = browser.text("main").await;
    assert!(page.contains("Answers") && page.contains(sha[0].reference.as_str()), "{page}");
    browser.click("#accept").await;
    let recorded =
        browser.wait_for_text("p.notice", Duration::from_secs(10), |t| t.contains("Decision recorded")).await;
    assert!(recorded.contains("next sync"));
    assert!(browser.text("dl.facts").await.contains("accepted"));

    // Reject the second, with a reason; first try without one (the browser refuses to send an
    // empty required field, so nothing is decided).
    browser.goto(&console.url(&format!("/applications/{}/1", sha[1].id))).await;
    browser.click("#reject").await;
    let here = browser.current_url().await;
    assert!(here.ends_with(&format!("/applications/{}/1", sha[1].id)), "{here}");
    assert!(!browser.present("p.notice").await, "nothing was sent without a reason");
    browser.type_into("#reason", "The KRA PIN does not match the ID number").await;
    browser.click("#reject").await;
    browser.wait_for_text("p.notice", Duration::from_secs(10), |t| t.contains("Decision recorded")).await;
    browser.assert_no_serious_axe_violations("a decided application").await;

    // The list now shows both decided; the delivery log page is reachable.
    browser.goto(&console.url("/applications")).await;
    let listed = browser.text("table tbody").await;
    assert!(listed.contains("accepted") && listed.contains("rejected"), "{listed}");
    browser.goto(&console.url("/deliveries")).await;
    browser.assert_no_serious_axe_violations("deliveries").await;

    // Another MDA's application by URL: not found, nothing shown.
    browser.goto(&console.url(&format!("/applications/{}/1", others[0].id))).await;
    assert!(browser.text("main").await.contains("not yours to see"));

    // Sign out; the pages are closed again.
    browser.click("main a[href='/']").await;
    wait_for_url(&browser, |u| u.ends_with("/batches")).await;
    browser.click("form.logout button").await;
    wait_for_url(&browser, |u| u.ends_with("/login")).await;
    browser.goto(&console.url("/applications")).await;
    wait_for_url(&browser, |u| u.contains("/login?next=")).await;

    // The administrator's pages pass axe too.
    sign_in(&browser, &console, "admin").await;
    wait_for_url(&browser, |u| u.ends_with("/admin/accounts")).await;
    for path in ["/admin/accounts", "/admin/devices", "/admin/catalogue", "/admin/outreaches", "/admin/audit"] {
        browser.goto(&console.url(path)).await;
        browser.assert_no_serious_axe_violations(path).await;
    }
    assert!(browser.text("main").await.contains("the hash chain is unbroken"));
    browser.close().await;

    // The laptop syncs and has both outcomes; the others are still waiting.
    let report = sync(&mut session).await;
    assert_eq!(report.pulled.decisions_applied, 2);
    let state = |s: &mut Session, id: uuid::Uuid| s.application(&id.to_string()).expect("application");
    assert_eq!(state(&mut session, sha[0].id).state, ApplicationState::Accepted);
    let rejected = state(&mut session, sha[1].id);
    assert_eq!(
        (rejected.state, rejected.review_note.as_deref()),
        (ApplicationState::Rejected, Some("The KRA PIN does not match the ID number"))
    );
    assert!(others.iter().all(|a| state(&mut session, a.id).state == ApplicationState::Synced));
}
