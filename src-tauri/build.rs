//! Generates the app's permission set: the webview may call exactly these commands (each gets an
//! `allow-<name>` permission, granted in capabilities/default.json) and nothing else.

const COMMANDS: &[&str] = &[
    "app_info",
    "sign_in",
    "sign_out",
    "lock",
    "unlock",
    "set_language",
    "home",
    "catalogue",
    "find_citizens",
    "register_citizen",
    "check_application",
    "save_application",
    "edit_application",
    "submit_application",
    "citizen",
    "print_slip",
    "day_report",
    "applications",
    "application",
    "sync_now",
    "sync_state",
    "device_status",
    "outreach_plans",
    "check_outreach_plan",
    "save_outreach_plan",
    "export_outreach_plan",
    "record_feedback",
    "import_provisioning_bundle",
    "set_up_laptop",
    "training",
    "start_scenario",
    "switch_mode",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri build: {e:#}"));
}
