//! Officers, their roles, and what each role may do (least data per role).

use crate::error::{DomainError, Reason, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FrontDeskOfficer,
    CentreManager,
    Trainer,
    IctOfficer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::FrontDeskOfficer, Role::CentreManager, Role::Trainer, Role::IctOfficer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::FrontDeskOfficer => "front_desk_officer",
            Role::CentreManager => "centre_manager",
            Role::Trainer => "trainer",
            Role::IctOfficer => "ict_officer",
        }
    }

    pub fn parse(text: &str) -> Result<Role> {
        let wanted = text.trim().replace('-', "_").to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == wanted)
            .ok_or_else(|| DomainError::invalid("role", Reason::UnknownRole))
    }

    /// Whether this role may do `action`. The ICT officer administers laptops and the roster but
    /// never sees citizens' data; capture is for the roles that serve citizens.
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        use Role::*;
        match action {
            CaptureApplications | ViewCitizens => matches!(self, FrontDeskOfficer | CentreManager | Trainer),
            ManageOfficers => matches!(self, CentreManager | IctOfficer),
            VerifyAudit => matches!(self, CentreManager | IctOfficer),
            // The exchange with the sync server reads the outbox (citizens' records) and writes
            // what the MDAs decided: for the roles that capture, never the ICT officer.
            Sync => matches!(self, FrontDeskOfficer | CentreManager | Trainer),
            // When the laptop last synced, what failed and whether it is revoked: no citizen in it.
            ReadSyncStatus => true,
            // Which world the laptop is in (training or production) and the catalogue in force.
            ReadDeployment => true,
            // Removing what the retention period has ended reads nothing and is always allowed.
            Purge => true,
            // Every officer keeps their own PIN; it opens only their own sealed key.
            ChangeOwnPin => true,
            // Provisioning installs the laptop's private key: the ICT officer's job alone.
            EnrolDevice => matches!(self, IctOfficer),
            // Where and when the tent goes up is for everyone who works in it.
            ViewOutreaches => true,
            // Citizens' data leaves the laptop on a stick: the manager answers for it.
            ExportOutbox => matches!(self, CentreManager),
            // The citizen's proof of application comes from whoever captures it.
            PrintSlips => matches!(self, FrontDeskOfficer | CentreManager | Trainer),
            // The day's figures are the centre manager's to report.
            ViewDayReport => matches!(self, CentreManager),
            // Outreaches are planned (places, people, equipment, money) by the centre manager.
            PlanOutreaches => matches!(self, CentreManager),
            // Feedback is taken by whoever served the citizen; it is anonymous, but the ICT
            // officer has no business at the tent's counter.
            RecordFeedback => matches!(self, FrontDeskOfficer | CentreManager | Trainer),
            // The feedback figures are the centre manager's to report, like the day's others.
            ViewFeedback => matches!(self, CentreManager),
        }
    }

    /// Which roles this role may add to or remove from the roster. A centre manager staffs the
    /// tent; only the ICT officer creates managers and other ICT officers.
    pub fn may_manage(self, other: Role) -> bool {
        match self {
            Role::IctOfficer => true,
            Role::CentreManager => matches!(other, Role::FrontDeskOfficer | Role::Trainer),
            _ => false,
        }
    }
}

/// What an operation on the laptop permits. Each says what it allows; none is a catch-all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CaptureApplications,
    ViewCitizens,
    ManageOfficers,
    VerifyAudit,
    Sync,
    ReadSyncStatus,
    ReadDeployment,
    Purge,
    ChangeOwnPin,
    EnrolDevice,
    ViewOutreaches,
    ExportOutbox,
    PrintSlips,
    ViewDayReport,
    PlanOutreaches,
    RecordFeedback,
    ViewFeedback,
}

impl Action {
    pub const ALL: [Action; 17] = [
        Action::CaptureApplications,
        Action::ViewCitizens,
        Action::ManageOfficers,
        Action::VerifyAudit,
        Action::Sync,
        Action::ReadSyncStatus,
        Action::ReadDeployment,
        Action::Purge,
        Action::ChangeOwnPin,
        Action::EnrolDevice,
        Action::ViewOutreaches,
        Action::ExportOutbox,
        Action::PrintSlips,
        Action::ViewDayReport,
        Action::PlanOutreaches,
        Action::RecordFeedback,
        Action::ViewFeedback,
    ];

    /// Whether the action reads citizens' personal data (names, ID numbers, answers).
    pub fn reads_citizens_data(self) -> bool {
        matches!(
            self,
            Action::CaptureApplications
                | Action::ViewCitizens
                | Action::Sync
                | Action::ExportOutbox
                | Action::PrintSlips
                | Action::ViewDayReport
        )
    }

    pub fn describe(self) -> &'static str {
        match self {
            Action::CaptureApplications => "capture applications",
            Action::ViewCitizens => "view citizens' data",
            Action::ManageOfficers => "manage officers",
            Action::VerifyAudit => "verify the audit log",
            Action::Sync => "sync this laptop's applications",
            Action::ReadSyncStatus => "see the sync status",
            Action::ReadDeployment => "see this laptop's deployment and catalogue",
            Action::Purge => "remove data whose retention has ended",
            Action::ChangeOwnPin => "change your own PIN",
            Action::EnrolDevice => "enrol this laptop for sync",
            Action::ViewOutreaches => "view outreach plans",
            Action::ExportOutbox => "export the outbox to a USB bundle",
            Action::PrintSlips => "print acknowledgement slips",
            Action::ViewDayReport => "see the outreach day report",
            Action::PlanOutreaches => "plan outreaches",
            Action::RecordFeedback => "record citizens' feedback",
            Action::ViewFeedback => "see the feedback figures",
        }
    }
}

