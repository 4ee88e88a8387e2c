//! Provisioning end to end with the real binaries: headquarters runs `huduma-sync device enrol
//! --sealed` and gets a bundle file and a one-time code; on a new laptop profile the ICT officer's
//! `fieldkit enrol` refuses a wrong code and a changed file (leaving the laptop unenrolled), takes
//! the right code, and the laptop then syncs with the server over mutual TLS — so the CA, the
//! certificate and the key that travelled in the bundle are the ones that work.

use fieldkit_e2e::deployment::{ServerProcess, huduma_sync_binary, run_cli, write_config};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const ICT: &str = "ICT01";
const PIN: &str = "482913";
/// A front-desk officer, who captures and syncs (the ICT officer may enrol, but not capture).
const DESK: [(&str, &str); 2] = [("FIELDKIT_OFFICER", "FD001"), ("FIELDKIT_PIN", "730154")];
const CITIZEN: &str = r#"{"id_number":"22345678","surname":"Ng'ang'a","given_names":"Wambui","date_of_birth":"1990-04-12","sex":"female","phone":"0712 345 678","county_code":"021"}"#;

/// The real `fieldkit` binary, built beside `huduma-sync` by `cargo test --workspace` (or
/// `cargo build -p fieldkit-cli`).
fn fieldkit_binary() -> PathBuf {
    let binary = huduma_sync_binary().with_file_name("fieldkit");
    assert!(binary.exists(), "{} is missing: run the tests with `cargo test --workspace`", binary.display());
    binary
}

/// A laptop profile in a directory, driven through `fieldkit --json`.
struct Laptop {
    dir: PathBuf,
}

struct Outcome {
    success: bool,
    json: Value,
}

impl Laptop {
    /// Runs `fieldkit --json <args>` as the ICT officer, with `env` added.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        let mut command = Command::new(fieldkit_binary());
        command
            .arg("--json")
            .args(args)
            .env("FIELDKIT_DATA_DIR", self.dir.join("profile"))
            .env("FIELDKIT_CONFIG", self.dir.join("fieldkit.toml"))
            .env("FIELDKIT_OFFICER", ICT)
            .env("FIELDKIT_PIN", PIN)
            .env("FIELDKIT_KDF_MEMORY_KIB", "8")
            .env("FIELDKIT_KDF_ITERATIONS", "1")
            // Only what this test gives: never a code from the environment running the tests.
            .env_remove("FIELDKIT_PROVISION_CODE")
            .env_remove("FIELDKIT_LANG");
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().expect("run fieldkit");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!("fieldkit {args:?}: not JSON ({e}): {stdout}\n{}", String::from_utf8_lossy(&output.stderr))
        });
        Outcome { success: output.status.success(), json }
    }

    fn ok(&self, args: &[&str], env: &[(&str, &str)]) -> Value {
        let outcome = self.run(args, env);
        assert!(outcome.success, "fieldkit {args:?} failed: {}", outcome.json);
        outcome.json
    }

    /// The error code and the message the officer reads.
    fn refused(&self, args: &[&str], env: &[(&str, &str)]) -> (String, String) {
        let outcome = self.run(args, env);
        assert!(!outcome.success, "fieldkit {args:?} should have failed: {}", outcome.json);
        let code = outcome.json["error"]["code"].as_str().expect("code").to_string();
        let text = outcome.json["text"].as_str().expect("text").to_string();
        (code, text)
    }

    fn assert_not_enrolled(&self) {
        let (code, _) = self.refused(&["sync"], &DESK);
        assert_eq!(code, "not_enrolled", "the laptop was enrolled by a refused import");
    }

    /// A new profile with its ICT officer and a front-desk officer.
    fn create(dir: PathBuf, prefix: &str) -> Laptop {
        std::fs::create_dir(&dir).expect("laptop dir");
        let laptop = Laptop { dir };
        let init =
            ["init", "--laptop-prefix", prefix, "--number", ICT, "--name", "Brian Kiprono", "--role", "ict-officer"];
        laptop.ok(&init, &[]);
        let add = ["officer", "add", "--number", "FD001", "--name", "Wanjiru Kamau", "--role", "front-desk-officer"];
        laptop.ok(&add, &[("FIELDKIT_NEW_PIN", DESK[1].1)]);
        laptop
    }

    /// A citizen registered and one application saved to the outbox by the front desk.
    fn capture_one(&self) {
        let citizen_file = self.dir.join("citizen.json");
        std::fs::write(&citizen_file, CITIZEN).expect("write");
        let citizen = self.ok(&["citizen", "register", "--from", &citizen_file.display().to_string()], &DESK);
        let form = serde_json::json!({
            "membership": "voluntary", "monthly_contribution": "500",
            "nominee_name": "Peter Kamau", "nominee_relationship": "sibling", "documents": ["id_card"]
        });
        let application = serde_json::json!({ "citizen_id": citizen["id"], "service_id": "nssf.member-registration",
                                               "form": form });
        let application_file = self.dir.join("application.json");
        std::fs::write(&application_file, application.to_string()).expect("write");
        self.ok(&["application", "create", "--submit", "--from", &application_file.display().to_string()], &DESK);
    }
}

/// `huduma-sync ca init`, `server-cert`, `serve` on a loopback port, as headquarters would.
fn start_server(root: &Path) -> (PathBuf, ServerProcess) {
    let config = root.join("huduma-sync.toml");
    let db = root.join("server.db");
    write_config(&config, &root.join("pki"), &format!("backend = \"sqlite\"\npath = {:?}", db.display().to_string()));
    for args in [&["ca", "init"][..], &["server-cert", "--host", "127.0.0.1"][..]] {
        let (ok, out) = run_cli(&config, args);
        assert!(ok, "huduma-sync {args:?}: {out}");
    }
    let server = ServerProcess::start(&config);
    (config, server)
}

