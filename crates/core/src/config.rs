//! Laptop-side configuration: TOML file, then `FIELDKIT_*` environment overrides, validated once at
//! start-up so a bad value is refused before any data is touched.

use crate::error::{CoreError, Result};
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// Cost of argon2id, the PIN key-derivation function: the one definition in `fieldkit_protocol`,
/// shared with provisioning bundles. Stored beside each wrapped key too, so raising the cost later
/// does not lock existing officers out.
pub use fieldkit_protocol::provision::KdfParams;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Lock the session after this long without activity.
    pub idle_lock: Duration,
    /// Wrong PINs allowed before delays start.
    pub free_pin_attempts: u32,
    /// First lockout delay; it doubles with every further wrong PIN.
    pub lockout_base: Duration,
    /// Longest lockout delay.
    pub lockout_max: Duration,
    /// Shortest PIN accepted when an officer is added.
    pub min_pin_length: usize,
    pub kdf: KdfParams,
    /// On battery at or below this charge (percent), the app warns and holds off large syncs
    /// unless the officer asks.
    pub low_battery_percent: u8,
    /// The paper in the outreach's printer, for acknowledgement slips.
    pub slip_paper: crate::format::Paper,
    /// The CUPS printer slips go to; `None` means the system's default printer.
    pub printer: Option<String>,
    /// Let the app's webview composite with the GPU. Off by default: for a page of forms,
    /// software rendering costs a fraction of the idle CPU (docs/BENCHMARKS.md), which is battery.
    pub gpu_compositing: bool,
    /// The standing imprest a new outreach plan starts with, in whole Kenya shillings.
    pub imprest_ksh: u64,
    /// Days a decided (accepted or rejected) application, its citizen, sent feedback and saved
    /// slips and reports stay on the laptop before they are purged (Data Protection Act 2019:
    /// kept no longer than needed; the server holds the record).
    pub retention_days: u32,
}

/// A month: long enough for a citizen to come back to the tent about a decision, short enough
/// that a lost laptop holds little.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// A year at most: anything longer belongs on the server, not a laptop in a tent.
const RETENTION_DAYS_MAX: u32 = 366;

