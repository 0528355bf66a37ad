//! Extractors of the JSON API whose refusals are JSON errors like every other answer, rather than
//! axum's plain-text rejections: a body that must say it is JSON (415) and fit the route's
//! `DefaultBodyLimit` (413), and query parameters (400).

use super::payload::{JsonBody, MaybeJson, QueryParams};
use super::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// The raw bytes of a JSON body: 415 unless `Content-Type` says JSON, 413 past the route's
/// `DefaultBodyLimit` (axum's default is 2 MiB).
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        super::require_json(request.headers())?;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection: BytesRejection| too_large(&rejection))?;
        Ok(Self(bytes))
    }
}

/// A body that could not be read: 413 past the route's limit, else as axum says.
fn too_large(rejection: &BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is larger than this server accepts",
        )
    } else {
        ApiError::new(rejection.status(), rejection.body_text())
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let JsonBytes(bytes) = JsonBytes::from_request(request, state).await?;
        super::parse(&bytes).map(JsonBody)
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for MaybeJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|rejection: BytesRejection| too_large(&rejection))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        super::require_json(&parts.headers)?;
        super::parse(&bytes).map(MaybeJson)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Query::try_from_uri(&parts.uri)
            .map(|Query(params)| Self(params))
            .map_err(|rejection| ApiError::new(StatusCode::BAD_REQUEST, rejection.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::DefaultBodyLimit;
    use axum::response::IntoResponse;
    use axum::routing::{get, post};
    use axum::Router;
    use tower::ServiceExt;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wait {
        #[allow(dead_code)]
        timeout: Option<u64>,
    }

    fn app() -> Router {
        Router::new()
            .route(
                "/body",
                post(|JsonBytes(bytes): JsonBytes| async move { bytes.len().to_string() })
                    .layer(DefaultBodyLimit::max(8)),
            )
            .route(
                "/wait",
                get(|QueryParams(_): QueryParams<Wait>| async { "ok".into_response() }),
            )
    }

    /// The status, content type and body of a request.
    async fn send(request: axum::http::Request<Body>) -> (StatusCode, String, String) {
        let response = app().oneshot(request).await.unwrap();
        let status = response.status();
        let kind = response
            .headers()
            .get("content-type")
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, kind, String::from_utf8_lossy(&body).into_owned())
    }

    fn post_body(content_type: Option<&str>, body: &'static str) -> axum::http::Request<Body> {
        let mut request = axum::http::Request::post("/body");
        if let Some(kind) = content_type {
            request = request.header("content-type", kind);
        }
        request.body(Body::from(body)).unwrap()
    }

    #[tokio::test]
    async fn refusals_of_bodies_and_queries_are_json_errors() {
        let json = "application/json";
        assert_eq!(
            send(post_body(Some(json), "{}")).await,
            (
                StatusCode::OK,
                "text/plain; charset=utf-8".into(),
                "2".into()
            )
        );
        let (status, kind, body) = send(post_body(Some(json), "[1,2,3,4,5,6,7]")).await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, json)
        );
        assert!(body.contains("larger than this server accepts"), "{body}");
        let (status, kind, _) = send(post_body(Some("text/plain"), "{}")).await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, json)
        );
        let (status, kind, _) = send(post_body(None, "{}")).await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, json)
        );

        let get = |uri: &str| axum::http::Request::get(uri).body(Body::empty()).unwrap();
        assert_eq!(send(get("/wait?timeout=5")).await.0, StatusCode::OK);
        for bad in ["/wait?timeout=soon", "/wait?timeout=-1", "/wait?other=1"] {
            let (status, kind, body) = send(get(bad)).await;
            assert_eq!(
                (status, kind.as_str()),
                (StatusCode::BAD_REQUEST, json),
                "{bad}"
            );
            let error: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert!(error["error"].is_string(), "{bad}: {body}");
        }
    }
}
