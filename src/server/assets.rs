//! Static files of the built web app: the precompressed brotli or gzip variant chosen by
//! `Accept-Encoding`, year-long immutable caching for content-hashed names, revalidation for the
//! rest (the service worker and manifest must never go stale).

use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Routes for every file and folder in `public_dir` except `index.html`, which the SSR handler
/// fills in. A missing folder (a server run without a web build) serves no files.
pub fn routes<S>(public_dir: &Path) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let mut router = Router::new();
    let entries = match std::fs::read_dir(public_dir) {
        Ok(entries) => entries,
        Err(err) => {
            tracing::warn!(dir = %public_dir.display(), %err, "no web build to serve: pages render without scripts");
            return router;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if name == "index.html" || is_precompressed_variant(name) {
            continue;
        }
        let route = format!("/{name}");
        router = if path.is_dir() {
            router.nest_service(
                &route,
                ServeDir::new(&path).precompressed_br().precompressed_gzip(),
            )
        } else {
            router.route_service(
                &route,
                ServeFile::new(&path)
                    .precompressed_br()
                    .precompressed_gzip(),
            )
        };
    }
    router.layer(middleware::from_fn(cache_control))
}

async fn cache_control(request: Request, next: Next) -> Response {
    let policy = if is_content_hashed(request.uri().path()) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// Whether a path names a file whose content hash is in its name (`main-dxh1a2b3c.wasm`), so it
/// can be cached forever: a new build gives it a new name.
pub fn is_content_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.rsplit_once("-dxh").is_some_and(|(_, rest)| {
        let hash = rest.split('.').next().unwrap_or_default();
        !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit())
    })
}

fn is_precompressed_variant(name: &str) -> bool {
    name.ends_with(".br") || name.ends_with(".gz")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_immutable_and_others_are_not() {
        assert!(is_content_hashed("/assets/flightdeck_bg-dxh9f3a2c41d.wasm"));
        assert!(is_content_hashed("/assets/tailwind-dxhabc123.css"));
        assert!(!is_content_hashed("/sw.js"));
        assert!(!is_content_hashed("/manifest.webmanifest"));
        assert!(!is_content_hashed("/assets/main-dxh.js"));
        assert!(!is_content_hashed("/assets/main-dxhxyz.js"));
        assert!(!is_content_hashed("/assets-dxh12/readme"));
    }
}
