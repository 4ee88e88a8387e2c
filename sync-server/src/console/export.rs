//! What leaves the server about an accepted application, in one shape for the JSON export, the
//! CSV export and the outbound adapter: its identity and review, the service's answers, and
//! from the citizen's profile only the attributes the service's own fields ask for (data
//! minimisation: the catalogue says what a service needs, nothing else leaves).

use crate::storage::review::ReviewItem;
use fieldkit_domain::catalogue::{Catalogue, ProfileAttribute, Service};
use serde_json::{Map, Value, json};

/// The profile attributes `service`'s fields are prefilled from: what its MDA may see of the
/// citizen beyond the form.
pub fn needed_attributes(service: &Service) -> Vec<ProfileAttribute> {
    let mut needed: Vec<ProfileAttribute> = Vec::new();
    for attribute in service.fields.iter().filter_map(|f| f.prefill) {
        if !needed.contains(&attribute) {
            needed.push(attribute);
        }
    }
    needed
}

fn attribute_key(attribute: ProfileAttribute) -> &'static str {
    match attribute {
        ProfileAttribute::IdNumber => "id_number",
        ProfileAttribute::Surname => "surname",
        ProfileAttribute::GivenNames => "given_names",
        ProfileAttribute::DateOfBirth => "date_of_birth",
        ProfileAttribute::Sex => "sex",
        ProfileAttribute::Phone => "phone",
        ProfileAttribute::CountyCode => "county_code",
        ProfileAttribute::SubCounty => "sub_county",
        ProfileAttribute::KraPin => "kra_pin",
    }
}

/// The citizen's details `service` needs, from an application body; others are left out.
pub fn applicant(service: Option<&Service>, body: &Value) -> Map<String, Value> {
    let citizen = &body["citizen"];
    let mut out = Map::new();
    for attribute in service.map(needed_attributes).unwrap_or_default() {
        let key = attribute_key(attribute);
        if let Some(value) = citizen.get(key).filter(|v| !v.is_null()) {
            out.insert(key.to_string(), value.clone());
        }
    }
    out
}

/// The form's answers from an application body (an empty map if the body has none).
pub fn answers(body: &Value) -> Map<String, Value> {
    body["application"]["form"].as_object().cloned().unwrap_or_default()
}

/// One application as it is exported and delivered.
pub fn export_record(item: &ReviewItem, catalogue: &Catalogue) -> Value {
    let service = catalogue.service(&item.record.service_id);
    json!({
        "reference": item.record.reference,
        "application_id": item.record.id,
        "revision": item.record.revision,
        "service_id": item.record.service_id,
        "mda": service.map(|s| s.mda.as_str()),
        "catalogue_version": item.record.catalogue_version,
        "laptop": item.device_id,
        "outreach": item.outreach_id.as_ref().map(|id| json!({ "id": id, "name": item.outreach_name })),
        "captured_on": item.captured_on,
        "status": item.status().as_str(),
        "decided_by": item.decided_by,
        "decided_at": item.decided_at,
        "answers": answers(&item.record.body),
        "applicant": applicant(service, &item.record.body),
    })
}

/// Columns before the answers in the CSV export.
const FIXED_COLUMNS: [&str; 9] = [
    "reference",
    "application_id",
    "revision",
    "service_id",
    "laptop",
    "outreach",
    "captured_on",
    "decided_by",
    "decided_at",
];

/// The export as CSV: fixed columns, then `applicant.<attribute>` and `answer.<field>` columns
/// in catalogue order (a list answer is one cell of JSON). Cells that a spreadsheet would run as
/// a formula are prefixed with `'`.
pub fn to_csv(items: &[ReviewItem], catalogue: &Catalogue) -> Result<Vec<u8>, csv::Error> {
    let records: Vec<Value> = items.iter().map(|item| export_record(item, catalogue)).collect();
    let mut applicant_keys: Vec<String> = Vec::new();
    let mut answer_keys: Vec<String> = Vec::new();
    for item in items {
        let service = catalogue.service(&item.record.service_id);
        for attribute in service.map(needed_attributes).unwrap_or_default() {
            push_unique(&mut applicant_keys, attribute_key(attribute));
        }
        if let Some(service) = service {
            for field in &service.fields {
                push_unique(&mut answer_keys, &field.id);
            }
        }
        for key in answers(&item.record.body).keys() {
            push_unique(&mut answer_keys, key);
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header: Vec<String> = FIXED_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(applicant_keys.iter().map(|k| format!("applicant.{k}")))
        .chain(answer_keys.iter().map(|k| format!("answer.{k}")))
        .collect();
    writer.write_record(&header)?;
    for record in &records {
        let mut row: Vec<String> = FIXED_COLUMNS
            .iter()
            .map(|c| match *c {
                "outreach" => cell(&record["outreach"]["name"]),
                other => cell(&record[other]),
            })
            .collect();
        row.extend(applicant_keys.iter().map(|k| cell(&record["applicant"][k])));
        row.extend(answer_keys.iter().map(|k| cell(&record["answers"][k])));
        writer.write_record(row.iter().map(|c| defuse(c)))?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}

fn push_unique(keys: &mut Vec<String>, key: &str) {
    if !keys.iter().any(|k| k == key) {
        keys.push(key.to_string());
    }
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        other => other.to_string(),
    }
}

/// A cell starting with `=`, `+`, `-`, `@`, tab or carriage return is a formula to a
/// spreadsheet; citizens' answers must never run as one.
fn defuse(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_in_an_answer_is_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("-1"), "'-1");
        assert_eq!(defuse("Wanjiru"), "Wanjiru");
    }

    #[test]
    fn only_the_attributes_a_service_prefills_leave() {
        let catalogue = Catalogue::built_in().expect("catalogue");
        let kra = catalogue.service("kra.pin-registration").expect("service");
        let body = json!({ "citizen": {
            "id_number": "12345678", "surname": "Otieno", "given_names": "Akinyi", "date_of_birth": "1990-01-01",
            "sex": "female", "phone": "+254712345678", "county_code": "047", "kra_pin": null,
            "registered_by": "HC-0001"
        } });
        let shared = applicant(Some(kra), &body);
        let mut expected: Vec<&str> =
            needed_attributes(kra).into_iter().map(attribute_key).filter(|k| !body["citizen"][k].is_null()).collect();
        expected.sort_unstable();
        assert_eq!(shared.keys().map(String::as_str).collect::<Vec<_>>(), expected);
        assert!(!shared.contains_key("registered_by"));
        assert!(applicant(None, &body).is_empty(), "an unknown service gets nothing");
    }
}
