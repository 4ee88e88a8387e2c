//! Schema migrations: a store of every earlier version, including a new or empty file, opens and
//! upgrades to the latest; a store from a newer build is refused rather than damaged.

use fieldkit_core::crypto::DataKey;
use fieldkit_core::{LaptopPrefix, Reference, Store};
use rusqlite::Connection;

const LATEST: i64 = 8;

/// The schema as SQLite records it, so two stores can be compared.
fn schema(conn: &Connection) -> Vec<String> {
    let mut statement = conn
        .prepare("SELECT type || ' ' || name || ': ' || ifnull(sql, '') FROM sqlite_master ORDER BY type, name")
        .expect("prepare");
    statement.query_map([], |r| r.get(0)).expect("query").map(|r| r.expect("row")).collect()
}

/// Rows a store of `version` could hold. Columns are named, so the rows of version n also fit the
/// later schemas a store at a later version is seeded with.
fn seed(conn: &Connection, version: i64) {
    if version >= 1 {
        conn.execute_batch(
            "INSERT INTO device (singleton, profile_id, laptop_prefix, next_sequence, created_at)
                 VALUES (1, '0190e000-0000-7000-8000-00000000000a', 'K7QM', 3, '2026-01-01T00:00:00Z');
             INSERT INTO officers VALUES ('CM001', 'Achieng Otieno', 'centre_manager', 'CM001', '2026-01-01T00:00:00Z', NULL);
             INSERT INTO citizens (id, id_number, surname, given_names, date_of_birth, sex, phone, county_code,
                                   registered_by, registered_at)
                 VALUES ('0190e000-0000-7000-8000-000000000001', '22345678', 'Kamau', 'John', '1990-01-01',
                         'male', NULL, '022', 'CM001', '2026-01-01T00:00:00Z');",
        )
        .expect("seed v1");
        let reference = Reference::new(&LaptopPrefix::parse("K7QM").expect("prefix"), 1).expect("reference");
        conn.execute(
            "INSERT INTO applications (id, reference, citizen_id, service_id, catalogue_version, state, form,
                                       review_note, revision, created_by, created_at, updated_at)
             VALUES ('0190e000-0000-7000-8000-0000000000a1', ?1,
                 '0190e000-0000-7000-8000-000000000001', 'sha.member-registration', 1, 'synced', '{}', NULL, 1,
                 'CM001', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            [reference.as_str()],
        )
        .expect("seed v1 application");
    }
    if version >= 2 {
        conn.execute_batch(
            "INSERT INTO citizens (id, id_number, surname, given_names, date_of_birth, sex, phone, county_code,
                                   registered_by, registered_at, sub_county, kra_pin)
                 VALUES ('0190e000-0000-7000-8000-000000000002', '32345678', 'Wanjiru', 'Mary', '1985-05-05',
                         'female', '+254712345678', '021', 'CM001', '2026-01-01T00:00:00Z', 'Kiharu', 'A012345678Z');",
        )
        .expect("seed v2");
        // Waiting in the outbox: migration 8 indexes the outbox in sending order.
        let reference = Reference::new(&LaptopPrefix::parse("K7QM").expect("prefix"), 2).expect("reference");
        conn.execute(
            "INSERT INTO applications (id, reference, citizen_id, service_id, catalogue_version, state, form,
                                       review_note, revision, created_by, created_at, updated_at, applicant_id_number)
             VALUES ('0190e000-0000-7000-8000-0000000000a2', ?1,
                 '0190e000-0000-7000-8000-000000000002', 'nssf.member-registration', 1, 'submitted', '{}', NULL, 1,
                 'CM001', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '32345678')",
            [reference.as_str()],
        )
        .expect("seed v2 application");
    }
    if version >= 3 {
        conn.execute_batch("UPDATE sync_state SET pull_cursor = 42, last_error = 'link down';").expect("seed v3");
    }
    if version >= 4 {
        conn.execute_batch(
            "INSERT INTO enrolment (singleton, device_id, server_url, ca_pem, cert_pem, key_pem, enrolled_by, enrolled_at)
                 VALUES (1, 'K7QM', 'https://sync.huduma.example:8443', 'ca', 'cert', 'key', 'ICT01', '2026-01-01T00:00:00Z');",
        )
        .expect("seed v4");
    }
    if version >= 5 {
        conn.execute_batch(
            "INSERT INTO catalogues VALUES (99, 'version = 99', '2026-01-01T00:00:00Z');
             INSERT INTO roster VALUES ('FD009', 'Otieno Were', 'front_desk_officer', 1, '2026-01-01T00:00:00Z');
             UPDATE sync_state SET revoked_at = '2026-01-02T00:00:00Z';",
        )
        .expect("seed v5");
        conn.execute_batch(
            "INSERT INTO outreaches (id, revision, plan, received_at) VALUES ('0190e000-0000-7000-8000-0000000000aa', 1,
                 '{\"id\":\"0190e000-0000-7000-8000-0000000000aa\",\"revision\":1,\"name\":\"Kangema\",\"centre\":\"Murang''a\",\"county_code\":\"021\",\"place\":\"Kangema market\",\"starts_on\":\"2026-12-01\",\"ends_on\":\"2026-12-02\",\"services\":[],\"status\":\"confirmed\"}',
                 '2026-01-01T00:00:00Z');",
        )
        .expect("seed v5 outreach");
    }
    if version >= 6 {
        conn.execute_batch(
            "INSERT INTO feedback (id, given_on, record, recorded_by, recorded_at)
                 VALUES ('0190e000-0000-7000-8000-0000000000bb', '2026-01-01', '{}', 'CM001', '2026-01-01T00:00:00Z');",
        )
        .expect("seed v6");
    }
}

