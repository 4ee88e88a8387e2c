//! Training mode: the trainer's panel (scenarios started and restarted in one click, the demo
//! officers' public PINs) and the switch between training and real work. Only translation here;
//! the scenarios themselves are `fieldkit_core::demo`.
//!
//! The switch starts the app again with or without `--demo` rather than swapping profiles under a
//! running window: training and production never share a process's state.

use crate::error::UiError;
use crate::state::AppState;
use fieldkit_core::CoreError;
use fieldkit_core::demo::{self, DemoOfficer, Scenario, Started};
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

type Answer<T> = Result<T, UiError>;

#[derive(Debug, Serialize)]
pub struct TrainingView {
    pub scenarios: Vec<&'static str>,
    pub officers: Vec<DemoOfficer>,
    /// The scenario started last in this run of the app, if any.
    pub current: Option<&'static str>,
}

fn training_only(state: &AppState) -> Result<(), UiError> {
    if state.demo {
        Ok(())
    } else {
        Err(state.ui(CoreError::NotPermitted("use training scenarios outside training mode")))
    }
}

/// What the trainer's panel shows; refused outside training mode.
#[tauri::command]
pub async fn training(state: State<'_, AppState>) -> Answer<TrainingView> {
    training_only(&state)?;
    Ok(TrainingView {
        scenarios: Scenario::ALL.iter().map(|s| s.id()).collect(),
        officers: demo::OFFICERS.to_vec(),
        current: state.scenario().map(Scenario::id),
    })
}

/// Signs everyone out and starts `scenario` from scratch on the demo profile.
#[tauri::command]
pub async fn start_scenario(app: AppHandle, state: State<'_, AppState>, scenario: String) -> Answer<Started> {
    training_only(&state)?;
    let scenario = Scenario::parse(&scenario).ok_or_else(|| {
        state.ui(CoreError::InvalidInput { field: "scenario".into(), reason: fieldkit_core::Reason::ChoiceUnknown })
    })?;
    state.replace_sync(None);
    state.replace_session(None);
    let today = fieldkit_core::clock::kenyan_date(time::OffsetDateTime::now_utc());
    let started =
        demo::start(&state.profile, scenario, today, state.demo_enrolment.as_ref()).map_err(|e| state.ui(e))?;
    state.set_scenario(Some(scenario));
    // The status bar shows the scenario's battery now, not at the next reading.
    let _ = app.emit(crate::device::DEVICE_EVENT, crate::device::read_for(&state));
    Ok(started)
}

/// Starts the app again in the other mode (training when `training`), then closes this one.
#[tauri::command]
pub async fn switch_mode(app: AppHandle, state: State<'_, AppState>, training: bool) -> Answer<()> {
    let exe = std::env::current_exe().map_err(|e| state.ui(CoreError::Io { path: "the app".into(), source: e }))?;
    let mut command = std::process::Command::new(exe);
    if training {
        command.arg("--demo");
    }
    // The new window must not inherit this mode's choice (the data directories are separate
    // whatever the environment says: see `lib.rs`).
    command.env_remove("FIELDKIT_DEMO");
    command.spawn().map_err(|e| state.ui(CoreError::Io { path: "the app".into(), source: e }))?;
    state.replace_sync(None);
    state.replace_session(None);
    app.exit(0);
    Ok(())
}
