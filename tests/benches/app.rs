//! Benchmark: the desktop app's footprint beside a hello-world Tauri 2 app (tests/hello-tauri,
//! same Tauri, features, profile, window size and webview settings), both in a 1280x900 Xvfb
//! display driven through tauri-driver and WebKitWebDriver, in the same run:
//!
//! - cold start: from asking tauri-driver for a session (which launches the app) to the first
//!   screen's element being there (the sign-in screen's `#officer-number`; hello's `#hello`),
//!   several starts each, the two apps taking turns;
//! - memory: PSS (/proc/PID/smaps_rollup) summed over the app's process and every process under it
//!   (WebKitWebProcess, WebKitNetworkProcess), the Field Kit after signing in and after `N`
//!   captures (a citizen registered and one KRA PIN application each), hello after start and
//!   after its idle period. Each app is measured while the other is closed: PSS splits a shared
//!   page among the processes mapping it, so a second WebKit app would make both look smaller;
//! - CPU time of that whole process tree over 60 idle seconds (the Field Kit on its home screen).
//!
//! `cargo bench -p fieldkit-e2e --bench app` runs 5 starts each, 100 captures and 60 idle seconds
//! and writes its section of docs/BENCHMARKS.md. The binaries measured: `FIELDKIT_APP_BINARY` and
//! `FIELDKIT_HELLO_BINARY` if set, else the builds beside the bench (`target/release/` under
//! `cargo bench`: `cargo build --release -p huduma-fieldkit -p hello-tauri`), else the debug
//! builds; the section says which. Run without `--bench` (as `cargo test --all-targets` does) it
//! is a smoke run (one start each, 2 captures, 2 idle seconds) that checks the figures are there
//! and writes nothing.

use fieldkit_core::catalogue::Catalogue;
use fieldkit_e2e::app_ui::{fill_service_form, register_citizen};
use fieldkit_e2e::bench::{
    cpu_ticks, descendant_running, machine, now, pid_with_cmdline, process_name, process_tree, pss_bytes, pss_of,
    record_target, verdict, write_section,
};
use fieldkit_e2e::deployment::Deployment;
use fieldkit_e2e::webdriver::{Display, Driver, Session, app_binary};
use fieldkit_e2e::{OFFICER, PIN, provision_enrolled};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SERVICE: &str = "kra.pin-registration";
/// USER_HZ on Linux: /proc/PID/stat counts CPU time in hundredths of a second.
const TICKS_PER_SECOND: f64 = 100.0;
/// The targets of issue 10 (release builds): the Field Kit's memory at most this many times the
/// hello-world app's, and its idle CPU at most hello's plus 0.1 % of a core.
const MEMORY_RATIO_TARGET: f64 = 1.3;
const IDLE_CPU_MARGIN: f64 = 0.001;

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The hello-world app: `FIELDKIT_HELLO_BINARY` if set, else the one built beside this bench
/// (`target/<profile>/hello-tauri`), else the debug one (as `app_binary` finds the Field Kit).
fn hello_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("FIELDKIT_HELLO_BINARY") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("bench exe");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target dir");
    let beside = profile_dir.join("hello-tauri");
    if beside.exists() {
        return beside;
    }
    let debug = profile_dir.parent().map(|target| target.join("debug").join("hello-tauri")).expect("target");
    assert!(
        debug.exists(),
        "{} is missing: build it with `cargo build -p hello-tauri` (or `cargo build --release -p huduma-fieldkit \
         -p hello-tauri` for the full benchmark), or set FIELDKIT_HELLO_BINARY",
        beside.display()
    );
    debug
}

/// "release" or "debug", from where the binary sits (`target/release/...`).
fn build_of(binary: &Path) -> &'static str {
    if binary.components().any(|c| c.as_os_str() == "release") {
        "release"
    } else if binary.components().any(|c| c.as_os_str() == "debug") {
        "debug"
    } else {
        "unknown"
    }
}

/// One app under test.
struct App {
    name: &'static str,
    binary: PathBuf,
    /// The element of its first screen.
    first_screen: &'static str,
}

/// A started app: its WebDriver session and its process (the one tauri-driver's WebKitWebDriver
/// launched; WebKit's processes run under it).
struct Running {
    session: Session,
    pid: u32,
    cold_start: Duration,
}

