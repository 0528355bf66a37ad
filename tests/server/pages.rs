//! Server-side rendering: every page's content is in the first HTML, unknown paths answer 404,
//! and the theme class comes from the cookie or the client hint.

use crate::helpers::spawn_app;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, COOKIE, VARY};
use reqwest::StatusCode;

/// The HTML without comments (Dioxus marks dynamic text with `<!--node-id1-->…<!--#-->`).
fn without_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("-->")
            .map_or("", |end| &rest[start + end + 3..]);
    }
    out.push_str(rest);
    out
}

/// The `class` attribute of the `#app` root in rendered HTML.
fn app_class(html: &str) -> &str {
    let at = html.find("id=\"app\"").expect("#app in the HTML");
    let tag_end = at + html[at..].find('>').unwrap();
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..tag_end];
    let class = tag.find("class=\"").expect("#app has a class") + "class=\"".len();
    let len = tag[class..].find('"').unwrap();
    &tag[class..class + len]
}

#[tokio::test]
async fn every_page_is_rendered_on_the_server_with_the_navigation() {
    let mut app = spawn_app();
    app.client = app.first_admin().await;
    for (path, heading) in [
        ("/", "Dashboard"),
        ("/approvals", "Approvals"),
        ("/policies", "Policies"),
        ("/agents", "Agents"),
        ("/audit", "Audit log"),
        ("/analytics", "Analytics"),
        ("/settings", "Settings"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let html = without_comments(&response.text().await.unwrap());
        assert!(
            html.contains(&format!(
                "<h1 class=\"text-2xl font-semibold tracking-tight\">{heading}</h1>"
            )),
            "{path}: {html}"
        );
        for link in [
            "href=\"/approvals\"",
            "href=\"/agents\"",
            "href=\"/audit\"",
            "href=\"/analytics\"",
            "href=\"/settings\"",
        ] {
            assert!(html.contains(link), "{path} lacks {link}");
        }
        assert!(
            html.contains(&format!("<title>{heading} · Flightdeck</title>")),
            "{path}: title"
        );
    }
}

#[tokio::test]
async fn the_login_page_renders_outside_the_shell() {
    let app = spawn_app();
    let html = without_comments(&app.get("/login").await.text().await.unwrap());
    assert!(html.contains("Sign in to Flightdeck"));
    assert!(html.contains("id=\"login-form\""));
    assert!(!html.contains("id=\"sidebar\""));
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_back() {
    let mut app = spawn_app();
    for (path, next) in [
        ("/", "/"),
        ("/approvals?status=pending", "/approvals%3Fstatus%3Dpending"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            response.headers()["location"],
            format!("/login?next={next}").as_str()
        );
    }
    app.client = app.first_admin().await;
    assert_eq!(app.get("/").await.status(), StatusCode::OK);
    let response = app.get("/login").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/");
}

#[tokio::test]
async fn unknown_paths_get_a_404_page() {
    let mut app = spawn_app();
    app.client = app.first_admin().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = without_comments(&response.text().await.unwrap());
    assert!(html.contains("Page not found"));
    assert!(html.contains("/no/such/page"));
}

#[tokio::test]
async fn the_theme_is_in_the_first_html() {
    let app = spawn_app();
    let render = |cookie: Option<&'static str>, hint: Option<&'static str>| {
        let mut request = app.client.get(app.url("/login"));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        if let Some(hint) = hint {
            request = request.header("sec-ch-prefers-color-scheme", hint);
        }
        async move { request.send().await.unwrap().text().await.unwrap() }
    };

    // Nothing known: auto, rendered light.
    assert_eq!(app_class(&render(None, None).await), "light");
    // An explicit choice wins over everything.
    assert_eq!(
        app_class(&render(Some("fd_theme=dark"), None).await),
        "dark"
    );
    assert_eq!(
        app_class(&render(Some("fd_theme=light"), Some("\"dark\"")).await),
        "light"
    );
    // Auto follows the client hint, else the remembered system scheme.
    assert_eq!(app_class(&render(None, Some("\"dark\"")).await), "dark");
    assert_eq!(
        app_class(&render(Some("fd_theme=auto; fd_scheme=dark"), None).await),
        "dark"
    );
    assert_eq!(
        app_class(&render(Some("fd_theme=auto; fd_scheme=dark"), Some("\"light\"")).await),
        "light"
    );
    // Garbage is ignored.
    assert_eq!(
        app_class(&render(Some("fd_theme=%3Cscript%3E"), None).await),
        "light"
    );
}

#[tokio::test]
async fn pages_ask_for_the_colour_scheme_hint_and_are_not_cached_stale() {
    let app = spawn_app();
    let response = app.get("/login").await;
    let headers = response.headers();
    assert_eq!(headers["accept-ch"], "Sec-CH-Prefers-Color-Scheme");
    let vary: Vec<_> = headers
        .get_all(VARY)
        .iter()
        .map(|v| v.to_str().unwrap().to_lowercase())
        .collect();
    assert!(vary.iter().any(|v| v.contains("cookie")), "{vary:?}");
    assert!(
        vary.iter()
            .any(|v| v.contains("sec-ch-prefers-color-scheme")),
        "{vary:?}"
    );
    assert_eq!(headers[CACHE_CONTROL], "no-cache");
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let app = spawn_app();
    for (accept, expected) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let response = app
            .client
            .get(app.url("/login"))
            .header(ACCEPT_ENCODING, accept)
            .send()
            .await
            .unwrap();
        let encoding = response
            .headers()
            .get(CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(encoding.as_deref(), expected, "Accept-Encoding: {accept}");
    }
}

/// A page rendered with its data (`http::use_api`, answered in-process as the reader) holds the
/// reader's own workspace only, as far as their role allows: a stranger is sent to sign in with
/// none of it, another workspace sees none of it, a viewer sees the agents but neither the form
/// that registers one nor the members.
#[tokio::test]
async fn pages_render_with_the_readers_own_data_only() {
    let app = spawn_app();
    let (owner, _) = app.sign_up("owner@example.com", "Owner's").await;
    let registered = owner
        .post(app.url("/api/agents"))
        .json(&serde_json::json!({ "name": "night-watch", "role": "pulse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let (other, _) = app.sign_up("other@example.com", "Other's").await;
    let (viewer, _) = app.sign_up("viewer@example.com", "Viewer's own").await;
    app.add_member(&owner, &viewer, "viewer@example.com", "viewer")
        .await;
    let page = |client: &reqwest::Client, path: &str| {
        let request = client.get(app.url(path));
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (status, without_comments(&response.text().await.unwrap()))
        }
    };

    let (status, html) = page(&owner, "/agents").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(">night-watch<"), "the owner's agents: {html}");
    assert!(
        html.contains("id=\"register-agent\""),
        "an admin may register"
    );
    let (_, html) = page(&owner, "/settings").await;
    assert!(html.contains("id=\"members\"") && html.contains("viewer@example.com"));

    let (status, html) = page(&other, "/agents").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("night-watch"),
        "another workspace's agents: {html}"
    );
    assert!(html.contains("No agent is registered yet."));

    let (_, html) = page(&viewer, "/agents").await;
    assert!(html.contains(">night-watch<"), "a viewer sees the agents");
    assert!(
        !html.contains("id=\"register-agent\""),
        "a viewer may not register"
    );
    let (_, html) = page(&viewer, "/settings").await;
    assert!(!html.contains("id=\"members\""), "a viewer sees no members");
    assert!(!html.contains("owner@example.com"));

    let (status, html) = page(&crate::helpers::new_client(), "/agents").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!html.contains("night-watch"));
}
