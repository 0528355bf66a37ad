//! How the gateway names upstream tools (`server__tool`, in the characters MCP allows in a tool
//! name) and finds them again, and how an edited call is checked against a tool's input schema.

use serde_json::Value;

/// Between a server's name and its tool's.
pub const SEPARATOR: &str = "__";

/// A server's name as it leads its tools' names: every character MCP does not allow in a tool
/// name (`A-Z a-z 0-9 _ - .`) becomes `_`.
pub fn server_prefix(server: &str) -> String {
    server
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `server__tool`.
pub fn gateway_name(server: &str, tool: &str) -> String {
    format!("{}{SEPARATOR}{tool}", server_prefix(server))
}

/// The server (of `servers`, by name) and tool a gateway name points to: the first server whose
/// prefix leads the name.
pub fn resolve<'a>(name: &'a str, servers: &[&'a str]) -> Option<(&'a str, &'a str)> {
    servers.iter().find_map(|server| {
        let prefix = format!("{}{SEPARATOR}", server_prefix(server));
        name.strip_prefix(&prefix)
            .filter(|tool| !tool.is_empty())
            .map(|tool| (*server, tool))
    })
}

/// Checks `arguments` against a tool's input `schema`: `Err` says what is wrong, where.
pub fn check_arguments(schema: &Value, arguments: &Value) -> Result<(), String> {
    let validator = jsonschema::validator_for(schema)
        .map_err(|err| format!("the tool's input schema cannot be used: {err}"))?;
    let errors: Vec<String> = validator
        .iter_errors(arguments)
        .take(3)
        .map(|err| {
            let at = err.instance_path().to_string();
            if at.is_empty() {
                err.to_string()
            } else {
                format!("{at}: {err}")
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the arguments do not fit the tool's input schema: {}",
            errors.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_round_trip_through_the_allowed_characters() {
        assert_eq!(gateway_name("everything", "echo"), "everything__echo");
        assert_eq!(gateway_name("my files!", "read"), "my_files___read");
        let servers = ["everything", "my files!", "a"];
        assert_eq!(
            resolve("my_files___read", &servers),
            Some(("my files!", "read"))
        );
        assert_eq!(
            resolve("everything__trigger-long-running-operation", &servers),
            Some(("everything", "trigger-long-running-operation"))
        );
        assert_eq!(resolve("a__b__c", &servers), Some(("a", "b__c")));
        assert_eq!(resolve("nobody__echo", &servers), None);
        assert_eq!(resolve("everything__", &servers), None);
    }

    #[test]
    fn an_edit_must_fit_the_schema() {
        let schema = json!({
            "type": "object",
            "properties": { "message": { "type": "string", "maxLength": 10 } },
            "required": ["message"],
            "additionalProperties": false,
        });
        assert_eq!(
            check_arguments(&schema, &json!({ "message": "hi" })),
            Ok(())
        );
        let missing = check_arguments(&schema, &json!({})).unwrap_err();
        assert!(missing.contains("message"), "{missing}");
        let long = check_arguments(&schema, &json!({ "message": "x".repeat(11) })).unwrap_err();
        assert!(long.contains("/message"), "{long}");
        let extra = check_arguments(&schema, &json!({ "message": "a", "x": 1 })).unwrap_err();
        assert!(extra.contains("x"), "{extra}");
    }

    #[test]
    fn a_remote_reference_is_never_fetched() {
        let schema = json!({ "$ref": "http://127.0.0.1:9/schema.json" });
        let err = check_arguments(&schema, &json!({})).unwrap_err();
        assert!(err.contains("cannot be used"), "{err}");
    }
}
