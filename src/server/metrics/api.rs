//! `GET /metrics` (behind `FLIGHTDECK_METRICS_TOKEN` when set) and the middleware that counts
//! every answered request.

use super::Metrics;
use crate::http::ApiError;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Counts every answered request by its route's pattern; what no route matches (rendered pages)
/// counts as `fallback`, so a scan of random paths cannot grow the series without bound.
pub async fn count_requests(
    State(metrics): State<Metrics>,
    request: Request,
    next: Next,
) -> Response {
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "fallback".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    metrics.request_answered(method, route, response.status().as_u16());
    response
}

/// The method's label: the standard ones by name, any other as `OTHER`, so that made-up
/// methods cannot grow the series without bound.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Whether the request may scrape: always without `FLIGHTDECK_METRICS_TOKEN`, else only with
/// `Authorization: Bearer <token>` (compared by digest, so the time taken says nothing of it).
fn may_scrape(expected: Option<&str>, headers: &HeaderMap) -> bool {
    let Some(expected) = expected else {
        return true;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    given.is_some_and(|given| Sha256::digest(given) == Sha256::digest(expected))
}

/// GET /metrics — 401 without the bearer token when `FLIGHTDECK_METRICS_TOKEN` is set.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !may_scrape(state.config.security.metrics_token.as_deref(), &headers) {
        let mut response = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "send the scrape token as Authorization: Bearer <FLIGHTDECK_METRICS_TOKEN>",
        )
        .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"metrics\""),
        );
        return response;
    }
    let approvals = match state.records.approval_counts().await {
        Ok(counts) => counts,
        Err(err) => {
            tracing::error!("metrics: cannot count approvals: {err:#}");
            Vec::new()
        }
    };
    match state.metrics.render(&approvals) {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_labelled_from_a_known_set() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        for made_up in ["BREW", "PROPFIND", "X1", "get"] {
            let method = Method::from_bytes(made_up.as_bytes()).unwrap();
            assert_eq!(method_label(&method), "OTHER", "{made_up}");
        }
    }

    #[test]
    fn the_scrape_token_is_needed_only_when_set() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            headers
        };
        assert!(may_scrape(None, &HeaderMap::new()));
        let token = Some("scrape-token-0123456789");
        assert!(!may_scrape(token, &HeaderMap::new()));
        assert!(!may_scrape(token, &with("Bearer wrong")));
        assert!(!may_scrape(token, &with("scrape-token-0123456789")));
        assert!(may_scrape(token, &with("Bearer scrape-token-0123456789")));
    }
}
