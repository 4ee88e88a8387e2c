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

/// An application for `service` with the answers the citizen's profile cannot give; the rest
/// (names, ID number, date of birth, phone, county) is prefilled from the profile.
fn new_application(citizen_id: &str, service: &str) -> String {
    let form = match service {
        "nssf.member-registration" => serde_json::json!({
            "membership": "voluntary", "monthly_contribution": "500",
            "nominee_name": "Peter Kamau", "nominee_relationship": "sibling", "documents": ["id_card"]
        }),
        "national-id.first-issue" => serde_json::json!({
            "place_of_birth": "Kangema", "sub_county": "Kangema", "location": "Kanyenyaini",
            "sub_location": "Gitugi", "father_name": "Joseph Kamau", "mother_name": "Mary Wairimu",
            "documents": ["birth_certificate", "parent_id_copy"]
        }),
        other => panic!("no form written for {other}"),
    };
    serde_json::json!({ "citizen_id": citizen_id, "service_id": service, "catalogue_version": 1, "form": form })
        .to_string()
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

#[test]
fn services_are_listed_in_either_language() {
    let kit = Kit::new();
    let english = kit.ok("", "", &["services"], "");
    let kiswahili = kit.ok("", "", &["--lang", "sw", "services"], "");
    let name = |list: &Value, id: &str| {
        list.as_array().expect("list").iter().find(|s| s["id"] == id).map(|s| s["name"].clone()).expect(id)
    };
    assert_eq!(name(&english, "birth.registration"), "Birth registration and certificate");
    assert_eq!(name(&kiswahili, "birth.registration"), "Usajili wa kuzaliwa na cheti");
    assert!(english.as_array().expect("list").len() >= 10);
}

#[test]
fn an_application_file_is_checked_with_errors_in_the_officers_language() {
    let kit = Kit::provisioned();
    let citizen = kit.ok("FD001", "730154", &["citizen", "register", "--from", "-"], CITIZEN);
    let citizen_id = citizen["id"].as_str().expect("id");
    let good = new_application(citizen_id, "national-id.first-issue");
    let checked = kit.ok("FD001", "730154", &["application", "check", "--from", "-"], &good);
    assert_eq!(checked["errors"].as_array().expect("errors").len(), 0);
    assert_eq!(checked["answers"]["surname"], "Ng'ang'a", "prefilled from the profile");

    let mut bad: Value = serde_json::from_str(&good).expect("json");
    bad["form"]["father_name"] = "J0seph".into();
    bad["form"]["documents"] = serde_json::json!(["parent_id_copy"]);
    for (lang, father, document) in [
        ("en", "Father's full name may contain only letters", "Document needed: Birth certificate"),
        ("sw", "Jina kamili la baba inaweza kuwa na herufi", "Hati inahitajika: Cheti cha kuzaliwa"),
    ] {
        let outcome =
            kit.run("FD001", "730154", &["--lang", lang, "application", "check", "--from", "-"], &bad.to_string());
        assert!(!outcome.success, "a form with errors fails the check");
        let text = outcome.json["text"].as_str().expect("text");
        assert!(text.contains(father) && text.contains(document), "{lang}: {text}");
        let errors = outcome.json["error"]["check"]["errors"].as_array().expect("errors").len();
        assert_eq!(errors, 2);
    }
    // Checking saved nothing.
    assert_eq!(kit.ok("FD001", "730154", &["list"], "").as_array().expect("list").len(), 0);
}

#[test]
fn a_bad_catalogue_file_is_refused_naming_the_service() {
    let kit = Kit::new();
    let built_in = include_str!("../../domain/catalogue/huduma-catalogue.toml");
    let path = kit.dir.path().join("catalogue-v2.toml");
    std::fs::write(&path, built_in.replacen("turnaround_days = 45", "turnaround_days = 0", 1)).expect("write");
    let file = path.to_str().expect("utf-8 path");
    let outcome = kit.run("", "", &["--lang", "sw", "catalogue", "check", file], "");
    assert!(!outcome.success);
    assert_eq!(outcome.json["error"]["code"], "catalogue_invalid");
    let text = outcome.json["text"].as_str().expect("text");
    assert!(text.starts_with("Orodha ya huduma imekataliwa"), "{text}");
    assert!(text.contains("national-id.change-of-particulars") && text.contains("turnaround_days"), "{text}");

    std::fs::write(&path, built_in.replacen("version = 1", "version = 2", 1)).expect("write");
    assert_eq!(kit.ok("", "", &["catalogue", "check", file], "")["version"], 2);
}

#[test]
fn slips_and_day_reports_from_the_command_line() {
    let kit = Kit::provisioned();
    let citizen = kit.ok("FD001", "730154", &["citizen", "register", "--from", "-"], CITIZEN);
    let citizen_id = citizen["id"].as_str().expect("id");
    let create = ["application", "create", "--submit", "--from", "-"];
    let queued = kit.ok("FD001", "730154", &create, &new_application(citizen_id, "national-id.first-issue"));
    let reference = queued["reference"].as_str().expect("reference");
    let draft = kit.ok(
        "FD001",
        "730154",
        &["application", "create", "--from", "-"],
        &new_application(citizen_id, "nssf.member-registration"),
    );

    let out = kit.dir.path().join("slip.pdf");
    let slip = kit.ok(
        "FD001",
        "730154",
        &["slip", reference, "--paper", "receipt80", "--out", out.to_str().expect("utf-8")],
        "",
    );
    assert_eq!((slip["reference"].as_str(), slip["paper"].as_str()), (Some(reference), Some("receipt80")));
    let pdf = std::fs::read(&out).expect("the slip was written");
    assert!(pdf.starts_with(b"%PDF-") && pdf.len() as u64 == slip["bytes"].as_u64().expect("bytes"));
    assert_eq!(kit.error_code("FD001", "730154", &["slip", reference, "--paper", "a4"], ""), "invalid_input");
    let draft_reference = draft["reference"].as_str().expect("reference");
    assert_eq!(kit.error_code("FD001", "730154", &["slip", draft_reference], ""), "slip_for_draft");

    // The day the application was saved, in Kenya.
    let saved_at = time::OffsetDateTime::parse(
        queued["created_at"].as_str().expect("created_at"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("a timestamp");
    let day = saved_at.to_offset(time::macros::offset!(+3)).date().to_string();
    let reports = kit.dir.path().join("reports");
    let args = ["report", "--date", &day, "--out-dir", reports.to_str().expect("utf-8")];
    assert_eq!(kit.error_code("FD001", "730154", &args, ""), "not_permitted", "the report is the manager's");
    let made = kit.ok("CM001", "482913", &args, "");
    assert_eq!(made["report"]["applications"]["total"], 1);
    assert_eq!(made["report"]["drafts"], 1);
    assert_eq!(made["report"]["unsynced_day"], 1);
    assert_eq!(made["report"]["feedback"], serde_json::Value::Null);
    let pdf = std::fs::read(reports.join(format!("day-report-{day}.pdf"))).expect("the PDF");
    assert!(pdf.starts_with(b"%PDF-"));
    let csv = std::fs::read_to_string(reports.join(format!("day-report-{day}.csv"))).expect("the CSV");
    assert!(csv.starts_with("date,measure,mda_id,service_id,label_en,label_sw,breakdown,category,value\n"), "{csv}");
    assert!(csv.contains(&format!("{day},applications,,,Applications,Maombi,all,,1\n")), "{csv}");
    assert_eq!(kit.error_code("CM001", "482913", &["report", "--date", "28/11/2026"], ""), "invalid_input");
}

#[test]
fn an_officer_changes_their_own_pin_and_the_old_one_is_refused() {
    let kit = Kit::provisioned();
    let changed = kit.run_with_new_pin("FD001", "730154", Some("583920"), &["officer", "change-pin"], "");
    assert!(changed.success, "change-pin failed: {}", changed.json);
    assert_eq!(kit.error_code("FD001", "730154", &["sign-in"], ""), "wrong_pin");
    kit.ok("FD001", "583920", &["sign-in"], "");
    // A wrong current PIN and a new PIN the rules refuse change nothing.
    let wrong = kit.run_with_new_pin("FD001", "111111", Some("402817"), &["officer", "change-pin"], "");
    assert!(!wrong.success);
    assert_eq!(wrong.json["error"]["code"], "wrong_pin");
    let simple = kit.run_with_new_pin("FD001", "583920", Some("123456"), &["officer", "change-pin"], "");
    assert_eq!(simple.json["error"]["reason"], "pin_too_simple", "{}", simple.json);
    kit.ok("FD001", "583920", &["sign-in"], "");
}
