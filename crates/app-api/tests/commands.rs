//! The one list of commands (commands.txt) is the whole truth: the window's capability grants
//! exactly those, the Tauri handler registers exactly those, and the TypeScript client calls
//! exactly those.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn listed() -> BTreeSet<String> {
    let names = fieldkit_app_api::commands();
    let set: BTreeSet<String> = names.iter().map(|n| n.to_string()).collect();
    assert_eq!(set.len(), names.len(), "commands.txt names a command twice");
    set
}

#[test]
fn the_capability_grants_exactly_the_listed_commands() {
    let capability: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/default.json")).expect("json");
    let permissions: Vec<&str> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("a name"))
        .collect();
    let (core, own): (Vec<&str>, Vec<&str>) = permissions.iter().partition(|p| p.starts_with("core:"));
    assert_eq!(core, ["core:event:allow-listen", "core:event:allow-unlisten"], "only listening to the app's events");
    let granted: BTreeSet<String> = own
        .iter()
        .map(|p| p.strip_prefix("allow-").unwrap_or_else(|| panic!("{p}: not an allow-<command>")).replace('-', "_"))
        .collect();
    assert_eq!(granted.len(), own.len(), "a permission is granted twice");
    assert_eq!(granted, listed(), "capabilities/default.json must grant allow-<name> for exactly commands.txt");
}

#[test]
fn the_handler_registers_exactly_the_listed_commands() {
    let source = read("src-tauri/src/lib.rs");
    let start = source.find("generate_handler![").expect("generate_handler! in lib.rs") + "generate_handler![".len();
    let end = start + source[start..].find(']').expect("end of generate_handler!");
    let names: Vec<String> = source[start..end]
        .split(',')
        .map(str::trim)
        .filter(|path| !path.is_empty())
        .map(|path| path.rsplit("::").next().unwrap_or(path).to_string())
        .collect();
    let registered: BTreeSet<String> = names.iter().cloned().collect();
    assert_eq!(registered.len(), names.len(), "a command is registered twice");
    assert_eq!(registered, listed(), "src-tauri/src/lib.rs's generate_handler! must name exactly commands.txt");
}

/// The names `call` is given in ui/src/api.ts: `call("name"` or `call<Type>("name"`.
fn called(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("call") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "call".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let mut after = rest;
        if after.starts_with('<') {
            let mut depth = 0;
            let Some(end) = after.char_indices().find_map(|(i, c)| {
                match c {
                    '<' => depth += 1,
                    '>' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(i)
            }) else {
                continue;
            };
            after = &after[end + 1..];
        }
        if let Some(quoted) = after.strip_prefix("(\"")
            && let Some(end) = quoted.find('"')
        {
            names.push(quoted[..end].to_string());
        }
    }
    names
}

#[test]
fn the_typescript_client_calls_exactly_the_listed_commands() {
    let names = called(&read("ui/src/api.ts"));
    let calls: BTreeSet<String> = names.iter().cloned().collect();
    assert_eq!(calls.len(), names.len(), "ui/src/api.ts calls a command from two places");
    assert_eq!(calls, listed(), "ui/src/api.ts must call exactly commands.txt");
    // And nothing else in the UI calls the backend behind api.ts's back.
    for entry in std::fs::read_dir(root().join("ui/src")).expect("ui/src").flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if name == "api.ts" || !(name.ends_with(".ts") || name.ends_with(".tsx")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains("@tauri-apps/api/core"), "ui/src/{name} calls the backend directly: use api.ts");
    }
}

#[test]
fn call_sites_are_found_with_or_without_a_type() {
    let source = r#"a: () => call<AppInfo>("app_info"), b: (x) => call("sync_now", { x }), c: recall("no"), d: call<Record<string, X>>("home")"#;
    assert_eq!(called(source), ["app_info", "sync_now", "home"]);
}
