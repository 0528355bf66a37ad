//! The JSON API's error shape, shared by the server that writes it and the browser that reads it:
//! `{"error": "what was wrong", "field": "state.widgets.w1.size"}` with an HTTP status that says
//! what kind of wrong (400 input, 401 not signed in, 403 not allowed, 404, 409 conflict, 413 too big).

use serde::{Deserialize, Serialize};

/// The body of every error answer of `/api/*`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, schemars::JsonSchema))]
pub struct ErrorBody {
    /// A sentence for the user or the script author.
    pub error: String,
    /// The input field it is about, when it is about one (a JSON path for nested ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

pub mod cache;
mod loader;
#[cfg(feature = "web")]
pub(crate) mod shared;
#[cfg(feature = "server")]
pub mod ssr;
pub mod whole;

#[cfg(not(target_arch = "wasm32"))]
mod body;
#[cfg(not(target_arch = "wasm32"))]
pub use body::parse_body;

#[cfg(feature = "server")]
mod extract;
#[cfg(feature = "server")]
pub use extract::JsonBytes;
mod payload;
pub use payload::{Accepted, Created, JsonBody, MaybeJson, QueryParams, Removed};
pub mod sf;
pub use loader::{use_answers, use_api, Api, Load, Loaded};
#[cfg(feature = "server")]
pub(crate) use server::retry_header;
#[cfg(feature = "server")]
pub use server::{is_json, parse, require_json, ApiError};

#[cfg(feature = "server")]
mod server {
    use super::ErrorBody;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use axum::Json;
    use serde::de::DeserializeOwned;

    /// An error answer: status, message and the field it is about.
    #[derive(Debug)]
    pub struct ApiError {
        /// The HTTP status.
        pub status: StatusCode,
        /// What the client is told.
        pub body: ErrorBody,
        /// More members of the body beside `error` and `field` (a 409's server copy).
        pub more: serde_json::Map<String, serde_json::Value>,
    }

    impl ApiError {
        /// An error not about one field.
        pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
            Self {
                status,
                body: ErrorBody {
                    error: message.into(),
                    field: None,
                },
                more: serde_json::Map::new(),
            }
        }

        /// The same error with one more member in its body (`"approval": {…}` beside a 409's
        /// `error`).
        pub fn with(mut self, name: &str, value: &impl serde::Serialize) -> Self {
            match serde_json::to_value(value) {
                Ok(value) => {
                    self.more.insert(name.to_owned(), value);
                }
                Err(err) => tracing::error!("an error's `{name}` not sent: {err}"),
            }
            self
        }

        /// A 400 about one field.
        pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
            Self {
                status: StatusCode::BAD_REQUEST,
                body: ErrorBody {
                    error: message.into(),
                    field: Some(field.into()),
                },
                more: serde_json::Map::new(),
            }
        }

        /// 429: the client may try again in `seconds`, said by the `Retry-After` header and the
        /// body's `retryAfter`.
        pub fn retry_after(seconds: u64, message: impl Into<String>) -> Self {
            Self::new(StatusCode::TOO_MANY_REQUESTS, message).with(RETRY_AFTER, &seconds)
        }

