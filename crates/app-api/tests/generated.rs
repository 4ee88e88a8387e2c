//! ui/src/generated/ is what `generate-ts` writes from the current Rust views: a change to a
//! view (or to commands.txt) without regenerating fails here.

use fieldkit_app_api::schema::{GENERATED_DIR, REGENERATE, files};
use std::path::Path;

#[test]
fn the_generated_typescript_is_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(GENERATED_DIR);
    let mut stale = Vec::new();
    for (name, expected) in files() {
        let found = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        if found != expected {
            stale.push(format!("{GENERATED_DIR}/{name}"));
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {}. Regenerate with `{REGENERATE}` and commit them.",
        stale.join(", ")
    );
}

#[test]
fn every_command_is_in_the_generated_list() {
    let commands = fieldkit_app_api::schema::commands_ts();
    for name in fieldkit_app_api::commands() {
        assert!(commands.contains(&format!("\"{name}\"")), "{name}");
    }
}
