//! What sync and the USB export ask of a session: the outbox, applying the server's answers and
//! published events, the sync state, enrolment, purging and the client.

use super::*;

impl Session {
    /// Seals the whole outbox into an export bundle for a USB stick (centre manager only), for a
    /// laptop that has had no link for days. The applications stay in the outbox: the next sync
    /// is acknowledged for them as already stored, so they are delivered once either way.
    pub fn export_bundle(&mut self) -> Result<crate::sync::export::ExportedBundle> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::ExportOutbox)?;
        let enrolment = store.enrolment()?.ok_or(CoreError::NotEnrolled)?;
        let outbox = store.outbox_page(usize::MAX)?;
        if outbox.is_empty() {
            return Err(CoreError::NothingToExport);
        }
        let records = crate::sync::records(store, &outbox)?;
        let bundle = crate::sync::export::seal(&enrolment, records, now)?;
        store.record_export(&bundle, &by, now)?;
        Ok(bundle)
    }

    /// Up to `limit` outbox applications as wire records, oldest first. Citizens' records leave
    /// the crate only for tests and benchmarks (the `testing` feature); sync reads them itself.
    #[cfg(any(test, feature = "testing"))]
    pub fn outbox_records(&mut self, limit: usize) -> Result<Vec<fieldkit_protocol::ApplicationRecord>> {
        Ok(self.outbox_records_after(None, limit)?.0)
    }

    /// Up to `limit` outbox applications after `after` (all of them from the oldest when `None`),
    /// as wire records, and the position of the last one for the next call.
    pub(crate) fn outbox_records_after(
        &mut self,
        after: Option<&crate::store::OutboxPosition>,
        limit: usize,
    ) -> Result<(Vec<fieldkit_protocol::ApplicationRecord>, Option<crate::store::OutboxPosition>)> {
        let (store, _) = self.store_for(Action::Sync)?;
        let (outbox, positions): (Vec<_>, Vec<_>) = store.outbox_page_after(after, limit)?.into_iter().unzip();
        Ok((crate::sync::records(store, &outbox)?, positions.into_iter().last()))
    }

    /// Applies a push's per-record answers: acknowledged records still in the outbox at the same
    /// revision become `synced`; everything else is left as it is and counted.
    pub fn apply_push_results(
        &mut self,
        results: &[fieldkit_protocol::RecordResult],
    ) -> Result<crate::sync::PushTally> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::Sync)?;
        store.apply_push_results(results, by.as_str(), now)
    }

    /// Applies pulled events, each idempotently: an MDA decision moves the revision it was made
    /// on, once; a catalogue is checked whole and put in force if newer; a roster's inactive
    /// officers can no longer sign in here; an outreach plan is kept at its newest revision.
    pub fn apply_events(&mut self, events: &[fieldkit_protocol::Event]) -> Result<crate::sync::PullTally> {
        use fieldkit_protocol::Event;
        let mut tally = crate::sync::PullTally::default();
        let by = self.officer.number.clone();
        for event in events {
            match event {
                Event::Review { application_id, .. } => {
                    let application = {
                        let (store, _) = self.store_for(Action::Sync)?;
                        store.application(*application_id).ok()
                    };
                    match application.as_ref().and_then(|a| crate::sync::applicable_decision(event, a)) {
                        Some(decision) => {
                            self.apply_review(*application_id, crate::sync::review_outcome(decision))?;
                            tally.decisions_applied += 1;
                        }
                        None => tally.decisions_skipped += 1,
                    }
                }
                Event::Catalogue { version, text } => {
                    let name = format!("catalogue {version} received from the server");
                    match Catalogue::parse(&name, text) {
                        Ok(catalogue) if catalogue.version == *version => {
                            let (store, now) = self.store_for(Action::Sync)?;
                            store.keep_catalogue(*version, text, &by, now)?;
                            if catalogue.version > self.catalogue.version {
                                self.catalogue = Arc::new(catalogue);
                                tally.catalogues_installed += 1;
                            }
                        }
                        // Checked by the server with this same code: a refusal here means this
                        // build is older than the catalogue's format. Keep working on the old one.
                        _ => tally.catalogues_refused += 1,
                    }
                }
                Event::Roster { officers } => {
                    let (store, now) = self.store_for(Action::Sync)?;
                    store.keep_roster(officers, &by, now)?;
                    let mut deactivate = Vec::new();
                    for officer in officers.iter().filter(|o| !o.active) {
                        if let Ok(number) = OfficerNumber::parse(&officer.number)
                            && store.officer(&number)?.is_some()
                        {
                            deactivate.push(number);
                        }
                    }
                    for number in deactivate {
                        self.drop_officer(&number, &by, Action::Sync)?;
                        tally.officers_deactivated += 1;
                    }
                    tally.rosters += 1;
                }
                Event::Outreach { plan } => {
                    let (store, now) = self.store_for(Action::Sync)?;
                    if store.keep_outreach(plan, &by, now)? {
                        tally.outreaches_updated += 1;
                    }
                }
            }
        }
        Ok(tally)
    }

    /// The officers the server assigned to this laptop, and whether each is set up here.
    pub fn roster(&mut self) -> Result<Vec<crate::store::RosterEntry>> {
        let (store, _) = self.store_for(Action::ManageOfficers)?;
        store.roster()
    }

    /// Outreach plans this laptop is assigned to, soonest first.
    pub fn outreaches(&mut self) -> Result<Vec<fieldkit_protocol::OutreachPlan>> {
        let (store, _) = self.store_for(Action::ViewOutreaches)?;
        store.outreaches()
    }

    /// The outreach running today (confirmed or running, today within its dates) and the
    /// services it offers, in its order; with no such outreach, every service in the catalogue.
    /// Services a plan names that the catalogue in force lacks are left out.
    pub fn services_today(
        &mut self,
    ) -> Result<(Option<fieldkit_protocol::OutreachPlan>, Vec<crate::catalogue::Service>)> {
        use fieldkit_protocol::OutreachStatus;
        let today = crate::clock::kenyan_date(self.profile.clock.now()).to_string();
        let plan = self.outreaches()?.into_iter().find(|plan| {
            matches!(plan.status, OutreachStatus::Confirmed | OutreachStatus::Running)
                && plan.starts_on.as_str() <= today.as_str()
                && today.as_str() <= plan.ends_on.as_str()
        });
        let catalogue = Arc::clone(&self.catalogue);
        let services = match &plan {
            Some(plan) => plan.services.iter().filter_map(|id| catalogue.service(id).cloned()).collect(),
            None => catalogue.services.clone(),
        };
        Ok((plan, services))
    }

    /// Records that the server refused this laptop as revoked: sync stops until it is enrolled
    /// again.
    pub fn record_revocation(&mut self) -> Result<()> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::Sync)?;
        store.record_revocation(&by, now)
    }

    /// What the laptop remembers about syncing (pull cursor, last success, last error).
    pub fn sync_state(&mut self) -> Result<crate::store::SyncState> {
        let (store, _) = self.store_for(Action::ReadSyncStatus)?;
        store.sync_state()
    }

    /// Records the end of a sync attempt: `Ok(cursor)` after a pull was applied, or the error to
    /// show. Survives restarts.
    pub fn record_sync_attempt(
        &mut self,
        outcome: std::result::Result<u64, &crate::store::SyncFailure>,
    ) -> Result<crate::store::SyncState> {
        let (store, now) = self.store_for(Action::Sync)?;
        store.record_sync_attempt(now, outcome)
    }

    /// Installs the laptop's enrolment for sync (ICT officer only). The file is checked whole
    /// before anything is stored: its device id must be this laptop's reference prefix, its
    /// server https, its certificates and key usable together.
    pub fn enrol(&mut self, enrolment: &fieldkit_protocol::Enrolment) -> Result<()> {
        crate::sync::client::tls_config(enrolment)?;
        let theirs = crate::sync::client::enrolment_deployment(enrolment)?;
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::EnrolDevice)?;
        let ours = store.deployment()?;
        if theirs != ours {
            return Err(CoreError::WrongDeployment { profile: ours, other: theirs, what: "enrolment" });
        }
        let prefix = store.laptop_prefix()?;
        if enrolment.device_id != prefix.as_str() {
            return Err(CoreError::EnrolmentInvalid(format!(
                "it is for device {}, but this laptop is {}",
                enrolment.device_id,
                prefix.as_str()
            )));
        }
        store.set_enrolment(enrolment, &by, now)
    }

    /// Purges what this laptop no longer needs (`Config::retention_days`, 30 by default): applications
    /// decided that long ago, citizens with nothing left here, feedback the server has, and saved
    /// slips and reports (plain PDFs) in the profile's `slips/` and `reports/` folders. Run after
    /// every successful sync; any signed-in officer's session may run it (it only removes).
    pub fn purge_expired(&mut self) -> Result<crate::store::Purged> {
        let days = i64::from(self.profile.config.retention_days);
        let dir = self.profile.dir.clone();
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::Purge)?;
        let cutoff = now - time::Duration::days(days);
        let mut purged = store.purge_before(cutoff, &by, now)?;
        for folder in ["slips", "reports"] {
            purged.files += remove_files_older_than(&dir.join(folder), cutoff)?;
        }
        Ok(purged)
    }

    /// Whether this is a trainer's demo profile (`Training`) or a real one; any signed-in officer
    /// may ask, since every screen shows it.
    pub fn deployment(&mut self) -> Result<fieldkit_protocol::Deployment> {
        let (store, _) = self.store_for(Action::ReadDeployment)?;
        store.deployment()
    }

    /// A client for the server this laptop is enrolled with.
    pub fn sync_client(&mut self) -> Result<crate::sync::SyncClient> {
        let (store, _) = self.store_for(Action::Sync)?;
        let enrolment = store.enrolment()?.ok_or(CoreError::NotEnrolled)?;
        if store.revoked_at()?.is_some() {
            return Err(CoreError::DeviceRevoked);
        }
        let (ours, theirs) = (store.deployment()?, crate::sync::client::enrolment_deployment(&enrolment)?);
        if theirs != ours {
            return Err(CoreError::WrongDeployment { profile: ours, other: theirs, what: "enrolment" });
        }
        crate::sync::SyncClient::new(&enrolment)
    }
}
