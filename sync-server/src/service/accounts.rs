//! Console accounts: the rules an account must meet (for the console's form and the CLI alike),
//! passwords (argon2id), and each change with its audit entry in the same transaction.

use super::{Actor, ServiceError};
use crate::storage::StorageError;
use crate::storage::review::{ConsoleRole, ConsoleUser, NewAudit, ReviewStorage};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use fieldkit_domain::catalogue::Catalogue;
use time::OffsetDateTime;

/// Shortest password the console accepts for an account.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Longest full name an account may carry.
const MAX_NAME_CHARS: usize = 100;

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id minimum: 19 MiB, two passes, one lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// An argon2id PHC string for `password` (slow on purpose: run it off the async threads).
pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ServiceError::Internal(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
}

/// [`hash_password`] on the blocking pool.
async fn hash_off_thread(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
}

/// Whether `password` matches an argon2id PHC string (false for anything unparseable).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Checks a new password against the console's rules; says what is wrong in plain words.
pub fn check_new_password(password: &str, username: &str) -> Result<(), ServiceError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ServiceError::Refused(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters long"
        )));
    }
    if password.to_lowercase().contains(&username.to_lowercase()) {
        return Err(ServiceError::Refused("the password must not contain the username".into()));
    }
    Ok(())
}

/// Usernames: 3–40 of a–z, 0–9, `.`, `_`, `-`.
fn valid_username(name: &str) -> bool {
    (3..=40).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// An account someone asked for, as typed (the console's form or the CLI's arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Trimmed and lower-cased.
    pub username: String,
    /// Trimmed.
    pub display_name: String,
    /// `None` when the text named no role.
    pub role: Option<ConsoleRole>,
    /// Trimmed; `None` when empty.
    pub mda: Option<String>,
    pub password: String,
}

impl NewAccount {
    pub fn new(username: &str, display_name: &str, role: &str, mda: Option<&str>, password: String) -> NewAccount {
        NewAccount {
            username: username.trim().to_lowercase(),
            display_name: display_name.trim().to_string(),
            role: ConsoleRole::parse(role.trim()),
            mda: mda.map(str::trim).filter(|m| !m.is_empty()).map(str::to_string),
            password,
        }
    }

    /// The account's role if it meets every rule against `catalogue` (the one in force), else
    /// what is wrong, in words for the person who asked.
    pub fn check(&self, catalogue: &Catalogue) -> Result<ConsoleRole, ServiceError> {
        let refuse = |message: &str| Err(ServiceError::Refused(message.to_string()));
        if !valid_username(&self.username) {
            return refuse("The username must be 3 to 40 of a–z, 0–9, dot, underscore or hyphen.");
        }
        if self.display_name.is_empty() || self.display_name.chars().count() > MAX_NAME_CHARS {
            return refuse("Give the person's full name (up to 100 characters).");
        }
        let Some(role) = self.role else {
            return refuse("Choose a role.");
        };
        match (role, self.mda.as_deref()) {
            (ConsoleRole::Technician, mda) if mda.and_then(|m| catalogue.mda(m)).is_none() => {
                return refuse("A technician must belong to one MDA of the catalogue.");
            }
            (ConsoleRole::Admin, Some(_)) => return refuse("An administrator belongs to no MDA."),
            _ => {}
        }
        check_new_password(&self.password, &self.username)?;
        Ok(role)
    }
}

/// Creates an account that meets every rule; audited as `account.created`.
pub async fn create<S: ReviewStorage>(
    storage: &S,
    actor: &Actor,
    account: NewAccount,
    catalogue: &Catalogue,
    now: OffsetDateTime,
) -> Result<ConsoleUser, ServiceError> {
    let role = account.check(catalogue)?;
    let password_hash = hash_off_thread(account.password).await?;
    let username = account.username;
    let user = ConsoleUser {
        username: username.clone(),
        display_name: account.display_name,
        role,
        mda: account.mda.clone(),
        password_hash,
        disabled: false,
    };
    let audit = NewAudit::new(
        actor.as_str(),
        "account.created",
        format!("account:{username}"),
        format!("{} {}", role.as_str(), account.mda.unwrap_or_default()),
    );
    match storage.create_account(user.clone(), audit, now).await {
        Ok(()) => Ok(user),
        Err(StorageError::AccountExists(_)) => {
            Err(ServiceError::Refused(format!("There is already an account named {username}.")))
        }
        Err(e) => Err(e.into()),
    }
}

/// Sets a new password (which must meet the rules) and ends the account's sessions; audited as
/// `account.password_set`. [`StorageError::UnknownAccount`] for an unknown username.
pub async fn set_password<S: ReviewStorage>(
    storage: &S,
    actor: &Actor,
    username: &str,
    password: String,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    check_new_password(&password, username)?;
    let hash = hash_off_thread(password).await?;
    let audit = NewAudit::new(actor.as_str(), "account.password_set", format!("account:{username}"), "");
    storage.set_password(username, &hash, audit, now).await?;
    Ok(())
}

/// Disables (ending its sessions) or re-enables an account; audited as `account.disabled` or
/// `account.enabled`. Nobody disables or enables their own account.
pub async fn set_disabled<S: ReviewStorage>(
    storage: &S,
    actor: &Actor,
    username: &str,
    disabled: bool,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    if username == actor.as_str() {
        return Err(ServiceError::Refused("You cannot disable your own account.".into()));
    }
    let action = if disabled { "account.disabled" } else { "account.enabled" };
    let audit = NewAudit::new(actor.as_str(), action, format!("account:{username}"), "");
    storage.set_disabled(username, disabled, audit, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn weak_passwords_are_refused_in_words() {
        assert!(check_new_password("short", "amina").is_err());
        assert!(check_new_password("amina-the-reviewer", "amina").is_err());
        assert!(check_new_password("long enough passphrase", "amina").is_ok());
    }

    #[test]
    fn an_account_is_checked_whole_against_the_catalogue() {
        let catalogue = Catalogue::built_in().expect("catalogue");
        let mda = catalogue.mdas[0].id.clone();
        let check = |username: &str, name: &str, role: &str, mda: Option<&str>| {
            NewAccount::new(username, name, role, mda, "long enough passphrase".into())
                .check(&catalogue)
                .map_err(|e| e.to_string())
        };
        assert_eq!(check(" Wanjiru.SHA ", "Wanjiru", "technician", Some(&mda)), Ok(ConsoleRole::Technician));
        assert_eq!(check("root", "Root", "admin", Some(" ")), Ok(ConsoleRole::Admin));
        for (username, name, role, mda_given, expect) in [
            ("ab", "A", "admin", None, "3 to 40"),
            ("a b c", "A", "admin", None, "3 to 40"),
            ("amina", "", "admin", None, "full name"),
            ("amina", "Amina", "boss", None, "Choose a role"),
            ("amina", "Amina", "technician", None, "must belong to one MDA"),
            ("amina", "Amina", "technician", Some("nowhere"), "must belong to one MDA"),
            ("amina", "Amina", "admin", Some(mda.as_str()), "belongs to no MDA"),
        ] {
            let refused = check(username, name, role, mda_given).expect_err(expect);
            assert!(refused.contains(expect), "{username}/{role}: {refused}");
        }
        let weak = NewAccount::new("amina", "Amina", "admin", None, "short".into()).check(&catalogue);
        assert!(matches!(weak, Err(ServiceError::Refused(ref m)) if m.contains("at least 12")), "{weak:?}");
    }
}
