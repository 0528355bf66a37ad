//! Server functions: each call the browser makes of the JSON API is declared once, with
//! [`server_fns!`](crate::server_fns), as a Dioxus server function (`#[get]`, `#[post]`, …) on
//! the API's own path, typed by the shared models. On the server that *is* the route: scripts and
//! agents call the same path, and a server function's errors keep the API's status and
//! `{error, field}` body ([`mount`]). In the browser the same declaration is a typed async
//! function that sends through this crate's one request function (`http::call`: the per-tab
//! request cache, no `url`/`http` crates), not dioxus's client: that client costs 97 KB brotli
//! of first load (`docs/decisions.md`, "Server functions for the browser's calls").

use serde::Serialize;

/// Declares server functions. Each item is a Dioxus server function, its route attribute first:
///
/// ```ignore
/// crate::server_fns! {
///     #[post("/api/approvals/{id}/approve", auth: Auth, state: AppState)]
///     /// POST /api/approvals/{id}/approve `{comment?, arguments?}`.
///     pub async fn approve(id: String, decision: MaybeJson<Decision>) -> Approval {
///         decide(&state, &auth, &id, Verdict::Approve, decision.0).await
///     }
/// }
/// ```
///
/// The answer is `Result<Approval, ApiError>` in the server function (`handlers::approve`, the
/// route) and `Result<Approval, CallError>` in the function the pages call (`approve`): in the
/// browser it sends the request (path parameters into the path, a [`JsonBody`](super::JsonBody)
/// or [`MaybeJson`](super::MaybeJson) as the JSON body, [`QueryParams`](super::QueryParams) as
/// the query); on the server it runs the server function in the current request.
#[macro_export]
macro_rules! server_fns {
    ($(
        #[$method:ident($path:literal $(, $server_arg:ident: $server_ty:ty)* $(,)?)]
        $(#[doc = $doc:literal])*
        pub async fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $answer:ty $body:block
    )*) => {
        /// The server functions themselves: each an axum route on its path (see
        /// `crate::http::sf::mount`).
        #[cfg(feature = "server")]
        pub mod handlers {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use dioxus::prelude::{dioxus_fullstack, dioxus_server};
            $(
                $(#[doc = $doc])*
                #[dioxus::prelude::$method($path $(, $server_arg: $server_ty)*)]
                pub async fn $name($($arg: $ty),*) -> Result<$answer, $crate::http::ApiError>
                $body
            )*
        }

        /// Each `GET` above as a [`Load`](crate::http::Load) for
        /// [`use_api`](crate::http::use_api): the same name and typed arguments, the answer type
        /// it loads.
        pub mod load {
            #[allow(unused_imports)]
            use super::*;
            $(
                $crate::load_fn!($method $path, $name($($arg: $ty),*) -> $answer);
            )*
        }

        $(
            $(#[doc = $doc])*
            ///
            /// (The browser's call of the server function `handlers::` of the same name.)
            pub fn $name(
                $($arg: $ty),*
            ) -> impl std::future::Future<Output = Result<$answer, $crate::http::CallError>> {
                #[cfg(feature = "server")]
                {
                    async move { handlers::$name($($arg),*).await.map_err(Into::into) }
                }
                #[cfg(not(feature = "server"))]
                {
                    let (path, body) = $crate::http::sf::prepare($crate::fill!($path, $($arg),*), &[$(&$arg),*]);
                    $crate::http::call($crate::verb!($method), path, body)
                }
            }
        )*
    };
}

/// What an argument of a server function puts in the browser's request besides the path.
pub trait Arg {
    /// The JSON body it is.
    fn body(&self) -> Option<serde_json::Value> {
        None
    }

    /// The query it is (`name=value&…`, encoded).
    fn query(&self) -> Option<String> {
        None
    }
}

/// A path parameter: already in the path.
impl Arg for String {}

impl<T: Serialize> Arg for super::JsonBody<T> {
    fn body(&self) -> Option<serde_json::Value> {
        serde_json::to_value(&self.0).ok()
    }
}

impl<T: Serialize> Arg for super::MaybeJson<T> {
    fn body(&self) -> Option<serde_json::Value> {
        serde_json::to_value(&self.0).ok()
    }
}

impl<T: Serialize> Arg for super::QueryParams<T> {
    fn query(&self) -> Option<String> {
        let serde_json::Value::Object(members) = serde_json::to_value(&self.0).ok()? else {
            return None;
        };
        let pairs: Vec<String> = members
            .into_iter()
            .filter_map(|(name, value)| {
                let text = match value {
                    serde_json::Value::Null => return None,
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                };
                Some(format!("{}={}", encode(&name), encode(&text)))
            })
            .collect();
        Some(pairs.join("&"))
    }
}

impl<T: Serialize> super::QueryParams<T> {
    /// The query string it is, without `?` (a download link's, beside the load's).
    pub fn encoded(&self) -> String {
        self.query().unwrap_or_default()
    }
}

/// Percent-encodes a query name or value or a path segment (everything but RFC 3986's
/// unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte))
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// A `GET` server function as a [`Load`](super::Load) (other methods make none).
#[doc(hidden)]
#[macro_export]
macro_rules! load_fn {
    (get $path:literal, $name:ident($($arg:ident: $ty:ty),*) -> $answer:ty) => {
        #[doc = concat!("`GET ", $path, "`, loaded by `use_api`.")]
        pub fn $name($($arg: $ty),*) -> $crate::http::Load<$answer> {
            let path = $crate::fill!($path, $($arg),*);
            $crate::http::Load::new($crate::http::sf::prepare(path, &[$(&$arg),*]).0)
        }
    };
    ($method:ident $($rest:tt)*) => {};
}

/// A route's path with its parameters filled in, each percent-encoded as one segment (an id
/// with a `/` or a space stays one parameter). The arguments that are not path parameters are
/// not in the path (they are the body or the query: [`prepare`]).
#[doc(hidden)]
#[macro_export]
macro_rules! fill {
    ($path:literal, $($arg:ident),*) => {{
        $(
            #[allow(unused_variables)]
            let $arg = $crate::http::sf::Segment(&$arg);
        )*
        format!($path)
    }};
}

/// A path parameter as it goes into the path: percent-encoded.
#[doc(hidden)]
pub struct Segment<'a, T>(pub &'a T);

impl std::fmt::Display for Segment<'_, String> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&encode(self.0))
    }
}

