//! From finding 8: a value a user typed that a spreadsheet would run as a formula is exported
//! with a leading `'`, and extreme dates and times in the audit filters and the analytics
//! periods get a 400 naming the parameter instead of an overflow.

use super::audit::register;
use crate::helpers::Stack;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn exported_cells_a_spreadsheet_would_run_are_defused() {
    let app = Stack::embedded().spawn(&[("FLIGHTDECK_SIGNUP", "open")]);
    // The address is the user's own choice, and it comes first in its cell.
    let email = "=hyperlink(\"http://x.example\",\"y\")@example.com";
    let (admin, me) = app.sign_up(email, "Sheets").await;
    let name = "=HYPERLINK(\"http://x\",\"y\")";
    register(&app, &admin, name).await;
    let response = admin
        .get(app.url("/api/audit-logs/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let user_id = me["user"]["id"].as_str().unwrap();
    let by_user: Vec<_> = rows.iter().filter(|row| &row[3] == user_id).collect();
    assert!(!by_user.is_empty(), "{text}");
    for row in &by_user {
        assert_eq!(&row[4], format!("'{email}"), "{text}");
    }
    for cell in rows.iter().flat_map(|row| row.iter()) {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a cell a spreadsheet would run: {cell}"
        );
    }
    // The agent's name sits inside its registration's JSON, which starts with `{`: kept as typed.
    let registered = rows.iter().find(|row| &row[6] == "agent.register").unwrap();
    let after: Value = serde_json::from_str(&registered[10]).unwrap();
    assert_eq!(after["name"], name);
}

#[tokio::test]
async fn extreme_dates_are_refused_by_name_not_overflowed() {
    let app = Stack::embedded().spawn(&[("FLIGHTDECK_SIGNUP", "open")]);
    let (admin, _) = app.sign_up("dates@example.com", "Dates").await;
    for (method, path, field) in [
        (
            "GET",
            "/api/audit-logs?date_to=9223372036854775807",
            "date_to",
        ),
        (
            "GET",
            "/api/audit-logs?date_from=-9223372036854775808",
            "date_from",
        ),
        (
            "GET",
            "/api/audit-logs/export.csv?date_to=9223372036854775807",
            "date_to",
        ),
        (
            "GET",
            "/api/audit-logs?date_to=99999999999999999999",
            "date_to",
        ),
        (
            "GET",
            "/api/analytics?period=custom&from=2026-01-01&to=9999-12-31",
            "to",
        ),
        (
            "GET",
            "/api/analytics/report.csv?period=custom&from=-009999-01-01&to=-009999-01-01",
            "from",
        ),
        (
            "POST",
            "/api/analytics/exports/run?at=9223372036854775807",
            "at",
        ),
        (
            "POST",
            "/api/analytics/exports/run?at=-9223372036854775808",
            "at",
        ),
    ] {
        let request = match method {
            "POST" => admin.post(app.url(path)),
            _ => admin.get(app.url(path)),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], field, "{path}: {body}");
        assert!(!body["error"].as_str().unwrap().is_empty(), "{body}");
    }
    // Still answering, and the server never panicked.
    let response = admin.get(app.url("/api/audit-logs")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!app.log().contains("panicked"), "{}", app.log());
}
