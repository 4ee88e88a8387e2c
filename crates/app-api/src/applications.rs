//! The catalogue, citizens, and applications from draft to queue.

use crate::app::App;
use crate::error::{Answer, ProblemText, problem_texts};
use fieldkit_core::{Application, ApplicationState, Catalogue, Citizen, Lang, NewApplication, NewCitizen};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Serialize, JsonSchema)]
pub struct ApplicationView {
    pub id: Uuid,
    pub reference: String,
    pub citizen_id: Uuid,
    pub service_id: String,
    pub service_name: String,
    pub state: ApplicationState,
    pub review_note: Option<String>,
    pub revision: u32,
    pub updated_at: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FormCheckView {
    pub ok: bool,
    pub errors: Vec<ProblemText>,
    pub warnings: Vec<ProblemText>,
}

pub fn application_view(application: &Application, catalogue: &Catalogue, lang: Lang) -> ApplicationView {
    ApplicationView {
        id: application.id,
        reference: application.reference.as_str().to_string(),
        citizen_id: application.citizen_id,
        service_id: application.service_id.clone(),
        service_name: catalogue
            .service(&application.service_id)
            .map_or_else(|| application.service_id.clone(), |s| s.name.get(lang).to_string()),
        state: application.state,
        review_note: application.review_note.clone(),
        revision: application.revision,
        updated_at: application.updated_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    }
}

/// The catalogue in force, whole (the UI renders forms from it).
pub fn catalogue(app: &App) -> Answer<Catalogue> {
    app.with_session(|s| Ok(s.catalogue()?.as_ref().clone()))
}

pub fn find_citizens(app: &App, query: &str) -> Answer<Vec<Citizen>> {
    app.with_session(|s| s.find_citizens(query))
}

pub fn register_citizen(app: &App, citizen: &NewCitizen) -> Answer<Citizen> {
    app.with_session(|s| s.register_citizen(citizen))
}

pub fn citizen(app: &App, id: Uuid) -> Answer<Citizen> {
    app.with_session(|s| s.citizen(id))
}

/// Checks answers without saving. `draft` names the draft or queried application they belong to,
/// once there is one (it is then not reported as a duplicate of itself).
pub fn check_application(app: &App, application: &NewApplication, draft: Option<Uuid>) -> Answer<FormCheckView> {
    let lang = app.lang();
    app.with_session(|s| {
        let check = match draft {
            Some(id) => s.check_edit(id, &application.form)?,
            None => s.check_application(application)?,
        };
        Ok(FormCheckView {
            ok: check.is_ok(),
            errors: problem_texts(&check.errors, lang),
            warnings: problem_texts(&check.warnings, lang),
        })
    })
}

/// Saves a new application: submitted to the queue (`submit`) or kept as a draft.
pub fn save_application(app: &App, application: &NewApplication, submit: bool) -> Answer<ApplicationView> {
    let lang = app.lang();
    let view = app.with_session(|s| {
        let saved = if submit { s.save_and_submit(application)? } else { s.save_draft(application)? };
        let catalogue = s.catalogue()?;
        Ok(application_view(&saved, &catalogue, lang))
    })?;
    if submit && let Some(triggers) = app.sync_triggers() {
        // A new application in the queue is a reason to try the link.
        triggers.sync_now();
    }
    Ok(view)
}

/// Replaces the answers of a draft or queried application (autosave while typing, corrections
/// after a query). Returns it as stored.
pub fn edit_application(
    app: &App,
    id: Uuid,
    form: serde_json::Map<String, serde_json::Value>,
) -> Answer<ApplicationView> {
    let lang = app.lang();
    app.with_session(|s| {
        let edited = s.edit_application(id, form)?;
        let catalogue = s.catalogue()?;
        Ok(application_view(&edited, &catalogue, lang))
    })
}

/// Checks a draft or corrected application in full and puts it in the queue.
pub fn submit_application(app: &App, id: Uuid) -> Answer<ApplicationView> {
    let lang = app.lang();
    let view = app.with_session(|s| {
        let submitted = s.submit_application(id)?;
        let catalogue = s.catalogue()?;
        Ok(application_view(&submitted, &catalogue, lang))
    })?;
    if let Some(triggers) = app.sync_triggers() {
        triggers.sync_now();
    }
    Ok(view)
}

/// The applications in `filter`'s state (all when `None`), newest first.
pub fn applications(app: &App, filter: Option<ApplicationState>) -> Answer<Vec<ApplicationView>> {
    let lang = app.lang();
    app.with_session(|s| {
        let catalogue = s.catalogue()?;
        let mut list: Vec<_> = s.applications(filter)?.iter().map(|a| application_view(a, &catalogue, lang)).collect();
        list.reverse();
        Ok(list)
    })
}

/// One application, by id or reference.
pub fn application(app: &App, id: &str) -> Answer<Application> {
    app.with_session(|s| s.application(id))
}
