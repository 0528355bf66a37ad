//! The server's side of [`super::use_api`]: while it renders a page, a load is answered by the
//! JSON API's own router, in this process, as the page's requester (their session cookie and
//! address), so the page shows exactly what the browser's own GET would have given them.

use super::{Answer, CallError};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request};
use axum::Router;
use dioxus::fullstack::FullstackContext;
use std::net::SocketAddr;
use tower::ServiceExt;

/// The JSON API's router, handed to page renders as a request extension.
#[derive(Clone)]
pub struct PageApi(pub Router);

/// The largest answer a page render reads (the API's own answers are capped far below).
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// `GET path` as the page's requester; without a page render around it (a render outside a
/// request, as in tests of components) it fails like an unreachable server.
pub async fn get(page: Option<&FullstackContext>, path: &str) -> Answer {
    let Some(page) = page else {
        return Err(CallError::unreachable("no page request"));
    };
    let Some(PageApi(api)) = page.extension::<PageApi>() else {
        return Err(CallError::unreachable("the page has no API router"));
    };
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::ACCEPT, "application/json");
    {
        let parts = page.parts_mut();
        if let Some(cookie) = parts.headers.get(header::COOKIE) {
            request = request.header(header::COOKIE, cookie.clone());
        }
        if let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            request = request.extension(*peer);
        }
    }
    let request = request
        .body(Body::empty())
        .map_err(CallError::unreachable)?;
    let response = api.oneshot(request).await.map_err(CallError::unreachable)?;
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES)
        .await
        .map_err(CallError::unreachable)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if (200..300).contains(&status) {
        return Ok((status, text));
    }
    Err(CallError::answered(status, &text))
}
