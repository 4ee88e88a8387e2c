//! Acknowledgement slips and the outreach day report, checked as a printer and a reader would see
//! them: `qpdf --check` and `pdfinfo`/`pdffonts` (poppler-utils) judge the PDF, `pdftotext` reads
//! its words in English and Kiswahili, `pdftoppm` renders it and the QR code is decoded from the
//! pixels (rqrr). Renders are kept under `$CARGO_TARGET_DIR/artifacts/` for people to look at.
//! The tools come from `scripts/setup.sh`.

mod common;

use common::{CLERK, MANAGER, MANAGER_PIN, application, citizen, fixture};
use fieldkit_core::documents::{Breakdown, DayReport, Feedback, Paper, SlipOptions};
use fieldkit_core::{NewCitizen, Session};
use fieldkit_protocol::Event;
use std::path::{Path, PathBuf};
use std::process::Command;
use time::macros::date;
use uuid::Uuid;

// --- tools ---------------------------------------------------------------------------------------

/// Runs a poppler or qpdf tool; a missing tool fails the test with how to install it.
fn run(program: &str, args: &[&str]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): install poppler-utils and qpdf (scripts/setup.sh)"))
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the PDF");
    path
}

/// `qpdf --check` passes with no warning, and `pdfinfo` reads it.
fn assert_valid_pdf(path: &Path) -> String {
    let check = run("qpdf", &["--check", path.to_str().expect("utf-8 path")]);
    let said = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(0), "qpdf --check: {said}{}", String::from_utf8_lossy(&check.stderr));
    assert!(said.contains("No syntax or stream encoding errors found"), "{said}");
    let info = run("pdfinfo", &[path.to_str().expect("utf-8 path")]);
    assert!(info.status.success(), "pdfinfo: {}", String::from_utf8_lossy(&info.stderr));
    String::from_utf8_lossy(&info.stdout).into_owned()
}

/// A `pdfinfo` field, e.g. `Pages`.
fn info_field<'a>(info: &'a str, name: &str) -> &'a str {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(str::trim)
        .unwrap_or_else(|| panic!("pdfinfo has no {name}: {info}"))
}

/// Page width and height in millimetres.
fn page_size_mm(info: &str) -> (f64, f64) {
    let size = info_field(info, "Page size");
    let numbers: Vec<f64> = size.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert!(numbers.len() >= 2, "{size}");
    (numbers[0] * 25.4 / 72.0, numbers[1] * 25.4 / 72.0)
}

/// Every font is embedded, and is the bundled DejaVu Sans.
fn assert_fonts_embedded(path: &Path) {
    let fonts = run("pdffonts", &[path.to_str().expect("utf-8 path")]);
    let listing = String::from_utf8_lossy(&fonts.stdout);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts: {listing}");
    for row in rows {
        assert!(row.contains("DejaVuSans"), "not the bundled font: {row}");
        let columns: Vec<&str> = row.split_whitespace().collect();
        // name, type..., encoding, emb, sub, uni, object id: `emb` is fifth from the end.
        assert_eq!(columns[columns.len() - 5], "yes", "not embedded: {row}");
    }
}

/// The words on `page` (all pages when `None`), whitespace folded to single spaces.
fn text_of(path: &Path, page: Option<usize>) -> String {
    let mut args = Vec::new();
    let page_text;
    if let Some(page) = page {
        page_text = page.to_string();
        args.extend(["-f", &page_text, "-l", &page_text]);
    }
    args.extend([path.to_str().expect("utf-8 path"), "-"]);
    let out = run("pdftotext", &args);
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assert_says(text: &str, phrases: &[&str]) {
    for phrase in phrases {
        assert!(text.contains(phrase), "{phrase:?} missing from:\n{text}");
    }
}

/// Where renders are kept: `$CARGO_TARGET_DIR/artifacts`, else the shared cache the scripts
/// build in, else `target/` next to the workspace.
fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            let cache = PathBuf::from(std::env::var_os("HOME")?).join(".cache/fieldkit-target");
            cache.is_dir().then_some(cache)
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("artifacts");
    std::fs::create_dir_all(&dir).expect("create the artifacts directory");
    dir
}

