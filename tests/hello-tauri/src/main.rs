//! A hello-world Tauri 2 app: the reference `tests/benches/app.rs` measures the Field Kit against.
//! Built like `huduma-fieldkit` (same Tauri version and features, same release profile, same
//! window size) and with the webview setting the Field Kit applies by default (software
//! rendering, see `software_rendering` in src-tauri/src/lib.rs); its page is one heading.

// As huduma-fieldkit: no console window on Windows release builds; Linux is unaffected.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::Manager;

fn main() {
    let result = tauri::Builder::default()
        .setup(|app| {
            // As huduma-fieldkit does unless `[display] gpu_compositing = true`.
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.with_webview(|webview| {
                    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
                    if let Some(settings) = webview.inner().settings() {
                        settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                    }
                });
            }
            #[cfg(not(target_os = "linux"))]
            let _ = app;
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("hello-tauri: {e}");
        std::process::exit(1);
    }
}
