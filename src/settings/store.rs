//! Settings documents in the records database, one per user and one per workspace. A stored
//! document that no longer parses (a field removed since) gives the defaults and is logged.

use super::{UserSettings, WorkspaceSettings};
use crate::on_pool;
use crate::records::{now_ms, Records};
use anyhow::Context;
use serde::de::DeserializeOwned;

fn parse_or_default<T: DeserializeOwned + Default>(json: Option<String>, what: &str) -> T {
    match json.map(|json| serde_json::from_str::<T>(&json)) {
        None => T::default(),
        Some(Ok(value)) => value,
        Some(Err(err)) => {
            tracing::warn!("stored {what} do not parse ({err}); using the defaults");
            T::default()
        }
    }
}

impl Records {
    /// A user's settings (the defaults until they save some).
    pub async fn user_settings(&self, user_id: &str) -> anyhow::Result<UserSettings> {
        let json = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>("SELECT settings FROM user_settings WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })
        .context("reading user settings")?;
        Ok(parse_or_default(json, "user settings"))
    }

    /// Replaces a user's settings.
    pub async fn put_user_settings(
        &self,
        user_id: &str,
        settings: &UserSettings,
    ) -> anyhow::Result<()> {
        let json = serde_json::to_string(settings)?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO user_settings (user_id, settings, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            )
            .bind(user_id)
            .bind(&json)
            .bind(now_ms())
            .execute(pool)
            .await
            .map(|_| ())
        })
        .context("saving user settings")?;
        Ok(())
    }

    /// A workspace's shared settings.
    pub async fn workspace_settings(
        &self,
        workspace_id: &str,
    ) -> anyhow::Result<WorkspaceSettings> {
        let json = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(
                "SELECT settings FROM workspace_settings WHERE workspace_id = $1",
            )
            .bind(workspace_id)
            .fetch_optional(pool)
            .await
        })
        .context("reading workspace settings")?;
        Ok(parse_or_default(json, "workspace settings"))
    }

    /// Replaces a workspace's shared settings.
    pub async fn put_workspace_settings(
        &self,
        workspace_id: &str,
        settings: &WorkspaceSettings,
    ) -> anyhow::Result<()> {
        let json = serde_json::to_string(settings)?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO workspace_settings (workspace_id, settings, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (workspace_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            )
            .bind(workspace_id)
            .bind(&json)
            .bind(now_ms())
            .execute(pool)
            .await
            .map(|_| ())
        })
        .context("saving workspace settings")?;
        Ok(())
    }
}
