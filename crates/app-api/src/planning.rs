//! Outreach planning (issue 8): the plans, their checks (double bookings, budget), saving and
//! exporting them.

use crate::app::App;
use crate::documents::save_private;
use crate::error::{Answer, ProblemText, problem_texts};
use fieldkit_core::{CoreError, Lang};
use fieldkit_domain::counties::County;
use fieldkit_protocol::{Budget, OutreachPlan};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

/// One plan as the planning screen lists it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlanRow {
    pub plan: OutreachPlan,
    /// Saved here and not yet answered for by the server.
    pub waiting_upload: bool,
}

/// The planning screen's lists: the plans this laptop knows, the counties to choose from, and
/// the imprest a new plan starts with.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlansView {
    pub plans: Vec<PlanRow>,
    pub counties: Vec<County>,
    pub default_imprest_ksh: u64,
}

/// What a plan double-books.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClashKind {
    Officer,
    Laptop,
    Equipment,
}

/// A double booking as the screen shows it, with its message in the officer's language.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ClashView {
    pub kind: ClashKind,
    pub id: String,
    pub other_id: Uuid,
    pub other_name: String,
    pub first_day: String,
    pub last_day: String,
    /// In the officer's language.
    pub text: String,
}

/// Where the plan's money stands, warnings in the officer's language.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BudgetView {
    pub imprest: u64,
    pub spent: u64,
    pub balance: i64,
    pub expenses_without_receipt: u64,
    /// The warning the balance deserves as it stands.
    pub warning: Option<String>,
    /// For each expense in order: the balance once it is counted, and the warning due before it
    /// is (the balance would go below zero, or low).
    pub expenses: Vec<ExpenseLineView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ExpenseLineView {
    pub balance_after: i64,
    pub goes_negative: bool,
    pub warning: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PlanCheckView {
    pub ok: bool,
    pub problems: Vec<ProblemText>,
    pub clashes: Vec<ClashView>,
    pub budget: Option<BudgetView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PlanSavedView {
    pub saved: bool,
    pub plan: OutreachPlan,
    pub clashes: Vec<ClashView>,
}

#[derive(Debug, Serialize, JsonSchema)]
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
                Booked::Officer(_) => ClashKind::Officer,
                Booked::Laptop(_) => ClashKind::Laptop,
                Booked::Equipment(_) => ClashKind::Equipment,
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

fn budget_view(budget: &Budget, lang: Lang) -> BudgetView {
    use fieldkit_core::planning::{BudgetWarning, check_expense, summarise};
    let summary = summarise(budget);
    let mut before = Budget { imprest_ksh: budget.imprest_ksh, expenses: Vec::new() };
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
        expenses_without_receipt: summary.expenses_without_receipt as u64,
        warning: summary.warning().map(|w| w.message(lang)),
        expenses,
    }
}

/// The outreach plans this laptop knows (soonest first), whether each still waits for upload,
/// and the counties and default imprest for a new one.
pub fn outreach_plans(app: &App) -> Answer<PlansView> {
    let default_imprest_ksh = app.profile.config().imprest_ksh;
    app.with_session(|s| {
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
pub fn check_outreach_plan(app: &App, plan: &OutreachPlan) -> Answer<PlanCheckView> {
    let lang = app.lang();
    app.with_session(|s| {
        let check = s.check_outreach_plan(plan)?;
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
pub fn save_outreach_plan(app: &App, plan: OutreachPlan, allow_clashes: bool) -> Answer<PlanSavedView> {
    let lang = app.lang();
    app.with_session(|s| {
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
pub fn export_outreach_plan(app: &App, id: Uuid) -> Answer<PlanExportView> {
    let demo = app.demo;
    let (plan, pdf, ics) = app.with_session(|s| {
        let plan = s.outreach_plan(id)?;
        let pdf = s.outreach_plan_pdf(id, demo)?;
        let ics = s.outreach_plan_ics(id)?;
        Ok((plan, pdf, ics))
    })?;
    let dir = app.profile.dir().join("plans");
    let io = |e| app.ui(CoreError::Io { path: dir.display().to_string(), source: e });
    let stem = format!("{}-r{}", file_stem(&plan.name), plan.revision);
    let pdf_path = save_private(&dir, &format!("{stem}.pdf"), &pdf).map_err(io)?;
    let ics_path = save_private(&dir, &format!("{stem}.ics"), ics.as_bytes()).map_err(io)?;
    Ok(PlanExportView { pdf_path: pdf_path.display().to_string(), ics_path: ics_path.display().to_string() })
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
