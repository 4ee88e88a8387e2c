//! Benchmark: the desktop app's footprint, in its real window under Xvfb, driven by WebDriver.
//!
//! - cold start: from asking tauri-driver for a session (which launches the app) to the sign-in
//!   screen's officer-number field being there;
//! - memory (RSS of the app and its WebKit processes together) after signing in, and after
//!   capturing `N` applications (a citizen registered and one KRA PIN application each);
//! - CPU time the app and its WebKit processes use over 60 idle seconds on the home screen.
//!
//! `cargo bench -p fieldkit-e2e --bench app` runs 100 captures and 60 idle seconds and writes its
//! section of docs/BENCHMARKS.md (the app measured is `FIELDKIT_APP_BINARY`, else the build
//! beside the bench, else the debug build; the section says which); run without `--bench` (as `cargo test --all-targets` does) it is
//! a smoke run of 2 captures and 2 idle seconds that writes nothing.

use fieldkit_core::catalogue::Catalogue;
use fieldkit_e2e::app_ui::{fill_service_form, register_citizen};
use fieldkit_e2e::bench::{cpu_ticks, pid_of, process_tree, rss_bytes, write_section};
use fieldkit_e2e::deployment::Deployment;
use fieldkit_e2e::webdriver::{Display, Driver, Session, app_binary};
use fieldkit_e2e::{OFFICER, PIN, provision_enrolled};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const SERVICE: &str = "kra.pin-registration";

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

async fn capture(app: &Session, n: u32, catalogue: &Catalogue) {
    app.click("#nav-citizen").await;
    register_citizen(app, "Kamau", &format!("{}", 30_000_000 + n), 30).await;
    app.click(&format!("[id=\"service-{SERVICE}\"]")).await;
    fill_service_form(app, catalogue, SERVICE).await;
    app.click("#check").await;
    app.click("#save-submit").await;
    app.find("#saved-reference").await;
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (captures, idle) = if full { (100, Duration::from_secs(60)) } else { (2, Duration::from_secs(2)) };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let deployment = Deployment::start().await;
        let profile_dir = deployment.dir.path().join("laptop");
        provision_enrolled(&profile_dir, &deployment.enrolment);
        let no_config = deployment.dir.path().join("none.toml");
        let display = Display::start();
        let driver = Driver::start(&display, &[("FIELDKIT_DATA_DIR", &profile_dir), ("FIELDKIT_CONFIG", &no_config)]);

        let started = Instant::now();
        let app = Session::start(&driver, &app_binary()).await;
        app.find("#officer-number").await;
        let cold_start = started.elapsed();
        let pid = pid_of(&app_binary()).expect("app process");

        app.type_into("#officer-number", OFFICER).await;
        app.type_into("#pin", PIN).await;
        app.click("#sign-in").await;
        app.find("#start-capture").await;
        let rss_start = rss_bytes(&process_tree(pid));

        let catalogue = Catalogue::built_in().expect("catalogue");
        let capturing = Instant::now();
        for n in 0..captures {
            capture(&app, n, &catalogue).await;
        }
        let capture_seconds = capturing.elapsed().as_secs_f64();
        let rss_after = rss_bytes(&process_tree(pid));

        app.click("#nav-home").await;
        app.find("#start-capture").await;
        let tree = process_tree(pid);
        let before = cpu_ticks(&tree);
        // The measurement window itself: the app sits idle on the home screen.
        std::thread::sleep(idle);
        let idle_ticks = cpu_ticks(&tree).saturating_sub(before);
        let ticks_per_second = 100.0; // USER_HZ on Linux
        let idle_cpu = idle_ticks as f64 / ticks_per_second;
        app.close().await;

        assert!(rss_start > 0 && rss_after > 0, "no RSS read for pid {pid}");
        let mut section = String::new();
        let _ = writeln!(section, "## Desktop app: start-up, memory, idle CPU\n");
        let _ = writeln!(
            section,
            "`cargo bench -p fieldkit-e2e --bench app`, {} on {} ({} cores), {} in a \
             1280x900 Xvfb window driven through tauri-driver and WebKitWebDriver. Memory is the resident set of the \
             app and its WebKit processes together ({} processes).\n",
            time::OffsetDateTime::now_utc().date(),
            std::env::consts::ARCH,
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            if app_binary().components().any(|c| c.as_os_str() == "release") {
                "release build of `huduma-fieldkit`"
            } else {
                "debug build of `huduma-fieldkit` (for the release build: `cargo build --release -p huduma-fieldkit`, \
                 then FIELDKIT_APP_BINARY=<target>/release/huduma-fieldkit)"
            },
            tree.len()
        );
        let _ = writeln!(section, "| measure | value |\n|---|---|");
        let _ =
            writeln!(section, "| cold start to the sign-in screen | **{:.0} ms** |", cold_start.as_secs_f64() * 1000.0);
        let _ = writeln!(section, "| RSS after signing in | **{:.0} MiB** |", mib(rss_start));
        let _ = writeln!(
            section,
            "| RSS after {captures} captures (citizen + KRA PIN application each, through the UI) | **{:.0} MiB** |",
            mib(rss_after)
        );
        let _ = writeln!(
            section,
            "| time per capture through WebDriver (typing speed of the driver, not of an officer) | {:.2} s |",
            capture_seconds / f64::from(captures)
        );
        let _ = writeln!(
            section,
            "| CPU time over {} idle seconds on the home screen | **{:.2} s** ({:.2} %) |",
            idle.as_secs(),
            idle_cpu,
            100.0 * idle_cpu / idle.as_secs_f64()
        );
        print!("{section}");
        if full {
            write_section("app", &section);
        }
    });
}
