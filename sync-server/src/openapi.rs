//! The OpenAPI 3.1 description of the laptops' HTTP API, generated from the code: the paths
//! from `fieldkit_protocol::paths` (and a test holds them equal to what [`crate::app`] routes),
//! the schemas from the wire types themselves. `docs/openapi.json` is this document, committed;
//! a test fails when the two differ.

use fieldkit_protocol::{
    ErrorBody, FeedbackPushRequest, FeedbackPushResponse, Health, PROTOCOL_VERSION, PlanUploadRequest,
    PlanUploadResponse, PullRequest, PullResponse, PushRequest, PushResponse, paths,
};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Value, json};

/// An operation: its path and method, words, and the wire types in and out.
struct Operation {
    path: &'static str,
    method: &'static str,
    id: &'static str,
    summary: &'static str,
    description: &'static str,
    request: Option<fn(&mut SchemaGenerator) -> schemars::Schema>,
    response: fn(&mut SchemaGenerator) -> schemars::Schema,
    /// Error statuses this operation can answer, and when.
    errors: &'static [(&'static str, &'static str)],
}

const REQUEST_ERRORS: &[(&str, &str)] = &[
    ("400", "`malformed_request` (not JSON of the right shape, bad gzip) or `unsupported_protocol`"),
    ("401", "`unknown_device`: the certificate is from the deployment CA but not enrolled"),
    ("403", "`revoked`: this laptop was revoked; it should stop and tell the officer"),
    ("413", "`too_large`: more records or bytes than the limits"),
    ("415", "`malformed_request`: a Content-Encoding other than gzip or identity"),
    ("503", "`unavailable`: storage failed; nothing was acknowledged, retry later"),
];

fn operations() -> Vec<Operation> {
    vec![
        Operation {
            path: paths::HEALTH,
            method: "get",
            id: "health",
            summary: "The server is up",
            description: "Answers without consulting the device registry (the TLS handshake has still checked the \
                          certificate against the deployment CA).",
            request: None,
            response: |g| g.subschema_for::<Health>(),
            errors: &[],
        },
        Operation {
            path: paths::PUSH,
            method: "post",
            id: "push",
            summary: "Send a batch of applications from the outbox",
            description: "Stored in one durable transaction, then acknowledged per record in request order. A record \
                          already stored with the same hash is `already_stored` (a retry); the same id and revision \
                          with another hash is a `conflict` and changes nothing.",
            request: Some(|g| g.subschema_for::<PushRequest>()),
            response: |g| g.subschema_for::<PushResponse>(),
            errors: REQUEST_ERRORS,
        },
        Operation {
            path: paths::PULL,
            method: "post",
            id: "pull",
            summary: "Fetch what happened for this laptop since a cursor",
            description: "Review outcomes, catalogues, rosters and outreach plans, in server order. Pass the \
                          returned cursor next time; `more` says another page waits.",
            request: Some(|g| g.subschema_for::<PullRequest>()),
            response: |g| g.subschema_for::<PullResponse>(),
            errors: REQUEST_ERRORS,
        },
        Operation {
            path: paths::PLANS,
            method: "post",
            id: "upload_plans",
            summary: "Send outreach plans the centre manager made on this laptop",
            description: "Each plan is checked with the laptops' own rules, kept unless this revision or a newer one \
                          is, and published to every laptop it names in the same transaction; a plan naming an \
                          unknown or revoked laptop is refused whole. One result per plan, in request order.",
            request: Some(|g| g.subschema_for::<PlanUploadRequest>()),
            response: |g| g.subschema_for::<PlanUploadResponse>(),
            errors: REQUEST_ERRORS,
        },
        Operation {
            path: paths::FEEDBACK,
            method: "post",
            id: "push_feedback",
            summary: "Send citizens' feedback recorded at the tent",
            description: "Stored once per id in one durable transaction (a retry is acknowledged again); the ids \
                          held are returned. A rating outside 1 to 5 or a complaint without consent refuses the \
                          whole request.",
            request: Some(|g| g.subschema_for::<FeedbackPushRequest>()),
            response: |g| g.subschema_for::<FeedbackPushResponse>(),
            errors: REQUEST_ERRORS,
        },
    ]
}

/// The paths the document describes.
pub fn documented_paths() -> Vec<&'static str> {
    operations().iter().map(|o| o.path).collect()
}

fn json_content(schema: schemars::Schema) -> Value {
    json!({ "application/json": { "schema": schema } })
}

/// The whole document.
pub fn document() -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    });
    let mut generator = settings.into_generator();
    let error = generator.subschema_for::<ErrorBody>();
    let mut paths = serde_json::Map::new();
    for op in operations() {
        let mut responses = serde_json::Map::new();
        responses.insert(
            "200".into(),
            json!({ "description": "Success", "content": json_content((op.response)(&mut generator)) }),
        );
        for (status, when) in op.errors {
            responses.insert((*status).into(), json!({ "description": when, "content": json_content(error.clone()) }));
        }
        let mut operation = json!({
            "operationId": op.id,
            "summary": op.summary,
            "description": op.description,
            "responses": responses,
        });
        if let Some(request) = op.request {
            operation["requestBody"] = json!({
                "required": true,
                "description": "JSON, optionally gzip'd (`Content-Encoding: gzip`); at most 16 MiB once inflated.",
                "content": json_content(request(&mut generator)),
            });
        }
        let entry = paths.entry(op.path).or_insert_with(|| json!({}));
        entry[op.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "huduma-sync laptop API",
            "version": PROTOCOL_VERSION.to_string(),
            "description": "How Huduma Mashinani Field Kit laptops sync with huduma-sync. Every request travels over \
                            TLS 1.3 with the laptop's client certificate from the deployment CA; the server looks \
                            the certificate up in its device registry on every request. Every request body carries \
                            the protocol version. Generated by `huduma-sync openapi`; do not edit by hand.",
        },
        "security": [{ "deviceCertificate": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "deviceCertificate": {
                    "type": "mutualTLS",
                    "description": "The laptop's client certificate, issued by `huduma-sync device enrol`.",
                },
            },
            "schemas": generator.take_definitions(true),
        },
    })
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}
