//! The Debian packages as laptops and servers get them (issue 9). `installer/build-debs` makes
//! them (`scripts/test` runs it before the tests); each is unpacked with `dpkg -x` into an empty
//! root and what it installed is run from there.
//!
//! - `huduma-fieldkit`: control fields (its Depends name WebKitGTK), desktop entry and icon; apt
//!   resolves its dependencies (`apt-get install --simulate`); the unpacked binary, on a fresh
//!   data directory, opens its first screen (setting the laptop up from its provisioning bundle)
//!   under Xvfb through tauri-driver and WebKitWebDriver as `app_window.rs` does, and the core
//!   answers: no bundle at that path, and no profile created.
//! - `huduma-sync`: control fields, the conffile, maintainer scripts that parse; `systemd-analyze`
//!   verifies the unit and rates its sandbox; the unpacked binary, with the packaged configuration
//!   pointed at a temporary state directory and a loopback port, creates a CA and a certificate
//!   and serves.
//!
//! The packages are read from `$FIELDKIT_DEB_DIR`, else `$CARGO_TARGET_DIR/debian` (build-debs'
//! default). Missing packages fail the test, naming the command that makes them.

use fieldkit_e2e::webdriver::{Display, Driver, Session};
use std::io::BufRead;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn deb_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FIELDKIT_DEB_DIR") {
        return PathBuf::from(dir);
    }
    // target/<profile>/deps/<test> -> target/debian
    let exe = std::env::current_exe().expect("test exe");
    exe.ancestors().nth(3).map(|target| target.join("debian")).expect("target dir")
}

fn arch() -> String {
    stdout(&run(Command::new("dpkg").arg("--print-architecture"))).trim().to_string()
}

/// `<dir>/<package>_<version>_<arch>.deb`, or a failure saying how to make it.
fn find_deb(package: &str) -> PathBuf {
    let dir = deb_dir();
    let deb = dir.join(format!("{package}_{VERSION}_{}.deb", arch()));
    assert!(
        deb.is_file(),
        "{} is missing: build the packages first with `installer/build-debs --debug` (scripts/test does), \
         or set FIELDKIT_DEB_DIR to where they are",
        deb.display()
    );
    deb
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn field(deb: &Path, name: &str) -> String {
    stdout(&run(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name))).trim().to_string()
}