        /// A 500 whose cause is logged here and never sent.
        pub fn internal(err: impl std::fmt::Display) -> Self {
            tracing::error!("internal error: {err:#}");
            Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong on the server; nothing was changed",
            )
        }
    }

    impl From<anyhow::Error> for ApiError {
        fn from(err: anyhow::Error) -> Self {
            // A quota's refusal (413/429) from below the handler is answered as itself.
            match err.downcast::<crate::quota::Refused>() {
                Ok(refused) => refused.into(),
                Err(err) => Self::internal(format!("{err:#}")),
            }
        }
    }

    /// The body member of a 429 that becomes its `Retry-After` header.
    pub(crate) const RETRY_AFTER: &str = "retryAfter";

    /// A 429's `Retry-After` header, from its body's `retryAfter` member.
    pub(crate) fn retry_header(
        status: StatusCode,
        body: &serde_json::Map<String, serde_json::Value>,
        headers: &mut axum::http::HeaderMap,
    ) {
        let seconds = body.get(RETRY_AFTER).and_then(serde_json::Value::as_u64);
        if let (StatusCode::TOO_MANY_REQUESTS, Some(seconds)) = (status, seconds) {
            headers.insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
    }

    impl IntoResponse for ApiError {
        fn into_response(self) -> Response {
            let mut response = (self.status, Json(&self)).into_response();
            retry_header(self.status, &self.more, response.headers_mut());
            response
        }
    }

    impl std::fmt::Display for ApiError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.body.error)
        }
    }

    /// The body: `{error, field?}` and the members of `more`.
    impl serde::Serialize for ApiError {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let field = usize::from(self.body.field.is_some());
            let mut map = serializer.serialize_map(Some(1 + field + self.more.len()))?;
            map.serialize_entry("error", &self.body.error)?;
            if let Some(field) = &self.body.field {
                map.serialize_entry("field", field)?;
            }
            for (name, value) in &self.more {
                map.serialize_entry(name, value)?;
            }
            map.end()
        }
    }

    /// A body read back (what a client of a server function would get); the status is not in
    /// the body, so it reads as 500 unless the body's `status` member says otherwise.
    impl<'de> serde::Deserialize<'de> for ApiError {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let mut more = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
            let body: ErrorBody = serde_json::from_value(serde_json::Value::Object(more.clone()))
                .map_err(serde::de::Error::custom)?;
            more.remove("error");
            more.remove("field");
            Ok(Self {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                body,
                more,
            })
        }
    }

    /// The error a call from the browser gets (what the server function answered).
    impl From<ApiError> for super::CallError {
        fn from(err: ApiError) -> Self {
            Self {
                status: err.status.as_u16(),
                raw: serde_json::to_value(&err).unwrap_or_default(),
                body: err.body,
            }
        }
    }

    /// 415 unless the request says its body is JSON: a cross-site form can send `text/plain`
    /// without a preflight, JSON it cannot.
    pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
        let content_type = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok());
        if content_type.is_some_and(is_json) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON with Content-Type: application/json",
            ))
        }
    }

    /// Whether a Content-Type names JSON (`application/json`, or `application/<x>+json`, with
    /// any parameters).
    pub fn is_json(content_type: &str) -> bool {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"))
    }

    /// Parses JSON, naming the path of the first field that does not fit (a 400).
    pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
        super::parse_body(bytes).map_err(|body| ApiError {
            status: StatusCode::BAD_REQUEST,
            body,
            more: serde_json::Map::new(),
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            inner: Inner,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            count: u32,
        }

        #[test]
        fn only_json_content_types_are_json() {
            for yes in [
                "application/json",
                "Application/JSON; charset=utf-8",
                "application/merge-patch+json",
            ] {
                assert!(is_json(yes), "{yes}");
            }
            for no in [
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "",
                "application/jsonp",
            ] {
                assert!(!is_json(no), "{no}");
            }
        }

        #[test]
        fn a_missing_field_is_named_itself() {
            let err = parse::<Outer>(br#"{"inner": {}}"#).unwrap_err();
            assert_eq!(err.body.field.as_deref(), Some("inner.count"));
            assert_eq!(err.body.error, "inner.count is required");
            let err = parse::<Outer>(b"{}").unwrap_err();
            assert_eq!(err.body.field.as_deref(), Some("inner"));
        }

        #[test]
        fn errors_name_the_path_of_the_bad_field() {
            let err = parse::<Outer>(br#"{"inner": {"count": "x"}}"#).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
            assert_eq!(err.body.field.as_deref(), Some("inner.count"));
            assert!(
                err.body.error.starts_with("inner.count: invalid type"),
                "{}",
                err.body.error
            );
            let err = parse::<Outer>(b"{not json").unwrap_err();
            assert!(err.body.error.starts_with("the body is not valid JSON"));
            assert_eq!(err.body.field, None);
        }
    }
}

/// What a call of the JSON API from the browser can end in besides success.
#[derive(Clone, Debug, PartialEq)]
pub struct CallError {
    /// The HTTP status (0 when the server could not be reached).
    pub status: u16,
    /// The error body.
    pub body: ErrorBody,
    /// The whole body as JSON, for answers that carry more (a 409's server copy).
    pub raw: serde_json::Value,
}

impl CallError {
    /// A failure before any answer.
    pub fn unreachable(why: impl std::fmt::Display) -> Self {
        Self {
            status: 0,
            body: ErrorBody {
                error: format!("the server could not be reached ({why})"),
                field: None,
            },
            raw: serde_json::Value::Null,
        }
    }
}

impl CallError {
    /// An error answer: its status and body (`{error, field}`, and whatever else it carries).
    pub fn answered(status: u16, text: &str) -> Self {
        let raw: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let body = serde_json::from_value(raw.clone()).unwrap_or(ErrorBody {
            error: format!("the server answered {status}"),
            field: None,
        });
        Self { status, body, raw }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.body.error)
    }
}