/// Renders every page of `pdf` to `<name>-<page>.png` among the artifacts; returns the files.
fn save_renders(pdf: &Path, name: &str) -> Vec<PathBuf> {
    let prefix = artifacts_dir().join(name);
    let out =
        run("pdftoppm", &["-png", "-r", "110", pdf.to_str().expect("utf-8 path"), prefix.to_str().expect("utf-8")]);
    assert!(out.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&out.stderr));
    let dir = artifacts_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("list artifacts")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let file = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            file.starts_with(&format!("{name}-")) && file.ends_with(".png")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no render of {name}");
    files
}

/// The QR codes on the first page, decoded from a greyscale render.
fn qr_codes(pdf: &Path, work: &Path) -> Vec<String> {
    let prefix = work.join("page");
    let out = run(
        "pdftoppm",
        &[
            "-gray",
            "-r",
            "200",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
            pdf.to_str().expect("utf-8"),
            prefix.to_str().expect("utf-8"),
        ],
    );
    assert!(out.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&out.stderr));
    let pgm = std::fs::read(work.join("page.pgm")).expect("read the render");
    let (width, height, pixels) = parse_pgm(&pgm);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    image.detect_grids().into_iter().map(|grid| grid.decode().expect("a QR code that decodes").1).collect()
}

/// A binary PGM (P5, 8-bit): width, height, pixels.
fn parse_pgm(bytes: &[u8]) -> (usize, usize, &[u8]) {
    let mut fields = Vec::new();
    let mut at = 2;
    assert!(bytes.starts_with(b"P5"), "not a binary PGM");
    while fields.len() < 3 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..at]).expect("ascii").parse::<usize>().expect("number"));
    }
    let (width, height, max) = (fields[0], fields[1], fields[2]);
    assert_eq!(max, 255, "8-bit greyscale");
    (width, height, &bytes[at + 1..at + 1 + width * height])
}

// --- the laptop's day ----------------------------------------------------------------------------

/// The outreach that covers 2026-11-22 (the fixture clock's day).
/// A profile whose clerk has saved one national ID application at the Kangema outreach; the
/// clerk's session, the application's reference and the citizen's name.
fn one_application(f: &common::Fixture) -> (Session, String) {
    let mut manager = f.create();
    manager.apply_events(&[Event::Outreach { plan: Box::new(common::kangema()) }]).expect("outreach plan");
    let mut clerk = f.clerk();
    let mut young = citizen("Ng'ang'a", "30111222");
    young.date_of_birth = "2004-03-09".into();
    young.sub_county = Some("Kangema".into());
    let registered = clerk.register_citizen(&young).expect("register");
    let saved = clerk.save_and_submit(&application(registered.id, "national-id.first-issue")).expect("save");
    (clerk, saved.reference.to_string())
}

#[test]
fn an_a5_slip_is_a_valid_pdf_in_both_languages_with_the_reference_in_a_qr_code() {
    let f = fixture();
    let (mut clerk, reference) = one_application(&f);
    let pdf = clerk.slip(&reference, &SlipOptions::default()).expect("slip");
    let path = write_temp(f.dir.path(), "slip.pdf", &pdf);

    let info = assert_valid_pdf(&path);
    assert_eq!(info_field(&info, "Pages"), "1");
    let (width, height) = page_size_mm(&info);
    assert!((width - 148.0).abs() < 0.5 && (height - 210.0).abs() < 0.5, "A5 is 148 x 210 mm, not {width} x {height}");
    assert_fonts_embedded(&path);

    let text = text_of(&path, None);
    let service = fieldkit_core::Catalogue::built_in().expect("catalogue");
    let service = service.service("national-id.first-issue").expect("service");
    assert_says(
        &text,
        &[
            &reference,
            "Acknowledgement of application",
            "Risiti ya kupokea ombi",
            "Reference number",
            "Nambari ya kumbukumbu",
            "Wambui Njeri Ng'ang'a",
            &service.name.en,
            &service.name.sw,
            "National Registration Bureau",
            "Ofisi ya Usajili wa Kitaifa",
            "2026-11-22 11:00 EAT",
            "Kangema market, Murang'a County",
            "Kangema market, Kaunti ya Murang'a",
            CLERK,
            "Free",
            "Bure",
            "Documents received",
            "Nyaraka zilizopokelewa",
            "Birth certificate (original seen, copy kept)",
            "Cheti cha kuzaliwa (asili kimeonekana, nakala imehifadhiwa)",
            "Date of birth",
            "Tarehe ya kuzaliwa",
            "2004-03-09",
            "30 days, by 2026-12-22",
            "siku 30, kufikia 2026-12-22",
            "Where to collect",
            "Mahali pa kuchukua",
            "Ask for status",
            "Kufuatilia ombi",
            "Quote the reference number at any Huduma Centre",
            "Taja nambari ya kumbukumbu katika Kituo chochote cha Huduma",
            "1919",
        ],
    );
    // The catalogue's own texts, which may wrap, compared word for word.
    for long in [&service.collection.en, &service.collection.sw] {
        let folded = long.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains(&folded), "{folded:?} missing from:\n{text}");
    }
    assert!(!text.contains("TRAINING") && !text.contains("MAFUNZO"), "no watermark outside demo mode: {text}");

    assert_eq!(qr_codes(&path, f.dir.path()), [reference.as_str()], "the QR code carries the reference");
    save_renders(&path, "slip-a5");
}

