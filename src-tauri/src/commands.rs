//! The commands the webview may call (and only these: see build.rs and capabilities/). Each one
//! translates its arguments, calls the core through the signed-in session, and returns data or a
//! [`UiError`]. No domain logic lives here.

use crate::device::{self, DeviceStatus};
use crate::error::UiError;
use crate::state::{self, AppState};
use fieldkit_core::sync::Progress;
use fieldkit_core::{Application, ApplicationState, Citizen, CoreError, Lang, NewApplication, NewCitizen};
use serde::Serialize;
use tauri::{AppHandle, State};
use uuid::Uuid;

type Answer<T> = Result<T, UiError>;

#[derive(Debug, Serialize)]
pub struct AppInfo {
    pub version: &'static str,
    pub demo: bool,
    pub profile_exists: bool,
    pub lang: &'static str,
}

#[derive(Debug, Serialize)]
pub struct OfficerView {
    pub number: String,
    pub name: String,
    pub role: &'static str,
    /// What the role may do, so the UI shows only that.
    pub may_capture: bool,
    pub may_manage_officers: bool,
    pub may_export: bool,
    pub may_view_day_report: bool,
    pub may_plan_outreaches: bool,
    pub may_record_feedback: bool,
}

#[derive(Debug, Serialize)]
pub struct ServiceView {
    pub id: String,
    pub mda: String,
    pub name: String,
    pub fee_ksh: u32,
    pub turnaround_days: u32,
}

#[derive(Debug, Serialize)]
pub struct HomeView {
    pub officer: OfficerView,
    /// Applications captured today (Kenyan time), drafts included.
    pub captured_today: u64,
    /// Applications per state now, every state present.
    pub counts: Vec<(ApplicationState, u64)>,
    pub catalogue_version: u32,
    /// The outreach running today, if one is planned.
    pub outreach: Option<OutreachView>,
    /// Today's outreach's services, or the whole catalogue when there is none.
    pub services: Vec<ServiceView>,
}

#[derive(Debug, Serialize)]
pub struct OutreachView {
    pub name: String,
    pub place: String,
    pub ends_on: String,
}

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct FormCheckView {
    pub ok: bool,
    pub errors: Vec<crate::error::ProblemText>,
    pub warnings: Vec<crate::error::ProblemText>,
}

#[derive(Debug, Serialize)]
pub struct SyncView {
    pub enrolled: bool,
    pub state: fieldkit_core::SyncState,
    /// Why the last attempt failed and what to do, in the officer's language.
    pub last_error_text: Option<String>,
    pub pending: u64,
    pub progress: Option<Progress>,
}

fn officer_view(session: &fieldkit_core::Session) -> OfficerView {
    use fieldkit_core::officer::Action;
    let officer = session.officer();
    OfficerView {
        number: officer.number.as_str().to_string(),
        name: officer.display_name.clone(),
        role: officer.role.as_str(),
        may_capture: officer.role.may(Action::CaptureApplications),
        may_manage_officers: officer.role.may(Action::ManageOfficers),
        may_export: officer.role.may(Action::ExportOutbox),
        may_view_day_report: officer.role.may(Action::ViewDayReport),
        may_plan_outreaches: officer.role.may(Action::PlanOutreaches),
        may_record_feedback: officer.role.may(Action::RecordFeedback),
    }
}

fn application_view(application: &Application, catalogue: &fieldkit_core::Catalogue, lang: Lang) -> ApplicationView {
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

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Answer<AppInfo> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        demo: state.demo,
        profile_exists: state.profile.exists(),
        lang: state.lang().as_str(),
    })
}

