//! The commands the webview may call (and only these: crates/app-api/commands.txt, build.rs and
//! capabilities/). Each is one line over `fieldkit_app_api`, where the work and the views are;
//! only what needs the Tauri runtime (starting the background sync, printing, the device's
//! status, restarting in the other mode) is done here.

use fieldkit_app_api::{self as api, Answer, App};
use fieldkit_core::{Application, ApplicationState, Catalogue, Citizen, CoreError, NewApplication, NewCitizen};
use fieldkit_protocol::{FeedbackRecord, OutreachPlan};
use tauri::{AppHandle, Emitter, State};
use uuid::Uuid;

#[tauri::command]
pub async fn app_info(app: State<'_, App>) -> Answer<api::session::AppInfo> {
    api::session::app_info(&app)
}

/// Signs in and starts the officer's background sync when the laptop is enrolled.
#[tauri::command]
pub async fn sign_in(
    window: AppHandle,
    app: State<'_, App>,
    number: String,
    pin: String,
) -> Answer<api::session::OfficerView> {
    let signed_in = api::session::sign_in(&app, &number, &pin)?;
    if let Some(background) = signed_in.background {
        let sync = crate::sync::start(background, window, &app)
            .map_err(|e| app.ui(CoreError::Io { path: "sync thread".into(), source: e }))?;
        app.replace_sync(Some(sync));
    }
    Ok(signed_in.officer)
}

#[tauri::command]
pub async fn sign_out(app: State<'_, App>) -> Answer<()> {
    api::session::sign_out(&app)
}

#[tauri::command]
pub async fn lock(app: State<'_, App>) -> Answer<()> {
    api::session::lock(&app)
}

#[tauri::command]
pub async fn unlock(app: State<'_, App>, pin: String) -> Answer<api::session::OfficerView> {
    api::session::unlock(&app, &pin)
}

#[tauri::command]
pub async fn set_language(app: State<'_, App>, lang: String) -> Answer<fieldkit_core::Lang> {
    api::session::set_language(&app, &lang)
}

#[tauri::command]
pub async fn home(app: State<'_, App>) -> Answer<api::session::HomeView> {
    api::session::home(&app)
}

#[tauri::command]
pub async fn catalogue(app: State<'_, App>) -> Answer<Catalogue> {
    api::applications::catalogue(&app)
}

#[tauri::command]
pub async fn find_citizens(app: State<'_, App>, query: String) -> Answer<Vec<Citizen>> {
    api::applications::find_citizens(&app, &query)
}

#[tauri::command]
pub async fn register_citizen(app: State<'_, App>, citizen: NewCitizen) -> Answer<Citizen> {
    api::applications::register_citizen(&app, &citizen)
}

#[tauri::command]
pub async fn check_application(
    app: State<'_, App>,
    application: NewApplication,
    draft: Option<Uuid>,
) -> Answer<api::applications::FormCheckView> {
    api::applications::check_application(&app, &application, draft)
}

#[tauri::command]
pub async fn save_application(
    app: State<'_, App>,
    application: NewApplication,
    submit: bool,
) -> Answer<api::applications::ApplicationView> {
    api::applications::save_application(&app, &application, submit)
}

#[tauri::command]
pub async fn edit_application(
    app: State<'_, App>,
    id: Uuid,
    form: serde_json::Map<String, serde_json::Value>,
) -> Answer<api::applications::ApplicationView> {
    api::applications::edit_application(&app, id, form)
}

#[tauri::command]
pub async fn submit_application(app: State<'_, App>, id: Uuid) -> Answer<api::applications::ApplicationView> {
    api::applications::submit_application(&app, id)
}

#[tauri::command]
pub async fn citizen(app: State<'_, App>, id: Uuid) -> Answer<Citizen> {
    api::applications::citizen(&app, id)
}

#[tauri::command]
pub async fn applications(
    app: State<'_, App>,
    filter: Option<ApplicationState>,
) -> Answer<Vec<api::applications::ApplicationView>> {
    api::applications::applications(&app, filter)
}

#[tauri::command]
pub async fn application(app: State<'_, App>, id: String) -> Answer<Application> {
    api::applications::application(&app, &id)
}

#[tauri::command]
pub async fn sync_now(app: State<'_, App>) -> Answer<()> {
    api::sync::sync_now(&app)
}

#[tauri::command]
pub async fn sync_state(app: State<'_, App>) -> Answer<api::sync::SyncView> {
    api::sync::sync_state(&app)
}

