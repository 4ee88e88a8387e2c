//! Applications: forms checked against the catalogue in force, drafts, submission, edits, the
//! lifecycle's transitions and the queue.

use super::*;

/// A form checked in full, and what the store keeps beside its answers.
pub(super) struct FormChecked {
    check: FormCheck,
    catalogue_version: u32,
    /// The ID number that identifies the applicant (the service's `duplicate_key` answer, else the
    /// citizen's), indexed for duplicate warnings.
    applicant_id_number: Option<String>,
}

impl FormChecked {
    /// The record to store, or the refusal listing every problem.
    fn into_record(self) -> Result<CheckedRecord> {
        let check = self.check.into_result()?;
        Ok(CheckedRecord {
            form: check.answers,
            catalogue_version: self.catalogue_version,
            applicant_id_number: self.applicant_id_number,
        })
    }
}

pub(super) fn find_service<'c>(catalogue: &'c Catalogue, service_id: &str) -> Result<&'c Service> {
    validate::service_id(service_id)?;
    catalogue.service(service_id).ok_or_else(|| CoreError::invalid("service_id", Reason::ServiceUnknown))
}

pub(super) fn check_catalogue_version(catalogue: &Catalogue, expected: Option<u32>) -> Result<()> {
    match expected {
        Some(version) if version != catalogue.version => {
            Err(CoreError::invalid("catalogue_version", Reason::CatalogueVersionMismatch))
        }
        _ => Ok(()),
    }
}

/// The form's own answers over the profile's: what the officer typed (even a cleared field) wins.
pub(super) fn with_prefill(
    service: &Service,
    citizen: &crate::citizen::CitizenDetails,
    answers: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut merged = form::prefill(service, citizen);
    merged.extend(answers.iter().map(|(k, v)| (k.clone(), v.clone())));
    merged
}

pub(super) fn check_size(answers: &serde_json::Map<String, serde_json::Value>) -> Result<()> {
    let bytes = serde_json::to_vec(answers).map_err(|_| CoreError::invalid("form", Reason::FormEncoding))?.len();
    if bytes > MAX_FORM_BYTES {
        return Err(CoreError::FormInvalid {
            service_id: String::new(),
            problems: vec![Problem::new("form", Reason::FormTooLarge).with_param("max", MAX_FORM_BYTES)],
        });
    }
    Ok(())
}

/// `current`, or the newest catalogue the store received if that is newer. A received catalogue
/// was checked when it arrived; should this build refuse it, `current` serves rather than locking
/// the officer out.
pub(super) fn newest_catalogue(current: Arc<Catalogue>, store: &Store) -> Result<Arc<Catalogue>> {
    if let Some((version, text)) = store.received_catalogue()?
        && version > current.version
        && let Ok(received) = Catalogue::parse(&format!("catalogue {version} received from the server"), &text)
    {
        return Ok(Arc::new(received));
    }
    Ok(current)
}

impl Session {
    /// The catalogue this session checks forms against.
    pub fn catalogue(&self) -> Result<Arc<Catalogue>> {
        Ok(Arc::clone(&self.catalogue))
    }

    /// What the citizen's profile fills in on `service_id`'s form: typed once, used everywhere.
    pub fn prefill(
        &mut self,
        citizen_id: Uuid,
        service_id: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        let catalogue = self.catalogue()?;
        let service = find_service(&catalogue, service_id)?;
        let (store, _) = self.store_for(Action::CaptureApplications)?;
        let citizen = store.citizen(citizen_id)?;
        Ok(form::prefill(service, &citizen.details))
    }

    /// Checks a form without saving it: every error, and warnings such as an earlier application
    /// for the same service by the same ID number. The app calls this before "Save".
    pub fn check_application(&mut self, new: &NewApplication) -> Result<FormCheck> {
        Ok(self.check_form(new.citizen_id, &new.service_id, new.catalogue_version, &new.form, None)?.check)
    }

