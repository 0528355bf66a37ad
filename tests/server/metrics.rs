//! `GET /metrics` over real HTTP: requests counted by route pattern and status, the open sync
//! WebSockets rising and falling, approvals by state, and the sync edit latency histogram.

use crate::helpers::{Stack, TestApp};
use crate::sync::{account, connect, next, update};
use reqwest::Client;
use serde_json::json;

/// The value of the sample line `name` (with its labels) in the exposition.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn requests_sockets_approvals_and_sync_latency_are_exposed() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let cookie = account(&app, "metrics@example.com").await;
    let http = Client::new();

    // Two 404s on one route pattern: one series, whatever the id.
    for id in ["nope-1", "nope-2"] {
        let response = http
            .get(app.url(&format!("/api/approvals/{id}")))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
    }
    // An agent asks for two approvals; one is approved.
    let registered: serde_json::Value = http
        .post(app.url("/api/agents"))
        .header("cookie", &cookie)
        .json(&json!({ "name": "deployer", "role": "pulse" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = registered["token"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for tool in ["deploy", "restart"] {
        let approval: serde_json::Value = http
            .post(app.url("/api/v1/approvals"))
            .bearer_auth(&token)
            .json(&json!({ "tool": tool, "arguments": {}, "reason": "r", "risk": "low" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(approval["id"].as_str().unwrap().to_owned());
    }
    let decided = http
        .post(app.url(&format!("/api/approvals/{}/approve", ids[0])))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status(), 200);

    // Two sockets open, one edit applied.
    let mut first = connect(&app, &cookie).await;
    let second = connect(&app, &cookie).await;
    update(
        &mut first,
        "preferences.density",
        json!("compact"),
        "c1",
        "m1",
    )
    .await;
    assert_eq!(next(&mut first).await["type"], "state:sync");

    let text = scrape(&app).await;
    assert_eq!(
        sample(
            &text,
            r#"flightdeck_http_requests_total{method="GET",route="/api/approvals/{id}",status="404"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"flightdeck_http_requests_total{method="POST",route="/api/v1/approvals",status="201"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "flightdeck_websockets_open"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"flightdeck_approvals{state="pending"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, r#"flightdeck_approvals{state="approved"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "flightdeck_sync_edit_seconds_count"),
        Some(1.0),
        "{text}"
    );
    let within = sample(&text, r#"flightdeck_sync_edit_seconds_bucket{le="+Inf"}"#);
    assert_eq!(within, Some(1.0), "{text}");

    // Closed sockets stop counting.
    drop((first, second));
    let mut open = f64::NAN;
    for _ in 0..50 {
        open = sample(&scrape(&app).await, "flightdeck_websockets_open").unwrap();
        if open == 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(open, 0.0, "sockets still counted after closing");
}
