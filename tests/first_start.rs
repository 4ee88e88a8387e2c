//! A laptop's first start: the ICT officer sets it up from the provisioning bundle and its
//! one-time code (`provisioning::set_up_laptop`, what the app's first screen calls). Nothing is
//! created unless the bundle opens and suits the app's mode; then the profile exists for the
//! laptop the bundle names, enrolled, and syncs.

use fieldkit_core::sync::{BatchSizer, sync_once};
use fieldkit_core::{Config, NewOfficer, Profile, Role};
use fieldkit_e2e::deployment::Deployment;
use fieldkit_protocol::provision::{self, OneTimeCode};
use fieldkit_protocol::{Deployment as Kind, Enrolment};
use huduma_sync::pki;
use std::path::Path;

fn bundle(dir: &Path, name: &str, enrolment: &Enrolment) -> (std::path::PathBuf, OneTimeCode) {
    let code = OneTimeCode::generate().expect("code");
    let bytes = provision::seal(enrolment, &code, "2026-11-28T06:30:00Z").expect("seal");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write bundle");
    (path, code)
}

fn ict() -> NewOfficer {
    NewOfficer { number: "ICT01".into(), display_name: "Brian Kiprono".into(), role: Role::IctOfficer }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ict_officer_sets_up_a_new_laptop_from_its_bundle() {
    let deployment = Deployment::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, code) = bundle(dir.path(), "K7QM.fkprov", &deployment.enrolment);
    let profile = Profile::new(dir.path().join("laptop"), Config::for_tests());

    // A wrong code, and a training bundle in a real laptop: refused, and no profile made.
    let wrong =
        fieldkit_core::provisioning::set_up_laptop(&profile, &ict(), "482913", &path, Some("7KQ2-M9XD-4HNP-0RTA"));
    assert_eq!(wrong.err().map(|e| e.code()), Some("provisioning_wrong_code"));
    let training_pki = dir.path().join("training-pki");
    pki::init_ca_for(&training_pki, "Training CA", Kind::Training).expect("training ca");
    let credentials = pki::issue_device_cert(&training_pki, "K7QM").expect("training cert");
    let training = Enrolment {
        ca_pem: pki::ca_pem(&training_pki).expect("ca"),
        cert_pem: credentials.cert_pem,
        key_pem: credentials.key_pem,
        ..deployment.enrolment.clone()
    };
    let (training_path, training_code) = bundle(dir.path(), "training.fkprov", &training);
    let refused = fieldkit_core::provisioning::set_up_laptop(
        &profile,
        &ict(),
        "482913",
        &training_path,
        Some(&training_code.grouped()),
    );
    assert_eq!(refused.err().map(|e| e.code()), Some("production_profile_refuses_training"));
    assert!(!profile.exists(), "nothing was created");

    // The right code, typed in lower case with spaces.
    let typed = code.grouped().to_lowercase().replace('-', " ");
    let (mut ict_session, enrolment) =
        fieldkit_core::provisioning::set_up_laptop(&profile, &ict(), "482913", &path, Some(&typed)).expect("set up");
    assert_eq!(enrolment.device_id, "K7QM");
    assert!(profile.exists());
    let manager =
        NewOfficer { number: "CM001".into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
    ict_session.add_officer(&manager, "730154").expect("add manager");
    let mut session = profile.sign_in("CM001", "730154").expect("sign in");
    fieldkit_e2e::capture(&mut session, 26_000_000, 2);
    let client = session.sync_client().expect("enrolled");
    let report = sync_once(&mut session, &client, &mut BatchSizer::default(), &mut |_| {}).await.expect("sync");
    assert_eq!(report.pushed.synced, 2);
    // Every reference carries the laptop id the bundle named.
    assert!(session.applications(None).expect("apps").iter().all(|a| a.reference.as_str().starts_with("K7QM-")));
}
