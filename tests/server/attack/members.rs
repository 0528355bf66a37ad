//! Finding 8's membership parts: adding someone took no consent and told whether an email had
//! an account, and nobody could be removed. Now an admin invites (a single-use link for one
//! email and role), the invitee accepts, admins change roles and remove members (whose sockets
//! close), the last admin stays, and a viewer, a stranger and another workspace get nothing.

use crate::helpers::{new_client, on_both_stacks, Stack, TestApp, ADMIN_EMAIL, PASSWORD};
use crate::sync::{account, connect};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

on_both_stacks!(a_second_invitation_raises_a_role_and_never_lowers_it);

async fn send(
    who: &reqwest::Client,
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = who.request(method, app.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.unwrap();
    (answer.status(), answer.json().await.unwrap_or(Value::Null))
}

fn token_of(invite: &Value) -> String {
    invite["path"]
        .as_str()
        .unwrap()
        .trim_start_matches("/invite/")
        .to_owned()
}

#[tokio::test]
async fn an_invitee_joins_once_with_the_role_offered_and_nobody_else_can() {
    use reqwest::Method;
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = app.first_admin().await;
    let (status, invite) = send(
        &admin,
        &app,
        Method::POST,
        "/api/workspace/invites",
        Some(json!({ "email": "New.Person@Example.com", "role": "operator" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    assert_eq!(invite["email"], "new.person@example.com");
    let token = token_of(&invite);
    // Inviting an email that has an account answers the same way (no enumeration).
    let (status, _) = send(
        &admin,
        &app,
        Method::POST,
        "/api/workspace/invites",
        Some(json!({ "email": "nobody-yet@example.com", "role": "viewer" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // A member's email: told to change their role instead.
    let (status, _) = send(
        &admin,
        &app,
        Method::POST,
        "/api/workspace/invites",
        Some(json!({ "email": ADMIN_EMAIL, "role": "viewer" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A stranger learns nothing from a wrong token, and cannot list invitations.
    let stranger = new_client();
    let (status, _) = send(
        &stranger,
        &app,
        Method::GET,
        &format!("/api/invites/{}", "f".repeat(64)),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&stranger, &app, Method::GET, "/api/workspace/invites", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The link says what it offers.
    let (status, offer) = send(
        &stranger,
        &app,
        Method::GET,
        &format!("/api/invites/{token}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (offer["role"].as_str(), offer["canCreateAccount"].as_bool()),
        (Some("operator"), Some(true))
    );

    // The invitee creates the account through it, signed in at once, in that workspace.
    let invitee = new_client();
    let (status, me) = send(
        &invitee,
        &app,
        Method::POST,
        &format!("/api/invites/{token}/accept"),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{me}");
    assert_eq!(me["role"], "operator");
    assert_eq!(
        me["workspaces"].as_array().unwrap().len(),
        1,
        "no workspace of their own"
    );
    // Once only.
    let (status, _) = send(
        &new_client(),
        &app,
        Method::POST,
        &format!("/api/invites/{token}/accept"),
        Some(json!({ "password": "another password" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A viewer can neither invite nor see the invitations; another workspace's admin cannot
    // revoke ours.
    let (status, invite) = send(
        &admin,
        &app,
        Method::POST,
        "/api/workspace/invites",
        Some(json!({ "email": "looker@example.com", "role": "viewer" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let looker = new_client();
    send(
        &looker,
        &app,
        Method::POST,
        &format!("/api/invites/{}/accept", token_of(&invite)),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    for (method, path, body) in [
        (Method::GET, "/api/workspace/invites", None),
        (
            Method::POST,
            "/api/workspace/invites",
            Some(json!({ "email": "x@example.com", "role": "admin" })),
        ),
    ] {
        assert_eq!(
            send(&looker, &app, method, path, body).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let (other, _) = app.sign_up("other-admin@example.com", "Elsewhere").await;
    let (_, pending) = send(&admin, &app, Method::GET, "/api/workspace/invites", None).await;
    let pending_id = pending[0]["id"].as_str().unwrap().to_owned();
    let (status, _) = send(
        &other,
        &app,
        Method::DELETE,
        &format!("/api/workspace/invites/{pending_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, theirs) = send(&other, &app, Method::GET, "/api/workspace/invites", None).await;
    assert_eq!((status, theirs), (StatusCode::OK, json!([])));
    // Adding people without their consent is gone.
    let (status, _) = send(
        &admin,
        &app,
        Method::PUT,
        "/api/workspace/members",
        Some(json!({ "email": "other-admin@example.com", "role": "admin" })),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    // Revoked links stop working.
    let (status, _) = send(
        &admin,
        &app,
        Method::DELETE,
        &format!("/api/workspace/invites/{pending_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(
        &stranger,
        &app,
        Method::GET,
        &format!(
            "/api/invites/{}",
            pending[0]["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("/invite/")
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_existing_account_signs_in_and_accepts_only_its_own_invitation() {
    use reqwest::Method;
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin = app.first_admin().await;
    let (mallory, _) = app.sign_up("mallory@example.com", "Mallory's").await;
    let (grace, _) = app.sign_up("grace@example.com", "Grace's").await;
    let (_, invite) = send(
        &admin,
        &app,
        Method::POST,
        "/api/workspace/invites",
        Some(json!({ "email": "grace@example.com", "role": "viewer" })),
    )
    .await;
    let accept = format!("/api/invites/{}/accept", token_of(&invite));
    // Someone else holding the link cannot use it.
    let (status, _) = send(&mallory, &app, Method::POST, &accept, Some(json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Signed out, the invitee's existing account is not made again.
    let (status, _) = send(
        &new_client(),
        &app,
        Method::POST,
        &accept,
        Some(json!({ "password": "a new password" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        new_client()
            .post(app.url("/api/auth/login"))
            .json(&json!({ "email": "grace@example.com", "password": PASSWORD }))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "her password is unchanged"
    );
    let (status, me) = send(&grace, &app, Method::POST, &accept, Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["role"], "viewer");
    assert_eq!(me["workspaces"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn admins_change_roles_and_remove_members_whose_sockets_close_but_the_last_admin_stays() {
    use reqwest::Method;
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let admin_cookie = account(&app, "owner@example.com").await;
    let member_cookie = account(&app, "member@example.com").await;
    app.add_member(
        &admin_cookie,
        &member_cookie,
        "member@example.com",
        "operator",
    )
    .await;
    let admin = |method: Method, path: &str, body: Option<Value>| {
        let mut request = reqwest::Client::new()
            .request(method, app.url(path))
            .header("cookie", &admin_cookie);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let answer = request.send().await.unwrap();
            (
                answer.status(),
                answer.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (_, members) = admin(Method::GET, "/api/workspace/members", None).await;
    let id_of = |email: &str| {
        members
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == email)
            .unwrap()["userId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (owner, member) = (id_of("owner@example.com"), id_of("member@example.com"));
    let (_, owners) = admin(Method::GET, "/api/auth/me", None).await;
    let shared_workspace = owners["workspace"]["id"].clone();
    // The last admin can be neither demoted nor removed.
    let (status, body) = admin(
        Method::PATCH,
        &format!("/api/workspace/members/{owner}"),
        Some(json!({ "role": "viewer" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = admin(
        Method::DELETE,
        &format!("/api/workspace/members/{owner}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A member who is not an admin cannot change anyone.
    let as_member = reqwest::Client::new()
        .delete(app.url(&format!("/api/workspace/members/{owner}")))
        .header("cookie", &member_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(as_member.status(), StatusCode::FORBIDDEN);
    let (status, list) = admin(
        Method::PATCH,
        &format!("/api/workspace/members/{member}"),
        Some(json!({ "role": "viewer" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["email"] == "member@example.com" && m["role"] == "viewer"));

    // Removed: their open socket of this workspace closes, and they are out of it.
    let mut socket = connect(&app, &member_cookie).await;
    let (status, _) = admin(
        Method::DELETE,
        &format!("/api/workspace/members/{member}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|frame| u16::from(frame.code));
            }
        }
        None
    })
    .await
    .expect("the socket closed in time");
    assert_eq!(closed, Some(4403));
    let me: Value = reqwest::Client::new()
        .get(app.url("/api/auth/me"))
        .header("cookie", &member_cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(
        me["workspace"]["id"], shared_workspace,
        "back in their own workspace: {me}"
    );
    assert_eq!(me["workspaces"].as_array().unwrap().len(), 1);
    let (_, members) = admin(Method::GET, "/api/workspace/members", None).await;
    assert_eq!(members.as_array().unwrap().len(), 1);
    let (status, _) = admin(
        Method::DELETE,
        &format!("/api/workspace/members/{member}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A member accepting another invitation keeps the higher of the two roles: the upsert itself
/// decides, so a role changed meanwhile is never written back (both stacks).
async fn a_second_invitation_raises_a_role_and_never_lowers_it(stack: Stack) {
    use reqwest::Method;
    let app = stack.spawn(&[]);
    let admin = app.first_admin().await;
    let email = "twice@example.com";
    let links = [
        app.invite(&admin, email, "operator").await,
        app.invite(&admin, email, "viewer").await,
        app.invite(&admin, email, "admin").await,
    ];
    let invitee = new_client();
    let mut roles = Vec::new();
    for (i, link) in links.iter().enumerate() {
        let body = if i == 0 {
            json!({ "password": PASSWORD })
        } else {
            json!({})
        };
        let (status, me) = send(
            &invitee,
            &app,
            Method::POST,
            &format!(
                "/api/invites/{}/accept",
                link.trim_start_matches("/invite/")
            ),
            Some(body),
        )
        .await;
        assert!(status.is_success(), "{status}: {me}");
        roles.push(me["role"].as_str().unwrap().to_owned());
    }
    assert_eq!(roles, ["operator", "operator", "admin"]);
}
