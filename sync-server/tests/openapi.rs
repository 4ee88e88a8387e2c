//! The committed OpenAPI description is the one the code generates, documents exactly the routes
//! the server serves, and every reference in it resolves.

use huduma_sync::openapi;

#[test]
fn the_committed_description_is_the_generated_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == openapi::document_text(),
        "docs/openapi.json is stale: run `cargo run -q -p huduma-sync -- openapi > docs/openapi.json` and commit it"
    );
}

#[test]
fn every_routed_path_is_documented_and_nothing_else() {
    let mut routed = huduma_sync::routed_paths();
    let mut documented = openapi::documented_paths();
    routed.sort_unstable();
    documented.sort_unstable();
    assert_eq!(routed, documented);
}

#[test]
fn every_reference_resolves_to_a_schema() {
    let document = openapi::document();
    let schemas = document["components"]["schemas"].as_object().expect("schemas");
    let mut references = Vec::new();
    collect_refs(&document, &mut references);
    assert!(references.len() > 10, "{references:?}");
    for reference in references {
        let name = reference.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("odd $ref {reference}"));
        assert!(schemas.contains_key(name), "{reference} does not resolve");
    }
    // The wire types' serde shape is what is documented: the push outcome is tagged.
    let outcome = serde_json::to_string(&schemas["PushOutcome"]).expect("json");
    assert!(outcome.contains(r#""const":"already_stored""#), "{outcome}");
}

fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", serde_json::Value::String(target)) => out.push(target.clone()),
                    _ => collect_refs(item, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}