/// The HTTP method of a route attribute (`post` → `"POST"`).
#[doc(hidden)]
#[macro_export]
macro_rules! verb {
    (get) => {
        "GET"
    };
    (post) => {
        "POST"
    };
    (put) => {
        "PUT"
    };
    (patch) => {
        "PATCH"
    };
    (delete) => {
        "DELETE"
    };
}

/// A server function's call from the browser: its path (parameters filled in) with the
/// arguments' query, and their JSON body.
pub fn prepare(path: String, args: &[&dyn Arg]) -> (String, Option<serde_json::Value>) {
    let body = args.iter().find_map(|arg| arg.body());
    let query: Vec<String> = args
        .iter()
        .filter_map(|arg| arg.query())
        .filter(|query| !query.is_empty())
        .collect();
    if query.is_empty() {
        (path, body)
    } else {
        (format!("{path}?{}", query.join("&")), body)
    }
}

#[cfg(feature = "server")]
pub use server::mount;

/// Fails unless each of `routes` (`"METHOD /path"`) is a registered server function: each
/// domain's test of its declarations.
#[cfg(all(test, feature = "server"))]
pub fn assert_server_functions(routes: &[&str]) {
    let registered: Vec<String> = dioxus::server::ServerFunction::collect()
        .into_iter()
        .map(|function| format!("{} {}", function.method(), function.path()))
        .collect();
    for route in routes {
        assert!(
            registered.iter().any(|r| r == route),
            "{route} in {registered:?}"
        );
    }
}

#[cfg(feature = "server")]
mod server {
    use crate::auth::api::Auth;
    use crate::http::payload::{Accepted, Created, JsonBody, MaybeJson, QueryParams};
    use crate::http::ApiError;
    use crate::state::AppState;
    use axum::http::request::Parts;
    use axum::http::{header, StatusCode};
    use axum::response::Response;
    use axum::routing::MethodRouter;
    use axum::{extract::FromRequestParts, Router};
    use dioxus::fullstack::{
        AsStatusCode, ClientRequest, ClientResponse, FromResponse, FullstackContext, IntoRequest,
        RequestError, ServerFnError,
    };
    use dioxus::server::{FullstackState, ServerFunction};
    use std::future::Future;

