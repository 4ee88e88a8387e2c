//! Core of the Huduma Mashinani Field Kit: everything a laptop does with citizens' data, with no
//! user interface and no network server. The Tauri app, the CLI and the tests all drive it through
//! [`Profile`] and [`Session`].
//!
//! The pure rules (catalogue, planning, validation, roles, messages) live in `fieldkit-domain` and
//! are re-exported here under their old paths, so laptop code reads `crate::catalogue` whichever
//! crate holds it.
//!
//! Architecture invariant: this crate does not know about Tauri, HTTP servers or terminals.

pub use fieldkit_domain::{
    application, catalogue, citizen, counties, feedback, format, lang, officer, planning, reference, validate,
};

pub mod catalogue_file;
pub mod clock;
pub mod config;
pub mod demo;
pub mod documents;
pub mod error;
pub mod messages;
pub mod paths;
pub mod provisioning;
pub mod session;
pub mod sync;

// The encrypted store, the keyring and the data key are private: the session is the only door to
// them, and it checks the officer's role first. Tests and benchmarks that must look beneath it
// enable the `testing` feature.
#[cfg(feature = "testing")]
pub mod crypto;
#[cfg(not(feature = "testing"))]
#[allow(dead_code)]
pub(crate) mod crypto;
#[cfg(feature = "testing")]
pub mod keyring;
#[cfg(not(feature = "testing"))]
#[allow(dead_code)]
pub(crate) mod keyring;
#[cfg(feature = "testing")]
pub mod store;
#[cfg(not(feature = "testing"))]
#[allow(dead_code)]
pub(crate) mod store;

pub use application::{Application, ApplicationState, NewApplication, ReviewOutcome};
pub use catalogue::{Catalogue, FormCheck};
pub use citizen::{Citizen, NewCitizen, Sex};
pub use config::{Config, KdfParams};
pub use documents::{DayReport, Paper, SlipOptions};
pub use error::{CoreError, ErrorReport, Problem, Reason, Result};
pub use lang::{Lang, Text};
pub use officer::{Officer, OfficerNumber, Role};
pub use reference::{LaptopPrefix, Reference};
pub use session::{NewOfficer, Profile, Session};
#[cfg(feature = "testing")]
pub use store::Store;
pub use store::{AuditProblem, AuditReport, EarlierApplication, Purged, RosterEntry, SyncFailure, SyncState};
