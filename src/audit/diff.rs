//! The difference between an entry's state before and after, field by field, as the audit page
//! shows it: what was added, removed or changed, at which JSON path.

use serde_json::Value;

/// What happened to one field.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// It is new.
    Added(Value),
    /// It is gone.
    Removed(Value),
    /// It has a new value.
    Changed(Value, Value),
}

/// The changed fields between `before` and `after`, by path (`widgets.w1.size.h`, `tags[2]`), in
/// path order. Objects are compared key by key; arrays of equal length item by item; anything
/// else whole. A missing side counts as absent, so a creation lists every field as added.
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Vec<(String, Change)> {
    let mut out = Vec::new();
    walk(String::new(), before, after, &mut out);
    out
}

fn walk(
    path: String,
    before: Option<&Value>,
    after: Option<&Value>,
    out: &mut Vec<(String, Change)>,
) {
    match (before, after) {
        (None, None) => {}
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                walk(join(&path, key), a.get(key), b.get(key), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                walk(format!("{path}[{i}]"), Some(x), Some(y), out);
            }
        }
        (Some(a), Some(b)) if a == b => {}
        (None, Some(Value::Object(b))) if !b.is_empty() => {
            for (key, value) in b {
                walk(join(&path, key), None, Some(value), out);
            }
        }
        (Some(Value::Object(a)), None) if !a.is_empty() => {
            for (key, value) in a {
                walk(join(&path, key), Some(value), None, out);
            }
        }
        (None, Some(b)) => out.push((label(path), Change::Added(b.clone()))),
        (Some(a), None) => out.push((label(path), Change::Removed(a.clone()))),
        (Some(a), Some(b)) => out.push((label(path), Change::Changed(a.clone(), b.clone()))),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn label(path: String) -> String {
    if path.is_empty() {
        "(value)".into()
    } else {
        path
    }
}

/// A value as one short line: strings without quotes, anything else as compact JSON, cut at 120
/// characters.
pub fn show(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 120 {
        let cut: String = text.chars().take(119).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changed_leaves_are_listed_by_path() {
        let before = json!({"status": "pending", "tool": "deploy", "args": {"env": "prod", "n": 1}, "tags": ["a", "b"]});
        let after = json!({"status": "approved", "tool": "deploy", "args": {"env": "prod", "n": 2, "x": true}, "tags": ["a", "c"]});
        assert_eq!(
            diff(Some(&before), Some(&after)),
            vec![
                ("args.n".into(), Change::Changed(json!(1), json!(2))),
                ("args.x".into(), Change::Added(json!(true))),
                (
                    "status".into(),
                    Change::Changed(json!("pending"), json!("approved"))
                ),
                ("tags[1]".into(), Change::Changed(json!("b"), json!("c"))),
            ]
        );
    }

    #[test]
    fn creation_and_removal_list_every_field_and_equal_states_nothing() {
        let state = json!({"name": "pulse-1", "role": "pulse"});
        assert_eq!(
            diff(None, Some(&state)),
            vec![
                ("name".into(), Change::Added(json!("pulse-1"))),
                ("role".into(), Change::Added(json!("pulse"))),
            ]
        );
        assert_eq!(diff(Some(&state), None).len(), 2);
        assert!(diff(Some(&state), Some(&state)).is_empty());
        assert!(diff(None, None).is_empty());
        // Arrays of another length, and scalars at the top, are compared whole.
        assert_eq!(
            diff(Some(&json!([1])), Some(&json!([1, 2]))),
            vec![("(value)".into(), Change::Changed(json!([1]), json!([1, 2])))]
        );
    }

    #[test]
    fn long_values_are_cut_for_display() {
        assert_eq!(show(&json!("plain")), "plain");
        assert_eq!(show(&json!({"a": 1})), r#"{"a":1}"#);
        let long = show(&json!("x".repeat(500)));
        assert_eq!(long.chars().count(), 120);
        assert!(long.ends_with('…'));
    }
}