#[test]
fn a_receipt_slip_is_80_mm_wide_and_as_long_as_its_content() {
    let f = fixture();
    let (mut clerk, reference) = one_application(&f);
    let options = SlipOptions { paper: Paper::Receipt80, ..SlipOptions::default() };
    let pdf = clerk.slip(&reference, &options).expect("slip");
    let path = write_temp(f.dir.path(), "receipt.pdf", &pdf);

    let info = assert_valid_pdf(&path);
    assert_eq!(info_field(&info, "Pages"), "1", "a roll has no page breaks");
    let (width, height) = page_size_mm(&info);
    assert!((width - 80.0).abs() < 0.5, "80 mm roll, not {width} mm");
    assert!(height > 150.0 && height < 400.0, "as long as the slip: {height} mm");
    assert_fonts_embedded(&path);
    assert_says(&text_of(&path, None), &[&reference, "Nambari ya kumbukumbu", "Kangema market", "siku 30"]);
    assert_eq!(qr_codes(&path, f.dir.path()), [reference]);
    save_renders(&path, "slip-receipt80");
}

#[test]
fn the_training_watermark_is_on_every_page_in_demo_mode_only() {
    let f = fixture();
    let (mut clerk, reference) = one_application(&f);
    for paper in Paper::ALL {
        let training = SlipOptions { paper, training: true, venue: None };
        let path = write_temp(f.dir.path(), "training.pdf", &clerk.slip(&reference, &training).expect("slip"));
        assert_valid_pdf(&path);
        assert!(common::has_watermark(&path, 1), "{paper:?}: no watermark");
        let text = text_of(&path, None);
        assert_says(&text, &["Training only: this is not a real application.", "Mafunzo tu: hili si ombi halisi."]);
        assert_eq!(qr_codes(&path, f.dir.path()), [reference.as_str()], "the watermark leaves the QR code readable");
        if paper == Paper::A5 {
            save_renders(&path, "slip-a5-training");
        }
        let real = SlipOptions { paper, training: false, venue: None };
        let path = write_temp(f.dir.path(), "real.pdf", &clerk.slip(&reference, &real).expect("slip"));
        assert!(!common::has_watermark(&path, 1), "{paper:?}: a watermark outside demo mode");
        let text = text_of(&path, None);
        assert!(!text.contains("TRAINING") && !text.contains("Mafunzo tu"), "{text}");
    }

    // A report long enough for several pages carries the mark on each of them.
    let (f, mut manager) = busy_day();
    let report = manager.day_report(Some(date!(2026 - 11 - 22))).expect("report").with_training(true);
    let path = write_temp(f.dir.path(), "report-training.pdf", &report.to_pdf().expect("pdf"));
    let pages: usize = info_field(&assert_valid_pdf(&path), "Pages").parse().expect("page count");
    assert!(pages >= 2, "the busy day's report runs over {pages} page(s)");
    for page in 1..=pages {
        assert!(common::has_watermark(&path, page), "page {page} of {pages} has no watermark");
    }
    let plain = write_temp(f.dir.path(), "report.pdf", &report.with_training(false).to_pdf().expect("pdf"));
    assert!(!common::has_watermark(&plain, 1) && !text_of(&plain, None).contains("TRAINING"));
}

