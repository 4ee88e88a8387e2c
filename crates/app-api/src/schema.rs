//! The JSON Schema of every view that crosses to TypeScript, and the TypeScript generated from it
//! into `ui/src/generated/`: `schema.json` (the schema), `types.ts` (one type per schema
//! definition), `commands.ts` (the command names) and `visibility.json` (which built-in fields show
//! under which answers, as the core decides). Regenerate with
//! `cargo run -p fieldkit-app-api --bin generate-ts`; `tests/generated.rs` fails while the
//! committed files differ from what this module writes.
//!
//! Answers and events are described as the app sends them (serde's serialize contract);
//! arguments as it reads them (the deserialize contract: fields with defaults are optional).

use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The command to run when the generated files are stale.
pub const REGENERATE: &str = "cargo run -p fieldkit-app-api --bin generate-ts";

/// Where the generated files go, relative to the workspace root.
pub const GENERATED_DIR: &str = "ui/src/generated";

/// Every type the app sends to the window: answers, errors, events.
fn answers(generator: &mut SchemaGenerator) {
    use crate::{applications, device, documents, error, planning, provisioning, session, sync, training};
    generator.subschema_for::<error::UiError>();
    generator.subschema_for::<session::AppInfo>();
    generator.subschema_for::<session::OfficerView>();
    generator.subschema_for::<session::HomeView>();
    generator.subschema_for::<fieldkit_domain::catalogue::Catalogue>();
    generator.subschema_for::<fieldkit_domain::citizen::Citizen>();
    generator.subschema_for::<fieldkit_domain::application::Application>();
    generator.subschema_for::<applications::ApplicationView>();
    generator.subschema_for::<applications::FormCheckView>();
    generator.subschema_for::<documents::PrintView>();
    generator.subschema_for::<documents::ReportView>();
    generator.subschema_for::<sync::SyncView>();
    generator.subschema_for::<sync::ProgressView>();
    generator.subschema_for::<sync::SyncFinished>();
    generator.subschema_for::<device::DeviceStatus>();
    generator.subschema_for::<planning::PlansView>();
    generator.subschema_for::<planning::PlanCheckView>();
    generator.subschema_for::<planning::PlanSavedView>();
    generator.subschema_for::<planning::PlanExportView>();
    generator.subschema_for::<fieldkit_protocol::FeedbackRecord>();
    generator.subschema_for::<provisioning::EnrolledView>();
    generator.subschema_for::<training::TrainingView>();
    generator.subschema_for::<training::StartedView>();
}

/// Every type the window sends as a command's argument (beyond plain strings, numbers, ids).
fn arguments(generator: &mut SchemaGenerator) {
    generator.subschema_for::<fieldkit_domain::citizen::NewCitizen>();
    generator.subschema_for::<fieldkit_domain::application::NewApplication>();
    generator.subschema_for::<fieldkit_domain::feedback::NewFeedback>();
    generator.subschema_for::<fieldkit_protocol::OutreachPlan>();
}

/// The definitions of [`answers`] and [`arguments`], by name. A type met by both keeps its
/// answer schema unless that differs, when its argument form is named `<Name>Input`.
pub fn definitions() -> BTreeMap<String, Value> {
    let mut out_gen = SchemaSettings::draft2020_12().for_serialize().into_generator();
    answers(&mut out_gen);
    let mut in_gen = SchemaSettings::draft2020_12().for_deserialize().into_generator();
    arguments(&mut in_gen);
    let mut defs: BTreeMap<String, Value> = out_gen.take_definitions(true).into_iter().collect();
    let inputs: BTreeMap<String, Value> = in_gen.take_definitions(true).into_iter().collect();
    // An argument type differs from its answer form when its own schema does, or when it refers
    // to one that does (an outreach plan holding a budget): grow the set until it settles.
    let mut renamed: Vec<String> = Vec::new();
    loop {
        let before = renamed.len();
        for (name, schema) in &inputs {
            let mut schema = schema.clone();
            rename_refs(&mut schema, &renamed);
            if !renamed.contains(name) && defs.get(name).is_some_and(|s| *s != schema) {
                renamed.push(name.clone());
            }
        }
        if renamed.len() == before {
            break;
        }
    }
    for (name, mut schema) in inputs {
        rename_refs(&mut schema, &renamed);
        let name = if renamed.contains(&name) { format!("{name}Input") } else { name };
        defs.entry(name).or_insert(schema);
    }
    defs.into_iter().map(|(name, schema)| (name, canonical(schema))).collect()
}