#[test]
fn the_latest_version_is_what_the_tests_expect() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("s.db"), &DataKey::generate().expect("key")).expect("open");
    assert_eq!(store.schema_version().expect("version"), LATEST, "add the new version's seed rows and bump LATEST");
}

#[test]
fn every_earlier_version_upgrades_to_the_latest_schema_keeping_its_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = DataKey::generate().expect("key");
    let fresh = Store::open(&dir.path().join("fresh.db"), &key).expect("fresh");
    let want = schema(fresh.connection());

    for from in 0..LATEST {
        let path = dir.path().join(format!("from-{from}.db"));
        let old = Store::open_at_version(&path, &key, from).expect("old store");
        assert_eq!(old.schema_version().expect("version"), from);
        seed(old.connection(), from);
        drop(old);

        let upgraded = Store::open(&path, &key).expect("upgrade");
        assert_eq!(upgraded.schema_version().expect("version"), LATEST, "from {from}");
        assert_eq!(schema(upgraded.connection()), want, "schema after upgrading from {from}");
        assert_eq!(upgraded.integrity_check().expect("check"), ["ok"]);
        if from >= 1 {
            assert_eq!(upgraded.laptop_prefix().expect("prefix").as_str(), "K7QM", "rows kept from {from}");
            // Every profile made before migration 7 was a real one, not a trainer's demo.
            assert_eq!(upgraded.deployment().expect("deployment"), fieldkit_protocol::Deployment::Production);
            let kamau = upgraded.citizen(uuid::Uuid::parse_str("0190e000-0000-7000-8000-000000000001").expect("uuid"));
            let kamau = kamau.expect("a citizen from before schema 2 still reads");
            assert_eq!((kamau.details.sub_county, kamau.details.kra_pin), (None, None));
        }
        if (1..2).contains(&from) {
            // Stores from before migration 2 get the applicant's ID number from the citizen.
            let earlier =
                upgraded.applications_by_id_number("sha.member-registration", "22345678", None).expect("query");
            assert_eq!(earlier.len(), 1, "the applicant's ID number was backfilled from the citizen");
        }
        let outbox: Vec<String> =
            upgraded.outbox_page(10).expect("outbox").iter().map(|a| a.reference.to_string()).collect();
        if from >= 2 {
            assert_eq!(outbox, ["K7QM-000002-V".to_string()], "the submitted application waits in the outbox");
        } else {
            assert!(outbox.is_empty(), "only a synced application before schema 2: {outbox:?}");
        }
        if from < 3 {
            let state = upgraded.sync_state().expect("sync state");
            assert_eq!((state.pull_cursor, state.last_success_at), (0, None), "a store new to sync starts at 0");
        }
        if from == 6 {
            assert_eq!(upgraded.outreaches().expect("plans").len(), 1, "plans kept from 6");
        }
        if from == 5 {
            // A plan received before migration 6 is kept, and is not something to upload.
            let plans = upgraded.outreaches().expect("plans");
            assert_eq!(plans.len(), 1, "the received plan is kept");
            assert_eq!(plans[0].name, "Kangema");
        }
        if from < 5 {
            let state = upgraded.sync_state().expect("sync state");
            assert_eq!(state.revoked_at, None, "a laptop is not revoked by upgrading");
            assert_eq!(upgraded.received_catalogue().expect("catalogue"), None);
            assert!(upgraded.roster().expect("roster").is_empty());
        }
    }
}

#[test]
fn an_empty_file_becomes_a_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").expect("empty file");
    let store = Store::open(&path, &DataKey::generate().expect("key")).expect("open");
    assert_eq!(store.schema_version().expect("version"), LATEST);
}

#[test]
fn reopening_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.db");
    let key = DataKey::generate().expect("key");
    let first = schema(Store::open(&path, &key).expect("open").connection());
    let second = schema(Store::open(&path, &key).expect("reopen").connection());
    assert_eq!(first, second);
}

#[test]
fn a_store_from_a_newer_build_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.db");
    let key = DataKey::generate().expect("key");
    let store = Store::open(&path, &key).expect("open");
    store.connection().pragma_update(None, "user_version", LATEST + 1).expect("bump");
    drop(store);
    let err = Store::open(&path, &key).expect_err("refused");
    assert_eq!(err.code(), "schema_too_new");
}