    /// Adds every server function to the API's router, beside its other routes (so that layers
    /// and in-process page loads see them as any route), with the API's error bodies. `wrap`
    /// gives a route the layers of its own (a body limit, an attempt limit), by its path.
    pub fn mount(
        mut router: Router<AppState>,
        fullstack: &FullstackState,
        wrap: impl Fn(&str, MethodRouter<AppState>) -> MethodRouter<AppState>,
    ) -> Router<AppState> {
        for function in ServerFunction::collect() {
            let route = function
                .method_router()
                .with_state(fullstack.clone())
                .layer(axum::middleware::map_response(plain_errors));
            router = router.route(function.path(), wrap(function.path(), route));
        }
        router
    }

    /// Dioxus wraps an error answer as `{"code", "message", "data": <the error>}`; the API's
    /// clients get the error itself (`{error, field, …}`), with the status dioxus already set.
    async fn plain_errors(response: Response) -> Response {
        if response.status().is_success() {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        // The whole body, however large: it is this server's own answer, already in memory (a
        // stale dashboard save's 409 carries the server's copy, up to its size limit).
        let bytes = match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => bytes,
            Err(err) => return ApiError::internal(format!("an error's body: {err}")).into(),
        };
        #[derive(serde::Deserialize)]
        struct Wrapped {
            #[allow(dead_code)]
            code: u16,
            #[allow(dead_code)]
            message: String,
            data: serde_json::Value,
        }
        let body = match serde_json::from_slice::<Wrapped>(&bytes) {
            Ok(Wrapped {
                data: serde_json::Value::Object(data),
                ..
            }) => {
                parts.headers.remove(header::CONTENT_LENGTH);
                crate::http::retry_header(parts.status, &data, &mut parts.headers);
                axum::body::Body::from(serde_json::Value::Object(data).to_string())
            }
            _ => axum::body::Body::from(bytes),
        };
        Response::from_parts(parts, body)
    }

    impl From<ApiError> for Response {
        fn from(err: ApiError) -> Self {
            axum::response::IntoResponse::into_response(err)
        }
    }

    impl AsStatusCode for ApiError {
        fn as_status_code(&self) -> StatusCode {
            self.status
        }
    }

    /// What dioxus itself refused (an argument it read, a server function called without a
    /// request): its status, else a 500.
    impl From<ServerFnError> for ApiError {
        fn from(err: ServerFnError) -> Self {
            match err {
                ServerFnError::ServerError { message, code, .. } if code < 500 => {
                    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
                    ApiError::new(status, message)
                }
                other => ApiError::internal(other),
            }
        }
    }

    /// The application's state, put in every API request by the router (`server::router`).
    impl FromRequestParts<FullstackContext> for AppState {
        type Rejection = ApiError;

        async fn from_request_parts(
            parts: &mut Parts,
            _context: &FullstackContext,
        ) -> Result<Self, ApiError> {
            parts
                .extensions
                .get::<AppState>()
                .cloned()
                .ok_or_else(|| ApiError::internal("a server function called outside the API"))
        }
    }

    /// The signed-in operator, as in the API's own handlers.
    impl FromRequestParts<FullstackContext> for Auth {
        type Rejection = ApiError;

        async fn from_request_parts(
            parts: &mut Parts,
            context: &FullstackContext,
        ) -> Result<Self, ApiError> {
            let state = AppState::from_request_parts(parts, context).await?;
            <Auth as FromRequestParts<AppState>>::from_request_parts(parts, &state).await
        }
    }

    /// An answer type sent with a status of its own and `T` as the JSON body; dioxus's client
    /// would read the body as `T` (ours does, through `http::call`).
    macro_rules! status_answer {
        ($answer:ident, $status:ident) => {
            impl<T: serde::Serialize> axum::response::IntoResponse for $answer<T> {
                fn into_response(self) -> Response {
                    (StatusCode::$status, axum::Json(self.0)).into_response()
                }
            }

            #[allow(clippy::manual_async_fn)]
            impl<T: serde::de::DeserializeOwned> FromResponse for $answer<T> {
                fn from_response(
                    response: ClientResponse,
                ) -> impl Future<Output = Result<Self, ServerFnError>> {
                    async move {
                        response
                            .json()
                            .await
                            .map($answer)
                            .map_err(ServerFnError::from)
                    }
                }
            }
        };
    }

