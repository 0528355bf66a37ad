//! The OpenAPI document's shape: every reference resolves, its schemas are those of
//! `/api/v1/schema`, and every operation lists what its layers answer.

use super::*;

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push(target),
                    _ => refs(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_and_the_schemas_are_those_of_the_json_schema_document() {
    let doc = document();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 50, "{} references", found.len());
    for target in found {
        let pointer = target.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }
    // What /api/v1/schema defines, the OpenAPI document defines alike (its references aside).
    let schema = crate::fleet::api::agent_schema();
    let ours = &doc["components"]["schemas"];
    for (name, definition) in schema["$defs"].as_object().unwrap() {
        let text = definition
            .to_string()
            .replace("#/$defs/", "#/components/schemas/");
        let expected: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(ours[name], expected, "{name} differs");
    }
}

#[test]
fn every_operation_lists_what_its_layers_answer() {
    let doc = document();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let answers = operation["responses"].as_object().unwrap();
            let has = |status: &str| answers.contains_key(status);
            let name = format!("{method} {path}");
            for status in ["401", "421", "429", "500"] {
                assert!(has(status), "{name} lacks {status}");
            }
            let long_lived = path == "/api/v1/events" || path.ends_with("/wait");
            assert_eq!(has("503"), !long_lived, "{name}: 503");
            if operation.get("requestBody").is_some() {
                for status in ["400", "403", "413", "415"] {
                    assert!(has(status), "{name} lacks {status}");
                }
            }
            if path.contains("{id}") {
                assert!(has("403") && has("404"), "{name}: 403 and 404");
            }
            // Every answer is JSON, but the stream's.
            for (status, answer) in answers {
                let answer = match answer.get("$ref").and_then(Value::as_str) {
                    Some(target) => doc.pointer(&target[1..]).unwrap(),
                    None => answer,
                };
                let kinds: Vec<&String> = answer["content"].as_object().unwrap().keys().collect();
                let expected = if name == "get /api/v1/events" && status == "200" {
                    "text/event-stream"
                } else {
                    "application/json"
                };
                assert_eq!(kinds, [expected], "{name} {status}");
            }
        }
    }
    assert_eq!(operations, 13);
    let wait = &doc["paths"]["/api/v1/approvals/{id}/wait"]["get"]["parameters"][1];
    assert_eq!(wait["name"], "timeout");
    assert_eq!(
        (&wait["schema"]["minimum"], &wait["schema"]["maximum"]),
        (&json!(1), &json!(120))
    );
    let too_many = &doc["components"]["responses"]["TooManyRequests"];
    assert!(too_many["headers"]["Retry-After"].is_object());
}