#[tauri::command]
pub async fn device_status(app: State<'_, App>) -> Answer<api::device::DeviceStatus> {
    Ok(crate::device::read_for(&app))
}

/// Prints the acknowledgement slip of a saved application (by id or reference) on the
/// configured or default printer, or saves the PDF and says where.
#[tauri::command]
pub async fn print_slip(app: State<'_, App>, id: String) -> Answer<api::documents::PrintView> {
    let slip = api::documents::slip(&app, &id)?;
    let name = slip.reference.clone();
    let outcome = tauri::async_runtime::spawn_blocking(move || {
        crate::printing::print_or_save(&slip.pdf, &name, slip.printer.as_deref(), &slip.save_dir)
    })
    .await
    .map_err(|e| app.ui(CoreError::DocumentFailed(e.to_string())))?
    .map_err(|e| app.ui(CoreError::Io { path: "slips".into(), source: e }))?;
    Ok(api::documents::PrintView { reference: slip.reference, outcome })
}

#[tauri::command]
pub async fn day_report(app: State<'_, App>, date: Option<String>) -> Answer<api::documents::ReportView> {
    api::documents::day_report(&app, date.as_deref())
}

#[tauri::command]
pub async fn outreach_plans(app: State<'_, App>) -> Answer<api::planning::PlansView> {
    api::planning::outreach_plans(&app)
}

#[tauri::command]
pub async fn check_outreach_plan(app: State<'_, App>, plan: OutreachPlan) -> Answer<api::planning::PlanCheckView> {
    api::planning::check_outreach_plan(&app, &plan)
}

#[tauri::command]
pub async fn save_outreach_plan(
    app: State<'_, App>,
    plan: OutreachPlan,
    allow_clashes: bool,
) -> Answer<api::planning::PlanSavedView> {
    api::planning::save_outreach_plan(&app, plan, allow_clashes)
}

#[tauri::command]
pub async fn export_outreach_plan(app: State<'_, App>, id: Uuid) -> Answer<api::planning::PlanExportView> {
    api::planning::export_outreach_plan(&app, id)
}

#[tauri::command]
pub async fn record_feedback(
    app: State<'_, App>,
    feedback: fieldkit_core::feedback::NewFeedback,
) -> Answer<FeedbackRecord> {
    api::feedback::record_feedback(&app, &feedback)
}

#[tauri::command]
pub async fn import_provisioning_bundle(
    app: State<'_, App>,
    path: String,
    code: String,
) -> Answer<api::provisioning::EnrolledView> {
    api::provisioning::import_provisioning_bundle(&app, &path, &code)
}

#[tauri::command]
pub async fn set_up_laptop(
    app: State<'_, App>,
    number: String,
    name: String,
    pin: String,
    path: String,
    code: String,
) -> Answer<api::provisioning::EnrolledView> {
    api::provisioning::set_up_laptop(&app, &number, &name, &pin, &path, &code)
}

#[tauri::command]
pub async fn training(app: State<'_, App>) -> Answer<api::training::TrainingView> {
    api::training::training(&app)
}

/// Starts a scenario; the status bar shows its battery now, not at the next reading.
#[tauri::command]
pub async fn start_scenario(
    window: AppHandle,
    app: State<'_, App>,
    scenario: String,
) -> Answer<api::training::StartedView> {
    let started = api::training::start_scenario(&app, &scenario)?;
    let _ = window.emit(api::device::DEVICE_EVENT, crate::device::read_for(&app));
    Ok(started)
}

/// Starts the app again in the other mode (training when `training`), then closes this one: the
/// switch restarts rather than swapping profiles under a running window, so training and
/// production never share a process's state.
#[tauri::command]
pub async fn switch_mode(window: AppHandle, app: State<'_, App>, training: bool) -> Answer<()> {
    let exe = std::env::current_exe().map_err(|e| app.ui(CoreError::Io { path: "the app".into(), source: e }))?;
    let mut command = std::process::Command::new(exe);
    if training {
        command.arg("--demo");
    }
    // The new window must not inherit this mode's choice (the data directories are separate
    // whatever the environment says: see `lib.rs`).
    command.env_remove("FIELDKIT_DEMO");
    command.spawn().map_err(|e| app.ui(CoreError::Io { path: "the app".into(), source: e }))?;
    app.sign_out();
    window.exit(0);
    Ok(())
}
