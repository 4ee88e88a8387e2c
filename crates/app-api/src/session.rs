//! Signing in and out, locking, the language, and the home screen.

use crate::app::App;
use crate::error::Answer;
use fieldkit_core::officer::Action;
use fieldkit_core::{ApplicationState, Lang, Session};
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Serialize, JsonSchema)]
pub struct AppInfo {
    pub version: String,
    pub demo: bool,
    pub profile_exists: bool,
    pub lang: Lang,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OfficerView {
    pub number: String,
    pub name: String,
    pub role: String,
    /// What the role may do, so the UI shows only that.
    pub may_capture: bool,
    pub may_manage_officers: bool,
    pub may_export: bool,
    pub may_view_day_report: bool,
    pub may_plan_outreaches: bool,
    pub may_record_feedback: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ServiceView {
    pub id: String,
    pub mda: String,
    pub name: String,
    pub fee_ksh: u32,
    pub turnaround_days: u32,
}

/// How many applications are in one state.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StateCount(pub ApplicationState, pub u64);

#[derive(Debug, Serialize, JsonSchema)]
pub struct HomeView {
    pub officer: OfficerView,
    /// Applications captured today (Kenyan time), drafts included.
    pub captured_today: u64,
    /// Applications per state now, every state present.
    pub counts: Vec<StateCount>,
    pub catalogue_version: u32,
    /// The outreach running today, if one is planned.
    pub outreach: Option<OutreachView>,
    /// Today's outreach's services, or the whole catalogue when there is none.
    pub services: Vec<ServiceView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OutreachView {
    pub name: String,
    pub place: String,
    pub ends_on: String,
}

/// A successful sign-in: the officer, and (when the laptop is enrolled and the officer's role
/// syncs) a second connection to the store for the background sync the shell starts.
pub struct SignedIn {
    pub officer: OfficerView,
    pub background: Option<Session>,
}

pub fn officer_view(session: &Session) -> OfficerView {
    let officer = session.officer();
    OfficerView {
        number: officer.number.as_str().to_string(),
        name: officer.display_name.clone(),
        role: officer.role.as_str().to_string(),
        may_capture: officer.role.may(Action::CaptureApplications),
        may_manage_officers: officer.role.may(Action::ManageOfficers),
        may_export: officer.role.may(Action::ExportOutbox),
        may_view_day_report: officer.role.may(Action::ViewDayReport),
        may_plan_outreaches: officer.role.may(Action::PlanOutreaches),
        may_record_feedback: officer.role.may(Action::RecordFeedback),
    }
}

pub fn app_info(app: &App) -> Answer<AppInfo> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        demo: app.demo,
        profile_exists: app.profile.exists(),
        lang: app.lang(),
    })
}

/// Signs `number` in with `pin`; the new session replaces any other and its background sync
/// (the caller starts the new one from [`SignedIn::background`]).
pub fn sign_in(app: &App, number: &str, pin: &str) -> Answer<SignedIn> {
    let mut session = app.profile.sign_in(number, pin).map_err(|e| app.ui(e))?;
    let officer = officer_view(&session);
    // Background sync on its own connection, if the laptop is enrolled and this officer's role
    // syncs (an ICT officer's does not: it never sees citizens' applications).
    let syncs = session.officer().role.may(Action::CaptureApplications);
    let background = match session.sync_state() {
        Ok(_) if syncs && session.sync_client().is_ok() => Some(session.fork().map_err(|e| app.ui(e))?),
        _ => None,
    };
    app.sign_out();
    app.replace_session(Some(session));
    Ok(SignedIn { officer, background })
}

pub fn sign_out(app: &App) -> Answer<()> {
    app.sign_out();
    Ok(())
}

pub fn lock(app: &App) -> Answer<()> {
    app.with_session(|s| {
        s.lock();
        Ok(())
    })
}

pub fn unlock(app: &App, pin: &str) -> Answer<OfficerView> {
    let view = app.with_session(|s| {
        s.unlock(pin)?;
        Ok(officer_view(s))
    })?;
    app.wake_monitor();
    Ok(view)
}

pub fn set_language(app: &App, lang: &str) -> Answer<Lang> {
    let lang = Lang::parse(lang).map_err(|e| app.ui(e.into()))?;
    app.set_lang(lang);
    Ok(lang)
}

pub fn home(app: &App) -> Answer<HomeView> {
    let lang = app.lang();
    app.with_session(|s| {
        s.refresh_catalogue()?;
        let catalogue = s.catalogue()?;
        let (outreach, offered) = s.services_today()?;
        let captured_today = s.captured_today()?;
        let found = s.counts_by_state()?;
        let counts = ApplicationState::ALL
            .iter()
            .map(|state| StateCount(*state, found.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n)))
            .collect();
        let services = offered
            .iter()
            .map(|service| ServiceView {
                id: service.id.clone(),
                mda: service.mda.clone(),
                name: service.name.get(lang).to_string(),
                fee_ksh: service.fee_ksh,
                turnaround_days: service.turnaround_days,
            })
            .collect();
        let outreach = outreach.map(|plan| OutreachView { name: plan.name, place: plan.place, ends_on: plan.ends_on });
        Ok(HomeView {
            officer: officer_view(s),
            captured_today,
            counts,
            catalogue_version: catalogue.version,
            outreach,
            services,
        })
    })
}
