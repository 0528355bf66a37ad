//! Finding 1: anyone could sign up, become admin of a workspace and run a program on the host
//! through a stdio MCP server. Now accounts come by invitation, the first admin from the
//! operator, and programs only from the operator's file, each with its own environment.

use crate::helpers::{new_client, Stack, TestApp, ADMIN_EMAIL, NO_FIRST_ADMIN, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

async fn signup(app: &TestApp, email: &str) -> (StatusCode, Value) {
    let response = new_client()
        .post(app.url("/api/auth/signup"))
        .json(&json!({ "email": email, "password": PASSWORD, "workspace": "Mine" }))
        .send()
        .await
        .unwrap();
    (
        response.status(),
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn login_status(app: &TestApp, email: &str, password: &str) -> StatusCode {
    new_client()
        .post(app.url("/api/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn by_default_a_visitor_cannot_sign_up() {
    let stack = Stack::embedded();
    // The default (invite), and closed.
    for mode in ["", "closed"] {
        let app = stack.spawn(&[("FLIGHTDECK_SIGNUP", mode)]);
        let (status, body) = signup(&app, &format!("visitor-{mode}@example.com")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["error"].as_str().unwrap().contains("invitation"));
        assert_eq!(
            login_status(&app, &format!("visitor-{mode}@example.com"), PASSWORD).await,
            StatusCode::UNAUTHORIZED,
            "no account was made"
        );
        let options: Value = new_client()
            .get(app.url("/api/auth/options"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let expected = if mode.is_empty() { "invite" } else { mode };
        assert_eq!(options["signup"], expected);
    }
}

#[tokio::test]
async fn open_sign_up_answers_alike_whether_the_email_is_taken() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let fresh = signup(&app, "new@example.com").await;
    let taken = signup(&app, ADMIN_EMAIL).await;
    assert_eq!(fresh.0, StatusCode::ACCEPTED);
    assert_eq!(fresh, taken, "the same answer either way");
    // Nothing changed for the existing account.
    assert_eq!(
        login_status(&app, ADMIN_EMAIL, PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        login_status(&app, "new@example.com", PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn with_open_sign_up_the_stdio_attempt_runs_nothing() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let (status, _) = signup(&app, "intruder@example.com").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let intruder = app.sign_in("intruder@example.com", PASSWORD).await;
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let answer = intruder
        .post(app.url("/api/mcp/servers"))
        .json(&json!({ "name": "x", "transport": { "kind": "stdio", "command": "sh", "args": ["-c", format!("id > {}", marker.display())] } }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["field"], "transport.kind", "{body}");
    // Nor by naming a program the operator does not offer.
    let answer = intruder
        .post(app.url("/api/mcp/servers"))
        .json(&json!({ "name": "y", "transport": { "kind": "operator", "server": "sh" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!marker.exists(), "a visitor's program ran");
    let overview: Value = app.read(&intruder, "/api/mcp/servers").await;
    assert_eq!(overview["servers"], json!([]));
}

#[tokio::test]
async fn a_stdio_command_stored_by_an_earlier_version_is_never_run() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = app.first_admin().await;
    let me: Value = app.read(&admin, "/api/auth/me").await;
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let transport =
        json!({ "kind": "stdio", "command": "touch", "args": [marker.display().to_string()] });
    // Written straight into the records, as the old API did.
    let url = format!("sqlite://{}", app.data_dir.join("flightdeck.db").display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query("INSERT INTO mcp_servers (id, workspace_id, name, transport, created_at) VALUES ('old', $1, 'old', $2, 0)")
        .bind(me["workspace"]["id"].as_str().unwrap())
        .bind(transport.to_string())
        .execute(&mut db)
        .await
        .unwrap();
    let listed: Value = app.read(&admin, "/api/mcp/servers").await;
    assert_eq!(
        listed["servers"][0]["name"], "old",
        "listed, so it can be removed"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!marker.exists(), "an API-given program ran");
    let listed: Value = app.read(&admin, "/api/mcp/servers").await;
    assert!(
        listed["servers"][0]["lastError"]
            .as_str()
            .unwrap_or_default()
            .contains("FLIGHTDECK_MCP_CONFIG"),
        "{listed}"
    );
}

#[tokio::test]
async fn the_operators_program_gets_its_own_environment_not_the_servers() {
    let stack = Stack::embedded();
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("env.txt");
    let file = dir.path().join("mcp.json");
    let entry = json!({ "command": "sh", "args": ["-c", format!("env > {}; exit 1", dump.display())], "env": { "ITS_OWN": "yes" } });
    std::fs::write(
        &file,
        json!({ "mcpServers": { "dump": entry } }).to_string(),
    )
    .unwrap();
    let file = file.display().to_string();
    let app = stack.spawn(&[
        ("FLIGHTDECK_MCP_CONFIG", file.as_str()),
        (
            "FLIGHTDECK_METRICS_TOKEN",
            "a-secret-the-child-must-not-see",
        ),
        ("FLIGHTDECK_MAX_OPERATOR_PROGRAMS", "1"),
    ]);
    let admin = app.first_admin().await;
    let added = admin
        .post(app.url("/api/mcp/servers"))
        .json(&json!({ "name": "dump", "transport": { "kind": "operator", "server": "dump" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let mut env = String::new();
    for _ in 0..50 {
        env = std::fs::read_to_string(&dump).unwrap_or_default();
        if env.contains("ITS_OWN") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(env.contains("ITS_OWN=yes"), "{env}");
    assert!(env.contains("PATH="), "{env}");
    for secret in ["FLIGHTDECK_", "DATABASE_URL", "REDIS_URL", "a-secret"] {
        assert!(!env.contains(secret), "{secret} leaked: {env}");
    }

    // Enabled once per workspace: another name for it would only start another process.
    let again = admin
        .post(app.url("/api/mcp/servers"))
        .json(&json!({ "name": "dump2", "transport": { "kind": "operator", "server": "dump" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("already enabled"));

    // Admins see the program's name, command and variable names; neither the values nor the
    // arguments (either may hold the operator's secrets). Viewers and strangers see nothing.
    let offered = admin.get(app.url("/api/mcp/offered")).send().await.unwrap();
    assert_eq!(offered.status(), StatusCode::OK);
    let offered: Value = offered.json().await.unwrap();
    assert_eq!(
        offered,
        json!([{ "name": "dump", "command": "sh", "env": ["ITS_OWN"] }])
    );
    let (viewer, _) = app.sign_up("viewer@example.com", "Own").await;
    app.add_member(&admin, &viewer, "viewer@example.com", "viewer")
        .await;
    for (who, client) in [("viewer", viewer), ("stranger", new_client())] {
        let answer = client
            .get(app.url("/api/mcp/offered"))
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let body = answer.text().await.unwrap();
        let expected = if who == "viewer" {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(status, expected, "{who}: {body}");
        assert!(!body.contains("ITS_OWN"), "{who}: {body}");
    }

    // Each enabled program is a process: their number across workspaces is capped.
    let (elsewhere, _) = app.sign_up("elsewhere@example.com", "Elsewhere").await;
    let refused = elsewhere
        .post(app.url("/api/mcp/servers"))
        .json(&json!({ "name": "dump", "transport": { "kind": "operator", "server": "dump" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("FLIGHTDECK_MAX_OPERATOR_PROGRAMS"));
}

#[tokio::test]
async fn an_empty_store_without_an_admin_or_the_demo_prints_a_single_use_setup_link() {
    let stack = Stack::embedded();
    let app = stack.spawn(&NO_FIRST_ADMIN);
    let log = app.log();
    assert!(
        app.demo_password().is_none(),
        "no demo admin without the demo: {log}"
    );
    let at = log.find("/setup/").expect("a setup link in the log") + "/setup/".len();
    let token: String = log[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    let valid = |token: String| {
        let url = app.url(&format!("/api/setup/{token}"));
        async move { new_client().get(url).send().await.unwrap().status() }
    };
    assert_eq!(valid(token.clone()).await, StatusCode::NO_CONTENT);
    assert_eq!(valid("0".repeat(64)).await, StatusCode::NOT_FOUND);
    let first = json!({ "email": "ops@example.com", "password": PASSWORD, "workspace": "Ops" });
    let client = new_client();
    let created = client
        .post(app.url(&format!("/api/setup/{token}")))
        .json(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let me: Value = created.json().await.unwrap();
    assert_eq!(
        (me["role"].as_str(), me["workspace"]["name"].as_str()),
        (Some("admin"), Some("Ops"))
    );
    // Signed in by it.
    let me_again = client.get(app.url("/api/auth/me")).send().await.unwrap();
    assert_eq!(me_again.status(), StatusCode::OK);
    // Once only.
    let again = new_client()
        .post(app.url(&format!("/api/setup/{token}")))
        .json(&json!({ "email": "second@example.com", "password": PASSWORD, "workspace": "Two" }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(valid(token).await, StatusCode::NOT_FOUND);
    // A restart with accounts prints no link.
    drop(app);
    let restarted = stack.spawn(&NO_FIRST_ADMIN);
    assert!(!restarted.log().contains("/setup/"), "{}", restarted.log());
}