    /// Saves a new application as a draft: incomplete answers are kept as typed, to finish later.
    pub fn save_draft(&mut self, new: &NewApplication) -> Result<Application> {
        let catalogue = self.catalogue()?;
        let service = find_service(&catalogue, &new.service_id)?;
        check_catalogue_version(&catalogue, new.catalogue_version)?;
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::CaptureApplications)?;
        let citizen = store.citizen(new.citizen_id)?;
        let answers = with_prefill(service, &citizen.details, &new.form);
        check_size(&answers)?;
        let record = CheckedRecord {
            form: answers,
            catalogue_version: catalogue.version,
            applicant_id_number: citizen.details.id_number,
        };
        store.create_application(new, record, false, &by, now)
    }

    /// Saves a new application straight into the outbox (the officer's "Save and submit"), once
    /// its form passes every check.
    pub fn save_and_submit(&mut self, new: &NewApplication) -> Result<Application> {
        let checked = self.check_form(new.citizen_id, &new.service_id, new.catalogue_version, &new.form, None)?;
        let record = checked.into_record()?;
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::CaptureApplications)?;
        store.create_application(new, record, true, &by, now)
    }

    /// Checks a form for `citizen_id` against the catalogue in force, with the profile's answers
    /// filled in where the form has none.
    fn check_form(
        &mut self,
        citizen_id: Uuid,
        service_id: &str,
        expected_version: Option<u32>,
        answers: &serde_json::Map<String, serde_json::Value>,
        except: Option<Uuid>,
    ) -> Result<FormChecked> {
        let catalogue = self.catalogue()?;
        let service = find_service(&catalogue, service_id)?;
        check_catalogue_version(&catalogue, expected_version)?;
        let (store, now) = self.store_for(Action::CaptureApplications)?;
        let citizen = store.citizen(citizen_id)?;
        let merged = with_prefill(service, &citizen.details, answers);
        check_size(&merged)?;
        let mut check = form::check(service, &merged, validate::today(now));
        let id_number = service
            .duplicate_key
            .as_ref()
            .and_then(|key| check.answers.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .or_else(|| citizen.details.id_number.clone());
        if let Some(id_number) = &id_number {
            let key_field = service.duplicate_key.as_deref();
            let label = key_field.and_then(|k| service.field(k)).map(|f| Box::new(f.label.clone()));
            for earlier in store.applications_by_id_number(&service.id, id_number, except)? {
                let mut warning = Problem::new(key_field.unwrap_or("id_number"), Reason::DuplicateApplication)
                    .with_param("reference", earlier.reference.as_str())
                    .with_param("state", earlier.state.as_str())
                    .with_param("date", validate::today(earlier.created_at));
                warning.label = label.clone();
                check.warnings.push(warning);
            }
        }
        Ok(FormChecked { check, catalogue_version: catalogue.version, applicant_id_number: id_number })
    }

    /// Checks new answers for an existing draft or queried application, as `check_application`
    /// does for a new one (the application is not reported as a duplicate of itself).
    pub fn check_edit(&mut self, id: Uuid, form: &serde_json::Map<String, serde_json::Value>) -> Result<FormCheck> {
        let application = {
            let (store, _) = self.store_for(Action::CaptureApplications)?;
            store.application(id)?
        };
        Ok(self.check_form(application.citizen_id, &application.service_id, None, form, Some(id))?.check)
    }

    /// Changes the answers of a draft or of a queried application.
    pub fn edit_application(
        &mut self,
        id: Uuid,
        form: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Application> {
        check_size(&form)?;
        self.transition(id, Transition::Edit, ApplicationChange::Form(form), Action::CaptureApplications)
    }

    /// Queues a draft, or resubmits a corrected queried application, once its form passes every
    /// check against the catalogue in force (whose version it then records).
    pub fn submit_application(&mut self, id: Uuid) -> Result<Application> {
        let application = {
            let (store, _) = self.store_for(Action::CaptureApplications)?;
            store.application(id)?
        };
        // Checked here, not only in the store's transition, so the officer is told before the
        // form is checked that, say, a synced application cannot be submitted again.
        application.state.after(Transition::Submit)?;
        let checked =
            self.check_form(application.citizen_id, &application.service_id, None, &application.form, Some(id))?;
        let change =
            ApplicationChange::Checked { record: checked.into_record()?, expected_revision: application.revision };
        self.transition(id, Transition::Submit, change, Action::CaptureApplications)
    }

    /// Called by the sync client once the server has durably acknowledged the application.
    pub fn mark_synced(&mut self, id: Uuid) -> Result<Application> {
        self.transition(id, Transition::MarkSynced, ApplicationChange::None, Action::Sync)
    }

    /// Called by the sync client when an MDA's decision arrives.
    pub fn apply_review(&mut self, id: Uuid, outcome: ReviewOutcome) -> Result<Application> {
        let transition = match &outcome {
            ReviewOutcome::Accepted => Transition::Accept,
            ReviewOutcome::Rejected { reason } => {
                validate::free_text("reason", reason, 500)?;
                Transition::Reject
            }
            ReviewOutcome::Queried { question } => {
                validate::free_text("question", question, 500)?;
                Transition::Query
            }
        };
        self.transition(id, transition, ApplicationChange::Review(outcome), Action::Sync)
    }

    fn transition(
        &mut self,
        id: Uuid,
        transition: Transition,
        change: ApplicationChange,
        action: Action,
    ) -> Result<Application> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(action)?;
        store.transition_application(id, transition, change, by.as_str(), now)
    }

    /// One application by id (UUID) or human reference.
    pub fn application(&mut self, id_or_reference: &str) -> Result<Application> {
        let (store, _) = self.store_for(Action::ViewCitizens)?;
        match Uuid::parse_str(id_or_reference.trim()) {
            Ok(id) => store.application(id),
            Err(_) => store.application_by_reference(&Reference::parse(id_or_reference)?),
        }
    }

    pub fn applications(&mut self, state: Option<ApplicationState>) -> Result<Vec<Application>> {
        let (store, _) = self.store_for(Action::ViewCitizens)?;
        store.applications(state)
    }

    /// The outbox: applications waiting for the next sync.
    pub fn queue(&mut self) -> Result<Vec<Application>> {
        self.applications(Some(ApplicationState::Submitted))
    }

    /// Applications captured today (Kenyan time) on this laptop, drafts included.
    pub fn captured_today(&mut self) -> Result<u64> {
        let (store, now) = self.store_for(Action::CaptureApplications)?;
        let (from, to) = crate::clock::kenyan_day_bounds(crate::clock::kenyan_date(now));
        store.count_created_between(from, to)
    }

    /// Applications waiting in the outbox (submitted, not yet acknowledged by the server).
    pub fn outbox_len(&mut self) -> Result<u64> {
        Ok(self
            .counts_by_state()?
            .into_iter()
            .find(|(state, _)| *state == ApplicationState::Submitted)
            .map_or(0, |(_, n)| n))
    }

    pub fn counts_by_state(&mut self) -> Result<Vec<(ApplicationState, u64)>> {
        let (store, _) = self.store_for(Action::CaptureApplications)?;
        store.count_by_state()
    }
}
