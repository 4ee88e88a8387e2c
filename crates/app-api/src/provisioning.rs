//! The ICT officer installs the laptop's provisioning bundle: the file from headquarters
//! (`huduma-sync device enrol --sealed`) and the one-time code given separately. The core opens
//! and checks it (`fieldkit_core::provisioning`, the same as `fieldkit enrol`); this only passes
//! the path and code through.
//!
//! No background sync is started here: only an ICT officer may enrol, and an ICT officer may not
//! read applications, so cannot send them. The next officer who signs in starts it, as sign-in
//! does on any enrolled laptop.

use crate::app::App;
use crate::error::Answer;
use schemars::JsonSchema;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Serialize, JsonSchema)]
pub struct EnrolledView {
    pub device_id: String,
    pub server_url: String,
}

/// A path pasted from a file manager may carry surrounding spaces or quotes.
fn pasted_path(path: &str) -> PathBuf {
    PathBuf::from(path.trim().trim_matches(|c| c == '"' || c == '\''))
}

/// Installs the provisioning bundle (or plaintext enrolment file) at `path`, opened with `code`.
/// ICT officer only (the core refuses others). A wrong code, a changed file or a bundle for
/// another laptop changes nothing.
pub fn import_provisioning_bundle(app: &App, path: &str, code: &str) -> Answer<EnrolledView> {
    let path = pasted_path(path);
    let enrolment = app.with_session(|s| fieldkit_core::provisioning::import(s, &path, Some(code)))?;
    Ok(EnrolledView { device_id: enrolment.device_id, server_url: enrolment.server_url })
}

/// First start: no profile on this laptop yet. The ICT officer names themself, chooses a PIN, and
/// gives the provisioning bundle and its one-time code; the core opens the bundle first and
/// creates nothing unless it opens and suits this app's mode. The officer then signs in as usual.
pub fn set_up_laptop(app: &App, number: &str, name: &str, pin: &str, path: &str, code: &str) -> Answer<EnrolledView> {
    let path = pasted_path(path);
    let ict = fieldkit_core::NewOfficer {
        number: number.trim().to_string(),
        display_name: name.trim().to_string(),
        role: fieldkit_core::Role::IctOfficer,
    };
    // The session ends here: the officer signs in as on every start.
    let (_session, enrolled) = fieldkit_core::provisioning::set_up_laptop(&app.profile, &ict, pin, &path, Some(code))
        .map_err(|e| app.ui(e))?;
    Ok(EnrolledView { device_id: enrolled.device_id, server_url: enrolled.server_url })
}