    status_answer!(Created, CREATED);
    status_answer!(Accepted, ACCEPTED);

    // Dioxus checks at compile time that its client could send each argument. Ours sends them
    // (`Arg`); these say how dioxus's would, were it used. (The trait asks for a `'static`
    // future, hence no `async fn`.)

    macro_rules! sent_as {
        ($arg:ident, $request:ident, $value:ident => $send:expr) => {
            #[allow(clippy::manual_async_fn)]
            impl<T: serde::Serialize + 'static + Send> IntoRequest for $arg<T> {
                fn into_request(
                    self,
                    $request: ClientRequest,
                ) -> impl Future<Output = Result<ClientResponse, RequestError>> + 'static {
                    let $value = self.0;
                    async move { $send.await }
                }
            }
        };
    }

    sent_as!(JsonBody, request, value => request.send_json(&value));
    sent_as!(MaybeJson, request, value => request.send_json(&value));
    sent_as!(QueryParams, request, value => request.extend_query(&value).send_empty_body());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Cancel {
        reason: Option<String>,
        limit: u32,
    }

    #[test]
    fn a_query_argument_is_encoded_and_leaves_out_what_is_absent() {
        let query = crate::http::QueryParams(Cancel {
            reason: Some("not now & not here/é".into()),
            limit: 5,
        });
        assert_eq!(
            query.query().as_deref(),
            Some("limit=5&reason=not%20now%20%26%20not%20here%2F%C3%A9")
        );
        let none = crate::http::QueryParams(Cancel {
            reason: None,
            limit: 1,
        });
        assert_eq!(none.query().as_deref(), Some("limit=1"));
    }

    #[test]
    fn a_body_argument_is_the_json_body_and_a_path_parameter_adds_nothing() {
        let body = crate::http::MaybeJson(serde_json::json!({"comment": "ok"}));
        assert_eq!(body.body(), Some(serde_json::json!({"comment": "ok"})));
        assert_eq!(String::from("id").body(), None);
        assert_eq!(String::from("id").query(), None);
        assert_eq!(crate::verb!(delete), "DELETE");
        let (path, body) = prepare("/api/x/7".into(), &[&String::from("7"), &body]);
        assert_eq!(path, "/api/x/7");
        assert_eq!(body, Some(serde_json::json!({"comment": "ok"})));
        let query = crate::http::QueryParams(serde_json::json!({"reason": "a b"}));
        let (path, body) = prepare("/api/x/7".into(), &[&query]);
        assert_eq!((path.as_str(), body), ("/api/x/7?reason=a%20b", None));
    }

    #[test]
    fn a_get_is_also_the_load_of_its_path_with_its_typed_arguments() {
        use crate::http::{Load, QueryParams};
        let queue = crate::approvals::server_fns::load::list(QueryParams(
            crate::approvals::ListQuery::status("pending"),
        ));
        assert_eq!(queue.path(), "/api/approvals?status=pending");
        let offer = crate::members::server_fns::load::offer("tok-1".into());
        assert_eq!(offer.path(), "/api/invites/tok-1");
        // A path parameter stays one segment, whatever it holds.
        let entry = crate::audit::server_fns::load::one("a b/../c?d".into());
        assert_eq!(entry.path(), "/api/audit-logs/a%20b%2F..%2Fc%3Fd");
        assert_eq!(
            crate::fleet::server_fns::load::of_kind("health".into())
                .json()
                .path(),
            "/api/fleet/health"
        );
        let filter = crate::audit::AuditFilter {
            action: "approval.decide".into(),
            ..Default::default()
        };
        let page = crate::audit::server_fns::load::page(QueryParams(crate::audit::Params {
            limit: Some("50".into()),
            cursor: Some("1700000000000/e 1".into()),
            ..filter.params("Europe/Paris")
        }));
        assert_eq!(
            page.path(),
            "/api/audit-logs?action=approval.decide&cursor=1700000000000%2Fe%201&limit=50\
             &tz=Europe%2FParis"
        );
        assert_eq!(Load::<()>::nothing().path(), "");
    }
}