#[test]
fn a_sealed_bundle_enrols_a_laptop_only_with_its_code_and_unchanged() {
    let root = tempfile::tempdir().expect("tempdir");
    let (config, server) = start_server(root.path());

    // Headquarters: one command, a file and a code.
    let bundle = root.path().join("K7QM.fkprov");
    let url = format!("https://{}", server.addr);
    let bundle_arg = bundle.display().to_string();
    let (ok, out) =
        run_cli(&config, &["device", "enrol", "--id", "K7QM", "--server-url", &url, "--out", &bundle_arg, "--sealed"]);
    assert!(ok, "{out}");
    assert!(out.contains("separately from the file"), "the officer is not told to keep the code apart: {out}");
    let code = out
        .lines()
        .find_map(|l| l.strip_prefix("One-time code: "))
        .unwrap_or_else(|| panic!("no code printed: {out}"))
        .trim()
        .to_string();
    assert_eq!(code.len(), 19, "{code}");
    let bytes = std::fs::read(&bundle).expect("bundle");
    assert!(fieldkit_protocol::provision::is_bundle(&bytes));
    let plain = String::from_utf8_lossy(&bytes);
    assert!(!plain.contains("PRIVATE KEY") && !plain.contains("CERTIFICATE"), "the bundle is readable");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&bundle).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the bundle holds the laptop's key");
    }
    // The same file again is refused, never overwritten.
    let (ok, out) =
        run_cli(&config, &["device", "enrol", "--id", "P2ZX", "--server-url", &url, "--out", &bundle_arg, "--sealed"]);
    assert!(!ok && out.contains("already exists"), "{out}");

    // The laptop: a fresh profile with its ICT officer.
    let laptop = Laptop::create(root.path().join("laptop"), "K7QM");
    laptop.capture_one();
    laptop.assert_not_enrolled();

    // A wrong code, in either language: refused as a wrong code, nothing installed.
    let from = ["enrol", "--from", &bundle_arg];
    let wrong = "0000-0000-0000-0000";
    assert_ne!(code, wrong, "2^-80 happened");
    let (error, text) = laptop.refused(&[&from[..], &["--code", wrong]].concat(), &[]);
    assert_eq!(error, "provisioning_wrong_code");
    assert!(text.contains("does not open this provisioning bundle") && text.contains("Nothing was changed"), "{text}");
    let (error, text) = laptop.refused(&from, &[("FIELDKIT_PROVISION_CODE", wrong), ("FIELDKIT_LANG", "sw")]);
    assert_eq!(error, "provisioning_wrong_code");
    assert!(text.contains("haufungui kifurushi"), "{text}");
    laptop.assert_not_enrolled();

    // Not a code at all (a group left out): said so, not "wrong code".
    let (error, text) = laptop.refused(&[&from[..], &["--code", &code[..14]]].concat(), &[]);
    assert_eq!(error, "provisioning_code_format");
    assert!(text.contains("16 letters and digits"), "{text}");

    // The file changed on the way (one byte flipped), even with the right code: tampered.
    let tampered = root.path().join("K7QM-copy.fkprov");
    let mut changed = bytes.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    std::fs::write(&tampered, &changed).expect("write");
    let tampered_arg = tampered.display().to_string();
    let (error, text) = laptop.refused(&["enrol", "--from", &tampered_arg, "--code", &code], &[]);
    assert_eq!(error, "provisioning_tampered");
    assert!(text.contains("changed or damaged") && text.contains("Ask headquarters for a new bundle"), "{text}");
    // Cut short: tampered too.
    std::fs::write(&tampered, &bytes[..bytes.len() - 10]).expect("write");
    let (error, _) = laptop.refused(&["enrol", "--from", &tampered_arg, "--code", &code], &[]);
    assert_eq!(error, "provisioning_tampered");
    laptop.assert_not_enrolled();

    // The right code, typed as a person might (lower case, spaces): enrolled.
    let typed = code.to_lowercase().replace('-', " ");
    let enrolled = laptop.ok(&from, &[("FIELDKIT_PROVISION_CODE", &typed)]);
    assert_eq!(enrolled["device_id"], "K7QM");
    assert_eq!(enrolled["server_url"], url.as_str());
    assert_eq!(enrolled["sealed"], true);

    // And the laptop syncs over mutual TLS with what the bundle carried: the server takes the
    // application captured before enrolment.
    let report = laptop.ok(&["sync"], &DESK);
    assert_eq!(report["pushed"]["synced"], 1, "{report}");
    assert_eq!(report["pushed"]["invalid"], 0, "{report}");
    let status = laptop.ok(&["sync-status"], &DESK);
    assert!(!status["last_success_at"].is_null(), "no successful sync recorded: {status}");
    assert!(status["last_error"].is_null(), "{status}");

    // The plaintext route still works for scripts (scripts/demo): a second laptop.
    let plain_file = root.path().join("P2ZX.enrolment.toml");
    let plain_arg = plain_file.display().to_string();
    let (ok, out) = run_cli(&config, &["device", "enrol", "--id", "P2ZX", "--server-url", &url, "--out", &plain_arg]);
    assert!(ok && !out.contains("One-time code"), "{out}");
    let second = Laptop::create(root.path().join("second"), "P2ZX");
    let enrolled = second.ok(&["enrol", "--from", &plain_arg], &[]);
    assert_eq!((enrolled["device_id"].as_str(), enrolled["sealed"].as_bool()), (Some("P2ZX"), Some(false)));
    second.ok(&["sync"], &DESK);
    server.kill();
}