#[tauri::command]
pub async fn sign_in(app: AppHandle, state: State<'_, AppState>, number: String, pin: String) -> Answer<OfficerView> {
    let mut session = state.profile.sign_in(&number, &pin).map_err(|e| state.ui(e))?;
    let view = officer_view(&session);
    // Background sync on its own connection, if the laptop is enrolled and this officer's role
    // syncs (an ICT officer's does not: it never sees citizens' applications).
    let syncs = session.officer().role.may(fieldkit_core::officer::Action::CaptureApplications);
    let background = match session.sync_state() {
        Ok(_) if syncs && session.sync_client().is_ok() => Some(session.fork().map_err(|e| state.ui(e))?),
        _ => None,
    };
    state.replace_sync(None);
    state.replace_session(Some(session));
    if let Some(background) = background {
        let shared = crate::sync::Shared {
            progress: std::sync::Arc::clone(&state.progress),
            power: std::sync::Arc::clone(&state.power),
            lang: std::sync::Arc::clone(&state.lang),
        };
        let sync = crate::sync::start(background, app, shared)
            .map_err(|e| state.ui(CoreError::Io { path: "sync thread".into(), source: e }))?;
        state.replace_sync(Some(sync));
    }
    Ok(view)
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Answer<()> {
    state.replace_sync(None);
    state.replace_session(None);
    Ok(())
}

#[tauri::command]
pub async fn lock(state: State<'_, AppState>) -> Answer<()> {
    state.with_session(|s| {
        s.lock();
        Ok(())
    })
}

#[tauri::command]
pub async fn unlock(state: State<'_, AppState>, pin: String) -> Answer<OfficerView> {
    let view = state.with_session(|s| {
        s.unlock(&pin)?;
        Ok(officer_view(s))
    })?;
    state.wake_monitor();
    Ok(view)
}

#[tauri::command]
pub async fn set_language(state: State<'_, AppState>, lang: String) -> Answer<&'static str> {
    let lang = Lang::parse(&lang).map_err(|e| state.ui(e.into()))?;
    state.set_lang(lang);
    Ok(lang.as_str())
}

#[tauri::command]
pub async fn home(state: State<'_, AppState>) -> Answer<HomeView> {
    let lang = state.lang();
    state.with_session(|s| {
        s.refresh_catalogue()?;
        let catalogue = s.catalogue()?;
        let (outreach, offered) = s.services_today()?;
        let captured_today = s.captured_today()?;
        let found = s.counts_by_state()?;
        let counts = ApplicationState::ALL
            .iter()
            .map(|state| (*state, found.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n)))
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

#[tauri::command]
pub async fn catalogue(state: State<'_, AppState>) -> Answer<serde_json::Value> {
    state.with_session(|s| Ok(s.catalogue()?.to_json()))
}

#[tauri::command]
pub async fn find_citizens(state: State<'_, AppState>, query: String) -> Answer<Vec<Citizen>> {
    state.with_session(|s| s.find_citizens(&query))
}

#[tauri::command]
pub async fn register_citizen(state: State<'_, AppState>, citizen: NewCitizen) -> Answer<Citizen> {
    state.with_session(|s| s.register_citizen(&citizen))
}

/// Checks answers without saving. `draft` names the draft or queried application they belong to,
/// once there is one (it is then not reported as a duplicate of itself).
#[tauri::command]
pub async fn check_application(
    state: State<'_, AppState>,
    application: NewApplication,
    draft: Option<Uuid>,
) -> Answer<FormCheckView> {
    let lang = state.lang();
    state.with_session(|s| {
        let check = match draft {
            Some(id) => s.check_edit(id, &application.form)?,
            None => s.check_application(&application)?,
        };
        let texts = |problems: &[fieldkit_core::Problem]| {
            problems
                .iter()
                .map(|p| crate::error::ProblemText {
                    field: p.field.clone(),
                    text: fieldkit_core::messages::problem(p, lang),
                })
                .collect()
        };
        Ok(FormCheckView { ok: check.is_ok(), errors: texts(&check.errors), warnings: texts(&check.warnings) })
    })
}

/// Saves a new application: submitted to the queue (`submit`) or kept as a draft.
#[tauri::command]
pub async fn save_application(
    state: State<'_, AppState>,
    application: NewApplication,
    submit: bool,
) -> Answer<ApplicationView> {
    let lang = state.lang();
    let view = state.with_session(|s| {
        let saved = if submit { s.save_and_submit(&application)? } else { s.save_draft(&application)? };
        let catalogue = s.catalogue()?;
        Ok(application_view(&saved, &catalogue, lang))
    })?;
    if submit && let Some(triggers) = state.sync_triggers() {
        // A new application in the queue is a reason to try the link.
        triggers.sync_now();
    }
    Ok(view)
}

/// Replaces the answers of a draft or queried application (autosave while typing, corrections
/// after a query). Returns it as stored.
#[tauri::command]
pub async fn edit_application(
    state: State<'_, AppState>,
    id: Uuid,
    form: serde_json::Map<String, serde_json::Value>,
) -> Answer<ApplicationView> {
    let lang = state.lang();
    state.with_session(|s| {
        let edited = s.edit_application(id, form)?;
        let catalogue = s.catalogue()?;
        Ok(application_view(&edited, &catalogue, lang))
    })
}

/// Checks a draft or corrected application in full and puts it in the queue.
#[tauri::command]
pub async fn submit_application(state: State<'_, AppState>, id: Uuid) -> Answer<ApplicationView> {
    let lang = state.lang();
    let view = state.with_session(|s| {
        let submitted = s.submit_application(id)?;
        let catalogue = s.catalogue()?;
        Ok(application_view(&submitted, &catalogue, lang))
    })?;
    if let Some(triggers) = state.sync_triggers() {
        triggers.sync_now();
    }
    Ok(view)
}

#[tauri::command]
pub async fn citizen(state: State<'_, AppState>, id: Uuid) -> Answer<Citizen> {
    state.with_session(|s| s.citizen(id))
}

#[tauri::command]
pub async fn applications(
    state: State<'_, AppState>,
    filter: Option<ApplicationState>,
) -> Answer<Vec<ApplicationView>> {
    let lang = state.lang();
    state.with_session(|s| {
        let catalogue = s.catalogue()?;
        let mut list: Vec<_> = s.applications(filter)?.iter().map(|a| application_view(a, &catalogue, lang)).collect();
        list.reverse();
        Ok(list)
    })
}

#[tauri::command]
pub async fn application(state: State<'_, AppState>, id: String) -> Answer<Application> {
    state.with_session(|s| s.application(&id))
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Answer<()> {
    match state.sync_triggers() {
        Some(triggers) => {
            triggers.sync_now();
            Ok(())
        }
        None => Err(state.ui(CoreError::NotEnrolled)),
    }
}

#[tauri::command]
pub async fn sync_state(state: State<'_, AppState>) -> Answer<SyncView> {
    let enrolled = state.sync_triggers().is_some();
    let progress = state::lock(&state.progress).clone();
    let lang = state.lang();
    state.with_session(|s| {
        let pending = s.outbox_len()?;
        let sync_state = s.sync_state()?;
        let last_error_text = sync_state.last_error.as_ref().map(|f| fieldkit_core::messages::failure(f, lang));
        Ok(SyncView { enrolled, state: sync_state, last_error_text, pending, progress })
    })
}

#[tauri::command]
pub async fn device_status(state: State<'_, AppState>) -> Answer<DeviceStatus> {
    Ok(device::read_for(&state))
}

/// What became of a slip or report: printed, or saved and where (the UI words it).
#[derive(Debug, Serialize)]
pub struct PrintView {
    pub reference: String,
    pub outcome: crate::printing::PrintOutcome,
}

/// Prints the acknowledgement slip of a saved application (by id or reference) on the
/// configured or default printer, or saves the PDF and says where. Demo profiles print the
/// TRAINING watermark.
#[tauri::command]
pub async fn print_slip(state: State<'_, AppState>, id: String) -> Answer<PrintView> {
    let config = state.profile.config();
    let options = fieldkit_core::SlipOptions { paper: config.slip_paper, training: state.demo, ..Default::default() };
    let (pdf, reference) = state.with_session(|s| {
        let pdf = s.slip(&id, &options)?;
        Ok((pdf, s.application(&id)?.reference.as_str().to_string()))
    })?;
    let printer = config.printer.clone();
    let slips = state.profile.dir().join("slips");
    let name = reference.clone();
    let outcome = tauri::async_runtime::spawn_blocking(move || {
        crate::printing::print_or_save(&pdf, &name, printer.as_deref(), &slips)
    })
    .await
    .map_err(|e| state.ui(CoreError::DocumentFailed(e.to_string())))?
    .map_err(|e| state.ui(CoreError::Io { path: "slips".into(), source: e }))?;
    Ok(PrintView { reference, outcome })
}

/// The centre manager's day report, saved as PDF and CSV in the profile's `reports/` folder
/// (readable by this user only), with its headline figures.
#[derive(Debug, Serialize)]
pub struct ReportView {
    pub date: String,
    pub pdf_path: String,
    pub csv_path: String,
    pub citizens_served: u64,
    pub applications: u64,
    pub unsynced: u64,
}

#[tauri::command]
pub async fn day_report(state: State<'_, AppState>, date: Option<String>) -> Answer<ReportView> {
    let date = date.as_deref().map(fieldkit_core::documents::parse_day).transpose().map_err(|e| state.ui(e))?;
    let demo = state.demo;
    let (report, pdf, csv) = state.with_session(|s| {
        let report = s.day_report(date)?;
        let report = if demo { report.with_training(true) } else { report };
        let (pdf, csv) = (report.to_pdf()?, report.to_csv()?);
        Ok((report, pdf, csv))
    })?;
    let day = report.date.to_string();
    let dir = state.profile.dir().join("reports");
    let io = |e| state.ui(CoreError::Io { path: dir.display().to_string(), source: e });
    let pdf_path = crate::printing::save_private(&dir, &format!("day-report-{day}.pdf"), &pdf).map_err(io)?;
    let csv_path = crate::printing::save_private(&dir, &format!("day-report-{day}.csv"), &csv).map_err(io)?;
    Ok(ReportView {
        date: day,
        pdf_path: pdf_path.display().to_string(),
        csv_path: csv_path.display().to_string(),
        citizens_served: report.citizens_served.total,
        applications: report.applications.total,
        unsynced: report.unsynced_total,
    })
}

// --- planning (issue 8) --------------------------------------------------------------------------

/// One plan as the planning screen lists it.
#[derive(Debug, Serialize)]
pub struct PlanRow {
    pub plan: fieldkit_protocol::OutreachPlan,
    /// Saved here and not yet answered for by the server.
    pub waiting_upload: bool,
}

/// The planning screen's lists: the plans this laptop knows, the counties to choose from, and
/// the imprest a new plan starts with.
#[derive(Debug, Serialize)]
pub struct PlansView {
    pub plans: Vec<PlanRow>,
    pub counties: Vec<fieldkit_core::counties::County>,
    pub default_imprest_ksh: u64,
}

/// A double booking as the screen shows it, with its message in the officer's language.
#[derive(Debug, Serialize)]
pub struct ClashView {
    /// `officer`, `laptop` or `equipment`.
    pub kind: &'static str,
    pub id: String,
    pub other_id: Uuid,
    pub other_name: String,
    pub first_day: String,
    pub last_day: String,
    pub text: String,
}

/// Where the plan's money stands, warnings in the officer's language.
#[derive(Debug, Serialize)]
pub struct BudgetView {
    pub imprest: u64,
    pub spent: u64,
    pub balance: i64,
    pub expenses_without_receipt: usize,
    /// The warning the balance deserves as it stands.
    pub warning: Option<String>,
    /// For each expense in order: the balance once it is counted, and the warning due before it
    /// is (the balance would go below zero, or low).
    pub expenses: Vec<ExpenseLineView>,
}

#[derive(Debug, Serialize)]
pub struct ExpenseLineView {
    pub balance_after: i64,
    pub goes_negative: bool,
    pub warning: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PlanCheckView {
    pub ok: bool,
    pub problems: Vec<crate::error::ProblemText>,
    pub clashes: Vec<ClashView>,
    pub budget: Option<BudgetView>,
}

#[derive(Debug, Serialize)]
pub struct PlanSavedView {
    pub saved: bool,
    pub plan: fieldkit_protocol::OutreachPlan,
    pub clashes: Vec<ClashView>,
}

#[derive(Debug, Serialize)]
pub struct PlanExportView {
    pub pdf_path: String,
    pub ics_path: String,
}

fn clash_views(clashes: &[fieldkit_core::planning::Clash], lang: Lang) -> Vec<ClashView> {
    use fieldkit_core::planning::Booked;
    clashes
        .iter()
        .map(|clash| ClashView {
            kind: match clash.booked {
                Booked::Officer(_) => "officer",
                Booked::Laptop(_) => "laptop",
                Booked::Equipment(_) => "equipment",
            },
            id: clash.booked.id().to_string(),
            other_id: clash.other_id,
            other_name: clash.other_name.clone(),
            first_day: clash.first_day.to_string(),
            last_day: clash.last_day.to_string(),
            text: clash.message(lang),
        })
        .collect()
}

fn budget_view(budget: &fieldkit_protocol::Budget, lang: Lang) -> BudgetView {
    use fieldkit_core::planning::{BudgetWarning, check_expense, summarise};
    let summary = summarise(budget);
    let mut before = fieldkit_protocol::Budget { imprest_ksh: budget.imprest_ksh, expenses: Vec::new() };
    let mut expenses = Vec::with_capacity(budget.expenses.len());
    for expense in &budget.expenses {
        let check = check_expense(&before, expense);
        expenses.push(ExpenseLineView {
            balance_after: check.balance_after,
            goes_negative: matches!(check.warning, Some(BudgetWarning::WouldGoNegative { .. })),
            warning: check.warning.map(|w| w.message(lang)),
        });
        before.expenses.push(expense.clone());
    }
    BudgetView {
        imprest: summary.imprest,
        spent: summary.spent,
        balance: summary.balance,
        expenses_without_receipt: summary.expenses_without_receipt,
        warning: summary.warning().map(|w| w.message(lang)),
        expenses,
    }
}

fn problem_texts(problems: &[fieldkit_core::Problem], lang: Lang) -> Vec<crate::error::ProblemText> {
    problems
        .iter()
        .map(|p| crate::error::ProblemText { field: p.field.clone(), text: fieldkit_core::messages::problem(p, lang) })
        .collect()
}

/// The outreach plans this laptop knows (soonest first), whether each still waits for upload,
/// and the counties and default imprest for a new one.
#[tauri::command]
pub async fn outreach_plans(state: State<'_, AppState>) -> Answer<PlansView> {
    let default_imprest_ksh = state.profile.config().imprest_ksh;
    state.with_session(|s| {
        let waiting: Vec<(Uuid, u32)> = s.plans_waiting_upload()?.iter().map(|p| (p.id, p.revision)).collect();
        let plans = s
            .outreaches()?
            .into_iter()
            .map(|plan| {
                let waiting_upload = waiting.contains(&(plan.id, plan.revision));
                PlanRow { plan, waiting_upload }
            })
            .collect();
        Ok(PlansView { plans, counties: fieldkit_core::counties::all().to_vec(), default_imprest_ksh })
    })
}

/// What saving `plan` would meet, without saving it: its problems, its double bookings and its
/// budget (centre managers only).
#[tauri::command]
pub async fn check_outreach_plan(
    state: State<'_, AppState>,
    plan: fieldkit_protocol::OutreachPlan,
) -> Answer<PlanCheckView> {
    let lang = state.lang();
    state.with_session(|s| {
        let check = s.check_outreach_plan(&plan)?;
        Ok(PlanCheckView {
            ok: check.problems.is_empty() && check.clashes.is_empty(),
            problems: problem_texts(&check.problems, lang),
            clashes: clash_views(&check.clashes, lang),
            budget: plan.budget.as_ref().map(|b| budget_view(b, lang)),
        })
    })
}

/// Saves a plan (a new revision each time). Not saved while it double-books someone or something
/// unless `allow_clashes`; refused as `form_invalid` with every problem while it has problems.
#[tauri::command]
pub async fn save_outreach_plan(
    state: State<'_, AppState>,
    plan: fieldkit_protocol::OutreachPlan,
    allow_clashes: bool,
) -> Answer<PlanSavedView> {
    let lang = state.lang();
    state.with_session(|s| {
        let saved = s.save_outreach_plan(plan, allow_clashes)?;
        Ok(PlanSavedView { saved: saved.saved, clashes: clash_views(&saved.clashes, lang), plan: saved.plan })
    })
}

/// A plan's name as part of a file name: letters and digits kept, anything else one `-`.
fn file_stem(name: &str) -> String {
    let mut stem = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            stem.extend(c.to_lowercase());
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
    }
    let stem: String = stem.trim_end_matches('-').chars().take(60).collect();
    if stem.is_empty() { "outreach".to_string() } else { stem }
}

/// Writes the plan's PDF (for stakeholders; watermarked on demo profiles) and its dates as an
/// iCalendar file into the profile's `plans/` folder, readable by this user only, as
/// `<name>-r<revision>.pdf` and `.ics`, and says where.
#[tauri::command]
pub async fn export_outreach_plan(state: State<'_, AppState>, id: Uuid) -> Answer<PlanExportView> {
    let demo = state.demo;
    let (plan, pdf, ics) = state.with_session(|s| {
        let plan = s.outreach_plan(id)?;
        let pdf = s.outreach_plan_pdf(id, demo)?;
        let ics = s.outreach_plan_ics(id)?;
        Ok((plan, pdf, ics))
    })?;
    let dir = state.profile.dir().join("plans");
    let io = |e| state.ui(CoreError::Io { path: dir.display().to_string(), source: e });
    let stem = format!("{}-r{}", file_stem(&plan.name), plan.revision);
    let pdf_path = crate::printing::save_private(&dir, &format!("{stem}.pdf"), &pdf).map_err(io)?;
    let ics_path = crate::printing::save_private(&dir, &format!("{stem}.ics"), ics.as_bytes()).map_err(io)?;
    Ok(PlanExportView { pdf_path: pdf_path.display().to_string(), ics_path: ics_path.display().to_string() })
}

// --- feedback (Huduma Halisi) ------------------------------------------------------------------

/// Records a citizen's feedback (rating, comment, complaint), refused with every problem named.
#[tauri::command]
pub async fn record_feedback(
    state: State<'_, AppState>,
    feedback: fieldkit_core::feedback::NewFeedback,
) -> Answer<fieldkit_protocol::FeedbackRecord> {
    state.with_session(|s| s.record_feedback(&feedback))
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn a_plan_name_becomes_a_plain_file_name() {
        assert_eq!(file_stem("Kangema market day"), "kangema-market-day");
        assert_eq!(file_stem("../Murang'a / Kangema!"), "murang-a-kangema");
        assert_eq!(file_stem("///"), "outreach");
    }
}