impl App {
    async fn start(&self, driver: &Driver) -> Running {
        let started = Instant::now();
        let session = Session::start(driver, &self.binary).await;
        session.find(self.first_screen).await;
        let cold_start = started.elapsed();
        // Our tauri-driver (by its port: other runs may drive the same binary at the same time),
        // then the app under it (tauri-driver > WebKitWebDriver > app).
        let port = driver.addr.port().to_string();
        let driver_pid = pid_with_cmdline(|args| {
            args.first().is_some_and(|program| program.ends_with("tauri-driver"))
                && args.windows(2).any(|pair| pair[0] == "--port" && pair[1] == port)
        })
        .expect("our tauri-driver process");
        let pid = descendant_running(driver_pid, &self.binary)
            .unwrap_or_else(|| panic!("no {} ({}) under tauri-driver {driver_pid}", self.name, self.binary.display()));
        Running { session, pid, cold_start }
    }
}

impl Running {
    /// The app's process and every process under it (WebKit starts its web and network processes
    /// as the app's children; a sandboxed WebKit's bwrap in between would be counted too).
    fn processes(&self) -> Vec<u32> {
        process_tree(self.pid)
    }

    /// PSS of the whole tree, checking each process was read and WebKit's processes are there.
    fn pss(&self, what: &str) -> (u64, String) {
        let tree = self.processes();
        let mut parts = Vec::new();
        for &pid in &tree {
            let name = process_name(pid).unwrap_or_else(|| "?".into());
            let pss = pss_of(pid).unwrap_or(0);
            assert!(pss > 0, "{what}: no PSS for {name} ({pid})");
            parts.push(format!("{name} {:.0}", mib(pss)));
        }
        assert!(tree.len() >= 2, "{what}: only {} process(es) ({}): where are WebKit's?", tree.len(), parts.join(", "));
        (pss_bytes(&tree), parts.join(" + "))
    }

    /// CPU time (s) of the whole tree while nothing happens for `idle`, and where it went: the
    /// busiest threads ("process/thread 0.12 s").
    fn idle_cpu(&self, idle: Duration) -> (f64, String) {
        let tree = self.processes();
        let (before, threads_before) = (cpu_ticks(&tree), thread_ticks(&tree));
        // The measurement window itself: the app sits idle.
        std::thread::sleep(idle);
        let (after, threads_after) = (cpu_ticks(&tree), thread_ticks(&tree));
        assert_eq!(self.processes(), tree, "the app's processes changed during the idle window");
        let mut busiest: Vec<(String, u64)> = Vec::new();
        for (key, (name, ticks)) in threads_after {
            let used = ticks.saturating_sub(threads_before.get(&key).map_or(0, |(_, t)| *t));
            match busiest.iter_mut().find(|(n, _)| *n == name) {
                Some((_, total)) => *total += used,
                None => busiest.push((name, used)),
            }
        }
        busiest.retain(|(_, used)| *used > 0);
        busiest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let went = busiest
            .iter()
            .take(5)
            .map(|(name, used)| format!("{name} {:.2} s", *used as f64 / TICKS_PER_SECOND))
            .collect::<Vec<_>>()
            .join(", ");
        (after.saturating_sub(before) as f64 / TICKS_PER_SECOND, if went.is_empty() { "none".into() } else { went })
    }

    /// Ends the session and waits for the app's process to be gone (or a zombie), so the next
    /// app's PSS does not share pages with it.
    async fn close(self) {
        let pid = self.pid;
        self.session.close().await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
            if state.is_none_or(|s| s == "Z" || s == "X") {
                break;
            }
            assert!(Instant::now() < deadline, "the app ({pid}) did not exit after its session ended");
            tokio::task::yield_now().await;
        }
    }
}

