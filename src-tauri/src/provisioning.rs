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
