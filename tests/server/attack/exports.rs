//! From finding 8: a value a user typed that a spreadsheet would run as a formula is exported
//! with a leading `'`.

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
