//! Citizens: registering them once and finding them again.

use super::*;

impl Session {
    pub fn register_citizen(&mut self, new: &NewCitizen) -> Result<Citizen> {
        let by = self.officer.number.clone();
        let (store, now) = self.store_for(Action::CaptureApplications)?;
        let details = new.validate(now)?;
        store.register_citizen(details, &by, now)
    }

    pub fn citizen(&mut self, id: Uuid) -> Result<Citizen> {
        let (store, _) = self.store_for(Action::ViewCitizens)?;
        store.citizen(id)
    }

    pub fn find_citizens(&mut self, query: &str) -> Result<Vec<Citizen>> {
        let (store, _) = self.store_for(Action::ViewCitizens)?;
        store.find_citizens(query)
    }
}
