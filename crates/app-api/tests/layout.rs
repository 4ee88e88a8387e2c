//! Architecture invariant: fieldkit-app-api does not know about Tauri, so a CLI or a test can
//! call every command. Checked on the lock file: neither it nor any crate it depends on pulls
//! tauri in.

use std::collections::{BTreeMap, BTreeSet};

/// Each package's dependency names, from Cargo.lock.
fn lock_graph() -> BTreeMap<String, Vec<String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    let text = std::fs::read_to_string(path).expect("Cargo.lock");
    let lock: toml::Table = toml::from_str(&text).expect("Cargo.lock is TOML");
    let packages = lock.get("package").and_then(toml::Value::as_array).cloned().unwrap_or_default();
    packages
        .iter()
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?.to_string();
            let deps = p
                .get("dependencies")
                .and_then(toml::Value::as_array)
                .map(|d| d.iter().filter_map(|d| d.as_str()?.split(' ').next().map(str::to_string)).collect())
                .unwrap_or_default();
            Some((name, deps))
        })
        .collect()
}

#[test]
fn the_app_api_does_not_depend_on_tauri() {
    let graph = lock_graph();
    let mut seen = BTreeSet::new();
    let mut queue = vec!["fieldkit-app-api".to_string()];
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        queue.extend(graph.get(&name).cloned().unwrap_or_default());
    }
    assert!(seen.len() > 1, "fieldkit-app-api is in Cargo.lock");
    let tauri: Vec<&String> = seen.iter().filter(|n| n.starts_with("tauri") || n.starts_with("wry")).collect();
    assert!(tauri.is_empty(), "fieldkit-app-api pulls in {tauri:?}");
}
