//! `huduma-sync`'s configuration: a TOML file, then `HUDUMA_SYNC_*` environment overrides, then
//! validation, all before anything listens or opens a database. Relative paths in the file are
//! relative to the file, so a deployment directory can be moved whole.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageConfig {
    /// One SQLite file: the embedded default, for a single server.
    Sqlite { path: PathBuf },
    /// A libpq-style connection string (`host=/run/postgresql dbname=huduma`): for production and
    /// for several server nodes behind a load balancer.
    Postgres { url: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub pki_dir: PathBuf,
    /// A tracing filter, e.g. `info` or `huduma_sync=debug`.
    pub log: String,
    pub storage: StorageConfig,
    pub console: ConsoleConfig,
}

/// The MDA review console (`[console]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConfig {
    /// Where browsers reach it over HTTPS; `None` leaves the console off.
    pub listen: Option<SocketAddr>,
    pub idle_timeout: std::time::Duration,
    pub session_lifetime: std::time::Duration,
    /// Where accepted applications are delivered, per MDA (`[[console.delivery]]`).
    pub deliveries: Vec<DeliveryConfig>,
}

/// One MDA's endpoint for the outbound adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryConfig {
    pub mda: String,
    /// `https://` only.
    pub url: String,
    /// PEM certificates to trust for this endpoint (no system roots are used).
    pub ca_file: PathBuf,
    /// The environment variable holding a bearer token, if the endpoint wants one (secrets stay
    /// out of the file).
    pub token_env: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    listen: Option<String>,
    pki_dir: Option<PathBuf>,
    log: Option<String>,
    #[serde(default)]
    storage: StorageSection,
    #[serde(default)]
    console: ConsoleSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsoleSection {
    listen: Option<String>,
    idle_minutes: Option<u64>,
    session_hours: Option<u64>,
    #[serde(default)]
    delivery: Vec<DeliverySection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliverySection {
    mda: String,
    url: String,
    ca_file: PathBuf,
    token_env: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageSection {
    backend: Option<String>,
    path: Option<PathBuf>,
    url: Option<String>,
}

impl Config {
    /// Reads `path` (if given), applies overrides from `env`, validates. `env` is a parameter so
    /// tests need not touch the process environment.
    pub fn load(path: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let (file, base) = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
                let file: File = toml::from_str(&text)
                    .map_err(|e| ConfigError::Parse { path: path.to_path_buf(), message: e.to_string() })?;
                (file, path.parent().map(Path::to_path_buf).unwrap_or_default())
            }
            None => (File::default(), PathBuf::new()),
        };
        let resolve = |p: PathBuf| if p.is_relative() { base.join(p) } else { p };

        let listen_text = env("HUDUMA_SYNC_LISTEN").or(file.listen).unwrap_or_else(|| "127.0.0.1:8443".into());
        let listen = listen_text.parse().map_err(|_| {
            ConfigError::Invalid(format!("listen = {listen_text:?} is not an address:port such as 0.0.0.0:8443"))
        })?;
        let pki_dir = match env("HUDUMA_SYNC_PKI_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => resolve(file.pki_dir.unwrap_or_else(|| "pki".into())),
        };
        let log = env("HUDUMA_SYNC_LOG").or(file.log).unwrap_or_else(|| "info".into());
        tracing_subscriber::EnvFilter::try_new(&log)
            .map_err(|e| ConfigError::Invalid(format!("log = {log:?} is not a tracing filter: {e}")))?;

        let backend = env("HUDUMA_SYNC_STORAGE").or(file.storage.backend).unwrap_or_else(|| "sqlite".into());
        let storage = match backend.as_str() {
            "sqlite" => {
                let path = match env("HUDUMA_SYNC_SQLITE_PATH") {
                    Some(path) => PathBuf::from(path),
                    None => resolve(file.storage.path.unwrap_or_else(|| "huduma-sync.db".into())),
                };
                StorageConfig::Sqlite { path }
            }
            "postgres" => {
                let url = env("HUDUMA_SYNC_POSTGRES_URL").or(file.storage.url).ok_or_else(|| {
                    ConfigError::Invalid(
                        "storage.backend = \"postgres\" needs storage.url (or HUDUMA_SYNC_POSTGRES_URL)".into(),
                    )
                })?;
                StorageConfig::Postgres { url }
            }
            other => {
                return Err(ConfigError::Invalid(format!(
                    "storage.backend = {other:?}: use \"sqlite\" or \"postgres\""
                )));
            }
        };
        let console = ConsoleConfig::from_section(file.console, &env, &resolve)?;
        Ok(Config { listen, pki_dir, log, storage, console })
    }
}

