//! The demo account: on the first start of an empty store, a "Demo fleet" workspace and an admin
//! with a random password, printed once in the log (it is never shown again; sign up or add
//! members for more accounts).

use super::password;
use crate::audit::NewEntry;
use crate::records::Records;
use serde_json::json;

/// The demo admin's sign-in address.
pub const DEMO_EMAIL: &str = "admin@flightdeck.local";
/// The demo workspace's name.
pub const DEMO_WORKSPACE: &str = "Demo fleet";

/// Creates the demo workspace and admin when there is no account yet.
pub async fn ensure_demo(records: &Records, public_url: &str) -> anyhow::Result<()> {
    if records.count_users().await? > 0 {
        return Ok(());
    }
    // 20 hex digits: 80 random bits, short enough to type.
    let secret: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .take(20)
        .collect();
    let hash = password::hash(secret.clone()).await?;
    let place = match records
        .create_account(DEMO_EMAIL, &hash, DEMO_WORKSPACE)
        .await
    {
        Ok(place) => place,
        // Another instance seeded the same store a moment ago.
        Err(super::store::CreateError::EmailTaken) => return Ok(()),
        Err(super::store::CreateError::Store(err)) => return Err(err),
    };
    records
        .audit(NewEntry {
            workspace_id: Some(place.workspace.id.clone()),
            user_id: Some(place.user.id.clone()),
            action: "auth.signup",
            resource_type: "user",
            resource_id: Some(place.user.id.clone()),
            after_state: Some(
                json!({ "email": DEMO_EMAIL, "workspace": DEMO_WORKSPACE, "demo": true }),
            ),
            metadata: json!({}),
            ..NewEntry::default()
        })
        .await?;
    tracing::warn!(
        "created the demo workspace {DEMO_WORKSPACE:?}: sign in at {public_url}/login as {DEMO_EMAIL} with password {secret} (shown only this once)"
    );
    Ok(())
}
