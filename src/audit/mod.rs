//! The audit log: one append-only entry for every change a person or an agent makes (sign-ins,
//! dashboard saves, settings, memberships, agents and approvals), with the state before and
//! after. Each workspace's entries form a hash chain: every entry carries the hash of the one
//! before, so a changed or removed entry is detected by [`store`]'s verification.

#[cfg(feature = "server")]
pub mod api;
#[cfg(feature = "server")]
pub mod chain;
#[cfg(feature = "server")]
pub mod store;

use serde::{Deserialize, Serialize};

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unique id.
    pub id: String,
    /// When, in milliseconds since the Unix epoch.
    pub timestamp: i64,
    /// The workspace it happened in (none for events before one is chosen, such as a failed sign-in).
    pub workspace_id: Option<String>,
    /// Who did it.
    pub user_id: Option<String>,
    /// The agent that did it, when an agent acted.
    #[serde(default)]
    pub agent_id: Option<String>,
    /// What was done: `auth.login`, `dashboard.save`, `settings.update`, …
    pub action: String,
    /// The kind of thing changed: `session`, `dashboard_state`, `user_settings`, …
    pub resource_type: String,
    /// Which one.
    pub resource_id: Option<String>,
    /// Its state before, when it had one.
    pub before_state: Option<serde_json::Value>,
    /// Its state after, when it still has one.
    pub after_state: Option<serde_json::Value>,
    /// Anything else worth keeping (revision numbers, the client's address, …).
    pub metadata: serde_json::Value,
    /// This entry's link in the workspace's hash chain (SHA-256, hex).
    #[serde(default)]
    pub hash: Option<String>,
}

/// The result of checking a workspace's hash chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainReport {
    /// Whether every entry is intact and in place.
    pub intact: bool,
    /// How many entries were checked.
    pub entries: u64,
    /// The first entry that does not fit, when one does not.
    pub broken_at: Option<String>,
    /// What is wrong with it.
    pub problem: Option<String>,
}

/// A new entry's content; the store gives it its id and time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewEntry {
    /// See [`AuditEntry::workspace_id`].
    pub workspace_id: Option<String>,
    /// See [`AuditEntry::user_id`].
    pub user_id: Option<String>,
    /// See [`AuditEntry::agent_id`].
    pub agent_id: Option<String>,
    /// See [`AuditEntry::action`].
    pub action: &'static str,
    /// See [`AuditEntry::resource_type`].
    pub resource_type: &'static str,
    /// See [`AuditEntry::resource_id`].
    pub resource_id: Option<String>,
    /// See [`AuditEntry::before_state`].
    pub before_state: Option<serde_json::Value>,
    /// See [`AuditEntry::after_state`].
    pub after_state: Option<serde_json::Value>,
    /// See [`AuditEntry::metadata`].
    pub metadata: serde_json::Value,
}