/// Calls the JSON API from the browser: `method` on `path` with an optional JSON body, parsing a
/// JSON answer; what the browser's calls of server functions and a [`Load::fetch`] return (one
/// future type per answer type, shared by every call with that answer). Outside the browser
/// (server rendering) it does nothing and says so.
pub async fn call<T: serde::de::DeserializeOwned>(
    method: &'static str,
    path: String,
    body: Option<serde_json::Value>,
) -> Result<T, CallError> {
    // Only the parsing is generic: the request itself is one function in the wasm, not one per
    // answer type.
    read(request(method, &path, body).await)
}

/// A successful answer's status and text, or the error.
pub type Answer = Result<(u16, String), CallError>;

/// The answer's JSON as a `T`. Read through `Value`, so that a type the live topics also read
/// from a `Value` (approvals, dashboard states) has one deserializer in the wasm, not two.
fn read<T: serde::de::DeserializeOwned>(answer: Answer) -> Result<T, CallError> {
    let (status, text) = answer?;
    read_text(status, &text)
}

/// A successful answer's JSON text as a `T`.
fn read_text<T: serde::de::DeserializeOwned>(status: u16, text: &str) -> Result<T, CallError> {
    let parsed = serde_json::from_str::<serde_json::Value>(text).and_then(serde_json::from_value);
    parsed.map_err(|err| CallError {
        status,
        body: ErrorBody {
            error: format!("the server's answer was not understood ({err})"),
            field: None,
        },
        raw: serde_json::Value::Null,
    })
}

/// Sends the request, or joins an identical GET in flight, or answers a GET from the cache
/// (see [`cache`]); the status and text of a successful answer, else the error.
async fn request(method: &str, path: &str, body: Option<serde_json::Value>) -> Answer {
    #[cfg(feature = "web")]
    {
        let owned = path.to_owned();
        if method == "GET" && body.is_none() {
            return shared::get(path, move || send("GET".into(), owned, None)).await;
        }
        shared::write(path, send(method.to_owned(), owned, body)).await
    }
    #[cfg(not(feature = "web"))]
    {
        let _ = (method, body);
        Err(CallError::unreachable(format!(
            "{path} is only called from the browser"
        )))
    }
}

/// Sends one request; the status and text of a successful answer, else the error.
#[cfg(feature = "web")]
async fn send(
    method: String,
    path: String,
    body: Option<serde_json::Value>,
) -> Result<(u16, String), CallError> {
    use gloo_net::http::{Method, RequestBuilder};
    let method = Method::from_bytes(method.as_bytes()).map_err(CallError::unreachable)?;
    let builder = RequestBuilder::new(&path)
        .method(method)
        .header("accept", "application/json");
    let request = match body {
        Some(body) => builder.json(&body),
        None => builder.build(),
    }
    .map_err(CallError::unreachable)?;
    let response = request.send().await.map_err(CallError::unreachable)?;
    let status = response.status();
    let text = response.text().await.map_err(CallError::unreachable)?;
    if response.ok() {
        return Ok((status, text));
    }
    Err(CallError::answered(status, &text))
}