#[test]
fn every_built_in_service_has_a_one_page_a5_slip_with_its_own_collection_note() {
    let f = fixture();
    let mut manager = f.create();
    let catalogue = manager.catalogue().expect("catalogue");
    for (i, service) in catalogue.services.iter().enumerate() {
        // 26 years old: an adult, and still youth for AGPO.
        let mut applicant =
            NewCitizen { date_of_birth: "2000-05-05".into(), ..citizen("Mutua", &format!("2700{i:04}")) };
        if service.id == "birth.registration" {
            (applicant.id_number, applicant.date_of_birth) = (None, "2026-10-01".into());
        }
        let who = manager.register_citizen(&applicant).expect("register").id;
        let saved =
            manager.save_and_submit(&application(who, &service.id)).unwrap_or_else(|e| panic!("{}: {e}", service.id));
        let path = write_temp(
            f.dir.path(),
            "slip.pdf",
            &manager.slip(saved.reference.as_str(), &SlipOptions::default()).expect("slip"),
        );
        let info = assert_valid_pdf(&path);
        assert_eq!(info_field(&info, "Pages"), "1", "{}'s slip runs over A5", service.id);
        let text = text_of(&path, None);
        let folded = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [&service.name.en, &service.name.sw, &service.collection.en, &service.collection.sw] {
            assert!(text.contains(&folded(expected)), "{}: {expected:?} missing from {text}", service.id);
        }
        if service.fee_ksh > 0 {
            assert!(text.contains("KSh "), "{}: the fee", service.id);
        }
    }
}

#[test]
fn a_slip_names_the_venue_given_when_no_outreach_covers_the_day() {
    let f = fixture();
    let mut manager = f.create();
    let registered = manager.register_citizen(&citizen("Otieno", "28222333")).expect("register");
    let saved = manager.save_and_submit(&application(registered.id, "nssf.member-registration")).expect("save");
    let reference = saved.reference.to_string();
    let path = write_temp(f.dir.path(), "slip.pdf", &manager.slip(&reference, &SlipOptions::default()).expect("slip"));
    assert_says(&text_of(&path, None), &["Huduma Mashinani outreach"]);
    let named = SlipOptions { venue: Some("Kiharu chief's camp".into()), ..SlipOptions::default() };
    // By id as well as by reference.
    let path = write_temp(f.dir.path(), "named.pdf", &manager.slip(&saved.id.to_string(), &named).expect("slip"));
    assert_says(&text_of(&path, None), &["Kiharu chief's camp", &reference]);
}

#[test]
fn drafts_have_no_slip_and_the_day_report_is_for_the_centre_manager() {
    let f = fixture();
    let (mut clerk, _) = one_application(&f);
    let registered = clerk.register_citizen(&citizen("Kamau", "27333444")).expect("register");
    let draft = clerk.save_draft(&application(registered.id, "nssf.member-registration")).expect("draft");
    let refused = clerk.slip(draft.reference.as_str(), &SlipOptions::default()).expect_err("a draft");
    assert_eq!(refused.code(), "slip_for_draft");
    let sw = fieldkit_core::messages::report(&refused.to_report(), fieldkit_core::Lang::Sw);
    assert!(sw.contains(draft.reference.as_str()) && sw.contains("rasimu"), "{sw}");
    assert_eq!(clerk.day_report(None).expect_err("clerk").code(), "not_permitted");
    let unknown = clerk.slip("K7QM-999999-X", &SlipOptions::default()).expect_err("unknown");
    assert!(matches!(unknown.code(), "invalid_input" | "application_not_found"), "{unknown}");
    use fieldkit_core::Role;
    use fieldkit_core::officer::Action;
    assert!(!Role::IctOfficer.may(Action::PrintSlips), "the ICT officer never sees citizens");
    assert!(!Role::IctOfficer.may(Action::ViewDayReport));
    assert!(Role::Trainer.may(Action::PrintSlips) && Role::FrontDeskOfficer.may(Action::PrintSlips));
}