fn rename_refs(schema: &mut Value, renamed: &[String]) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref")
                && let Some(name) = target.strip_prefix("#/$defs/")
                && renamed.iter().any(|r| r == name)
            {
                *target = format!("#/$defs/{name}Input");
            }
            map.values_mut().for_each(|v| rename_refs(v, renamed));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, renamed)),
        _ => {}
    }
}

/// Keys sorted at every level, so the output does not depend on serde_json's map order.
fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> = map.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// `schema.json`: the definitions under one document.
pub fn schema_json() -> String {
    let mut doc = Map::new();
    doc.insert("$schema".into(), Value::String("https://json-schema.org/draft/2020-12/schema".into()));
    doc.insert("title".into(), Value::String("Huduma Mashinani Field Kit: the app's commands' views".into()));
    doc.insert("$defs".into(), Value::Object(definitions().into_iter().collect()));
    let mut text = serde_json::to_string_pretty(&canonical(Value::Object(doc))).unwrap_or_default();
    text.push('\n');
    text
}

const HEADER: &str = "// Generated by `cargo run -p fieldkit-app-api --bin generate-ts` from the Rust views in\n// crates/app-api. Do not edit: change the Rust types and regenerate.\n";

/// `types.ts`: one exported type per definition.
pub fn types_ts() -> String {
    let mut out = String::from(HEADER);
    for (name, schema) in definitions() {
        out.push('\n');
        doc_comment(&mut out, &schema, "");
        match properties_of(&schema) {
            Some(_) => {
                let _ = writeln!(out, "export interface {name} {}", object(&schema, ""));
            }
            None => {
                let _ = writeln!(out, "export type {name} = {};", ts(&schema, ""));
            }
        }
    }
    out
}

/// `visibility.json`: which built-in fields show under which answers, as the form check decides
/// it (`form::visibility_cases`); `ui/src/catalogue.test.ts` holds the UI's `isVisible` to it.
pub fn visibility_json() -> String {
    // The built-in catalogue is compiled in and checked by its own tests; were it ever refused,
    // the cases would be empty and `tests/generated.rs` would fail on the difference.
    let today = time::macros::date!(2026 - 01 - 01);
    let cases = fieldkit_core::Catalogue::built_in()
        .map(|catalogue| fieldkit_core::catalogue::form::visibility_cases(&catalogue, today))
        .unwrap_or_default();
    let mut text = serde_json::to_string_pretty(&cases).unwrap_or_default();
    text.push('\n');
    text
}

/// `commands.ts`: the command names, for the typed `invoke` in ui/src/api.ts.
pub fn commands_ts() -> String {
    let mut out = String::from(HEADER);
    out.push_str(
        "\n/** Every command the window may call (crates/app-api/commands.txt). */\nexport const COMMANDS = [\n",
    );
    for name in crate::commands() {
        let _ = writeln!(out, "  \"{name}\",");
    }
    out.push_str("] as const;\n\nexport type Command = (typeof COMMANDS)[number];\n");
    out
}

/// Every generated file: its path under [`GENERATED_DIR`] and its contents.
pub fn files() -> Vec<(&'static str, String)> {
    vec![
        ("schema.json", schema_json()),
        ("types.ts", types_ts()),
        ("commands.ts", commands_ts()),
        ("visibility.json", visibility_json()),
    ]
}

fn properties_of(schema: &Value) -> Option<&Map<String, Value>> {
    let object_typed = schema.get("type").and_then(Value::as_str) == Some("object");
    schema.get("properties").and_then(Value::as_object).filter(|_| object_typed || schema.get("type").is_none())
}

