//! The Field Kit's pure rules, shared by the laptop (`fieldkit-core`) and the server
//! (`huduma-sync`), so both refuse exactly the same things: the service catalogue and its form
//! checks, outreach planning, citizens' feedback checks, officers and roles, references, Kenyan
//! validation, counties, and every message in English and Kiswahili.
//!
//! Architecture invariant: no I/O. Nothing here opens a file, a socket or a database, or reads the
//! clock: text comes in as `&str`, time as a parameter.

pub mod application;
pub mod catalogue;
pub mod citizen;
pub mod counties;
pub mod error;
pub mod feedback;
pub mod format;
pub mod kenya_time;
pub mod lang;
pub mod messages;
pub mod officer;
pub mod planning;
pub mod reference;
pub mod validate;

pub use application::{Application, ApplicationState, NewApplication, ReviewOutcome};
pub use catalogue::{Catalogue, FormCheck};
pub use citizen::{Citizen, NewCitizen, Sex};
pub use error::{DomainError, Problem, Reason, Result};
pub use lang::{Lang, Text};
pub use officer::{Officer, OfficerNumber, Role};
pub use reference::{LaptopPrefix, Reference};
