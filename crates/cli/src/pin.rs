//! PINs come from the environment (for scripts) or a hidden prompt, never from arguments, which
//! other users can read in the process list.

use crate::Failure;

fn failure(message: String) -> Failure {
    Failure::Usage { code: "pin_unavailable", message }
}

/// The signed-in officer's PIN: `FIELDKIT_PIN`, else a prompt on the terminal.
pub fn read_existing(prompt: &str) -> Result<String, Failure> {
    if let Ok(pin) = std::env::var("FIELDKIT_PIN") {
        return Ok(pin);
    }
    rpassword::prompt_password(prompt).map_err(|e| failure(format!("cannot read the PIN: {e} (set FIELDKIT_PIN)")))
}

/// A PIN being set: from `env_var`, else prompted twice so a typo does not lock the officer out.
pub fn read_new(env_var: &str, prompt: &str) -> Result<String, Failure> {
    if let Ok(pin) = std::env::var(env_var) {
        return Ok(pin);
    }
    let read = |p: &str| {
        rpassword::prompt_password(p).map_err(|e| failure(format!("cannot read the PIN: {e} (set {env_var})")))
    };
    let first = read(prompt)?;
    let second = read("Repeat the PIN: ")?;
    if first != second {
        return Err(Failure::Usage { code: "pin_mismatch", message: "the two PINs differ".into() });
    }
    Ok(first)
}