#[test]
fn printing_a_slip_and_making_a_report_are_audited() {
    let f = fixture();
    let (mut clerk, reference) = one_application(&f);
    let pdf = clerk.slip(&reference, &SlipOptions::default()).expect("slip");
    drop(clerk);
    let mut manager = f.profile.sign_in(MANAGER, MANAGER_PIN).expect("manager");
    manager.day_report(Some(date!(2026 - 11 - 22))).expect("report");
    let entries: Vec<(String, String, String, String, Option<String>)> = {
        let conn = manager.store().expect("unlocked").connection();
        let mut statement = conn
            .prepare("SELECT officer, action, entity, entity_id, after_hash FROM audit_log WHERE entity IN ('slip', 'report') ORDER BY seq")
            .expect("query");
        statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read")
    };
    assert_eq!(entries.len(), 2, "{entries:?}");
    let (officer, action, entity, id, hash) = &entries[0];
    assert_eq!(
        (officer.as_str(), action.as_str(), entity.as_str(), id.as_str()),
        (CLERK, "slip.printed", "slip", reference.as_str())
    );
    use sha2::Digest;
    assert_eq!(hash.as_deref(), Some(hex::encode(sha2::Sha256::digest(&pdf)).as_str()), "the slip's fingerprint");
    let (officer, action, entity, id, _) = &entries[1];
    assert_eq!(
        (officer.as_str(), action.as_str(), entity.as_str(), id.as_str()),
        (MANAGER, "report.generated", "report", "2026-11-22")
    );
    assert!(manager.verify_audit().expect("verify").is_intact(), "document entries do not disturb the chain");
}

// --- the day report ------------------------------------------------------------------------------

fn person(surname: &str, id_number: &str, born: &str, sex: &str) -> NewCitizen {
    NewCitizen { date_of_birth: born.into(), sex: sex.into(), ..citizen(surname, id_number) }
}

/// A day at Kangema, 2026-11-22 (EAT), with applications just either side of it:
///
/// | citizen | sex, born            | band  | on the day                                       |
/// | ------- | -------------------- | ----- | ------------------------------------------------ |
/// | Wanjiru | female, 1990-04-12   | 36-59 | national ID replacement, NSSF (synced), KRA PIN  |
/// | Otieno  | male, 2026-09-01     | <18   | birth registration; SHA left as a draft          |
/// | Kiprop  | male, 2008-11-22     | 18-35 | national ID first issue, NSSF (18 that very day) |
/// | Akinyi  | intersex, 1966-11-22 | 60+   | SHA (60 that very day)                           |
/// | Chebet  | female, 1995-01-01   | 18-35 | KRA PIN at 23:30 EAT the day before; SHA at 00:30 EAT the day after |
fn busy_day() -> (common::Fixture, Session) {
    let f = fixture_at(time::macros::datetime!(2026-11-21 20:30 UTC));
    let mut manager = f.create();
    manager.apply_events(&[Event::Outreach { plan: Box::new(common::kangema()) }]).expect("outreach plan");
    let at = |session: &mut Session, when: time::OffsetDateTime| {
        let ahead = when - fieldkit_core::clock::Clock::now(&f.clock);
        f.clock.advance(ahead.try_into().expect("the clock only moves forward"));
        session.unlock(MANAGER_PIN).expect("unlock after the idle lock");
    };
    let register = |session: &mut Session, p: NewCitizen| session.register_citizen(&p).expect("register").id;
    let save = |session: &mut Session, who: Uuid, service: &str| {
        session.save_and_submit(&application(who, service)).unwrap_or_else(|e| panic!("{service}: {e}"))
    };

    // 2026-11-21 23:30 EAT: the day before.
    let chebet = register(&mut manager, person("Chebet", "26000005", "1995-01-01", "female"));
    save(&mut manager, chebet, "kra.pin-registration");

    at(&mut manager, time::macros::datetime!(2026-11-22 08:00 UTC));
    let wanjiru = register(&mut manager, person("Wanjiru", "26000001", "1990-04-12", "female"));
    let otieno = register(&mut manager, NewCitizen { id_number: None, ..person("Otieno", "-", "2026-09-01", "male") });
    let kiprop = register(&mut manager, person("Kiprop", "26000003", "2008-11-22", "male"));
    let akinyi = register(&mut manager, person("Akinyi", "26000004", "1966-11-22", "intersex"));
    save(&mut manager, wanjiru, "national-id.replacement");
    let synced = save(&mut manager, wanjiru, "nssf.member-registration");
    manager.mark_synced(synced.id).expect("synced");
    save(&mut manager, wanjiru, "kra.pin-registration");
    save(&mut manager, otieno, "birth.registration");
    manager.save_draft(&application(otieno, "sha.member-registration")).expect("draft");
    save(&mut manager, kiprop, "national-id.first-issue");
    save(&mut manager, kiprop, "nssf.member-registration");
    save(&mut manager, akinyi, "sha.member-registration");

    // 2026-11-23 00:30 EAT: the next day in Kenya, though still 2026-11-22 in UTC.
    at(&mut manager, time::macros::datetime!(2026-11-22 21:30 UTC));
    save(&mut manager, chebet, "sha.member-registration");
    (f, manager)
}

