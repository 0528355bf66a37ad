//! The first admin of an empty store: from `FLIGHTDECK_ADMIN_EMAIL` and
//! `FLIGHTDECK_ADMIN_PASSWORD` when both are set; else, when the demo runs, the demo admin with a
//! random password printed once in the log; else a single-use setup link printed in the log.
//! A store that has accounts gets none of these.

use super::password;
use crate::records::Records;
use crate::state::AppState;
use serde_json::json;

/// The demo admin's sign-in address.
pub const DEMO_EMAIL: &str = "admin@flightdeck.local";
/// The demo workspace's name.
pub const DEMO_WORKSPACE: &str = "Demo fleet";
/// The workspace of a first admin from the environment.
pub const FIRST_WORKSPACE: &str = "Flightdeck";
/// How long a setup link stays valid.
const SETUP_VALID_MS: i64 = 24 * 3600 * 1000;

/// Makes sure an empty store gets its first admin (or a way to create one). `public_url` is
/// where the log says to sign in.
pub async fn ensure_first_admin(state: &AppState, public_url: &str) -> anyhow::Result<()> {
    let records = &state.records;
    if records.count_users().await? > 0 {
        return Ok(());
    }
    let public_url = state
        .config
        .security
        .public_origin
        .as_deref()
        .unwrap_or(public_url);
    if let Some(admin) = &state.config.security.first_admin {
        let hash = password::hash(admin.password.clone()).await?;
        if create(records, &admin.email, &hash, FIRST_WORKSPACE, false).await? {
            tracing::info!(
                "created the first admin {} (from FLIGHTDECK_ADMIN_EMAIL) with the workspace {FIRST_WORKSPACE:?}: sign in at {public_url}/login",
                admin.email
            );
        }
        return Ok(());
    }
    if state.config.demo {
        // 20 hex digits: 80 random bits, short enough to type.
        let secret: String = uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .chars()
            .take(20)
            .collect();
        let hash = password::hash(secret.clone()).await?;
        if create(records, DEMO_EMAIL, &hash, DEMO_WORKSPACE, true).await? {
            tracing::warn!(
                "created the demo workspace {DEMO_WORKSPACE:?}: sign in at {public_url}/login as {DEMO_EMAIL} with password {secret} (shown only this once)"
            );
        }
        return Ok(());
    }
    let token = crate::records::new_secret();
    records.add_setup_token(&token, SETUP_VALID_MS).await?;
    tracing::warn!(
        "no account yet: open {public_url}/setup/{token} within 24 hours to create the first admin (the link works once; restart for a new one)"
    );
    Ok(())
}

/// Creates an admin with a workspace; false when another instance did a moment ago.
async fn create(
    records: &Records,
    email: &str,
    hash: &str,
    workspace: &str,
    demo: bool,
) -> anyhow::Result<bool> {
    match records.create_account(email, hash, workspace).await {
        Ok(place) => {
            let extra = if demo {
                json!({ "demo": true })
            } else {
                json!({ "fromEnvironment": true })
            };
            super::signup::audit_account(records, &place, extra).await?;
            Ok(true)
        }
        Err(super::store::CreateError::EmailTaken) => Ok(false),
        Err(super::store::CreateError::Store(err)) => Err(err),
    }
}
