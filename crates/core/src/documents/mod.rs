//! Paper that leaves the tent: the citizen's acknowledgement slip and the centre manager's
//! outreach day report, both in English and Kiswahili, as PDF (printpdf, with the bundled DejaVu
//! Sans embedded, so no system font is assumed) and the report also as CSV.
//!
//! `Session::slip` and `Session::day_report` read what they need through the session's role check
//! and audit what they produced (`slip.printed`, `report.generated`). The content (`Slip`,
//! `DayReport`) is plain data, rendered by `Slip::to_pdf`, `DayReport::to_pdf` and `to_csv`.
//!
//! Architecture invariant: nothing here writes files or talks to a printer; callers get bytes.

mod pdf;
pub mod plan;
mod qr;
mod report;
mod slip;
mod words;

pub use fieldkit_domain::format::group_thousands;
pub use plan::plan_pdf;
pub use report::{AgeBand, AgencyLine, Breakdown, DayReport, Feedback, ServiceLine};
pub use slip::{Paper, Slip, SlipLine, SlipOptions};

use crate::application::ApplicationState;
use crate::citizen::Sex;
use crate::error::{CoreError, Result};
use crate::officer::Action;
use crate::reference::Reference;
use crate::session::Session;
use crate::store::Store;
use report::{DayApplication, ReportContext};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Kenya is UTC+3 all year.
pub(crate) fn eat(at: OffsetDateTime) -> OffsetDateTime {
    at.to_offset(time::macros::offset!(+3))
}

/// A report's day as typed, `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Result<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), format).map_err(|_| CoreError::invalid("date", crate::error::Reason::DateFormat))
}

pub(crate) use fieldkit_domain::format::date as format_date;

/// `2026-11-28 09:25 EAT`.
pub(crate) fn format_time(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let at = eat(at);
    format!("{} EAT", at.format(format).unwrap_or_else(|_| at.to_string()))
}

impl Session {
    /// The acknowledgement slip of a saved application (by id or human reference) as a PDF, for
    /// the officers who capture. Drafts have no slip: they are not applications yet. Audited as
    /// `slip.printed` with the PDF's SHA-256.
    /// A training profile's slips always carry the TRAINING watermark, whatever `options` say.
    pub fn slip(&mut self, id_or_reference: &str, options: &SlipOptions) -> Result<Vec<u8>> {
        let slip = self.slip_contents(id_or_reference, options)?;
        let training = options.training || self.deployment()? == fieldkit_protocol::Deployment::Training;
        let pdf = slip.to_pdf(&SlipOptions { training, ..options.clone() })?;
        let by = self.officer().number.clone();
        let (store, now) = self.store_for(Action::PrintSlips)?;
        store.record_document("slip.printed", "slip", slip.reference.as_str(), &pdf, &by, now)?;
        Ok(pdf)
    }

    /// What the slip of an application says, without laying it out (for a preview on screen).
    pub fn slip_contents(&mut self, id_or_reference: &str, options: &SlipOptions) -> Result<Slip> {
        let catalogue = self.catalogue()?;
        let (store, now) = self.store_for(Action::PrintSlips)?;
        let application = match Uuid::parse_str(id_or_reference.trim()) {
            Ok(id) => store.application(id)?,
            Err(_) => store.application_by_reference(&Reference::parse(id_or_reference)?)?,
        };
        if application.state == ApplicationState::Draft {
            return Err(CoreError::SlipForDraft(application.reference.to_string()));
        }
        let citizen = store.citizen(application.citizen_id)?;
        let plans = store.outreaches()?;
        Slip::new(&application, &citizen, &catalogue, &plans, options.venue.as_deref(), now)
    }

    /// The outreach day report of `date` (today in Kenya when `None`) for the centre manager:
    /// everything this laptop saved that day. Audited as `report.generated`. A training
    /// profile's report is marked TRAINING from the start.
    pub fn day_report(&mut self, date: Option<Date>) -> Result<DayReport> {
        let catalogue = self.catalogue()?;
        let training = self.deployment()? == fieldkit_protocol::Deployment::Training;
        let by = self.officer().number.clone();
        let (store, now) = self.store_for(Action::ViewDayReport)?;
        let date = date.unwrap_or_else(|| eat(now).date());
        let applications = applications_of_day(store, date)?;
        let unsynced_total = store
            .count_by_state()?
            .into_iter()
            .find(|(state, _)| *state == ApplicationState::Submitted)
            .map_or(0, |(_, n)| n);
        let venues = store
            .outreaches()?
            .iter()
            .filter(|p| covers(p, date))
            .map(|p| format!("{}: {}", p.name, p.place))
            .collect();
        let context = ReportContext {
            laptop: store.laptop_prefix()?.as_str().to_string(),
            venues,
            prepared_by: by.to_string(),
            prepared_at: eat(now),
            unsynced_total,
        };
        let feedback = store.feedback_summary_on(&format_date(date))?;
        let report = DayReport::build(date, &applications, &catalogue, context)
            .with_feedback_summary(feedback, &catalogue)
            .with_training(training);
        let content = serde_json::to_vec(&report).map_err(|e| CoreError::DocumentFailed(e.to_string()))?;
        store.record_document("report.generated", "report", &format_date(date), &content, &by, now)?;
        Ok(report)
    }
}

/// Whether `plan` is an outreach (not a draft) whose dates include `day`.
fn covers(plan: &fieldkit_protocol::OutreachPlan, day: Date) -> bool {
    let day = format_date(day);
    plan.status != fieldkit_protocol::OutreachStatus::Draft
        && plan.starts_on.as_str() <= day.as_str()
        && day.as_str() <= plan.ends_on.as_str()
}

/// Every application saved on `date` (Kenyan time), with its applicant's sex and date of birth.
fn applications_of_day(store: &Store, date: Date) -> Result<Vec<DayApplication>> {
    // Timestamps are RFC 3339 text in whatever offset the clock gave (UTC in practice): narrow by
    // the text's date to the days around, then decide each one by its Kenyan date.
    let around = |days: i64| date.checked_add(time::Duration::days(days)).map(format_date);
    let (Some(from), Some(to)) = (around(-1), around(1)) else { return Ok(Vec::new()) };
    let mut statement = store.connection().prepare(
        "SELECT a.citizen_id, a.service_id, a.state, a.created_at, c.sex, c.date_of_birth
         FROM applications a JOIN citizens c ON c.id = a.citizen_id
         WHERE substr(a.created_at, 1, 10) BETWEEN ?1 AND ?2",
    )?;
    let rows = statement.query_map([from, to], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, String>(5)?,
        ))
    })?;
    let unreadable = |what: &str| CoreError::DocumentFailed(format!("an application's {what} is unreadable"));
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    let mut applications = Vec::new();
    for row in rows {
        let (citizen_id, service_id, state, created_at, sex, born) = row?;
        let created_at = OffsetDateTime::parse(&created_at, &Rfc3339).map_err(|_| unreadable("time"))?;
        if eat(created_at).date() != date {
            continue;
        }
        applications.push(DayApplication {
            citizen_id,
            service_id,
            state: ApplicationState::parse(&state)?,
            sex: Sex::parse(&sex)?,
            date_of_birth: Date::parse(&born, date_format).map_err(|_| unreadable("date of birth"))?,
        });
    }
    Ok(applications)
}
