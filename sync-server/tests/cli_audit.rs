//! The command line changes nothing without an audit entry: every state change `huduma-sync`
//! makes (enrolling and revoking a laptop, publishing a catalogue, a roster or an outreach plan,
//! creating a console account, deciding) is in the console's audit log, named after the Unix
//! user who ran it, exactly as the console records its own changes.

use fieldkit_domain::catalogue::Catalogue;
use fieldkit_protocol::ApplicationRecord;
use huduma_sync::storage::Storage;
use huduma_sync::storage::review::{AuditEntry, ReviewStorage, verify_audit_chain};
use huduma_sync::storage::sqlite::SqliteStorage;
use serde_json::json;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// A deployment directory: its configuration file and its SQLite store.
struct Deployment {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Deployment {
    fn new() -> Deployment {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("huduma-sync.toml");
        std::fs::write(
            &config,
            "pki_dir = \"pki\"\nlog = \"warn\"\n[storage]\nbackend = \"sqlite\"\npath = \"sync.db\"\n",
        )
        .expect("config");
        Deployment { dir, config }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `huduma-sync --config … <args>` as the Unix user `wanjiru`, with `stdin` as its
    /// standard input; its success and its output.
    fn run(&self, args: &[&str], stdin: &str) -> (bool, String) {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_huduma-sync"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("USER", "wanjiru")
            .env("HUDUMA_SYNC_LOG", "warn")
            .env_remove("HUDUMA_SYNC_CONFIG")
            .env_remove("HUDUMA_SYNC_STORAGE")
            .env_remove("HUDUMA_SYNC_SQLITE_PATH")
            .env_remove("HUDUMA_SYNC_PKI_DIR")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn huduma-sync");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        let output = child.wait_with_output().expect("huduma-sync");
        let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        (output.status.success(), text)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, out) = self.run(args, "");
        assert!(ok, "huduma-sync {args:?}: {out}");
        out
    }

    fn storage(&self) -> SqliteStorage {
        SqliteStorage::open(&self.path("sync.db")).expect("open the store")
    }

    async fn audit(&self) -> Vec<AuditEntry> {
        let chain = self.storage().audit_chain().await.expect("chain");
        verify_audit_chain(&chain).expect("the chain verifies");
        chain
    }
}

fn write(path: &Path, text: &str) -> String {
    std::fs::write(path, text).expect("write");
    path.display().to_string()
}

/// `(actor, action, subject)` of each entry.
fn summary(entries: &[AuditEntry]) -> Vec<(String, String, String)> {
    entries.iter().map(|e| (e.actor.clone(), e.action.clone(), e.subject.clone())).collect()
}

fn entry(action: &str, subject: &str) -> (String, String, String) {
    ("cli:wanjiru".into(), action.into(), subject.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_the_cli_makes_is_audited_with_the_unix_user() {
    let deployment = Deployment::new();
    deployment.ok(&["ca", "init"]);
    assert!(deployment.audit().await.is_empty(), "making the CA touches no store");

    // Enrol two laptops, revoke one.
    for id in ["K7QM", "P2ZX"] {
        let out = deployment.path(&format!("{id}.toml")).display().to_string();
        deployment.ok(&["device", "enrol", "--id", id, "--server-url", "https://sync.example:8443", "--out", &out]);
    }
    deployment.ok(&["device", "revoke", "--id", "P2ZX"]);
    let devices = deployment.storage().devices().await.expect("devices");
    let chain = deployment.audit().await;
    assert_eq!(
        summary(&chain),
        [
            entry("device.enrolled", "device:K7QM"),
            entry("device.enrolled", "device:P2ZX"),
            entry("device.revoked", "device:P2ZX")
        ]
    );
    assert_eq!(chain[0].detail, devices[0].fingerprint, "the certificate enrolled is named");

    // Refused changes leave no entry.
    let (ok, out) = deployment.run(&["device", "revoke", "--id", "NOPE"], "");
    assert!(!ok, "{out}");
    let catalogue = Catalogue::built_in().expect("catalogue");
    let bad = write(&deployment.path("bad.toml"), "format = 1\nversion = 2\n");
    let (ok, out) = deployment.run(&["catalogue", "publish", &bad], "");
    assert!(!ok, "{out}");
    assert_eq!(deployment.audit().await.len(), 3, "nothing refused is audited");

    // A catalogue, a roster and an outreach plan.
    let newer = fieldkit_domain::catalogue::BUILT_IN_TEXT.replacen(
        &format!("version = {}", catalogue.version),
        &format!("version = {}", catalogue.version + 1),
        1,
    );
    let file = write(&deployment.path("catalogue.toml"), &newer);
    let out = deployment.ok(&["catalogue", "publish", &file]);
    assert!(out.contains("published to 1 laptop(s)"), "{out}");
    let roster = write(
        &deployment.path("roster.toml"),
        "[[officers]]\nnumber = \"FD002\"\nname = \"Njeri Mwangi\"\nrole = \"front_desk_officer\"\nactive = false\n",
    );
    deployment.ok(&["roster", "publish", &roster, "--laptop", "K7QM"]);
    let service = &catalogue.services[0];
    let plan = write(
        &deployment.path("outreach.toml"),
        &format!(
            "laptops = [\"K7QM\"]\nid = \"0190f000-0000-7000-8000-00000000a001\"\nname = \"Kangema market day\"\n\
             centre = \"Murang'a\"\ncounty = \"Murang'a\"\nplace = \"Kangema market\"\nstarts_on = \"2026-12-01\"\n\
             ends_on = \"2026-12-02\"\nservices = [\"{}\"]\n",
            service.id
        ),
    );
    deployment.ok(&["outreach", "publish", &plan]);

    // A console account, its password on standard input (never in the log).
    let (ok, out) = deployment.run(
        &["console", "account", "add", "--username", "admin", "--name", "Console administrator", "--role", "admin"],
        "a long enough passphrase\n",
    );
    assert!(ok, "{out}");

    // A decision on an application a laptop pushed.
    let id = Uuid::from_u128(0x0190_f000_0000_7000_8000_0000_0000_0b01);
    let record = ApplicationRecord::new(id, 1, 1, &service.id, "K7QM-000001-X", json!({ "application": {} }));
    deployment.storage().push("K7QM", vec![record]).await.expect("push");
    deployment.ok(&["decide", "--application", &id.to_string(), "--reject", "Photo unclear"]);

    let chain = deployment.audit().await;
    assert_eq!(
        summary(&chain[3..]),
        [
            entry("catalogue.published", &format!("catalogue:{}", catalogue.version + 1)),
            entry("roster.published", "laptops:K7QM"),
            entry("outreach.published", "outreach:0190f000-0000-7000-8000-00000000a001/1"),
            entry("account.created", "account:admin"),
            entry("decision.rejected", &format!("application:{id}/1")),
        ]
    );
    assert_eq!(chain[3].detail, "1 laptops", "the catalogue went to K7QM only: P2ZX is revoked");
    assert_eq!(chain[7].detail, "Photo unclear");
    assert!(chain.iter().all(|e| !e.detail.contains("passphrase")), "no password in the audit log");
}
