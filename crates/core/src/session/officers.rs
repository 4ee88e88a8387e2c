//! The roster on this laptop: who may sign in here, added and removed by those who may manage them.

use super::*;

impl Session {
    pub fn officers(&mut self) -> Result<Vec<Officer>> {
        let (store, _) = self.store_for(Action::ManageOfficers)?;
        store.officers()
    }

    /// Adds an officer: a new sealed copy of the existing data key, no re-encryption.
    pub fn add_officer(&mut self, new: &NewOfficer, pin: &str) -> Result<Officer> {
        let officer = new.validate()?;
        validate_pin(pin, self.profile.config.min_pin_length)?;
        if !self.officer.role.may_manage(officer.role) {
            return Err(CoreError::NotPermitted("add an officer with that role"));
        }
        let by = self.officer.number.clone();
        let config = self.profile.config.clone();
        let keyring_file = self.profile.keyring_file();
        let (store, now) = self.store_for(Action::ManageOfficers)?;
        if store.officer(&officer.number)?.is_some() {
            return Err(CoreError::OfficerExists(officer.number.to_string()));
        }
        // The open store holds the data key for exactly as long as the session is unlocked.
        let key = store.data_key().clone();
        let lock = keyring_file.lock()?;
        let mut keyring = keyring_file.read()?;
        // Keyring first, store second: a crash in between leaves an orphan entry that cannot sign
        // in (the store's roster lacks the officer) and that a retry overwrites.
        keyring.upsert(seal_entry(&key, keyring.profile_id, &officer, pin, &config)?);
        keyring_file.write(&keyring, &lock)?;
        drop(lock);
        store.add_officer(&officer, &by, now)?;
        Ok(officer)
    }

    /// Changes the signed-in officer's own PIN. The old PIN is checked as at sign-in (a wrong one
    /// counts towards the lockout), the new one must pass the PIN rules, and the officer's sealed
    /// copy of the data key is re-sealed under it: the old PIN stops working, the data key and
    /// the store are unchanged. Audited as `officer.pin_changed`.
    pub fn change_pin(&mut self, old: &str, new: &str) -> Result<()> {
        validate_pin(new, self.profile.config.min_pin_length)?;
        let officer = self.officer.clone();
        self.store_for(Action::ChangeOwnPin)?;
        self.profile.open_sealed_key(&officer.number, old)?;
        let config = self.profile.config.clone();
        let keyring_file = self.profile.keyring_file();
        let (store, now) = self.store_for(Action::ChangeOwnPin)?;
        let key = store.data_key().clone();
        let lock = keyring_file.lock()?;
        let mut keyring = keyring_file.read()?;
        // Keyring first (one atomic rename), then the audit entry: a crash in between leaves the
        // new PIN working without its entry, never an officer locked out of their own key.
        keyring.upsert(seal_entry(&key, keyring.profile_id, &officer, new, &config)?);
        keyring_file.write(&keyring, &lock)?;
        drop(lock);
        store.record_pin_change(&officer.number, now)
    }

    /// Removes an officer: their sealed key is deleted; the data key and the store are unchanged.
    pub fn remove_officer(&mut self, number: &str) -> Result<Officer> {
        let number = OfficerNumber::parse(number)?;
        if number == self.officer.number {
            return Err(CoreError::CannotRemoveSelf);
        }
        let by = self.officer.number.clone();
        let my_role = self.officer.role;
        let (store, _) = self.store_for(Action::ManageOfficers)?;
        let target = store.officer(&number)?.ok_or_else(|| CoreError::UnknownOfficer(number.to_string()))?;
        if !my_role.may_manage(target.role) {
            return Err(CoreError::NotPermitted("remove an officer with that role"));
        }
        self.drop_officer(&number, &by, Action::ManageOfficers)
    }

    /// Removes `number` from the store's roster and their sealed key from the keyring, under
    /// `action`: managing officers by hand, or applying the roster headquarters published (sync).
    /// The caller has decided it may remove this officer.
    pub(super) fn drop_officer(
        &mut self,
        number: &OfficerNumber,
        by: &OfficerNumber,
        action: Action,
    ) -> Result<Officer> {
        let keyring_file = self.profile.keyring_file();
        let (store, now) = self.store_for(action)?;
        // Store first, keyring second: a lingering keyring entry of a removed officer is refused at
        // sign-in by the store's roster.
        let removed = store.remove_officer(number, by, now)?;
        let lock = keyring_file.lock()?;
        let mut keyring = keyring_file.read()?;
        keyring.remove(number);
        keyring_file.write(&keyring, &lock)?;
        Ok(removed)
    }
}
