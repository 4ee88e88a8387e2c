//! Training mode: the trainer's panel (scenarios started and restarted in one click, the demo
//! officers' public PINs). Only translation here; the scenarios themselves are
//! `fieldkit_core::demo`. Switching between training and real work restarts the app, which is
//! the shell's.

use crate::app::App;
use crate::error::{Answer, UiError};
use fieldkit_core::CoreError;
use fieldkit_core::demo::{self, Scenario};
use schemars::JsonSchema;
use serde::Serialize;

/// A demo officer and their public PIN.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DemoOfficerView {
    pub number: String,
    pub name: String,
    pub role: String,
    pub pin: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TrainingView {
    /// Scenario ids (`first_day`, `no_network`, …).
    pub scenarios: Vec<String>,
    pub officers: Vec<DemoOfficerView>,
    /// The scenario started last in this run of the app, if any.
    pub current: Option<String>,
}

/// What a scenario set up.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StartedView {
    pub scenario: String,
    pub citizens: u64,
    pub applications: u64,
    pub queried: u64,
}

/// Refused outside training mode.
pub fn training_only(app: &App) -> Result<(), UiError> {
    if app.demo { Ok(()) } else { Err(app.ui(CoreError::NotPermitted("use training scenarios outside training mode"))) }
}

/// What the trainer's panel shows; refused outside training mode.
pub fn training(app: &App) -> Answer<TrainingView> {
    training_only(app)?;
    Ok(TrainingView {
        scenarios: Scenario::ALL.iter().map(|s| s.id().to_string()).collect(),
        officers: demo::OFFICERS
            .iter()
            .map(|o| DemoOfficerView {
                number: o.number.to_string(),
                name: o.name.to_string(),
                role: o.role.as_str().to_string(),
                pin: o.pin.to_string(),
            })
            .collect(),
        current: app.scenario().map(|s| s.id().to_string()),
    })
}

/// Signs everyone out and starts `scenario` from scratch on the demo profile.
pub fn start_scenario(app: &App, scenario: &str) -> Answer<StartedView> {
    training_only(app)?;
    let scenario = Scenario::parse(scenario).ok_or_else(|| {
        app.ui(CoreError::InvalidInput { field: "scenario".into(), reason: fieldkit_core::Reason::ChoiceUnknown })
    })?;
    app.sign_out();
    let today = fieldkit_core::clock::kenyan_date(time::OffsetDateTime::now_utc());
    let started = demo::start(&app.profile, scenario, today, app.demo_enrolment.as_ref()).map_err(|e| app.ui(e))?;
    app.set_scenario(Some(scenario));
    Ok(StartedView {
        scenario: started.scenario.id().to_string(),
        citizens: started.citizens as u64,
        applications: started.applications as u64,
        queried: started.queried as u64,
    })
}
