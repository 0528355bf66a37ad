//! Static files: precompressed variants by Accept-Encoding, immutable caching for hashed names,
//! revalidation for the service worker and manifest, and `index.html` never served raw.

use crate::helpers::spawn_app_with;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING};
use reqwest::StatusCode;
use std::path::Path;

const WASM: &str = "/assets/flightdeck_bg-dxh0123abcd.wasm";

fn web_build(public: &Path) {
    let assets = public.join("assets");
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::write(
        assets.join("flightdeck_bg-dxh0123abcd.wasm"),
        b"raw wasm bytes",
    )
    .unwrap();
    std::fs::write(
        assets.join("flightdeck_bg-dxh0123abcd.wasm.br"),
        b"brotli bytes",
    )
    .unwrap();
    std::fs::write(
        assets.join("flightdeck_bg-dxh0123abcd.wasm.gz"),
        b"gzip bytes",
    )
    .unwrap();
    std::fs::write(public.join("sw.js"), b"// service worker").unwrap();
    std::fs::write(
        public.join("manifest.webmanifest"),
        b"{\"name\":\"Flightdeck\"}",
    )
    .unwrap();
    std::fs::write(
        public.join("index.html"),
        "<!DOCTYPE html><html lang=\"en\"><head><title>Flightdeck</title></head><body><div id=\"main\"></div><script>/* boot */</script></body></html>",
    )
    .unwrap();
}

#[tokio::test]
async fn the_precompressed_variant_matching_accept_encoding_is_sent() {
    let app = spawn_app_with(web_build);
    for (accept, encoding, body) in [
        ("br, gzip", Some("br"), "brotli bytes"),
        ("gzip", Some("gzip"), "gzip bytes"),
        ("identity", None, "raw wasm bytes"),
    ] {
        let response = app
            .client
            .get(app.url(WASM))
            .header(ACCEPT_ENCODING, accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let got = response
            .headers()
            .get(CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(got.as_deref(), encoding, "Accept-Encoding: {accept}");
        assert_eq!(response.headers()["content-type"], "application/wasm");
        assert_eq!(response.text().await.unwrap(), body);
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_forever_and_the_rest_revalidate() {
    let app = spawn_app_with(web_build);
    let wasm = app.get(WASM).await;
    assert_eq!(
        wasm.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    for path in ["/sw.js", "/manifest.webmanifest"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-cache", "{path}");
    }
}

#[tokio::test]
async fn missing_assets_are_404_and_index_html_is_rendered_not_served() {
    let mut app = spawn_app_with(web_build);
    app.client = app.first_admin().await;
    assert_eq!(
        app.get("/assets/nope-dxh00.js").await.status(),
        StatusCode::NOT_FOUND
    );
    let html = app.get("/index.html").await.text().await.unwrap();
    // The template's script survives, wrapped around the server-rendered app.
    assert!(html.contains("/* boot */"));
    assert!(html.contains("id=\"app\""), "{html}");
}