/// The package names in a Depends field (`a (>= 1), b | c` -> a, b, c).
fn depends(deb: &Path) -> Vec<String> {
    field(deb, "Depends")
        .split([',', '|'])
        .filter_map(|part| part.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// `dpkg -x`: the package's files under a fresh directory, as `dpkg -i` would lay them out.
fn unpack(deb: &Path) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("root");
    run(Command::new("dpkg").arg("-x").arg(deb).arg(root.path()));
    root
}

/// apt resolves the package's dependencies from this machine's archive (nothing is installed).
fn apt_would_install(deb: &Path, package: &str) {
    let plan = stdout(&run(Command::new("apt-get").args(["install", "--simulate", "-q"]).arg(deb)));
    assert!(plan.contains(&format!("Inst {package} ({VERSION} ")), "apt would not install {package}: {plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_deb_installs_and_opens_its_first_screen() {
    let deb = find_deb("huduma-fieldkit");
    assert_eq!(field(&deb, "Package"), "huduma-fieldkit");
    assert_eq!(field(&deb, "Version"), VERSION);
    assert_eq!(field(&deb, "Architecture"), arch());
    let needs = depends(&deb);
    for package in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libssl3"] {
        assert!(needs.iter().any(|n| n == package), "Depends lacks {package}: {needs:?}");
    }
    apt_would_install(&deb, "huduma-fieldkit");

    let root = unpack(&deb);
    let binary = root.path().join("usr/bin/huduma-fieldkit");
    let mode = std::fs::metadata(&binary).expect("usr/bin/huduma-fieldkit").permissions().mode();
    assert_eq!(mode & 0o755, 0o755, "the binary is executable");
    let desktop = std::fs::read_to_string(root.path().join("usr/share/applications/huduma-fieldkit.desktop"))
        .expect("the desktop entry");
    for line in ["Type=Application", "Name=Huduma Mashinani Field Kit", "Exec=huduma-fieldkit", "Icon=huduma-fieldkit"]
    {
        assert!(desktop.lines().any(|l| l == line), "no {line:?} in the desktop entry:\n{desktop}");
    }
    assert!(root.path().join("usr/share/icons/hicolor/128x128/apps/huduma-fieldkit.png").is_file(), "the icon");

    // The unpacked binary on a fresh laptop: no profile, no configuration, empty XDG directories.
    let home = tempfile::tempdir().expect("home");
    let data_dir = home.path().join("profile");
    let (config, xdg_data, xdg_config, xdg_cache) = (
        home.path().join("no-config.toml"),
        home.path().join("xdg-data"),
        home.path().join("xdg-config"),
        home.path().join("xdg-cache"),
    );
    let display = Display::start();
    let driver = Driver::start(
        &display,
        &[
            ("FIELDKIT_DATA_DIR", &data_dir),
            ("FIELDKIT_CONFIG", &config),
            ("XDG_DATA_HOME", &xdg_data),
            ("XDG_CONFIG_HOME", &xdg_config),
            ("XDG_CACHE_HOME", &xdg_cache),
        ],
    );
    let app = Session::start(&driver, &binary).await;

    // The first screen of a laptop with no profile: the ICT officer sets it up from its bundle.
    app.find("#setup-number").await;
    assert_eq!(app.text("h1").await, "Set up this laptop");
    let title = app.script("return document.title;", serde_json::json!([])).await;
    assert_eq!(title.as_str(), Some("Huduma Mashinani Field Kit"));
    // The core behind it answers, and creates nothing: there is no bundle at that path.
    app.type_into("#setup-number", "ICT01").await;
    app.type_into("#setup-name", "Brian Kiprono").await;
    app.type_into("#setup-pin", "482913").await;
    let missing = home.path().join("no-such-bundle.fkprov");
    app.type_into("#setup-path", &missing.display().to_string()).await;
    app.type_into("#setup-code", "7KQ2-M9XD-4HNP-0RTA").await;
    app.click("#set-up").await;
    let refused = app.text("#set-up-error").await;
    assert!(refused.contains("no-such-bundle.fkprov"), "{refused}");
    assert!(!data_dir.join("keyring.json").exists(), "no profile was created");
    app.close().await;
}

/// The line of the server's standard output that says where it listens (its logs go there too),
/// within `timeout`. The output is read to its end, so the server never blocks on a full pipe.
fn listening_line(stdout: std::process::ChildStdout, timeout: Duration) -> String {
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + timeout;
    let mut said = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line.starts_with("listening on ") => return line,
            Ok(line) => said.push(line),
            Err(e) => panic!("huduma-sync never said where it listens ({e}); it said: {said:#?}"),
        }
    }
}

