//! Applications and their lifecycle.
//!
//! ```text
//!   draft ──submit──▶ submitted ──synced──▶ synced ──accept──▶ accepted
//!     ▲ edit                                   │ ├──reject──▶ rejected
//!     └─┘                                      │ └──query───▶ queried ──resubmit──▶ submitted
//!                                                                 ▲ edit
//!                                                                 └─┘
//! ```
//! `submitted` is the outbox: queued for the next sync. Accepted and rejected are final.

use crate::error::{DomainError, Reason, Result};
use crate::reference::Reference;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    Draft,
    Submitted,
    Synced,
    Accepted,
    Rejected,
    Queried,
}

/// Something that happens to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Edit,
    Submit,
    MarkSynced,
    Accept,
    Reject,
    Query,
}

impl Transition {
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Edit => "edited",
            Transition::Submit => "submitted",
            Transition::MarkSynced => "marked synced",
            Transition::Accept => "accepted",
            Transition::Reject => "rejected",
            Transition::Query => "queried",
        }
    }
}

impl ApplicationState {
    pub const ALL: [ApplicationState; 6] = [
        ApplicationState::Draft,
        ApplicationState::Submitted,
        ApplicationState::Synced,
        ApplicationState::Accepted,
        ApplicationState::Rejected,
        ApplicationState::Queried,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationState::Draft => "draft",
            ApplicationState::Submitted => "submitted",
            ApplicationState::Synced => "synced",
            ApplicationState::Accepted => "accepted",
            ApplicationState::Rejected => "rejected",
            ApplicationState::Queried => "queried",
        }
    }

    pub fn parse(text: &str) -> Result<ApplicationState> {
        ApplicationState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| DomainError::invalid("state", Reason::UnknownState))
    }

    /// The one place the lifecycle is defined. Anything not listed is refused.
    pub fn after(self, transition: Transition) -> Result<ApplicationState> {
        use ApplicationState::*;
        use Transition::*;
        let next = match (self, transition) {
            (Draft, Edit) => Draft,
            (Queried, Edit) => Queried,
            (Draft, Submit) | (Queried, Submit) => Submitted,
            (Submitted, MarkSynced) => Synced,
            (Synced, Accept) => Accepted,
            (Synced, Reject) => Rejected,
            (Synced, Query) => Queried,
            _ => return Err(DomainError::IllegalTransition { from: self.as_str(), action: transition.as_str() }),
        };
        Ok(next)
    }

    /// Whether the application still counts against "one open application per service".
    pub fn is_open(self) -> bool {
        !matches!(self, ApplicationState::Accepted | ApplicationState::Rejected)
    }
}

/// An MDA's decision, arriving through sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ReviewOutcome {
    Accepted,
    Rejected { reason: String },
    Queried { question: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Application {
    pub id: Uuid,
    pub reference: Reference,
    pub citizen_id: Uuid,
    pub service_id: String,
    pub catalogue_version: u32,
    pub state: ApplicationState,
    /// The form's answers, keyed by catalogue field id.
    pub form: serde_json::Map<String, serde_json::Value>,
    /// Rejection reason or query question from the MDA, when there is one.
    pub review_note: Option<String>,
    /// Bumped on every change to the form, so the server can tell a resubmission from a retry.
    pub revision: u32,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub updated_at: OffsetDateTime,
}

/// Raw input for a new application.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    pub citizen_id: Uuid,
    pub service_id: String,
    /// The catalogue version the form was rendered from, when known: a form opened under another
    /// version is refused rather than checked against rules it was not shown.
    #[serde(default)]
    pub catalogue_version: Option<u32>,
    #[serde(default)]
    pub form: serde_json::Map<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::ApplicationState::*;
    use super::Transition::*;
    use super::*;

    /// The lifecycle as a table: every (state, transition) pair, and where it leads or `None`.
    #[test]
    fn lifecycle_table() {
        let table: &[(ApplicationState, Transition, Option<ApplicationState>)] = &[
            (Draft, Edit, Some(Draft)),
            (Draft, Submit, Some(Submitted)),
            (Draft, MarkSynced, None),
            (Draft, Accept, None),
            (Draft, Reject, None),
            (Draft, Query, None),
            (Submitted, Edit, None),
            (Submitted, Submit, None),
            (Submitted, MarkSynced, Some(Synced)),
            (Submitted, Accept, None),
            (Submitted, Reject, None),
            (Submitted, Query, None),
            (Synced, Edit, None),
            (Synced, Submit, None),
            (Synced, MarkSynced, None),
            (Synced, Accept, Some(Accepted)),
            (Synced, Reject, Some(Rejected)),
            (Synced, Query, Some(Queried)),
            (Queried, Edit, Some(Queried)),
            (Queried, Submit, Some(Submitted)),
            (Queried, MarkSynced, None),
            (Queried, Accept, None),
            (Queried, Reject, None),
            (Queried, Query, None),
        ];
        for &(from, transition, want) in table {
            let got = from.after(transition).ok();
            assert_eq!(got, want, "{from:?} --{transition:?}-->");
        }
        for final_state in [Accepted, Rejected] {
            for transition in [Edit, Submit, MarkSynced, Accept, Reject, Query] {
                let err = final_state.after(transition).expect_err("final states are final");
                assert_eq!(err.code(), "illegal_transition");
            }
        }
    }
}
