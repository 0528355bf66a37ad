//! Findings 2, 4 and 7: cross-site writes, DNS rebinding and missing headers. A browser's write
//! from another origin (another port, a sibling subdomain, a cross-site form) gets 403 and
//! changes nothing; a foreign Host gets 421; every answer carries the security headers and a
//! page's CSP names exactly its own inline scripts; sessions end after their absolute lifetime
//! however active.

use crate::helpers::{new_client, Stack, TestApp, ADMIN_EMAIL, PASSWORD};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

async fn agent_names(app: &TestApp, admin: &reqwest::Client) -> Vec<String> {
    let agents: Vec<Value> = app.read(admin, "/api/agents").await;
    agents
        .iter()
        .map(|agent| agent["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_cross_origin_text_plain_post_gets_403_and_changes_nothing() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = app.first_admin().await;
    let body = r#"{"name":"planted","role":"pulse"}"#;
    // What a page elsewhere can send without a preflight: text/plain, with the cookie.
    let attempts = [
        // Another port of the same host (same-site, so Lax cookies go along).
        vec![
            ("sec-fetch-site", "same-site"),
            ("origin", "http://127.0.0.1:1"),
        ],
        // A sibling subdomain.
        vec![
            ("sec-fetch-site", "same-site"),
            ("origin", "http://evil.localhost"),
        ],
        // A cross-site form.
        vec![
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ],
        // An older browser: only Origin.
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
    ];
    for headers in attempts {
        let mut request = admin
            .post(app.url("/api/agents"))
            .header("content-type", "text/plain")
            .body(body);
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
    assert!(agent_names(&app, &admin).await.is_empty());

    // Text/plain from no browser at all is not JSON: 415, nothing stored.
    let answer = admin
        .post(app.url("/api/agents"))
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(agent_names(&app, &admin).await.is_empty());

    // The site's own pages may.
    let own = admin
        .post(app.url("/api/agents"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", &app.base)
        .json(&json!({ "name": "mine", "role": "pulse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::CREATED);
    assert_eq!(agent_names(&app, &admin).await, ["mine"]);
}

#[tokio::test]
async fn cross_site_requests_cannot_approve_sign_out_or_sign_a_victim_in() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = app.first_admin().await;
    let cross = [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ];
    // Sign-out.
    let mut logout = admin.post(app.url("/api/auth/logout"));
    for (name, value) in cross {
        logout = logout.header(name, value);
    }
    assert_eq!(logout.send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let still = admin.get(app.url("/api/auth/me")).send().await.unwrap();
    assert_eq!(still.status(), StatusCode::OK, "still signed in");
    // Login CSRF: a form posting the attacker's credentials.
    let victim = new_client();
    let mut login = victim
        .post(app.url("/api/auth/login"))
        .header("content-type", "text/plain")
        .body(format!(
            r#"{{"email":"{ADMIN_EMAIL}","password":"{PASSWORD}"}}"#
        ));
    for (name, value) in cross {
        login = login.header(name, value);
    }
    let answer = login.send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert!(answer.headers().get("set-cookie").is_none());
    // Deciding an approval (any id: refused before it is looked at).
    let mut approve = admin.post(app.url("/api/approvals/some-id/approve"));
    for (name, value) in cross {
        approve = approve.header(name, value);
    }
    assert_eq!(
        approve.send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn agents_with_bearer_tokens_are_not_held_to_browser_rules() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = app.first_admin().await;
    let registered: Value = admin
        .post(app.url("/api/agents"))
        .json(&json!({ "name": "bot", "role": "pulse" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = registered["token"].as_str().unwrap();
    let answer = new_client()
        .post(app.url("/api/v1/activity"))
        .header("authorization", format!("Bearer {token}"))
        .header("origin", "https://agent-host.example")
        .json(&json!({ "text": "working" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_foreign_host_gets_421() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[("FLIGHTDECK_PUBLIC_URL", "https://ops.example.test")]);
    let client = new_client();
    for path in ["/", "/login", "/api/auth/me", "/api/auth/options"] {
        let answer = client
            .get(app.url(path))
            .header("host", "rebind.evil.example:8080")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::MISDIRECTED_REQUEST, "{path}");
    }
    // A rebinding page cannot sign in either.
    let answer = client
        .post(app.url("/api/auth/login"))
        .header("host", "rebind.evil.example")
        .json(&json!({ "email": ADMIN_EMAIL, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::MISDIRECTED_REQUEST);
    assert!(answer.headers().get("set-cookie").is_none());
    // The public URL's host, loopback names and probes are answered.
    for host in ["ops.example.test", "localhost:1234"] {
        let answer = client
            .get(app.url("/api/auth/options"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{host}");
    }
    let probe = client
        .get(app.url("/healthz"))
        .header("host", "10.1.2.3.nip.example")
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status(), StatusCode::OK);
}

/// The sha256 CSP source of each inline script of `html`.
fn script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let tag_end = start + rest[start..].find('>').unwrap();
        let tag = &rest[start..tag_end];
        let close = tag_end + rest[tag_end..].find("</script>").unwrap();
        if !tag.contains("src=") {
            let text = &rest[tag_end + 1..close];
            let digest = Sha256::digest(text.as_bytes());
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &rest[close..];
    }
    hashes
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_pages_their_script_hashes() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let client = new_client();
    for path in ["/login", "/api/auth/options", "/api/nothing", "/healthz"] {
        let answer = client.get(app.url(path)).send().await.unwrap();
        let headers = answer.headers();
        let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{path}");
        assert_eq!(
            header("referrer-policy").as_deref(),
            Some("same-origin"),
            "{path}"
        );
        assert!(header("permissions-policy").is_some(), "{path}");
        let csp = header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            header("strict-transport-security").is_none(),
            "no HSTS over HTTP"
        );
    }
    let page = client.get(app.url("/login")).send().await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let hashes = script_hashes(&html);
    assert!(!hashes.is_empty(), "the page has its inline scripts");
    for hash in &hashes {
        assert!(csp.contains(hash.as_str()), "{hash} missing from {csp}");
    }
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert!(
        !csp.contains("'unsafe-eval'") && !csp.contains("script-src 'self' 'unsafe-inline'"),
        "{csp}"
    );
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[("FLIGHTDECK_SESSION_MAX_AGE", "2")]);
    let admin = app.first_admin().await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            admin
                .get(app.url("/api/auth/me"))
                .send()
                .await
                .unwrap()
                .status(),
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(statuses[0], StatusCode::OK);
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::UNAUTHORIZED),
        "active all along, and still ended: {statuses:?}"
    );
}
