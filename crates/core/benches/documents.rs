//! Benchmark: the time to make one acknowledgement slip, and an outreach day report over 10,000
//! applications.
//!
//! - `cargo bench -p fieldkit-core --bench documents` measures 200 slips per line and 20 reports
//!   per line over 10,000 applications saved on one day, and replaces the `documents` section of
//!   docs/BENCHMARKS.md.
//! - `-- --quick`: 50 slips, 5 reports, 2,000 applications; prints only.
//! - Run without `--bench` (as `cargo test --benches` / `--all-targets` does) it is a smoke run:
//!   a few of each over 200 applications, sanity checks, nothing written.
//!
//! Method. The profile is filled through `Session::save_and_submit` like a real day (2,500
//! citizens of varied sex and age, four services each), outside the timed region. Each operation
//! is timed alone with `Instant`: `Session::slip` (look-up, layout, font subsetting, PDF writing
//! and its audit entry), the slip's layout and PDF alone (`Slip::to_pdf`), `Session::day_report`
//! (the day's query, the counting and its audit entry), and the report's `to_pdf` and `to_csv`.

use fieldkit_benchkit::Stats;
use fieldkit_core::catalogue::{ProfileAttribute, sample};
use fieldkit_core::documents::{Paper, SlipOptions};
use fieldkit_core::{Config, LaptopPrefix, NewApplication, NewCitizen, NewOfficer, Profile, Role, Session};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

const SERVICES: [&str; 4] =
    ["national-id.replacement", "sha.member-registration", "nssf.member-registration", "kra.pin-registration"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    Quick,
    Smoke,
}

struct Plan {
    mode: Mode,
    applications: usize,
    slips: usize,
    reports: usize,
}

impl Plan {
    fn from_args() -> Plan {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mode = match (args.iter().any(|a| a == "--bench"), args.iter().any(|a| a == "--quick")) {
            (true, false) => Mode::Full,
            (true, true) => Mode::Quick,
            (false, _) => Mode::Smoke,
        };
        let (applications, slips, reports) = match mode {
            Mode::Full => (10_000, 200, 20),
            Mode::Quick => (2_000, 50, 5),
            Mode::Smoke => (200, 3, 2),
        };
        Plan { mode, applications, slips, reports }
    }
}

fn row(stats: &Stats, name: &str) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
        stats.len(),
        ms(stats.median()),
        ms(stats.p99()),
        ms(stats.mean()),
        ms(stats.max())
    )
}

fn time<T>(samples: usize, mut op: impl FnMut(usize) -> T, check: impl Fn(&T)) -> Stats {
    Stats::new(
        (0..samples)
            .map(|i| {
                let started = Instant::now();
                let out = op(i);
                let elapsed = started.elapsed();
                check(&out);
                elapsed
            })
            .collect(),
    )
}

/// A synthetic passing form for `service_id`, minus what the citizen's profile fills in.
fn form(session: &Session, service_id: &str) -> serde_json::Map<String, serde_json::Value> {
    let catalogue = session.catalogue().expect("catalogue");
    let service = catalogue.service(service_id).expect("service");
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+3)).date();
    let (mut answers, _) = sample::answers(service, today);
    for field in &service.fields {
        if field.prefill.is_some_and(|a| !matches!(a, ProfileAttribute::SubCounty | ProfileAttribute::KraPin)) {
            answers.remove(&field.id);
        }
    }
    answers
}

