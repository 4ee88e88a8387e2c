//! The Huduma Mashinani Field Kit desktop app: a Tauri 2 shell over `fieldkit_core`.
//!
//! - [`commands`] — what the webview may call (nothing else: crates/app-api/commands.txt,
//!   build.rs, capabilities/), each one line over `fieldkit_app_api`, which holds the state
//!   ([`fieldkit_app_api::App`]), the views and the errors;
//! - [`sync`] — the sync thread and its events; [`device`] — battery, power, disk, link;
//! - [`printing`] — slips through CUPS.
//!
//! Where the profile lives: `FIELDKIT_DATA_DIR`, else `$XDG_DATA_HOME/huduma-fieldkit/production`;
//! configuration from `FIELDKIT_CONFIG` or `$XDG_CONFIG_HOME/huduma-fieldkit/fieldkit.toml` with
//! `FIELDKIT_*` overrides.
//!
//! Training mode (`--demo`, or `FIELDKIT_DEMO=1`): the trainers' demo profile, always in its own
//! directory (`FIELDKIT_TRAINING_DIR`, else `$XDG_DATA_HOME/huduma-fieldkit/demo`; never
//! `FIELDKIT_DATA_DIR`), created as a training profile on first start (`fieldkit_core::demo`), enrolled
//! with the local demo server when `FIELDKIT_DEMO_ENROLMENT` names its (training) enrolment file.

pub mod commands;
pub mod device;
pub mod printing;
pub mod sync;

use fieldkit_core::{Config, Profile, paths};
use std::path::PathBuf;
use tauri::Manager;

struct Start {
    profile: Profile,
    demo: bool,
    demo_enrolment: Option<fieldkit_protocol::Enrolment>,
}

fn start() -> Result<Start, String> {
    let config_path = std::env::var_os("FIELDKIT_CONFIG").map(PathBuf::from).or_else(paths::default_config_file);
    let config = Config::load(config_path.as_deref(), |name| std::env::var(name).ok()).map_err(|e| e.to_string())?;
    let demo = std::env::args().any(|a| a == "--demo") || std::env::var("FIELDKIT_DEMO").is_ok_and(|v| v == "1");
    if !demo {
        let data_dir = std::env::var_os("FIELDKIT_DATA_DIR")
            .map(PathBuf::from)
            .or_else(paths::default_data_dir)
            .ok_or("cannot work out a data directory: set FIELDKIT_DATA_DIR or HOME")?;
        return Ok(Start { profile: Profile::new(data_dir, config), demo, demo_enrolment: None });
    }
    let demo_dir = std::env::var_os("FIELDKIT_TRAINING_DIR")
        .map(PathBuf::from)
        .or_else(paths::demo_data_dir)
        .ok_or("cannot work out the training data directory: set FIELDKIT_TRAINING_DIR or HOME")?;
    let demo_enrolment = match std::env::var_os("FIELDKIT_DEMO_ENROLMENT") {
        None => None,
        Some(path) => {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", PathBuf::from(&path).display()))?;
            Some(toml::from_str(&text).map_err(|e| format!("{}: {e}", PathBuf::from(&path).display()))?)
        }
    };
    let profile = fieldkit_core::demo::profile(&demo_dir, config);
    if !profile.exists() {
        let today = fieldkit_core::clock::kenyan_date(time::OffsetDateTime::now_utc());
        fieldkit_core::demo::start(&profile, fieldkit_core::demo::Scenario::FirstDay, today, demo_enrolment.as_ref())
            .map_err(|e| format!("could not prepare the training profile: {e}"))?;
    }
    Ok(Start { profile, demo, demo_enrolment })
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
    let Start { profile, demo, demo_enrolment } = match start() {
        Ok(found) => found,
        Err(message) => {
            eprintln!("huduma-fieldkit: {message}");
            std::process::exit(2);
        }
    };
    let result = tauri::Builder::default()
        .manage(fieldkit_app_api::App::new(profile, demo, demo_enrolment))
        .setup(|app| {
            if !app.state::<fieldkit_app_api::App>().profile.config().gpu_compositing {
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
            commands::import_provisioning_bundle,
            commands::set_up_laptop,
            commands::training,
            commands::start_scenario,
            commands::switch_mode,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("huduma-fieldkit: {e}");
        std::process::exit(1);
    }
}
