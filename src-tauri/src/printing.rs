//! Getting paper out of the tent's printer: CUPS's `lp` with the PDF on its standard input, so no
//! copy of a citizen's slip is left on disk, sent to the configured printer or else the system's
//! default. With no printer (CUPS not installed, none set up, or the print refused), the PDF is
//! saved in the profile's `slips/` folder, readable by this user only, and the officer is told
//! where, so it can be printed elsewhere.

use fieldkit_app_api::documents::{NotPrintedReason, PrintOutcome, save_private};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Why nothing was printed, and the system's own words.
type NotPrinted = (NotPrintedReason, String);

/// Prints `pdf` (named `name` in the print queue) or, failing that, saves it as `<name>.pdf` in
/// `save_dir`. `name` must be a plain file name (a reference or a date).
pub fn print_or_save(pdf: &[u8], name: &str, printer: Option<&str>, save_dir: &Path) -> std::io::Result<PrintOutcome> {
    let (reason, detail) = match printer.map(str::to_string).map_or_else(default_printer, Ok) {
        Ok(printer) => match send_to(&printer, name, pdf) {
            Ok(()) => return Ok(PrintOutcome::Printed { printer }),
            Err(why) => why,
        },
        Err(why) => why,
    };
    let path = save_private(save_dir, &format!("{name}.pdf"), pdf)?;
    Ok(PrintOutcome::Saved { path, reason, detail })
}

/// The system's default printer, from `lpstat -d`.
fn default_printer() -> Result<String, NotPrinted> {
    let output = Command::new("lpstat").arg("-d").output().map_err(|e| (NotPrintedReason::NoCups, e.to_string()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.split_once("system default destination:").map(|(_, name)| name.trim().to_string()))
        .filter(|name| !name.is_empty())
        .ok_or_else(|| (NotPrintedReason::NoDefaultPrinter, String::from_utf8_lossy(&output.stderr).trim().to_string()))
}

fn send_to(printer: &str, title: &str, pdf: &[u8]) -> Result<(), NotPrinted> {
    let mut child = Command::new("lp")
        .args(["-d", printer, "-t", title, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| (NotPrintedReason::NoCups, e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(pdf).map_err(|e| (NotPrintedReason::PrinterRefused, e.to_string()))?;
    }
    let output = child.wait_with_output().map_err(|e| (NotPrintedReason::PrinterRefused, e.to_string()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err((
            NotPrintedReason::PrinterRefused,
            format!("{printer}: {}", String::from_utf8_lossy(&output.stderr).trim()),
        ))
    }
}