/// An officer's service number as issued by Huduma Kenya: 2 to 16 letters and digits, stored in
/// upper case so `fd001` and `FD001` are one officer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficerNumber(String);

impl OfficerNumber {
    pub fn parse(text: &str) -> Result<OfficerNumber> {
        let cleaned = text.trim().to_ascii_uppercase();
        let ok_len = (2..=16).contains(&cleaned.len());
        if !ok_len || !cleaned.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(DomainError::invalid("officer_number", Reason::OfficerNumberFormat));
        }
        Ok(OfficerNumber(cleaned))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OfficerNumber {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self> {
        OfficerNumber::parse(&value)
    }
}

impl From<OfficerNumber> for String {
    fn from(value: OfficerNumber) -> String {
        value.0
    }
}

impl std::fmt::Display for OfficerNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An officer as kept in the encrypted roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    pub number: OfficerNumber,
    pub display_name: String,
    pub role: Role,
}

/// Checks a PIN's shape: digits only, at least `min_len`, not all one digit, not a run like 123456.
pub fn validate_pin(pin: &str, min_len: usize) -> Result<()> {
    if pin.len() < min_len || pin.len() > 12 {
        return Err(DomainError::invalid("pin", Reason::PinLength));
    }
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(DomainError::invalid("pin", Reason::PinDigitsOnly));
    }
    let digits: Vec<i32> = pin.bytes().map(|b| i32::from(b - b'0')).collect();
    let steps: Vec<i32> = digits.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.iter().all(|&s| s == 0) || steps.iter().all(|&s| s == 1) || steps.iter().all(|&s| s == -1) {
        return Err(DomainError::invalid("pin", Reason::PinTooSimple));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ict_officer_may_do_nothing_that_reads_citizens_data() {
        let reading: Vec<Action> = Action::ALL.into_iter().filter(|a| Role::IctOfficer.may(*a)).collect();
        assert!(reading.iter().all(|a| !a.reads_citizens_data()), "{reading:?}");
        assert!(!Role::IctOfficer.may(Action::Sync), "the outbox holds citizens' records");
        assert!(Role::IctOfficer.may(Action::EnrolDevice) && Role::IctOfficer.may(Action::ReadSyncStatus));
    }

    #[test]
    fn each_role_may_do_exactly_its_share() {
        use Action::*;
        let allowed = |role: Role| -> Vec<Action> { Action::ALL.into_iter().filter(|a| role.may(*a)).collect() };
        let shared = [ReadSyncStatus, ReadDeployment, Purge, ChangeOwnPin, ViewOutreaches];
        let with_shared = |own: &[Action]| {
            let mut all: Vec<Action> = own.iter().chain(shared.iter()).copied().collect();
            all.sort_by_key(|a| Action::ALL.iter().position(|b| b == a));
            all
        };
        let capture = [CaptureApplications, ViewCitizens, Sync, PrintSlips, RecordFeedback];
        assert_eq!(allowed(Role::FrontDeskOfficer), with_shared(&capture));
        assert_eq!(allowed(Role::Trainer), with_shared(&capture));
        let mut manager = capture.to_vec();
        manager.extend([ManageOfficers, VerifyAudit, ExportOutbox, ViewDayReport, PlanOutreaches, ViewFeedback]);
        assert_eq!(allowed(Role::CentreManager), with_shared(&manager));
        assert_eq!(allowed(Role::IctOfficer), with_shared(&[ManageOfficers, VerifyAudit, EnrolDevice]));
    }

    #[test]
    fn ict_officer_never_sees_citizens() {
        assert!(!Role::IctOfficer.may(Action::ViewCitizens));
        assert!(!Role::IctOfficer.may(Action::CaptureApplications));
        assert!(Role::IctOfficer.may(Action::ManageOfficers));
    }

    #[test]
    fn front_desk_cannot_manage_the_roster() {
        assert!(!Role::FrontDeskOfficer.may(Action::ManageOfficers));
        assert!(Role::CentreManager.may_manage(Role::FrontDeskOfficer));
        assert!(!Role::CentreManager.may_manage(Role::IctOfficer));
        assert!(!Role::CentreManager.may_manage(Role::CentreManager));
    }

    #[test]
    fn roles_parse_from_cli_spelling() {
        assert_eq!(Role::parse("front-desk-officer").expect("role"), Role::FrontDeskOfficer);
        assert_eq!(Role::parse("ICT_OFFICER").expect("role"), Role::IctOfficer);
        assert!(Role::parse("admin").is_err());
    }

    #[test]
    fn officer_numbers_normalise_and_refuse_junk() {
        assert_eq!(OfficerNumber::parse(" fd001 ").expect("number").as_str(), "FD001");
        for bad in ["", "F", "FD 001", "FD-001", "ÖÖ1", "A234567890123456X"] {
            assert!(OfficerNumber::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn pins() {
        let check = |pin: &str| validate_pin(pin, 6).err().and_then(|e| e.reason().map(|r| r.as_str()));
        assert_eq!(check("482913"), None);
        assert_eq!(check("4829"), Some("pin_length"));
        assert_eq!(check("48291a"), Some("pin_digits_only"));
        assert_eq!(check("111111"), Some("pin_too_simple"));
        assert_eq!(check("123456"), Some("pin_too_simple"));
        assert_eq!(check("987654"), Some("pin_too_simple"));
    }
}
