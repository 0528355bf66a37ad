//! The request timeout (`FLIGHTDECK_REQUEST_TIMEOUT_SECS`): a request whose answer has not
//! started within it is cut and answered 503 with a JSON error, as Go's `http.TimeoutHandler`
//! does. The long-lived routes are exempt: the approval long-poll (it has its own `?timeout=`),
//! the agent event stream and the sync WebSocket. A streamed body (SSE, CSV exports) is not cut
//! once its answer has started.

use crate::http::ApiError;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// Whether `path` is a long-lived route that the timeout leaves alone.
pub fn is_long_lived(path: &str) -> bool {
    path == "/api/sync"
        || path == "/api/v1/events"
        || path == "/mcp"
        || path
            .strip_prefix("/api/v1/approvals/")
            .and_then(|rest| rest.strip_suffix("/wait"))
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Middleware: runs the request within `limit` unless it is long-lived (use with
/// `axum::middleware::from_fn_with_state(limit, cut)`).
pub async fn cut(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    if is_long_lived(request.uri().path()) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                path,
                ?limit,
                "request cut by FLIGHTDECK_REQUEST_TIMEOUT_SECS"
            );
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the server did not answer within {} s (FLIGHTDECK_REQUEST_TIMEOUT_SECS); it may have been partly done, so check before trying again",
                    limit.as_secs()
                ),
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    /// `/slow` and the long-poll take three times the limit.
    fn app(limit: Duration) -> Router {
        let slow = move || async move {
            tokio::time::sleep(limit * 3).await;
            "late"
        };
        Router::new()
            .route("/slow", get(slow))
            .route("/fast", get(|| async { "soon" }))
            .route("/api/v1/approvals/{id}/wait", get(slow))
            .layer(axum::middleware::from_fn_with_state(limit, cut))
    }

    async fn call(app: Router, path: &str) -> (StatusCode, String) {
        let request = Request::builder().uri(path).body(Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn a_slow_request_is_cut_with_a_json_error_naming_the_variable() {
        let (status, body) = call(app(Duration::from_secs(1)), "/slow").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        let message = body["error"].as_str().unwrap();
        assert!(
            message.contains("FLIGHTDECK_REQUEST_TIMEOUT_SECS") && message.contains("1 s"),
            "{message}"
        );
        assert_eq!(
            call(app(Duration::from_secs(1)), "/fast").await,
            (StatusCode::OK, "soon".into())
        );
    }

    #[tokio::test]
    async fn long_lived_routes_are_not_cut() {
        let limit = Duration::from_millis(100);
        let (status, body) = call(app(limit), "/api/v1/approvals/a1/wait").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "late"));
    }

    #[test]
    fn only_the_long_lived_routes_are_exempt() {
        for path in ["/api/sync", "/api/v1/events", "/api/v1/approvals/x/wait"] {
            assert!(is_long_lived(path), "{path}");
        }
        for path in [
            "/api/sync/poll",
            "/api/v1/approvals/x",
            "/api/v1/approvals//wait",
            "/api/v1/approvals/x/y/wait",
            "/api/agents/health/check",
        ] {
            assert!(!is_long_lived(path), "{path}");
        }
    }
}
