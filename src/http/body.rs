//! Request bodies read as JSON, naming the path of the first field that does not fit, as the
//! API's 400 answers do. Pure, so the fuzz targets (fuzz/) build it without the `server` feature;
//! not in the browser build, which has no serde_path_to_error.

use super::ErrorBody;

/// Parses a JSON body, naming the path of the first field that does not fit: the error is the
/// 400 answer's body.
pub fn parse_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ErrorBody> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let mut path = err.path().to_string();
        let inner = err.into_inner();
        // A missing field is reported at its parent's path: name the field itself.
        let text = inner.to_string();
        let missing = text
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        // "." is the root and "" an empty key: neither is a field to name.
        let is_field = |path: &str| !path.is_empty() && path != ".";
        let message = if inner.is_syntax() || inner.is_eof() {
            format!("the body is not valid JSON: {inner}")
        } else if let Some(name) = missing {
            path = if path == "." {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            format!("{path} is required")
        } else if is_field(&path) {
            format!("{path}: {inner}")
        } else {
            inner.to_string()
        };
        // A syntax error reports where it stopped as "?".
        let field = (is_field(&path) && !path.contains('?')).then_some(path);
        ErrorBody {
            error: message,
            field,
        }
    })?;
    // Only whitespace may follow the value (`serde_json::from_slice` checks this itself).
    deserializer.end().map_err(|err| ErrorBody {
        error: format!("the body is not valid JSON: {err}"),
        field: None,
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::parse_body;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Note {
        comment: Option<String>,
    }

    #[test]
    fn an_empty_key_or_the_root_is_not_named_as_a_field() {
        // Found by the json_body fuzz target: an unknown empty key was answered with
        // `"field": ""` and an error starting ": unknown field".
        let err = parse_body::<Note>(br#"{"": 1}"#).unwrap_err();
        assert_eq!(err.field, None);
        assert!(err.error.starts_with("unknown field ``"), "{}", err.error);
        let err = parse_body::<Note>(br#""text""#).unwrap_err();
        assert_eq!(err.field, None);
        assert!(err.error.starts_with("invalid type"), "{}", err.error);
        let err = parse_body::<Note>(br#"{"x": 1}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("x"));
    }

    #[test]
    fn anything_after_the_body_makes_it_not_json() {
        // Found by the json_body fuzz target: a number followed by letters was accepted.
        for body in [&br#"{"comment": "ok"} x"#[..], br#"{"comment": "ok"}{}"#] {
            let err = parse_body::<Note>(body).unwrap_err();
            assert!(
                err.error
                    .starts_with("the body is not valid JSON: trailing characters"),
                "{}",
                err.error
            );
            assert_eq!(err.field, None);
        }
        assert!(parse_body::<Note>(b" {\"comment\": \"ok\"}\r\n ").is_ok());
    }

    #[test]
    fn numbers_read_back_as_written() {
        // Found by the json_body fuzz target: this number was read as a neighbour of the
        // nearest f64, and that value's written form as another one.
        let text = "467440737018446744073709551615";
        let number: f64 = parse_body(text.as_bytes()).unwrap();
        assert_eq!(number, text.parse::<f64>().unwrap());
        let written = serde_json::to_string(&number).unwrap();
        assert_eq!(parse_body::<f64>(written.as_bytes()).unwrap(), number);
    }
}
