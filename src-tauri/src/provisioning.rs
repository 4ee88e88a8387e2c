//! The ICT officer installs the laptop's provisioning bundle from the app: the file from
//! headquarters (`huduma-sync device enrol --sealed`) and the one-time code given separately.
//! The core opens and checks it (`fieldkit_core::provisioning`, the same as `fieldkit enrol`);
//! this command only passes the path and code through.
//!
//! No background sync is started here: only an ICT officer may enrol, and an ICT officer may not
//! read applications, so cannot send them. The next officer who signs in starts it, as sign-in
//! does on any enrolled laptop.

use crate::error::UiError;
use crate::state::AppState;
use serde::Serialize;
use std::path::PathBuf;
use tauri::State;

#[derive(Debug, Serialize)]
pub struct EnrolledView {
    pub device_id: String,
    pub server_url: String,
}

/// Installs the provisioning bundle (or plaintext enrolment file) at `path`, opened with `code`.
/// ICT officer only (the core refuses others). A wrong code, a changed file or a bundle for
/// another laptop changes nothing.
#[tauri::command]
pub async fn import_provisioning_bundle(
    state: State<'_, AppState>,
    path: String,
    code: String,
) -> Result<EnrolledView, UiError> {
    // A path pasted from a file manager may carry surrounding spaces or quotes.
    let path = PathBuf::from(path.trim().trim_matches(|c| c == '"' || c == '\''));
    let enrolment = state.with_session(|s| fieldkit_core::provisioning::import(s, &path, Some(&code)))?;
    Ok(EnrolledView { device_id: enrolment.device_id, server_url: enrolment.server_url })
}

/// First start: no profile on this laptop yet. The ICT officer names themself, chooses a PIN, and
/// gives the provisioning bundle and its one-time code; the core opens the bundle first and
/// creates nothing unless it opens and suits this app's mode. The officer then signs in as usual.
#[tauri::command]
pub async fn set_up_laptop(
    state: State<'_, AppState>,
    number: String,
    name: String,
    pin: String,
    path: String,
    code: String,
) -> Result<EnrolledView, UiError> {
    let path = PathBuf::from(path.trim().trim_matches(|c| c == '"' || c == '\''));
    let ict = fieldkit_core::NewOfficer {
        number: number.trim().to_string(),
        display_name: name.trim().to_string(),
        role: fieldkit_core::Role::IctOfficer,
    };
    // The session ends here: the officer signs in as on every start.
    let (_session, enrolled) =
        fieldkit_core::provisioning::set_up_laptop(&state.profile, &ict, &pin, &path, Some(&code))
            .map_err(|e| state.ui(e))?;
    Ok(EnrolledView { device_id: enrolled.device_id, server_url: enrolled.server_url })
}
