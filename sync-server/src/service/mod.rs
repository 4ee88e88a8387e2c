//! What the server does, each thing written once: every state change a person asks for (from
//! the console or the CLI) and its audit entry, and the rules shared by the laptops' routes, the
//! console and the CLI (the catalogue in force, account rules, what a decision may decide).
//!
//! Callers only translate: the console turns a form into a call here and the answer into a page,
//! the CLI turns arguments into a call here and the answer into a line of text.
//!
//! Architecture invariant: every state change a person makes goes through this module, and its
//! audit entry is written in the same transaction as the change (the storage methods that change
//! devices, publications, accounts and decisions take the entry as a parameter).

pub mod accounts;
pub mod catalogue;
pub mod devices;
pub mod publishing;
pub mod review;

use crate::storage::StorageError;

/// Who did something, as the audit log names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(String);

impl Actor {
    /// A console account, by username.
    pub fn account(username: &str) -> Actor {
        Actor(username.to_string())
    }

    /// The server's command line, run by the Unix user `user` (`cli:<user>`), or `cli` when the
    /// environment does not say who.
    pub fn cli(user: Option<&str>) -> Actor {
        match user.map(str::trim).filter(|u| !u.is_empty()) {
            Some(user) => Actor(format!("cli:{user}")),
            None => Actor("cli".into()),
        }
    }

    /// The command line, run by the user `$USER` (or `$LOGNAME`) names.
    pub fn cli_from_env() -> Actor {
        let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).ok();
        Actor::cli(user.as_deref())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// What was asked cannot be done as asked; the message says why, in words for the person who
    /// asked (a file that does not check, an account that breaks a rule, a stale catalogue).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Something on the server is wrong (the catalogue in force does not load, no randomness).
    #[error("{0}")]
    Internal(String),
}

impl From<crate::publish::PublishError> for ServiceError {
    fn from(e: crate::publish::PublishError) -> ServiceError {
        ServiceError::Refused(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::Actor;

    #[test]
    fn the_cli_is_named_with_its_unix_user() {
        assert_eq!(Actor::cli(Some("wanjiru")).as_str(), "cli:wanjiru");
        assert_eq!(Actor::cli(Some(" ")).as_str(), "cli");
        assert_eq!(Actor::cli(None).as_str(), "cli");
        assert_eq!(Actor::account("amina.sha").as_str(), "amina.sha");
    }
}
