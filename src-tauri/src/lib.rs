//! The Huduma Mashinani Field Kit desktop app: a Tauri 2 shell over `fieldkit_core`.
//!
//! - [`commands`] — what the webview may call (nothing else: build.rs, capabilities/);
//! - [`state`] — the profile, the signed-in session, the language, the background sync;
//! - [`sync`] — the sync thread and its events; [`device`] — battery, power, disk, link;
//! - [`provisioning`] — the ICT officer installs the laptop's provisioning bundle;
//! - [`error`] — errors as the UI receives them.
//!
//! Where the profile lives: `FIELDKIT_DATA_DIR`, else `$XDG_DATA_HOME/huduma-fieldkit/production`;
//! configuration from `FIELDKIT_CONFIG` or `$XDG_CONFIG_HOME/huduma-fieldkit/fieldkit.toml` with
//! `FIELDKIT_*` overrides. `FIELDKIT_DEMO=1` marks a trainer's demo profile on every screen.

pub mod commands;
pub mod device;
pub mod error;
pub mod printing;
pub mod provisioning;
pub mod state;
pub mod sync;

use fieldkit_core::{Config, Profile, paths};
use std::path::PathBuf;
use tauri::Manager;

fn profile() -> Result<(Profile, bool), String> {
    let config_path = std::env::var_os("FIELDKIT_CONFIG").map(PathBuf::from).or_else(paths::default_config_file);
    let config = Config::load(config_path.as_deref(), |name| std::env::var(name).ok()).map_err(|e| e.to_string())?;
    let data_dir = std::env::var_os("FIELDKIT_DATA_DIR")
        .map(PathBuf::from)
        .or_else(paths::default_data_dir)
        .ok_or("cannot work out a data directory: set FIELDKIT_DATA_DIR or HOME")?;
    let demo = std::env::var("FIELDKIT_DEMO").is_ok_and(|v| v == "1");
    Ok((Profile::new(data_dir, config), demo))
}

/// Renders the webview without the GPU: a page of forms needs none, and on the laptops' weak
/// integrated graphics (and under Xvfb) accelerated compositing keeps the web process busy even
/// when nothing changes. `[display] gpu_compositing = true` turns it back on.
fn software_rendering(app: &tauri::App) {
    #[cfg(target_os = "linux")]
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.with_webview(|webview| {
            use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
    }
}

pub fn run() {
    let (profile, demo) = match profile() {
        Ok(found) => found,
        Err(message) => {
            eprintln!("huduma-fieldkit: {message}");
            std::process::exit(2);
        }
    };
    let result = tauri::Builder::default()
        .manage(state::AppState::new(profile, demo))
        .setup(|app| {
            if !app.state::<state::AppState>().profile.config().gpu_compositing {
                software_rendering(app);
            }
            let handle = app.handle().clone();
            std::thread::Builder::new().name("device-monitor".into()).spawn(move || device::monitor(handle))?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::sign_in,
            commands::sign_out,
            commands::lock,
            commands::unlock,
            commands::set_language,
            commands::home,
            commands::catalogue,
            commands::find_citizens,
            commands::register_citizen,
            commands::check_application,
            commands::save_application,
            commands::edit_application,
            commands::submit_application,
            commands::citizen,
            commands::applications,
            commands::application,
            commands::sync_now,
            commands::sync_state,
            commands::device_status,
            commands::print_slip,
            commands::day_report,
            commands::outreach_plans,
            commands::check_outreach_plan,
            commands::save_outreach_plan,
            commands::export_outreach_plan,
            commands::record_feedback,
            provisioning::import_provisioning_bundle,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("huduma-fieldkit: {e}");
        std::process::exit(1);
    }
}
