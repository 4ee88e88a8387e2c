//! Core of the Huduma Mashinani Field Kit: everything a laptop does with citizens' data, with no
//! user interface and no network. The Tauri app, the CLI and the tests all drive it through
//! [`Profile`] and [`Session`].
//!
//! Architecture invariant: this crate does not know about Tauri, HTTP servers or terminals.

pub mod application;
pub mod catalogue;
pub mod citizen;
pub mod clock;
pub mod config;
pub mod counties;
pub mod crypto;
pub mod demo;
pub mod documents;
pub mod error;
pub mod feedback;
pub mod keyring;
pub mod lang;
pub mod messages;
pub mod officer;
pub mod paths;
pub mod planning;
pub mod provisioning;
pub mod reference;
pub mod session;
pub mod store;
pub mod sync;
pub mod validate;

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
pub use store::{AuditReport, Store};
