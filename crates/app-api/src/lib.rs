//! What a front end may ask of the Field Kit: one plain function per command. Each takes the
//! [`App`] (the profile, the signed-in session, the officer's language) and plain arguments, and
//! returns a plain view or a [`UiError`] (stable `code`, `message_key`, the message in the
//! officer's language). The Tauri app wraps each in one line; a CLI or a test calls them directly.
//!
//! - [`commands()`] — the one list of commands the window may call (`commands.txt`);
//! - [`App`] — the state every command runs in; [`error`] — errors as the UI receives them;
//! - one module per feature: [`session`], [`applications`], [`documents`], [`sync`],
//!   [`planning`], [`feedback`], [`provisioning`], [`training`], [`device`];
//! - [`schema`] — the JSON Schema of every view crossing to TypeScript, and the TypeScript
//!   generated from it into `ui/src/generated/` (`cargo run -p fieldkit-app-api --bin generate-ts`).
//!
//! Architecture invariant: no domain logic here (that is `fieldkit-core` and `fieldkit-domain`):
//! only translation to and from views. This crate does not know about Tauri.

pub mod app;
pub mod applications;
pub mod device;
pub mod documents;
pub mod error;
pub mod feedback;
pub mod planning;
pub mod provisioning;
pub mod schema;
pub mod session;
pub mod sync;
pub mod training;

pub use app::{App, BackgroundSync, lock};
pub use error::{Answer, ProblemText, UiError};

/// The commands the app's window may call (and nothing else), in `commands.txt`, one per line.
pub const COMMANDS_TXT: &str = include_str!("../commands.txt");

/// The command names of [`COMMANDS_TXT`], in order.
pub fn commands() -> Vec<&'static str> {
    COMMANDS_TXT.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect()
}
