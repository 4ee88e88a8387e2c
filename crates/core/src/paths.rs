//! Where a profile lives by default, following the XDG base directory conventions.

use std::path::PathBuf;

const APP_DIR: &str = "huduma-fieldkit";

fn xdg(var: &str, fallback_under_home: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => std::env::var_os("HOME").map(|home| PathBuf::from(home).join(fallback_under_home)),
    }
}

/// `$XDG_DATA_HOME/huduma-fieldkit/production`; the trainers' demo profile sits beside it.
pub fn default_data_dir() -> Option<PathBuf> {
    xdg("XDG_DATA_HOME", ".local/share").map(|d| d.join(APP_DIR).join("production"))
}

/// `$XDG_DATA_HOME/huduma-fieldkit/demo`: the trainers' demo profile, never the production one.
pub fn demo_data_dir() -> Option<PathBuf> {
    xdg("XDG_DATA_HOME", ".local/share").map(|d| d.join(APP_DIR).join("demo"))
}

/// `$XDG_CONFIG_HOME/huduma-fieldkit/fieldkit.toml`; absent is fine (defaults apply).
pub fn default_config_file() -> Option<PathBuf> {
    xdg("XDG_CONFIG_HOME", ".config").map(|d| d.join(APP_DIR).join("fieldkit.toml"))
}
