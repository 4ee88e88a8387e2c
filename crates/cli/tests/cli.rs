//! The `fieldkit` binary end to end: a front-desk day from a shell script's point of view.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

struct Kit {
    dir: tempfile::TempDir,
}

struct Outcome {
    success: bool,
    json: Value,
}

impl Kit {
    fn new() -> Kit {
        Kit { dir: tempfile::tempdir().expect("tempdir") }
    }

    /// Runs `fieldkit --json <args>` as `officer` with `pin`, feeding `stdin`.
    fn run(&self, officer: &str, pin: &str, args: &[&str], stdin: &str) -> Outcome {
        self.run_with_new_pin(officer, pin, None, args, stdin)
    }

    /// As `run`, with `FIELDKIT_NEW_PIN` set when a command sets a PIN.
    fn run_with_new_pin(&self, officer: &str, pin: &str, new_pin: Option<&str>, args: &[&str], stdin: &str) -> Outcome {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fieldkit"));
        match new_pin {
            Some(new_pin) => command.env("FIELDKIT_NEW_PIN", new_pin),
            None => command.env_remove("FIELDKIT_NEW_PIN"),
        };
        let mut child = command
            .arg("--json")
            .args(args)
            .env("FIELDKIT_DATA_DIR", self.dir.path().join("profile"))
            .env("FIELDKIT_CONFIG", self.dir.path().join("fieldkit.toml"))
            .env("FIELDKIT_OFFICER", officer)
            .env("FIELDKIT_PIN", pin)
            .env("FIELDKIT_KDF_MEMORY_KIB", "8")
            .env("FIELDKIT_KDF_ITERATIONS", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn fieldkit");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        let output = child.wait_with_output().expect("wait");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
        Outcome { success: output.status.success(), json }
    }

    fn ok(&self, officer: &str, pin: &str, args: &[&str], stdin: &str) -> Value {
        let outcome = self.run(officer, pin, args, stdin);
        assert!(outcome.success, "fieldkit {args:?} failed: {}", outcome.json);
        outcome.json
    }

    fn error_code(&self, officer: &str, pin: &str, args: &[&str], stdin: &str) -> String {
        let outcome = self.run(officer, pin, args, stdin);
        assert!(!outcome.success, "fieldkit {args:?} should have failed: {}", outcome.json);
        assert_eq!(outcome.json["ok"], false);
        outcome.json["error"]["code"].as_str().expect("code").to_string()
    }

    /// A profile with a centre manager CM001 and a front-desk officer FD001.
    fn provisioned() -> Kit {
        let kit = Kit::new();
        kit.ok(
            "",
            "482913",
            &[
                "init",
                "--laptop-prefix",
                "k7qm",
                "--number",
                "CM001",
                "--name",
                "Achieng Otieno",
                "--role",
                "centre-manager",
            ],
            "",
        );
        let add = ["officer", "add", "--number", "FD001", "--name", "Wanjiru Kamau", "--role", "front-desk-officer"];
        let added = kit.run_with_new_pin("CM001", "482913", Some("730154"), &add, "");
        assert!(added.success, "officer add failed: {}", added.json);
        kit
    }
}

const CITIZEN: &str = r#"{"id_number":"22345678","surname":"Ng'ang'a","given_names":"Wambui","date_of_birth":"1990-04-12","sex":"female","phone":"0712 345 678","county_code":"021"}"#;

fn new_application(citizen_id: &str, service: &str) -> String {
    format!(
        r#"{{"citizen_id":"{citizen_id}","service_id":"{service}","catalogue_version":1,"form":{{"place_of_birth":"Kangema"}}}}"#
    )
}

#[test]
fn a_front_desk_day_from_the_command_line() {
    let kit = Kit::provisioned();
    let signed_in = kit.ok("FD001", "730154", &["sign-in"], "");
    assert_eq!(signed_in["role"], "front_desk_officer");

    let citizen = kit.ok("FD001", "730154", &["citizen", "register", "--from", "-"], CITIZEN);
    assert_eq!(citizen["phone"], "+254712345678");
    let citizen_id = citizen["id"].as_str().expect("id");

    let draft = kit.ok(
        "FD001",
        "730154",
        &["application", "create", "--from", "-"],
        &new_application(citizen_id, "nssf.member-registration"),
    );
    assert_eq!(draft["state"], "draft");
    let queued = kit.ok(
        "FD001",
        "730154",
        &["application", "create", "--submit", "--from", "-"],
        &new_application(citizen_id, "national-id.first-issue"),
    );
    let reference = queued["reference"].as_str().expect("reference");
    assert!(reference.starts_with("K7QM-000002-"), "{reference}");

    let queue = kit.ok("FD001", "730154", &["queue"], "");
    assert_eq!(queue.as_array().expect("list").len(), 1);
    kit.ok("FD001", "730154", &["application", "submit", draft["reference"].as_str().expect("ref")], "");
    assert_eq!(kit.ok("FD001", "730154", &["queue"], "").as_array().expect("list").len(), 2);

    let shown = kit.ok("FD001", "730154", &["application", "show", &reference.to_lowercase()], "");
    assert_eq!(shown["id"], queued["id"]);
    let found = kit.ok("FD001", "730154", &["citizen", "find", "0712345678"], "");
    assert_eq!(found[0]["id"], citizen["id"]);

    let report = kit.ok("CM001", "482913", &["audit", "verify"], "");
    assert_eq!(report["problems"].as_array().expect("problems").len(), 0);
}

#[test]
fn bad_input_gets_a_coded_error_and_changes_nothing() {
    let kit = Kit::provisioned();
    assert_eq!(
        kit.error_code("FD001", "730154", &["citizen", "register", "--from", "-"], "{not json"),
        "input_malformed"
    );
    let bad_phone = CITIZEN.replace("0712 345 678", "0812 345 678");
    assert_eq!(kit.error_code("FD001", "730154", &["citizen", "register", "--from", "-"], &bad_phone), "invalid_input");
    assert_eq!(
        kit.error_code("FD001", "730154", &["citizen", "register", "--from", "/nonexistent.json"], ""),
        "input_unreadable"
    );
    assert_eq!(kit.error_code("FD001", "730154", &["list", "--state", "lost"], ""), "invalid_input");
    assert_eq!(kit.error_code("FD001", "730154", &["application", "show", "K7QM-000001-0"], ""), "invalid_input");
    assert_eq!(kit.ok("FD001", "730154", &["list"], "").as_array().expect("list").len(), 0);
    assert_eq!(kit.ok("FD001", "730154", &["citizen", "find", "Ng'ang'a"], "").as_array().expect("list").len(), 0);
}

#[test]
fn sign_in_failures_and_permissions() {
    let kit = Kit::provisioned();
    assert_eq!(kit.error_code("FD001", "000001", &["queue"], ""), "wrong_pin");
    assert_eq!(kit.error_code("FD001", "000002", &["queue"], ""), "wrong_pin");
    let locked = kit.run("FD001", "000003", &["queue"], "");
    assert_eq!(locked.json["error"]["code"], "locked_out");
    assert_eq!(locked.json["error"]["retry_after_secs"], 30);
    assert_eq!(kit.error_code("FD001", "730154", &["queue"], ""), "locked_out", "right PIN refused while locked");
    assert_eq!(kit.error_code("FD001", "730154", &["officer", "list"], ""), "locked_out");
    assert_eq!(kit.error_code("CM001", "482913", &["officer", "remove", "CM001"], ""), "cannot_remove_self");
    assert_eq!(kit.error_code("", "482913", &["queue"], ""), "officer_required");
}

#[test]
fn commands_on_a_missing_profile_say_what_to_do() {
    let kit = Kit::new();
    assert_eq!(kit.error_code("FD001", "730154", &["queue"], ""), "profile_missing");
    let init_twice = Kit::provisioned();
    let args =
        ["init", "--laptop-prefix", "K7QM", "--number", "CM002", "--name", "Other Manager", "--role", "centre-manager"];
    assert_eq!(init_twice.error_code("", "482913", &args, ""), "profile_exists");
}

#[test]
fn a_bad_config_file_is_refused_at_start() {
    let kit = Kit::provisioned();
    std::fs::write(kit.dir.path().join("fieldkit.toml"), "[security]\nidle_lock_secs = 1\n").expect("write config");
    assert_eq!(kit.error_code("FD001", "730154", &["queue"], ""), "config");
}
