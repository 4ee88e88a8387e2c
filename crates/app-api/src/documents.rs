//! Acknowledgement slips and the centre manager's day report. Printing through CUPS is the
//! shell's (it needs the system's printers); the documents, and the files saved in the
//! profile's folders, are made here.

use crate::app::App;
use crate::error::Answer;
use fieldkit_core::CoreError;
use schemars::JsonSchema;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What became of a slip or report: printed, or saved and where (the UI words it).
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PrintOutcome {
    /// Handed to CUPS for this printer.
    Printed { printer: String },
    /// Not printed, for `reason` (the UI words it) with the system's own `detail`; the PDF is at
    /// `path`.
    Saved { path: PathBuf, reason: NotPrintedReason, detail: String },
}

/// Why a slip was saved rather than printed.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NotPrintedReason {
    NoCups,
    NoDefaultPrinter,
    PrinterRefused,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PrintView {
    pub reference: String,
    pub outcome: PrintOutcome,
}

/// A slip ready for the printer: its PDF and the application's reference.
pub struct SlipToPrint {
    pub pdf: Vec<u8>,
    pub reference: String,
    /// The configured printer, if any (else the system's default).
    pub printer: Option<String>,
    /// Where the PDF is saved when it cannot be printed.
    pub save_dir: PathBuf,
}

/// The acknowledgement slip of a saved application (by id or reference), on the configured
/// paper; demo profiles print the TRAINING watermark.
pub fn slip(app: &App, id: &str) -> Answer<SlipToPrint> {
    let config = app.profile.config();
    let options = fieldkit_core::SlipOptions { paper: config.slip_paper, training: app.demo, ..Default::default() };
    let (pdf, reference) = app.with_session(|s| {
        let pdf = s.slip(id, &options)?;
        Ok((pdf, s.application(id)?.reference.as_str().to_string()))
    })?;
    Ok(SlipToPrint { pdf, reference, printer: config.printer.clone(), save_dir: app.profile.dir().join("slips") })
}

/// The centre manager's day report, saved as PDF and CSV in the profile's `reports/` folder
/// (readable by this user only), with its headline figures.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReportView {
    pub date: String,
    pub pdf_path: String,
    pub csv_path: String,
    pub citizens_served: u64,
    pub applications: u64,
    pub unsynced: u64,
}

/// Writes the day report of `date` (`YYYY-MM-DD`; today when `None`) and says where.
pub fn day_report(app: &App, date: Option<&str>) -> Answer<ReportView> {
    let date = date.map(fieldkit_core::documents::parse_day).transpose().map_err(|e| app.ui(e))?;
    let demo = app.demo;
    let (report, pdf, csv) = app.with_session(|s| {
        let report = s.day_report(date)?;
        let report = if demo { report.with_training(true) } else { report };
        let (pdf, csv) = (report.to_pdf()?, report.to_csv()?);
        Ok((report, pdf, csv))
    })?;
    let day = report.date.to_string();
    let dir = app.profile.dir().join("reports");
    let io = |e| app.ui(CoreError::Io { path: dir.display().to_string(), source: e });
    let pdf_path = save_private(&dir, &format!("day-report-{day}.pdf"), &pdf).map_err(io)?;
    let csv_path = save_private(&dir, &format!("day-report-{day}.csv"), &csv).map_err(io)?;
    Ok(ReportView {
        date: day,
        pdf_path: pdf_path.display().to_string(),
        csv_path: csv_path.display().to_string(),
        citizens_served: report.citizens_served.total,
        applications: report.applications.total,
        unsynced: report.unsynced_total,
    })
}

/// Writes `bytes` as `dir/name`, readable by this user only, through a temporary file and a
/// rename so a half-written PDF never carries the final name.
pub fn save_private(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let path = dir.join(name);
    let partial = dir.join(format!(".{name}.partial"));
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_document_is_private_and_complete() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let slips = dir.path().join("slips");
        let path = save_private(&slips, "K7QM-000001-X.pdf", b"%PDF-1.7 test").expect("save");
        assert_eq!(std::fs::read(&path).expect("read"), b"%PDF-1.7 test");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!((mode(&slips), mode(&path)), (0o700, 0o600));
        assert_eq!(std::fs::read_dir(&slips).expect("dir").count(), 1, "no partial file left behind");
    }
}