fn doc_comment(out: &mut String, schema: &Value, indent: &str) {
    if let Some(text) = schema.get("description").and_then(Value::as_str) {
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() == 1 {
            let _ = writeln!(out, "{indent}/** {} */", lines[0]);
        } else {
            let _ = writeln!(out, "{indent}/**");
            for line in lines {
                let _ = writeln!(out, "{indent} * {line}");
            }
            let _ = writeln!(out, "{indent} */");
        }
    }
}

/// An object literal type `{ ... }` for an object schema with properties.
fn object(schema: &Value, indent: &str) -> String {
    let inner = format!("{indent}  ");
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = String::from("{\n");
    for (name, property) in properties_of(schema).into_iter().flatten() {
        doc_comment(&mut out, property, &inner);
        let optional = if required.contains(&name.as_str()) { "" } else { "?" };
        let _ = writeln!(out, "{inner}{name}{optional}: {};", ts(property, &inner));
    }
    if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object() || **v == Value::Bool(true)) {
        let _ = writeln!(out, "{inner}[key: string]: {};", ts(extra, &inner));
    }
    out.push_str(indent);
    out.push('}');
    out
}

fn union(parts: Vec<String>) -> String {
    let mut unique: Vec<String> = Vec::new();
    for part in parts {
        if !unique.contains(&part) {
            unique.push(part);
        }
    }
    match unique.len() {
        0 => "never".into(),
        1 => unique.remove(0),
        _ => unique
            .iter()
            .map(|p| if p.contains(" & ") { format!("({p})") } else { p.clone() })
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

/// The TypeScript type of `schema`.
fn ts(schema: &Value, indent: &str) -> String {
    let Some(map) = schema.as_object() else {
        return if *schema == Value::Bool(false) { "never".into() } else { "unknown".into() };
    };
    if let Some(target) = map.get("$ref").and_then(Value::as_str) {
        return target.rsplit('/').next().unwrap_or("unknown").to_string();
    }
    if let Some(value) = map.get("const") {
        return value.to_string();
    }
    if let Some(values) = map.get("enum").and_then(Value::as_array) {
        return union(values.iter().map(Value::to_string).collect());
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = map.get(key).and_then(Value::as_array) {
            let mut parts: Vec<String> = options.iter().map(|o| ts(o, indent)).collect();
            // Properties beside a oneOf (an internally tagged enum's shared ones) apply to each.
            if properties_of(schema).is_some() {
                let common = object(&Value::Object(without(map, &[key])), indent);
                parts = parts.into_iter().map(|p| format!("{common} & {p}")).collect();
            }
            return union(parts);
        }
    }
    if let Some(all) = map.get("allOf").and_then(Value::as_array) {
        return all.iter().map(|o| ts(o, indent)).collect::<Vec<_>>().join(" & ");
    }
    let types: Vec<&str> = match map.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.is_empty() {
        return if properties_of(schema).is_some() { object(schema, indent) } else { "unknown".into() };
    }
    union(types.into_iter().map(|t| one_type(t, map, schema, indent)).collect())
}

fn without(map: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    map.iter().filter(|(k, _)| !keys.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn one_type(kind: &str, map: &Map<String, Value>, schema: &Value, indent: &str) -> String {
    match kind {
        "string" => "string".into(),
        "integer" | "number" => "number".into(),
        "boolean" => "boolean".into(),
        "null" => "null".into(),
        "array" => {
            if let Some(items) = map.get("prefixItems").and_then(Value::as_array) {
                format!("[{}]", items.iter().map(|i| ts(i, indent)).collect::<Vec<_>>().join(", "))
            } else {
                let item = map.get("items").map_or_else(|| "unknown".to_string(), |i| ts(i, indent));
                if item.contains(' ') { format!("({item})[]") } else { format!("{item}[]") }
            }
        }
        "object" => {
            if properties_of(schema).is_some() {
                object(schema, indent)
            } else {
                let value = match map.get("additionalProperties") {
                    Some(v @ Value::Object(_)) => ts(v, indent),
                    _ => "unknown".into(),
                };
                format!("Record<string, {value}>")
            }
        }
        _ => "unknown".into(),
    }
}