/// A fixture whose clock starts at `start`.
fn fixture_at(start: time::OffsetDateTime) -> common::Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = fieldkit_core::clock::ManualClock::starting_at(start);
    let profile = fieldkit_core::Profile::with_clock(
        dir.path().join("profile"),
        fieldkit_core::Config::for_tests(),
        std::sync::Arc::new(clock.clone()),
    );
    common::Fixture { dir, clock, profile }
}

fn breakdown(total: u64, (female, male, intersex): (u64, u64, u64), ages: [u64; 4]) -> Breakdown {
    Breakdown {
        total,
        female,
        male,
        intersex,
        under_18: ages[0],
        age_18_35: ages[1],
        age_36_59: ages[2],
        age_60_plus: ages[3],
    }
}

#[test]
fn the_day_report_counts_by_service_agency_sex_and_age_band_on_the_kenyan_day() {
    let (f, mut manager) = busy_day();
    let report = manager.day_report(Some(date!(2026 - 11 - 22))).expect("report");

    assert_eq!(report.date, date!(2026 - 11 - 22));
    assert_eq!(report.laptop, "K7QM");
    assert_eq!(report.prepared_by, MANAGER);
    assert_eq!(report.venues, ["Kangema market day: Kangema market"]);
    // Wanjiru 3, Otieno 1 (+1 draft), Kiprop 2, Akinyi 1; Chebet's are on the days either side.
    assert_eq!(report.applications, breakdown(7, (3, 3, 1), [1, 2, 3, 1]));
    assert_eq!(report.citizens_served, breakdown(4, (1, 2, 1), [1, 1, 1, 1]));
    assert_eq!(report.drafts, 1);
    assert_eq!(report.unsynced_day, 6, "one of the seven was synced");
    let everything = manager.queue().expect("outbox").len() as u64;
    assert_eq!(report.unsynced_total, everything);
    assert!(everything > report.unsynced_day, "other days' applications wait too");
    assert_eq!(report.feedback, None, "feedback is not collected yet");

    let service = |id: &str| report.services.iter().find(|s| s.service_id == id).map(|s| s.applications);
    assert_eq!(service("nssf.member-registration"), Some(breakdown(2, (1, 1, 0), [0, 1, 1, 0])));
    assert_eq!(service("national-id.replacement"), Some(breakdown(1, (1, 0, 0), [0, 0, 1, 0])));
    assert_eq!(service("national-id.first-issue"), Some(breakdown(1, (0, 1, 0), [0, 1, 0, 0])));
    assert_eq!(service("sha.member-registration"), Some(breakdown(1, (0, 0, 1), [0, 0, 0, 1])));
    assert_eq!(service("kra.pin-registration"), Some(breakdown(1, (1, 0, 0), [0, 0, 1, 0])));
    assert_eq!(service("birth.registration"), Some(breakdown(1, (0, 1, 0), [1, 0, 0, 0])));
    assert_eq!(report.services.len(), 6, "services with no application that day are left out");
    assert_eq!(report.services[0].service_id, "nssf.member-registration", "busiest first");
    let agency = |id: &str| report.agencies.iter().find(|a| a.mda_id == id).map(|a| a.applications.total);
    let agencies = ["nrb", "nssf", "sha", "kra", "crs"].map(agency);
    assert_eq!(agencies, [Some(2), Some(2), Some(1), Some(1), Some(1)]);
    assert_eq!(report.agencies.len(), 5);

    // The same day's report in CSV: one figure per row, the feedback marked as not collected.
    let csv_bytes = report.to_csv().expect("csv");
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_string).collect();
    assert_eq!(
        header,
        ["date", "measure", "mda_id", "service_id", "label_en", "label_sw", "breakdown", "category", "value"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    let value = |measure: &str, service: &str, breakdown: &str, category: &str| -> String {
        let found: Vec<&csv::StringRecord> = rows
            .iter()
            .filter(|r| r[1] == *measure && r[3] == *service && r[6] == *breakdown && r[7] == *category)
            .collect();
        assert_eq!(found.len(), 1, "{measure} {service} {breakdown} {category}");
        assert_eq!(&found[0][0], "2026-11-22");
        found[0][8].to_string()
    };
    assert_eq!(value("applications", "", "all", ""), "7");
    assert_eq!(value("citizens_served", "", "sex", "male"), "2");
    assert_eq!(value("applications_by_service", "birth.registration", "age_band", "under_18"), "1");
    assert_eq!(value("applications_by_service", "nssf.member-registration", "age_band", "18_35"), "1");
    assert_eq!(value("applications_by_service", "sha.member-registration", "sex", "intersex"), "1");
    assert_eq!(value("unsynced_day", "", "all", ""), "6");
    assert_eq!(value("drafts", "", "all", ""), "1");
    assert_eq!(value("satisfaction_rating", "", "all", ""), "not_collected");
    assert_eq!(value("complaints", "", "all", ""), "not_collected");
    let sha = rows.iter().find(|r| &r[3] == "sha.member-registration").expect("sha row");
    let names = ("sha", "SHA member registration (formerly NHIF)", "Usajili wa mwanachama wa SHA (zamani NHIF)");
    assert_eq!((&sha[2], &sha[4], &sha[5]), names);
    std::fs::write(artifacts_dir().join("day-report.csv"), &csv_bytes).expect("keep the CSV");

    // And as a PDF, in both languages, with its bars drawn as rectangles.
    let path = write_temp(f.dir.path(), "report.pdf", &report.to_pdf().expect("pdf"));
    let info = assert_valid_pdf(&path);
    let (width, height) = page_size_mm(&info);
    assert!((width - 210.0).abs() < 0.5 && (height - 297.0).abs() < 0.5, "A4, not {width} x {height}");
    assert_fonts_embedded(&path);
    let text = text_of(&path, None);
    assert_says(
        &text,
        &[
            "Outreach day report",
            "Ripoti ya siku ya huduma mashinani",
            "2026-11-22",
            "Kangema market day: Kangema market",
            "Citizens served",
            "Wananchi waliohudumiwa",
            "Satisfaction ratings",
            "Tathmini za kuridhika",
            "not collected / hazijakusanywa",
            "Applications per service",
            "Maombi kwa kila huduma",
            "Applications by age band",
            "Maombi kwa kundi la umri",
            "Children (under 18)",
            "Watoto (chini ya miaka 18)",
            "Social Health Authority",
            "Mamlaka ya Afya ya Jamii",
            "Huntha",
        ],
    );
    save_renders(&path, "day-report");
}

#[test]
fn feedback_figures_appear_once_collected() {
    let (f, mut manager) = busy_day();
    let feedback = Feedback { ratings: [1, 0, 1, 3, 5], complaints: 2 };
    let report = manager.day_report(Some(date!(2026 - 11 - 22))).expect("report").with_feedback(feedback);
    let path = write_temp(f.dir.path(), "report.pdf", &report.to_pdf().expect("pdf"));
    assert_valid_pdf(&path);
    let text = text_of(&path, None);
    assert_says(
        &text,
        &["10 ratings / tathmini", "4.1 / 5", "80 % satisfied", "Ratings given", "Tathmini zilizotolewa"],
    );
    assert!(!text.contains("not collected"), "{text}");
    let csv_text = String::from_utf8(report.to_csv().expect("csv")).expect("utf-8");
    assert!(
        csv_text.contains(",satisfaction_rating,,,Satisfaction ratings,Tathmini za kuridhika,rating,5,5\n"),
        "{csv_text}"
    );
    assert!(csv_text.contains(",complaints,,,Complaints,Malalamiko,all,,2\n"), "{csv_text}");
}

#[test]
fn a_day_without_applications_reports_zeros() {
    let f = fixture();
    let mut manager = f.create();
    let report: DayReport = manager.day_report(None).expect("today's report");
    assert_eq!(report.date, date!(2026 - 11 - 22), "today in Kenya by the session's clock");
    assert_eq!((report.applications.total, report.citizens_served.total, report.drafts), (0, 0, 0));
    assert!(report.services.is_empty() && report.venues.is_empty());
    let path = write_temp(f.dir.path(), "empty.pdf", &report.to_pdf().expect("pdf"));
    assert_valid_pdf(&path);
    assert_says(
        &text_of(&path, None),
        &["No applications were saved on this laptop on this day.", "Hakuna ombi lililohifadhiwa"],
    );
}