impl Default for Config {
    fn default() -> Self {
        Config {
            idle_lock: Duration::from_secs(5 * 60),
            free_pin_attempts: 3,
            lockout_base: Duration::from_secs(30),
            lockout_max: Duration::from_secs(60 * 60),
            min_pin_length: 6,
            kdf: KdfParams::PRODUCTION,
            low_battery_percent: 20,
            slip_paper: crate::format::Paper::A5,
            printer: None,
            gpu_compositing: false,
            imprest_ksh: crate::planning::DEFAULT_IMPREST_KSH,
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

/// The file's shape: every key optional, defaults fill the rest.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    security: SecuritySection,
    #[serde(default)]
    power: PowerSection,
    #[serde(default)]
    printing: PrintingSection,
    #[serde(default)]
    display: DisplaySection,
    #[serde(default)]
    planning: PlanningSection,
    #[serde(default)]
    privacy: PrivacySection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivacySection {
    retention_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanningSection {
    imprest_ksh: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DisplaySection {
    gpu_compositing: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrintingSection {
    /// `a5` or `receipt80`.
    paper: Option<String>,
    printer: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PowerSection {
    low_battery_percent: Option<u8>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecuritySection {
    idle_lock_secs: Option<u64>,
    free_pin_attempts: Option<u32>,
    lockout_base_secs: Option<u64>,
    lockout_max_secs: Option<u64>,
    min_pin_length: Option<usize>,
    kdf: Option<KdfParams>,
}

/// The standing imprest accepted in the configuration, KSh: from a token amount to far beyond any
/// outreach, well inside what a plan may carry (`planning::MAX_KSH`).
const IMPREST_KSH_MIN: u64 = 1_000;
const IMPREST_KSH_MAX: u64 = 10_000_000;

fn paper(text: &str, source_name: &str) -> Result<crate::format::Paper> {
    crate::format::Paper::parse(text).map_err(|_| CoreError::Config {
        source_name: source_name.to_string(),
        message: format!("printing.paper `{text}` is not a paper: use a5 or receipt80"),
    })
}

impl Config {
    /// Loads `path` if it exists (a missing file means defaults), applies environment overrides read
    /// through `env` (so tests need not touch the process environment), then validates.
    pub fn load(path: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let mut config = Config::default();
        if let Some(path) = path {
            match std::fs::read_to_string(path) {
                Ok(text) => config.apply_file(&text, &path.display().to_string())?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(CoreError::io(path, e)),
            }
        }
        config.apply_env(env)?;
        config.validate()?;
        Ok(config)
    }

    /// Parses TOML text on top of the current values. `source_name` appears in errors.
    pub fn apply_file(&mut self, text: &str, source_name: &str) -> Result<()> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| CoreError::Config {
            source_name: source_name.to_string(),
            message: e.message().to_string(),
        })?;
        if let Some(v) = file.power.low_battery_percent {
            self.low_battery_percent = v;
        }
        if let Some(v) = &file.printing.paper {
            self.slip_paper = paper(v, source_name)?;
        }
        if let Some(v) = file.printing.printer {
            self.printer = Some(v);
        }
        if let Some(v) = file.display.gpu_compositing {
            self.gpu_compositing = v;
        }
        if let Some(v) = file.planning.imprest_ksh {
            self.imprest_ksh = v;
        }
        if let Some(v) = file.privacy.retention_days {
            self.retention_days = v;
        }
        let s = file.security;
        if let Some(v) = s.idle_lock_secs {
            self.idle_lock = Duration::from_secs(v);
        }
        if let Some(v) = s.free_pin_attempts {
            self.free_pin_attempts = v;
        }
        if let Some(v) = s.lockout_base_secs {
            self.lockout_base = Duration::from_secs(v);
        }
        if let Some(v) = s.lockout_max_secs {
            self.lockout_max = Duration::from_secs(v);
        }
        if let Some(v) = s.min_pin_length {
            self.min_pin_length = v;
        }
        if let Some(v) = s.kdf {
            self.kdf = v;
        }
        Ok(())
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<()> {
        fn parse<T: std::str::FromStr>(name: &str, value: &str) -> Result<T> {
            value.trim().parse().map_err(|_| CoreError::Config {
                source_name: format!("environment variable {name}"),
                message: format!("`{value}` is not a valid number"),
            })
        }
        if let Some(v) = env("FIELDKIT_IDLE_LOCK_SECS") {
            self.idle_lock = Duration::from_secs(parse("FIELDKIT_IDLE_LOCK_SECS", &v)?);
        }
        if let Some(v) = env("FIELDKIT_FREE_PIN_ATTEMPTS") {
            self.free_pin_attempts = parse("FIELDKIT_FREE_PIN_ATTEMPTS", &v)?;
        }
        if let Some(v) = env("FIELDKIT_LOCKOUT_BASE_SECS") {
            self.lockout_base = Duration::from_secs(parse("FIELDKIT_LOCKOUT_BASE_SECS", &v)?);
        }
        if let Some(v) = env("FIELDKIT_LOCKOUT_MAX_SECS") {
            self.lockout_max = Duration::from_secs(parse("FIELDKIT_LOCKOUT_MAX_SECS", &v)?);
        }
        if let Some(v) = env("FIELDKIT_KDF_MEMORY_KIB") {
            self.kdf.memory_kib = parse("FIELDKIT_KDF_MEMORY_KIB", &v)?;
        }
        if let Some(v) = env("FIELDKIT_LOW_BATTERY_PERCENT") {
            self.low_battery_percent = parse("FIELDKIT_LOW_BATTERY_PERCENT", &v)?;
        }
        if let Some(v) = env("FIELDKIT_SLIP_PAPER") {
            self.slip_paper = paper(&v, "environment variable FIELDKIT_SLIP_PAPER")?;
        }
        if let Some(v) = env("FIELDKIT_PRINTER") {
            self.printer = Some(v);
        }
        if let Some(v) = env("FIELDKIT_GPU_COMPOSITING") {
            self.gpu_compositing = match v.trim() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    return Err(CoreError::Config {
                        source_name: "environment variable FIELDKIT_GPU_COMPOSITING".into(),
                        message: format!("`{v}` is not 1 or 0"),
                    });
                }
            };
        }
        if let Some(v) = env("FIELDKIT_KDF_ITERATIONS") {
            self.kdf.iterations = parse("FIELDKIT_KDF_ITERATIONS", &v)?;
        }
        if let Some(v) = env("FIELDKIT_IMPREST_KSH") {
            self.imprest_ksh = parse("FIELDKIT_IMPREST_KSH", &v)?;
        }
        if let Some(v) = env("FIELDKIT_RETENTION_DAYS") {
            self.retention_days = parse("FIELDKIT_RETENTION_DAYS", &v)?;
        }
        Ok(())
    }

    /// Refuses settings that would make the kit unsafe or unusable.
    pub fn validate(&self) -> Result<()> {
        let bad = |message: String| Err(CoreError::Config { source_name: "configuration".into(), message });
        if self.idle_lock < Duration::from_secs(30) || self.idle_lock > Duration::from_secs(60 * 60) {
            return bad("security.idle_lock_secs must be between 30 and 3600".into());
        }
        if !(1..=10).contains(&self.free_pin_attempts) {
            return bad("security.free_pin_attempts must be between 1 and 10".into());
        }
        if self.lockout_base.is_zero() || self.lockout_base > self.lockout_max {
            return bad("security.lockout_base_secs must be above 0 and at most lockout_max_secs".into());
        }
        if self.lockout_max > Duration::from_secs(24 * 60 * 60) {
            return bad("security.lockout_max_secs must be at most 86400 (one day)".into());
        }
        if !(4..=12).contains(&self.min_pin_length) {
            return bad("security.min_pin_length must be between 4 and 12".into());
        }
        if !(5..=90).contains(&self.low_battery_percent) {
            return bad("power.low_battery_percent must be between 5 and 90".into());
        }
        // A printer name goes to `lp -d` as one argument: CUPS names are letters, digits, `-`,
        // `_` and `.`, and never start with `-` (which lp would read as an option).
        if let Some(printer) = &self.printer {
            let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
            if printer.is_empty() || printer.starts_with('-') || !printer.chars().all(fine) || printer.len() > 127 {
                return bad(format!("printing.printer `{printer}` is not a printer name (letters, digits, - _ .)"));
            }
        }
        if !(1..=RETENTION_DAYS_MAX).contains(&self.retention_days) {
            return bad(format!("privacy.retention_days must be between 1 and {RETENTION_DAYS_MAX}"));
        }
        if !(IMPREST_KSH_MIN..=IMPREST_KSH_MAX).contains(&self.imprest_ksh) {
            return bad(format!(
                "planning.imprest_ksh must be between {IMPREST_KSH_MIN} and {IMPREST_KSH_MAX} (whole shillings)"
            ));
        }
        let kdf = self.kdf;
        if kdf.memory_kib < KdfParams::INSECURE_FOR_TESTS.memory_kib
            || kdf.memory_kib > 1024 * 1024
            || !(1..=10).contains(&kdf.iterations)
            || !(1..=4).contains(&kdf.parallelism)
        {
            return bad(
                "security.kdf is out of range (memory_kib 8..=1048576, iterations 1..=10, parallelism 1..=4)".into()
            );
        }
        Ok(())
    }

    /// Settings for tests: cheap KDF, default policies otherwise.
    pub fn for_tests() -> Config {
        Config { kdf: KdfParams::INSECURE_FOR_TESTS, ..Config::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_slip_paper_and_printer_are_read_and_checked() {
        let mut config = Config::default();
        config.apply_file("[printing]\npaper = \"receipt80\"\nprinter = \"Tent-Printer_1\"\n", "f.toml").expect("file");
        assert_eq!(
            (config.slip_paper, config.printer.as_deref()),
            (crate::format::Paper::Receipt80, Some("Tent-Printer_1"))
        );
        config.validate().expect("valid");
        let err = config.apply_file("[printing]\npaper = \"A4\"\n", "f.toml").expect_err("no A4 slips");
        assert!(err.to_string().contains("a5 or receipt80"), "{err}");
        config.printer = Some("-o evil".into());
        assert!(config.validate().is_err(), "an option smuggled in as a printer name");
        let from_env =
            Config::load(None, |name| (name == "FIELDKIT_SLIP_PAPER").then(|| "a5".to_string())).expect("env");
        assert_eq!(from_env.slip_paper, crate::format::Paper::A5);
    }

    #[test]
    fn gpu_compositing_is_off_unless_asked_for() {
        assert!(!Config::default().gpu_compositing);
        let mut config = Config::default();
        config.apply_file("[display]\ngpu_compositing = true\n", "f.toml").expect("file");
        assert!(config.gpu_compositing);
        let env =
            |value: &'static str| move |name: &str| (name == "FIELDKIT_GPU_COMPOSITING").then(|| value.to_string());
        assert!(!Config::load(None, env("0")).expect("env").gpu_compositing);
        assert!(Config::load(None, env("maybe")).is_err());
    }

    #[test]
    fn the_low_battery_level_is_read_and_checked() {
        let mut config = Config::default();
        config.apply_file("[power]\nlow_battery_percent = 25\n", "f.toml").expect("file");
        assert_eq!(config.low_battery_percent, 25);
        let env = |name: &str| (name == "FIELDKIT_LOW_BATTERY_PERCENT").then(|| "95".to_string());
        let err = Config::load(None, env).expect_err("out of range");
        assert!(err.to_string().contains("low_battery_percent"), "{err}");
    }

    #[test]
    fn the_standing_imprest_is_read_and_checked() {
        assert_eq!(Config::default().imprest_ksh, 50_000);
        let mut config = Config::default();
        config.apply_file("[planning]\nimprest_ksh = 75000\n", "f.toml").expect("file");
        assert_eq!(config.imprest_ksh, 75_000);
        config.validate().expect("valid");
        let env = |value: &'static str| move |name: &str| (name == "FIELDKIT_IMPREST_KSH").then(|| value.to_string());
        assert_eq!(Config::load(None, env("60000")).expect("env").imprest_ksh, 60_000);
        for bad in ["0", "999", "10000001", "-5", "lots"] {
            let err = Config::load(None, env(bad)).expect_err(bad);
            assert_eq!(err.code(), "config", "{bad}");
        }
        assert!(Config::load(None, env("0")).expect_err("zero").to_string().contains("planning.imprest_ksh"));
        let err = config.apply_file("[planning]\nimprest = 1\n", "f.toml").expect_err("unknown key");
        assert!(err.to_string().contains("imprest"), "{err}");
    }

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::load(Some(&dir.path().join("absent.toml")), no_env).expect("load");
        assert_eq!(config, Config::default());
    }

    #[test]
    fn file_then_env_override() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fieldkit.toml");
        std::fs::write(&path, "[security]\nidle_lock_secs = 120\nfree_pin_attempts = 5\n").expect("write");
        let env = |name: &str| (name == "FIELDKIT_IDLE_LOCK_SECS").then(|| "90".to_string());
        let config = Config::load(Some(&path), env).expect("load");
        assert_eq!(config.idle_lock, Duration::from_secs(90));
        assert_eq!(config.free_pin_attempts, 5);
    }

    #[test]
    fn unknown_key_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fieldkit.toml");
        std::fs::write(&path, "[security]\nidle_lock = 120\n").expect("write");
        let err = Config::load(Some(&path), no_env).expect_err("must refuse");
        assert_eq!(err.code(), "config");
        assert!(err.to_string().contains("fieldkit.toml"), "{err}");
        assert!(err.to_string().contains("idle_lock"), "{err}");
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let env = |name: &str| (name == "FIELDKIT_IDLE_LOCK_SECS").then(|| "5".to_string());
        assert_eq!(Config::load(None, env).expect_err("too short").code(), "config");
        let env = |name: &str| (name == "FIELDKIT_FREE_PIN_ATTEMPTS").then(|| "many".to_string());
        let err = Config::load(None, env).expect_err("not a number");
        assert!(err.to_string().contains("FIELDKIT_FREE_PIN_ATTEMPTS"), "{err}");
    }
}
