//! The USB export bundle, end to end: a laptop with no link seals its outbox to a file, the real
//! `huduma-sync import` stores it exactly once however often it is imported, and the laptop's next
//! sync over mutual TLS is acknowledged without duplicating anything. A changed file, a revoked
//! laptop's bundle and a foreign deployment's bundle are refused and store nothing.

use fieldkit_core::sync::{BatchSizer, sync_once};
use fieldkit_e2e::deployment::{self, Deployment, run_cli};
use fieldkit_e2e::{ICT_OFFICER, OFFICER, PIN, capture, provision_enrolled, provision_enrolled_as};
use huduma_sync::storage::Storage;

const COUNT: u32 = 300;

fn import(deployment: &Deployment, file: &std::path::Path) -> (bool, String) {
    run_cli(&deployment.cli_config(), &["import", &file.display().to_string()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exported_outbox_is_imported_exactly_once_and_the_next_sync_duplicates_nothing() {
    let deployment = Deployment::start().await;
    let profile = provision_enrolled(&deployment.dir.path().join("laptop"), &deployment.enrolment);
    let mut manager = profile.sign_in(OFFICER, PIN).expect("sign in");
    capture(&mut manager, 40_000_000, COUNT);

    let usb = deployment.dir.path().join("usb");
    std::fs::create_dir(&usb).expect("usb dir");
    let bundle = manager.export_bundle().expect("export");
    assert_eq!(bundle.records, COUNT);
    let file = bundle.write_into(&usb).expect("write");
    assert!(file.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("K7QM-") && n.ends_with(".hmfk")));
    let written = std::fs::read(&file).expect("read");
    let someone = manager.queue().expect("queue")[0].reference.as_str().to_string();
    assert!(!String::from_utf8_lossy(&written).contains(&someone), "a reference is readable in the file");
    assert_eq!(bundle.write_into(&usb).expect_err("no overwrite").code(), "export_failed");
    assert_eq!(manager.queue().expect("queue").len(), COUNT as usize, "exported applications stay in the outbox");

    // A changed byte in the middle: refused, nothing stored.
    let tampered = usb.join("tampered.hmfk");
    let mut bytes = written.clone();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&tampered, &bytes).expect("write");
    let (ok, out) = import(&deployment, &tampered);
    assert!(!ok && out.contains("not imported"), "{out}");
    assert_eq!(deployment.storage.count().await.expect("count"), 0);

    // Imported, then imported again: stored once.
    let (ok, out) = import(&deployment, &file);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("{COUNT} stored, 0 already stored")), "{out}");
    let (ok, out) = import(&deployment, &file);
    assert!(ok && out.contains(&format!("0 stored, {COUNT} already stored")), "{out}");
    assert_eq!(deployment.storage.count().await.expect("count"), u64::from(COUNT));

    // The link returns: the laptop's sync is acknowledged for all of them, and nothing doubles.
    let client = manager.sync_client().expect("client");
    let report = sync_once(&mut manager, &client, &mut BatchSizer::default(), &mut |_| {}).await.expect("sync");
    assert_eq!((report.pushed.synced, report.pushed.already_on_server), (COUNT, COUNT));
    assert_eq!(deployment.storage.count().await.expect("count"), u64::from(COUNT), "exactly once");
    assert!(manager.queue().expect("queue").is_empty());
    assert_eq!(manager.export_bundle().expect_err("empty outbox").code(), "nothing_to_export");
    let mut ict = profile.sign_in(ICT_OFFICER, PIN).expect("ict");
    assert_eq!(ict.export_bundle().expect_err("ICT officer").code(), "not_permitted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundles_from_a_revoked_laptop_or_another_deployment_are_refused() {
    let deployment = Deployment::start().await;
    let usb = tempfile::tempdir().expect("usb");

    // P2ZX exports, then is revoked before its bundle reaches headquarters.
    let enrolment = deployment::enrol(&deployment.pki, &*deployment.storage, "P2ZX", deployment.server.addr).await;
    let profile = provision_enrolled_as(&deployment.dir.path().join("p2zx"), "P2ZX", &enrolment);
    let mut manager = profile.sign_in(OFFICER, PIN).expect("sign in");
    capture(&mut manager, 41_000_000, 3);
    let file = manager.export_bundle().expect("export").write_into(usb.path()).expect("write");
    let (ok, out) = run_cli(&deployment.cli_config(), &["device", "revoke", "--id", "P2ZX"]);
    assert!(ok, "{out}");
    let (ok, out) = import(&deployment, &file);
    assert!(!ok && out.contains("P2ZX, which is revoked"), "{out}");

    // A laptop of another deployment (its own CA and import key).
    let other = Deployment::start().await;
    let foreign = provision_enrolled(&other.dir.path().join("laptop"), &other.enrolment);
    let mut foreign_manager = foreign.sign_in(OFFICER, PIN).expect("sign in");
    capture(&mut foreign_manager, 42_000_000, 2);
    let foreign_file = foreign_manager.export_bundle().expect("export").write_into(usb.path()).expect("write");
    let (ok, out) = import(&deployment, &foreign_file);
    assert!(!ok && out.contains("not one this server enrolled"), "{out}");

    assert_eq!(deployment.storage.count().await.expect("count"), 0, "nothing stored from refused bundles");
}
