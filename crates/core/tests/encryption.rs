//! Encryption at rest: a stolen laptop reveals no citizen data without an officer's PIN.

mod common;

use common::*;
use fieldkit_core::crypto::DataKey;
use fieldkit_core::{NewOfficer, Role, Store};
use std::path::Path;

const NAMES: [&str; 3] = ["Nyamweya", "Chepkoech", "Wekesa"];
const FORM_SECRET: &str = "Kapsabet-Sub-Location-Ndalat";

fn capture_some(session: &mut fieldkit_core::Session) {
    for (i, name) in NAMES.iter().enumerate() {
        let citizen = session.register_citizen(&citizen(name, &format!("2{i}345678"))).expect("register");
        let mut new = application(citizen.id, "national-id.first-issue");
        new.form.insert("sub_location".into(), FORM_SECRET.into());
        assert!(session.check_application(&new).expect("check").is_ok(), "the form must pass to be saved");
        session.save_and_submit(&new).expect("save");
    }
}

#[test]
fn files_on_disk_hold_none_of_the_plaintext() {
    let f = fixture();
    f.create();
    let mut clerk = f.clerk();
    capture_some(&mut clerk);

    // While the session is open, recent writes sit in the WAL: check it too.
    let open_bytes = common::all_bytes(f.profile.dir());
    drop(clerk);
    let closed_bytes = common::all_bytes(f.profile.dir());
    for bytes in [&open_bytes, &closed_bytes] {
        assert!(bytes.len() > 4096, "the scan must have read the store");
        for name in NAMES.iter().copied().chain([FORM_SECRET, "+254712345678"]) {
            assert!(!common::contains(bytes, name), "{name} found in plaintext on disk");
        }
    }
}

#[test]
fn the_scan_would_find_plaintext_in_an_unencrypted_file() {
    // Control for the test above: the same search does find names SQLite wrote unencrypted.
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = rusqlite::Connection::open(dir.path().join("plain.db")).expect("open");
    conn.execute_batch("CREATE TABLE t (name TEXT)").expect("schema");
    conn.execute("INSERT INTO t VALUES (?1)", [NAMES[0]]).expect("insert");
    drop(conn);
    assert!(common::contains(&common::all_bytes(dir.path()), NAMES[0]));
}

#[test]
fn a_wrong_pin_opens_nothing() {
    let f = fixture();
    f.create();
    let err = f.profile.sign_in(CLERK, "730155").expect_err("wrong PIN refused");
    assert_eq!(err.code(), "wrong_pin");
    let err = f.profile.sign_in("FD999", CLERK_PIN).expect_err("unknown officer refused");
    assert_eq!(err.code(), "wrong_pin", "must not reveal which of number or PIN was wrong");
}

#[test]
fn the_store_cannot_be_opened_without_the_data_key() {
    let f = fixture();
    let mut session = f.create();
    capture_some(&mut session);
    drop(session);

    let wrong_key = DataKey::generate().expect("key");
    let err = Store::open(&f.profile.store_path(), &wrong_key).expect_err("wrong key refused");
    assert_eq!(err.code(), "not_a_store");

    let conn = rusqlite::Connection::open(f.profile.store_path()).expect("open file");
    let plain_read = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0));
    assert!(plain_read.is_err(), "plain SQLite must not read the encrypted file");
}

#[test]
fn adding_and_removing_officers_rewraps_without_reencrypting() {
    let f = fixture();
    let mut manager = f.create();
    capture_some(&mut manager);
    drop(manager);
    // SQLCipher keeps a random salt in the file's first 16 bytes; re-encryption would change it.
    let salt_before = std::fs::read(f.profile.store_path()).expect("read")[..16].to_vec();

    let mut manager = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager");
    let trainer = NewOfficer { number: "TR001".into(), display_name: "Kiprono Langat".into(), role: Role::Trainer };
    manager.add_officer(&trainer, "615283").expect("add trainer");
    drop(manager);

    let mut trainer_session = f.profile.sign_in("TR001", "615283").expect("new officer opens the same store");
    assert_eq!(trainer_session.applications(None).expect("list").len(), NAMES.len());
    drop(trainer_session);

    let mut manager = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager");
    manager.remove_officer("TR001").expect("remove trainer");
    drop(manager);
    assert_eq!(f.profile.sign_in("TR001", "615283").expect_err("removed").code(), "wrong_pin");
    let keyring = std::fs::read_to_string(f.profile.dir().join("keyring.json")).expect("keyring");
    assert!(!keyring.contains("TR001"), "the removed officer's sealed key is gone");

    let salt_after = std::fs::read(f.profile.store_path()).expect("read")[..16].to_vec();
    assert_eq!(salt_before, salt_after, "the store was not re-encrypted");
    assert_eq!(f.clerk().applications(None).expect("list").len(), NAMES.len(), "others still open it");
}

#[test]
fn editing_a_role_in_the_keyring_does_not_elevate() {
    let f = fixture();
    f.create();
    let path = f.profile.dir().join("keyring.json");
    let text = std::fs::read_to_string(&path).expect("keyring");
    let mut keyring: serde_json::Value = serde_json::from_str(&text).expect("json");
    for entry in keyring["officers"].as_array_mut().expect("officers") {
        if entry["number"] == CLERK {
            entry["role"] = "ict_officer".into();
        }
    }
    std::fs::write(&path, serde_json::to_vec(&keyring).expect("json")).expect("write");
    let err = f.profile.sign_in(CLERK, CLERK_PIN).expect_err("tampered role refused");
    assert_eq!(err.code(), "wrong_pin");
}

#[test]
fn a_damaged_keyring_is_reported_not_trusted() {
    let f = fixture();
    f.create();
    std::fs::write(f.profile.dir().join("keyring.json"), b"{\"format\":1,").expect("write");
    let err = f.profile.sign_in(CLERK, CLERK_PIN).expect_err("refused");
    assert_eq!(err.code(), "keyring_corrupt");
}

#[test]
fn store_files_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture();
    f.create();
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(f.profile.dir()), 0o700);
    assert_eq!(mode(&f.profile.store_path()), 0o600);
    assert_eq!(mode(&f.profile.dir().join("keyring.json")), 0o600);
}

#[test]
fn the_store_runs_wal_with_full_sync() {
    let f = fixture();
    let session = f.create();
    let conn = session.store().expect("unlocked").connection();
    let journal: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("pragma");
    let synchronous: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).expect("pragma");
    assert_eq!(journal, "wal");
    assert_eq!(synchronous, 2, "2 = FULL");
}