/// User plus system CPU ticks of every thread of `pids`, by (pid, tid), with the thread's name as
/// "process/thread" (/proc/PID/task/TID/stat).
fn thread_ticks(pids: &[u32]) -> BTreeMap<(u32, u32), (String, u64)> {
    let mut threads = BTreeMap::new();
    for &pid in pids {
        let process = process_name(pid).unwrap_or_else(|| "?".into());
        for entry in std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
            let Some(tid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let Some((head, rest)) = stat.rsplit_once(')') else { continue };
            let thread = head.split_once('(').map_or("?", |(_, name)| name);
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
            threads.insert((pid, tid), (format!("{process}/{thread}"), ticks));
        }
    }
    threads
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

/// Median of the cold starts, and each in the order they ran, in ms.
fn starts_summary(starts: &[Duration]) -> String {
    let each = starts.iter().map(|d| format!("{:.0}", ms(*d))).collect::<Vec<_>>().join(", ");
    format!("**{:.0} ms** (in order: {each})", ms(median(starts)))
}

fn median(starts: &[Duration]) -> Duration {
    let mut sorted = starts.to_vec();
    sorted.sort();
    sorted[(sorted.len() - 1) / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (starts, captures, idle) =
        if full { (5, 100, Duration::from_secs(60)) } else { (1, 2, Duration::from_secs(2)) };
    let fieldkit = App { name: "huduma-fieldkit", binary: app_binary(), first_screen: "#officer-number" };
    let hello = App { name: "hello-tauri", binary: hello_binary(), first_screen: "#hello" };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let deployment = Deployment::start().await;
        let profile_dir = deployment.dir.path().join("laptop");
        provision_enrolled(&profile_dir, &deployment.enrolment);
        let no_config = deployment.dir.path().join("none.toml");
        let display = Display::start();
        let driver = Driver::start(&display, &[("FIELDKIT_DATA_DIR", &profile_dir), ("FIELDKIT_CONFIG", &no_config)]);

        // Cold starts, the two apps taking turns; the last start of each is the one measured below.
        let (mut hello_starts, mut fieldkit_starts) = (Vec::new(), Vec::new());
        for _ in 1..starts {
            for (app, times) in [(&hello, &mut hello_starts), (&fieldkit, &mut fieldkit_starts)] {
                let running = app.start(&driver).await;
                times.push(running.cold_start);
                running.close().await;
            }
        }

        // hello-tauri alone: after start, then after the idle window.
        let running = hello.start(&driver).await;
        hello_starts.push(running.cold_start);
        let (hello_pss_start, hello_parts) = running.pss("hello-tauri after start");
        let (hello_idle, hello_went) = running.idle_cpu(idle);
        let (hello_pss_idle, _) = running.pss("hello-tauri after idle");
        running.close().await;

        // The Field Kit alone: signed in, after the captures, then idle on the home screen.
        let running = fieldkit.start(&driver).await;
        fieldkit_starts.push(running.cold_start);
        let app = &running.session;
        app.type_into("#officer-number", OFFICER).await;
        app.type_into("#pin", PIN).await;
        app.click("#sign-in").await;
        app.find("#start-capture").await;
        let (pss_start, parts_start) = running.pss("huduma-fieldkit signed in");
        let catalogue = Catalogue::built_in().expect("catalogue");
        let capturing = Instant::now();
        for n in 0..captures {
            capture(app, n, &catalogue).await;
        }
        let capture_seconds = capturing.elapsed().as_secs_f64();
        let (pss_after, parts_after) = running.pss("huduma-fieldkit after the captures");
        app.click("#nav-home").await;
        app.find("#start-capture").await;
        let (fieldkit_idle, fieldkit_went) = running.idle_cpu(idle);
        running.close().await;

        let ratio_start = pss_start as f64 / hello_pss_start as f64;
        let ratio_after = pss_after as f64 / hello_pss_idle as f64;
        let memory_met = ratio_start <= MEMORY_RATIO_TARGET && ratio_after <= MEMORY_RATIO_TARGET;
        let cpu_allowance = IDLE_CPU_MARGIN * idle.as_secs_f64();
        let cpu_met = fieldkit_idle <= hello_idle + cpu_allowance;
        let builds = (build_of(&fieldkit.binary), build_of(&hello.binary));

        let mut s = String::new();
        let _ = writeln!(s, "## Desktop app: start-up, memory, idle CPU\n");
        let _ = writeln!(
            s,
            "`cargo bench -p fieldkit-e2e --bench app`, {} on {}. Builds measured: **{}** `huduma-fieldkit` \
             (`{}`) and **{}** `hello-tauri` (`{}`){}. Each app runs in a 1280x900 Xvfb display, launched through \
             tauri-driver and WebKitWebDriver; the other app is closed while one is measured.\n",
            now(),
            machine(),
            builds.0,
            fieldkit.binary.display(),
            builds.1,
            hello.binary.display(),
            if builds == ("release", "release") {
                ""
            } else {
                " (the targets are for release builds: `cargo build --release -p huduma-fieldkit -p hello-tauri`, \
                 then run the bench again)"
            },
        );
        let _ = writeln!(
            s,
            "`hello-tauri` (tests/hello-tauri) is the reference: the same Tauri 2 crate, features and release \
             profile, the same window size and the same webview setting (software rendering, the Field Kit's \
             default), a page of one heading and no commands. What differs is the Field Kit itself: its UI \
             (Preact, ~80 kB of script), its encrypted store, sync and device-monitor threads.\n"
        );
        let _ = writeln!(
            s,
            "Memory is PSS (`Pss:` of /proc/PID/smaps_rollup) summed over the app's process and the processes \
             under it: {} for the Field Kit (MiB, signed in); {} for hello.\n",
            parts_start, hello_parts
        );
        let _ = writeln!(s, "| measure | huduma-fieldkit | hello-tauri | Field Kit ÷ hello |\n|---|---|---|---|");
        let _ = writeln!(
            s,
            "| cold start to the first screen (median of the starts) | {} | {} | {:.1}× |",
            starts_summary(&fieldkit_starts),
            starts_summary(&hello_starts),
            ms(median(&fieldkit_starts)) / ms(median(&hello_starts)),
        );
        let _ = writeln!(
            s,
            "| memory (PSS) after start (the Field Kit signed in) | **{:.0} MiB** | **{:.0} MiB** | **{ratio_start:.2}×** |",
            mib(pss_start),
            mib(hello_pss_start),
        );
        let _ = writeln!(
            s,
            "| memory (PSS) after {captures} captures (citizen + KRA PIN application each, through the UI); hello \
             after its {} idle seconds | **{:.0} MiB** | **{:.0} MiB** | **{ratio_after:.2}×** |",
            idle.as_secs(),
            mib(pss_after),
            mib(hello_pss_idle),
        );
        let _ = writeln!(
            s,
            "| CPU time of all its processes over {} idle seconds (the Field Kit on its home screen) | **{:.2} s** \
             ({:.2} % of a core) | **{:.2} s** ({:.2} %) | +{:.2} s |",
            idle.as_secs(),
            fieldkit_idle,
            100.0 * fieldkit_idle / idle.as_secs_f64(),
            hello_idle,
            100.0 * hello_idle / idle.as_secs_f64(),
            fieldkit_idle - hello_idle,
        );
        let _ = writeln!(
            s,
            "| time per capture through WebDriver (typing speed of the driver, not of an officer) | {:.2} s | | |\n",
            capture_seconds / f64::from(captures)
        );
        let _ = writeln!(
            s,
            "- Memory at most {MEMORY_RATIO_TARGET}× hello-tauri's: {} ({ratio_start:.2}× after start, \
             {ratio_after:.2}× after the captures; {} after {captures} captures).",
            verdict(memory_met),
            parts_after,
        );
        let _ = writeln!(
            s,
            "- Idle CPU at most hello-tauri's + 0.1 % of a core ({:.2} + {cpu_allowance:.2} = {:.2} s): {} \
             ({fieldkit_idle:.2} s, {:.1}× hello's).",
            hello_idle,
            hello_idle + cpu_allowance,
            verdict(cpu_met),
            if hello_idle > 0.0 { fieldkit_idle / hello_idle } else { f64::INFINITY },
        );
        let _ = writeln!(
            s,
            "- Where the idle CPU went (busiest threads, process/thread): the Field Kit {fieldkit_went}; hello-tauri \
             {hello_went}."
        );
        print!("{s}");
        assert!(pss_start > 0 && pss_after > 0 && hello_pss_start > 0 && hello_pss_idle > 0, "no PSS read");
        if full {
            write_section("app", &s);
            record_target(
                "app",
                &format!("memory (PSS, all processes) ≤ {MEMORY_RATIO_TARGET}× a hello-world Tauri app's"),
                &format!("{:.0} MiB signed in ({ratio_start:.2}×), {:.0} MiB after {captures} captures ({ratio_after:.2}×)", mib(pss_start), mib(pss_after)),
                &format!("hello-tauri {:.0} MiB, {:.0} MiB after {} idle s", mib(hello_pss_start), mib(hello_pss_idle), idle.as_secs()),
                memory_met,
            );
            record_target(
                "app",
                "idle CPU ≤ hello-world's + 0.1 % of a core",
                &format!("{fieldkit_idle:.2} s over {} s", idle.as_secs()),
                &format!("hello-tauri {hello_idle:.2} s"),
                cpu_met,
            );
        }
        drop(driver);
        drop(display);
    });
}