#[test]
fn the_server_deb_has_a_hardened_unit_and_its_configuration_serves() {
    let deb = find_deb("huduma-sync");
    assert_eq!(field(&deb, "Package"), "huduma-sync");
    assert_eq!(field(&deb, "Version"), VERSION);
    assert_eq!(field(&deb, "Architecture"), arch());
    let needs = depends(&deb);
    for package in ["adduser", "libc6", "libssl3"] {
        assert!(needs.iter().any(|n| n == package), "Depends lacks {package}: {needs:?}");
    }
    apt_would_install(&deb, "huduma-sync");

    // The control area: the sample configuration is a conffile; the maintainer scripts parse.
    let control = tempfile::tempdir().expect("control");
    run(Command::new("dpkg-deb").arg("--control").arg(&deb).arg(control.path()));
    let conffiles = std::fs::read_to_string(control.path().join("conffiles")).expect("conffiles");
    assert_eq!(conffiles.trim(), "/etc/huduma-sync/huduma-sync.toml");
    for script in ["postinst", "prerm", "postrm"] {
        let path = control.path().join(script);
        let mode = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{script}: {e}")).permissions().mode();
        assert_eq!(mode & 0o755, 0o755, "{script} is executable");
        run(Command::new("sh").arg("-n").arg(&path));
    }

    let root = unpack(&deb);
    let binary = root.path().join("usr/bin/huduma-sync");
    let unit_text =
        std::fs::read_to_string(root.path().join("lib/systemd/system/huduma-sync.service")).expect("the unit");

    // systemd checks the unit as it would load it (the binary it names must exist, so the copy
    // names the unpacked one): no warnings at all, and a sandbox rated 2.0 or better on
    // systemd-analyze's 0-10 exposure scale.
    let exec = "ExecStart=/usr/bin/huduma-sync ";
    assert!(unit_text.contains(exec), "{unit_text}");
    let units = tempfile::tempdir().expect("units");
    let unit = units.path().join("huduma-sync.service");
    std::fs::write(&unit, unit_text.replace(exec, &format!("ExecStart={} ", binary.display()))).expect("unit");
    let verified = run(Command::new("systemd-analyze").arg("verify").arg(&unit));
    let warnings = String::from_utf8_lossy(&verified.stderr);
    assert!(warnings.trim().is_empty(), "systemd-analyze verify: {warnings}");
    let rated = run(Command::new("systemd-analyze").args(["security", "--offline=true", "--threshold=20"]).arg(&unit));
    assert!(stdout(&rated).contains("Overall exposure level"), "{}", stdout(&rated));

    // The packaged configuration, pointed at a temporary state directory and a free loopback port.
    let sample = std::fs::read_to_string(root.path().join("etc/huduma-sync/huduma-sync.toml")).expect("config");
    let state = tempfile::tempdir().expect("state");
    for expected in ["listen = \"0.0.0.0:8443\"", "/var/lib/huduma-sync/"] {
        assert!(sample.contains(expected), "the sample configuration no longer has {expected}:\n{sample}");
    }
    let adjusted = sample
        .replace("listen = \"0.0.0.0:8443\"", "listen = \"127.0.0.1:0\"")
        .replace("/var/lib/huduma-sync/", &format!("{}/", state.path().display()));
    let config = state.path().join("huduma-sync.toml");
    std::fs::write(&config, adjusted).expect("config");
    let server = |args: &[&str]| {
        let mut command = Command::new(&binary);
        command.arg("--config").arg(&config).args(args);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("HUDUMA_SYNC_") {
                command.env_remove(name);
            }
        }
        command
    };

    let created = stdout(&run(&mut server(&["ca", "init"])));
    assert!(created.contains(&format!("CA created in {}", state.path().join("pki").display())), "{created}");
    let ca_key = std::fs::metadata(state.path().join("pki/ca.key")).expect("ca.key").permissions().mode();
    assert_eq!(ca_key & 0o777, 0o600, "the CA's key is private");
    run(&mut server(&["server-cert", "--host", "127.0.0.1", "--host", "localhost"]));

    let mut serving =
        server(&["serve"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("start huduma-sync serve");
    let said = listening_line(serving.stdout.take().expect("stdout"), Duration::from_secs(60));
    let address = said.strip_prefix("listening on ").unwrap_or_else(|| panic!("huduma-sync said {said:?}"));
    let address: std::net::SocketAddr = address.parse().expect("an address");
    assert!(address.ip().is_loopback() && address.port() != 0, "{address}");
    let connected = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(10));
    assert!(state.path().join("huduma-sync.db").is_file(), "the database is where the configuration says");
    let _ = serving.kill();
    let _ = serving.wait();
    connected.unwrap_or_else(|e| panic!("nothing accepts connections on {address}: {e}"));
}
