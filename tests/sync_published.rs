//! What headquarters publishes with the `huduma-sync` CLI reaches the laptops it is meant for
//! over mutual TLS, and the laptop acts on it: a catalogue goes to every laptop (and to laptops
//! enrolled later), a roster and an outreach plan only to the laptops named; a bad file is refused
//! by the CLI with a message naming the problem, and publishes nothing.

use fieldkit_core::sync::{BatchSizer, sync_once};
use fieldkit_e2e::deployment::{self, Deployment, run_cli};
use fieldkit_e2e::{OFFICER, PIN, provision_enrolled};
use fieldkit_protocol::OutreachStatus;

async fn sync(session: &mut fieldkit_core::Session) -> fieldkit_core::sync::SyncReport {
    let client = session.sync_client().expect("client");
    sync_once(session, &client, &mut BatchSizer::default(), &mut |_| {}).await.expect("sync")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalogue_roster_and_outreach_reach_the_laptops_they_are_for() {
    let deployment = Deployment::start().await;
    let config = deployment.cli_config();
    let profile = provision_enrolled(&deployment.dir.path().join("k7qm"), &deployment.enrolment);
    let mut k7qm = profile.sign_in(OFFICER, PIN).expect("sign in");
    let other = deployment::enrol(&deployment.pki, &*deployment.storage, "P2ZX", deployment.server.addr).await;

    // A catalogue one version newer than the built-in one.
    let built_in = k7qm.catalogue().expect("catalogue").version;
    let text = fieldkit_core::catalogue::BUILT_IN_TEXT.replacen(
        &format!("version = {built_in}"),
        &format!("version = {}", built_in + 1),
        1,
    );
    let file = deployment.dir.path().join("catalogue.toml");
    std::fs::write(&file, &text).expect("write");
    let (ok, out) = run_cli(&config, &["catalogue", "publish", &file.display().to_string()]);
    assert!(ok, "{out}");
    assert!(out.contains("published to 2 laptop(s)"), "{out}");
    // Publishing the same version again is refused.
    let (ok, out) = run_cli(&config, &["catalogue", "publish", &file.display().to_string()]);
    assert!(!ok && out.contains("not newer"), "{out}");

    // A roster for K7QM only, deactivating an officer the laptop has.
    let roster = deployment.dir.path().join("roster.toml");
    std::fs::write(
        &roster,
        "[[officers]]\nnumber = \"FD002\"\nname = \"Njeri Mwangi\"\nrole = \"front_desk_officer\"\nactive = false\n",
    )
    .expect("write");
    let (ok, out) = run_cli(&config, &["roster", "publish", &roster.display().to_string(), "--laptop", "K7QM"]);
    assert!(ok, "{out}");

    // An outreach plan for both laptops, with a bad county first.
    let service = k7qm.catalogue().expect("catalogue").services[0].id.clone();
    let plan = |county: &str| {
        format!(
            "laptops = [\"K7QM\", \"P2ZX\"]\nname = \"Kangema market day\"\ncentre = \"Murang'a\"\ncounty = \"{county}\"\n\
             place = \"Kangema market\"\nstarts_on = \"2026-12-01\"\nends_on = \"2026-12-02\"\nservices = [\"{service}\"]\n"
        )
    };
    let outreach = deployment.dir.path().join("outreach.toml");
    std::fs::write(&outreach, plan("Atlantis")).expect("write");
    let (ok, out) = run_cli(&config, &["outreach", "publish", &outreach.display().to_string()]);
    assert!(!ok && out.contains("`Atlantis` is not a Kenyan county"), "{out}");
    std::fs::write(&outreach, plan("Murang'a")).expect("write");
    let (ok, out) = run_cli(&config, &["outreach", "publish", &outreach.display().to_string()]);
    assert!(ok, "{out}");

    // Add FD002 on K7QM so the roster has someone to deactivate, then sync.
    let mut ict = profile.sign_in(fieldkit_e2e::ICT_OFFICER, PIN).expect("ict");
    ict.add_officer(
        &fieldkit_core::NewOfficer {
            number: "FD002".into(),
            display_name: "Njeri Mwangi".into(),
            role: fieldkit_core::Role::FrontDeskOfficer,
        },
        PIN,
    )
    .expect("add FD002");
    drop(ict);
    let report = sync(&mut k7qm).await;
    assert_eq!(report.pulled.catalogues_installed, 1);
    assert_eq!((report.pulled.rosters, report.pulled.officers_deactivated), (1, 1));
    assert_eq!(report.pulled.outreaches_updated, 1);
    assert_eq!(k7qm.catalogue().expect("catalogue").version, built_in + 1);
    assert_eq!(profile.sign_in("FD002", PIN).expect_err("deactivated").code(), "wrong_pin");
    let plans = k7qm.outreaches().expect("plans");
    assert_eq!((plans[0].county_code.as_str(), plans[0].status), ("021", OutreachStatus::Confirmed));

    // P2ZX got the catalogue and the plan, not K7QM's roster.
    let p2zx_dir = deployment.dir.path().join("p2zx");
    let p2zx_profile = fieldkit_e2e::provision_enrolled_as(&p2zx_dir, "P2ZX", &other);
    let mut p2zx = p2zx_profile.sign_in(OFFICER, PIN).expect("sign in");
    let report = sync(&mut p2zx).await;
    assert_eq!(
        (report.pulled.catalogues_installed, report.pulled.rosters, report.pulled.outreaches_updated),
        (1, 0, 1)
    );

    // A laptop enrolled after the publication starts with the newest catalogue.
    let late = deployment::enrol(&deployment.pki, &*deployment.storage, "M4RN", deployment.server.addr).await;
    let late_profile = fieldkit_e2e::provision_enrolled_as(&deployment.dir.path().join("m4rn"), "M4RN", &late);
    let mut m4rn = late_profile.sign_in(OFFICER, PIN).expect("sign in");
    let report = sync(&mut m4rn).await;
    assert_eq!((report.pulled.catalogues_installed, report.pulled.outreaches_updated), (1, 0));
    assert_eq!(m4rn.catalogue().expect("catalogue").version, built_in + 1);
}