impl ConsoleConfig {
    fn from_section(
        section: ConsoleSection,
        env: &impl Fn(&str) -> Option<String>,
        resolve: &impl Fn(PathBuf) -> PathBuf,
    ) -> Result<ConsoleConfig, ConfigError> {
        let listen = match env("HUDUMA_SYNC_CONSOLE_LISTEN").or(section.listen) {
            None => None,
            Some(text) => Some(text.parse().map_err(|_| {
                ConfigError::Invalid(format!("console.listen = {text:?} is not an address:port such as 0.0.0.0:9443"))
            })?),
        };
        let idle = section.idle_minutes.unwrap_or(15);
        if !(1..=240).contains(&idle) {
            return Err(ConfigError::Invalid(format!("console.idle_minutes = {idle}: use 1 to 240")));
        }
        let hours = section.session_hours.unwrap_or(8);
        if !(1..=24).contains(&hours) {
            return Err(ConfigError::Invalid(format!("console.session_hours = {hours}: use 1 to 24")));
        }
        let mut deliveries = Vec::new();
        for delivery in section.delivery {
            if !delivery.url.starts_with("https://") {
                return Err(ConfigError::Invalid(format!(
                    "console.delivery for {}: url {:?} must start with https://",
                    delivery.mda, delivery.url
                )));
            }
            if deliveries.iter().any(|d: &DeliveryConfig| d.mda == delivery.mda) {
                return Err(ConfigError::Invalid(format!("console.delivery: {} is configured twice", delivery.mda)));
            }
            deliveries.push(DeliveryConfig {
                mda: delivery.mda,
                url: delivery.url,
                ca_file: resolve(delivery.ca_file),
                token_env: delivery.token_env,
            });
        }
        Ok(ConsoleConfig {
            listen,
            idle_timeout: std::time::Duration::from_secs(idle * 60),
            session_lifetime: std::time::Duration::from_secs(hours * 3600),
            deliveries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("huduma-sync.toml");
        std::fs::write(&path, text).expect("write");
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::load(Some(&path), |name| env.get(name).cloned()).map(|mut c| {
            // Make paths comparable across temp dirs.
            c.pki_dir = c.pki_dir.strip_prefix(dir.path()).map(Path::to_path_buf).unwrap_or(c.pki_dir);
            if let StorageConfig::Sqlite { path } = &mut c.storage {
                *path = path.strip_prefix(dir.path()).map(Path::to_path_buf).unwrap_or(path.clone());
            }
            c
        })
    }

    #[test]
    fn defaults_are_local_and_relative_to_the_file() {
        let config = load("", &[]).expect("config");
        assert_eq!(config.listen, "127.0.0.1:8443".parse().expect("addr"));
        assert_eq!(config.pki_dir, PathBuf::from("pki"));
        assert_eq!(config.storage, StorageConfig::Sqlite { path: "huduma-sync.db".into() });
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let text = "listen = \"0.0.0.0:9000\"\n[storage]\nbackend = \"sqlite\"\npath = \"a.db\"\n";
        let config = load(
            text,
            &[
                ("HUDUMA_SYNC_LISTEN", "127.0.0.1:7000"),
                ("HUDUMA_SYNC_STORAGE", "postgres"),
                ("HUDUMA_SYNC_POSTGRES_URL", "host=/tmp dbname=huduma"),
            ],
        )
        .expect("config");
        assert_eq!(config.listen.port(), 7000);
        assert_eq!(config.storage, StorageConfig::Postgres { url: "host=/tmp dbname=huduma".into() });
    }

    #[test]
    fn mistakes_are_named() {
        let unknown = load("lisen = \"0.0.0.0:1\"", &[]).expect_err("typo");
        assert!(unknown.to_string().contains("lisen"), "{unknown}");
        let address = load("listen = \"everywhere\"", &[]).expect_err("address");
        assert!(address.to_string().contains("everywhere"), "{address}");
        let backend = load("[storage]\nbackend = \"mysql\"", &[]).expect_err("backend");
        assert!(backend.to_string().contains("mysql"), "{backend}");
        let no_url = load("[storage]\nbackend = \"postgres\"", &[]).expect_err("url");
        assert!(no_url.to_string().contains("storage.url"), "{no_url}");
        let log = load("log = \"[[[\"", &[]).expect_err("log");
        assert!(log.to_string().contains("tracing filter"), "{log}");
        let console = load("[console]\nlisten = \"nowhere\"", &[]).expect_err("console listen");
        assert!(console.to_string().contains("console.listen"), "{console}");
        let idle = load("[console]\nidle_minutes = 0", &[]).expect_err("idle");
        assert!(idle.to_string().contains("idle_minutes"), "{idle}");
        let http = load("[[console.delivery]]\nmda = \"sha\"\nurl = \"http://sha\"\nca_file = \"ca.pem\"", &[])
            .expect_err("plain http");
        assert!(http.to_string().contains("https://"), "{http}");
    }

    #[test]
    fn the_console_is_off_unless_it_has_an_address() {
        let off = load("", &[]).expect("config");
        assert_eq!(off.console.listen, None);
        assert_eq!(off.console.idle_timeout.as_secs(), 15 * 60);
        let on = load("[console]\nidle_minutes = 5\n[[console.delivery]]\nmda = \"sha\"\nurl = \"https://sha.example/intake\"\nca_file = \"sha.pem\"\ntoken_env = \"SHA_TOKEN\"", &[("HUDUMA_SYNC_CONSOLE_LISTEN", "127.0.0.1:9443")])
            .expect("config");
        assert_eq!(on.console.listen.map(|a| a.port()), Some(9443));
        assert_eq!(on.console.idle_timeout.as_secs(), 300);
        assert_eq!(on.console.deliveries.len(), 1);
        assert!(on.console.deliveries[0].ca_file.ends_with("sha.pem"));
    }
}
