//! Settings documents in the records database, one per user (`user_settings`) and one per
//! workspace (`workspace_settings`). A stored document that no longer parses (a field removed
//! since) gives the defaults and is logged.

use super::{UserSettings, WorkspaceSettings};
use crate::on_pool;
use crate::records::{now_ms, Records};
use anyhow::Context;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A settings table: its name and the column of its owner's id (both fixed strings, never input).
struct Table {
    name: &'static str,
    owner: &'static str,
}

const USER: Table = Table {
    name: "user_settings",
    owner: "user_id",
};
const WORKSPACE: Table = Table {
    name: "workspace_settings",
    owner: "workspace_id",
};

impl Records {
    /// A user's settings (the defaults until they save some).
    pub async fn user_settings(&self, user_id: &str) -> anyhow::Result<UserSettings> {
        self.read_settings(&USER, user_id).await
    }

    /// Replaces a user's settings.
    pub async fn put_user_settings(
        &self,
        user_id: &str,
        settings: &UserSettings,
    ) -> anyhow::Result<()> {
        self.write_settings(&USER, user_id, settings).await
    }

    /// A workspace's shared settings.
    pub async fn workspace_settings(
        &self,
        workspace_id: &str,
    ) -> anyhow::Result<WorkspaceSettings> {
        self.read_settings(&WORKSPACE, workspace_id).await
    }

    /// Replaces a workspace's shared settings.
    pub async fn put_workspace_settings(
        &self,
        workspace_id: &str,
        settings: &WorkspaceSettings,
    ) -> anyhow::Result<()> {
        self.write_settings(&WORKSPACE, workspace_id, settings)
            .await
    }

    async fn read_settings<T: DeserializeOwned + Default>(
        &self,
        table: &Table,
        owner: &str,
    ) -> anyhow::Result<T> {
        let sql = format!(
            "SELECT settings FROM {} WHERE {} = $1",
            table.name, table.owner
        );
        let json = on_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(&sql)
                .bind(owner)
                .fetch_optional(pool)
                .await
        })
        .with_context(|| format!("reading {}", table.name))?;
        Ok(match json.map(|json| serde_json::from_str::<T>(&json)) {
            None => T::default(),
            Some(Ok(value)) => value,
            Some(Err(err)) => {
                tracing::warn!(
                    "stored {} do not parse ({err}); using the defaults",
                    table.name
                );
                T::default()
            }
        })
    }

    async fn write_settings<T: Serialize>(
        &self,
        table: &Table,
        owner: &str,
        settings: &T,
    ) -> anyhow::Result<()> {
        let json = serde_json::to_string(settings)?;
        let sql = format!(
            "INSERT INTO {name} ({owner}, settings, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT ({owner}) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            name = table.name,
            owner = table.owner,
        );
        on_pool!(self, |pool| {
            sqlx::query(&sql)
                .bind(owner)
                .bind(&json)
                .bind(now_ms())
                .execute(pool)
                .await
                .map(|_| ())
        })
        .with_context(|| format!("saving {}", table.name))
    }
}