/// A profile with `applications` saved today, four per citizen; the manager's session and the
/// references saved.
fn a_busy_day(dir: &Path, applications: usize) -> (Session, Vec<String>) {
    let profile = Profile::new(dir.join("profile"), Config::default());
    let prefix = LaptopPrefix::parse("K7QM").expect("prefix");
    let manager =
        NewOfficer { number: "CM001".into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
    let mut session = profile.create(&prefix, &manager, "482913").expect("create the profile");
    let forms: Vec<_> = SERVICES.iter().map(|s| form(&session, s)).collect();
    let sexes = ["female", "male", "female", "male", "intersex"];
    let mut references = Vec::with_capacity(applications);
    for i in 0..applications.div_ceil(SERVICES.len()) {
        let citizen = NewCitizen {
            id_number: Some(format!("{}", 20_000_000 + i)),
            surname: "Otieno".into(),
            given_names: "Grace Akinyi".into(),
            date_of_birth: format!("{}-{:02}-{:02}", 1950 + i % 55, 1 + i % 12, 1 + i % 28),
            sex: sexes[i % sexes.len()].into(),
            phone: Some("0712345678".into()),
            county_code: Some("021".into()),
            sub_county: None,
            kra_pin: None,
        };
        let citizen_id = session.register_citizen(&citizen).expect("register").id;
        for (service, form) in SERVICES.iter().zip(&forms) {
            if references.len() == applications {
                break;
            }
            let new = NewApplication {
                citizen_id,
                service_id: service.to_string(),
                catalogue_version: None,
                form: form.clone(),
            };
            references.push(session.save_and_submit(&new).expect(service).reference.to_string());
        }
    }
    (session, references)
}

fn main() {
    let plan = Plan::from_args();
    let dir = tempfile::tempdir().expect("temp dir");
    eprintln!("documents bench: {:?} mode, {} applications", plan.mode, plan.applications);
    let setup = Instant::now();
    let (mut session, references) = a_busy_day(dir.path(), plan.applications);
    eprintln!("  saved {} applications in {:.1} s", references.len(), setup.elapsed().as_secs_f64());

    let is_pdf = |pdf: &Vec<u8>| assert!(pdf.starts_with(b"%PDF-") && pdf.len() > 1000, "a PDF");
    let pick = |i: usize| references[(i * 7919) % references.len()].clone();
    let a5 = SlipOptions::default();
    let receipt = SlipOptions { paper: Paper::Receipt80, ..SlipOptions::default() };
    let slip_a5 = time(plan.slips, |i| session.slip(&pick(i), &a5).expect("slip"), is_pdf);
    let slip_receipt = time(plan.slips, |i| session.slip(&pick(i), &receipt).expect("slip"), is_pdf);
    let contents: Vec<_> = (0..plan.slips).map(|i| session.slip_contents(&pick(i), &a5).expect("slip")).collect();
    let render_only = time(plan.slips, |i| contents[i].to_pdf(&a5).expect("pdf"), is_pdf);
    let slip_bytes = session.slip(&pick(0), &a5).expect("slip").len();

    let report = session.day_report(None).expect("report");
    assert_eq!(report.applications.total as usize, plan.applications, "every application is counted");
    let reports = time(
        plan.reports,
        |_| session.day_report(None).expect("report"),
        |r| assert_eq!(r.applications.total as usize, plan.applications),
    );
    let report_pdf = time(plan.reports, |_| report.to_pdf().expect("pdf"), is_pdf);
    let report_csv = time(plan.reports, |_| report.to_csv().expect("csv"), |csv| assert!(csv.len() > 500));
    let (pdf_bytes, csv_bytes) = (report.to_pdf().expect("pdf").len(), report.to_csv().expect("csv").len());

    // References, same run: printpdf writing one A5 page of one line in a PDF base font (nothing
    // embedded), and SQLite counting the same day's applications by service and state on the same
    // encrypted connection: what a slip and a report cost at the least.
    let bare_pdf = time(plan.slips, |_| minimal_pdf(), |pdf| assert!(pdf.starts_with(b"%PDF-"), "a PDF"));
    let conn = session.store().expect("unlocked").connection();
    let bare_count = time(plan.reports, |_| count_by_service_and_state(conn), |n| assert_eq!(*n, plan.applications));

    let mut out = String::new();
    let _ = writeln!(out, "### Acknowledgement slips and the outreach day report\n");
    let _ = writeln!(
        out,
        "Measured {} on {}; optimised build; temp files under `{}`. Re-run with \
         `cargo bench -p fieldkit-core --bench documents`.\n",
        fieldkit_benchkit::now(),
        fieldkit_benchkit::machine(),
        std::env::temp_dir().display()
    );
    let _ = writeln!(
        out,
        "The store holds {} applications saved today ({} citizens, four services each). Each operation \
         is timed alone with `Instant`. Milliseconds; p99 by nearest rank. The `Session` lines include \
         their audit entry, a durable commit (`synchronous = FULL`), so their tail is the disk's fsync. \
         An A5 slip is {} KB (fonts subset and embedded); the report over {} applications is {} KB of \
         PDF and {} KB of CSV.\n",
        thousands(plan.applications),
        thousands(plan.applications.div_ceil(SERVICES.len())),
        slip_bytes / 1024,
        thousands(plan.applications),
        pdf_bytes / 1024,
        csv_bytes / 1024
    );
    let _ = writeln!(out, "| Operation | samples | median | p99 | mean | max |");
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for (name, stats) in [
        ("`Session::slip`, A5 (look-up, layout, font subset, PDF, audit entry)", &slip_a5),
        ("`Session::slip`, 80 mm receipt", &slip_receipt),
        ("`Slip::to_pdf`, A5 (layout and PDF only)", &render_only),
        (
            &*format!(
                "`Session::day_report` over {} applications (query, counts, audit entry)",
                thousands(plan.applications)
            ),
            &reports,
        ),
        ("`DayReport::to_pdf`", &report_pdf),
        ("`DayReport::to_csv`", &report_csv),
        ("reference: printpdf, one A5 page, one line in Helvetica (no font embedded)", &bare_pdf),
        (
            &*format!(
                "reference: bare `SELECT service_id, state, count(*) … GROUP BY` over the same {} applications",
                thousands(plan.applications)
            ),
            &bare_count,
        ),
    ] {
        let _ = writeln!(out, "{}", row(stats, name));
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let slip_met = slip_a5.median() <= SLIP_TARGET && slip_receipt.median() <= SLIP_TARGET;
    let report_met = reports.median() + report_pdf.median() <= REPORT_TARGET;
    let _ = writeln!(
        out,
        "\nTargets: a slip ≤ {} ms — median {:.1} ms (A5) and {:.1} ms (receipt), p99 {:.1} and {:.1} ms: {}; \
         a report over {} applications ≤ {} ms — median {:.1} ms to count plus {:.1} ms for its PDF: {}.",
        SLIP_TARGET.as_millis(),
        ms(slip_a5.median()),
        ms(slip_receipt.median()),
        ms(slip_a5.p99()),
        ms(slip_receipt.p99()),
        if slip_met { "**met**" } else { "**not met**" },
        thousands(plan.applications),
        REPORT_TARGET.as_millis(),
        ms(reports.median()),
        ms(report_pdf.median()),
        if report_met { "**met**" } else { "**not met**" },
    );
    if plan.mode == Mode::Full {
        fieldkit_benchkit::record_target(
            "documents",
            &format!("slip ≤ {} ms (median)", SLIP_TARGET.as_millis()),
            &format!(
                "A5 {:.1} ms, receipt {:.1} ms (p99 {:.1} / {:.1})",
                ms(slip_a5.median()),
                ms(slip_receipt.median()),
                ms(slip_a5.p99()),
                ms(slip_receipt.p99())
            ),
            &format!("a minimal printpdf page {:.2} ms", ms(bare_pdf.median())),
            slip_met,
        );
        fieldkit_benchkit::record_target(
            "documents",
            &format!(
                "report over {} applications ≤ {} ms (median, count + PDF)",
                thousands(plan.applications),
                REPORT_TARGET.as_millis()
            ),
            &format!(
                "{:.1} ms (p99 {:.1} + {:.1})",
                ms(reports.median() + report_pdf.median()),
                ms(reports.p99()),
                ms(report_pdf.p99())
            ),
            &format!("a bare GROUP BY {:.2} ms", ms(bare_count.median())),
            report_met,
        );
    }
    println!("{out}");
    match plan.mode {
        Mode::Full => fieldkit_benchkit::write_section("documents", &out),
        Mode::Quick => println!("(--quick: docs/BENCHMARKS.md left as it is)"),
        Mode::Smoke => {}
    }
}

const SLIP_TARGET: Duration = Duration::from_millis(10);
const REPORT_TARGET: Duration = Duration::from_millis(500);

/// The least a PDF page costs with the same writer: one line of text in a base font.
fn minimal_pdf() -> Vec<u8> {
    use printpdf::{BuiltinFont, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, TextItem};
    let ops = vec![
        Op::StartTextSection,
        Op::SetFont { font: PdfFontHandle::Builtin(BuiltinFont::Helvetica), size: Pt(12.0) },
        Op::SetTextCursor { pos: Point::new(Mm(15.0), Mm(190.0)) },
        Op::ShowText { items: vec![TextItem::Text("K7QM-2611-00042-Q  National ID replacement".into())] },
        Op::EndTextSection,
    ];
    let mut doc = PdfDocument::new("reference");
    doc.with_pages(vec![PdfPage::new(Mm(148.0), Mm(210.0), ops)]).save(&PdfSaveOptions::default(), &mut Vec::new())
}

/// The day's applications counted by service and state in SQL alone; returns the total.
fn count_by_service_and_state(conn: &rusqlite::Connection) -> usize {
    let mut statement = conn
        .prepare("SELECT service_id, state, count(*) FROM applications GROUP BY service_id, state")
        .expect("prepare");
    let counts = statement.query_map([], |r| r.get::<_, i64>(2)).expect("query");
    counts.map(|c| c.expect("count")).sum::<i64>() as usize
}

/// `10,000`.
fn thousands(n: usize) -> String {
    fieldkit_core::documents::group_thousands(n as u64)
}
