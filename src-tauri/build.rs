//! Generates the app's permission set: the webview may call exactly the commands listed in
//! crates/app-api/commands.txt (each gets an `allow-<name>` permission, granted in
//! capabilities/default.json) and nothing else. The list is read as text rather than through the
//! fieldkit-app-api crate so the build script does not compile the store.

const COMMANDS_FILE: &str = "../crates/app-api/commands.txt";

fn main() {
    println!("cargo:rerun-if-changed={COMMANDS_FILE}");
    let text = std::fs::read_to_string(COMMANDS_FILE).unwrap_or_else(|e| panic!("{COMMANDS_FILE}: {e}"));
    let commands: Vec<&'static str> =
        text.leak().lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect();
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands.leak())),
    )
    .unwrap_or_else(|e| panic!("tauri build: {e:#}"));
}
