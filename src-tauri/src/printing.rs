//! Getting paper out of the tent's printer: CUPS's `lp` with the PDF on its standard input, so no
//! copy of a citizen's slip is left on disk, sent to the configured printer or else the system's
//! default. With no printer (CUPS not installed, none set up, or the print refused), the PDF is
//! saved in the profile's `slips/` folder, readable by this user only, and the officer is told
//! where, so it can be printed elsewhere.

use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PrintOutcome {
    /// Handed to CUPS for this printer.
    Printed { printer: String },
    /// Not printed, for `reason` (`no_cups`, `no_default_printer`, `printer_refused`; the UI
    /// words it) with the system's own `detail`; the PDF is at `path`.
    Saved { path: PathBuf, reason: &'static str, detail: String },
}

/// Why nothing was printed.
type NotPrinted = (&'static str, String);

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
    let output = Command::new("lpstat").arg("-d").output().map_err(|e| ("no_cups", e.to_string()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.split_once("system default destination:").map(|(_, name)| name.trim().to_string()))
        .filter(|name| !name.is_empty())
        .ok_or_else(|| ("no_default_printer", String::from_utf8_lossy(&output.stderr).trim().to_string()))
}

fn send_to(printer: &str, title: &str, pdf: &[u8]) -> Result<(), NotPrinted> {
    let mut child = Command::new("lp")
        .args(["-d", printer, "-t", title, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ("no_cups", e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(pdf).map_err(|e| ("printer_refused", e.to_string()))?;
    }
    let output = child.wait_with_output().map_err(|e| ("printer_refused", e.to_string()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(("printer_refused", format!("{printer}: {}", String::from_utf8_lossy(&output.stderr).trim())))
    }
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
