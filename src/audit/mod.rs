//! The audit log: one append-only entry for every change a person or an agent makes (sign-ins,
//! dashboard saves, settings, memberships, agents and approvals), with the state before and
//! after. Each workspace's entries form a hash chain signed with the audit key: every entry
//! carries the hash of the one before, and the chain's head is kept outside the database, so a
//! changed, removed or forged entry is named by [`verify`].

#[cfg(feature = "server")]
pub mod api;
#[cfg(feature = "server")]
pub mod append;
#[cfg(feature = "server")]
pub mod chain;
pub mod diff;
#[cfg(feature = "server")]
pub mod export;
#[cfg(feature = "server")]
pub mod head;
#[cfg(feature = "server")]
pub mod key;
#[cfg(feature = "server")]
pub mod query;
#[cfg(feature = "server")]
pub mod redact;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod store;
pub mod ui;
#[cfg(feature = "server")]
pub mod verify;

use serde::{Deserialize, Serialize};

/// The query string as sent: every parameter optional and read as text, so a bad one gets an
/// error naming it rather than a generic rejection.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Only this user's entries.
    pub user_id: Option<String>,
    /// Only this resource type.
    pub resource_type: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// From: `YYYY-MM-DD` (the day's start in `tz`), an RFC 3339 instant, or epoch milliseconds.
    pub date_from: Option<String>,
    /// To, inclusive: `YYYY-MM-DD` (the whole day in `tz`), an RFC 3339 instant, or epoch ms.
    pub date_to: Option<String>,
    /// The IANA time zone of the days in `date_from` and `date_to` (default UTC).
    pub tz: Option<String>,
    /// Part of the resource's id, the action or the resource type (any case).
    pub q: Option<String>,
    /// Entries per page, 1 to 500.
    pub limit: Option<String>,
    /// Entries to skip, 0 to 10,000.
    pub offset: Option<String>,
    /// Continue after this entry (a previous page's `nextCursor`).
    pub cursor: Option<String>,
}

/// Query of `GET /api/audit` (the newest entries, kept for earlier clients).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecentQuery {
    /// How many entries, 1 to 500 (default 100).
    pub limit: Option<i64>,
}

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The email of [`AuditEntry::user_id`], when that user still exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_email: Option<String>,
}

/// The filters of `GET /api/audit-logs` and its CSV export, as the page holds them. Empty means
/// "any". Dates are calendar days (`2026-11-22`, inclusive) in `tz`, or RFC 3339 instants.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// Only this user's entries.
    pub user_id: String,
    /// Only this kind of resource (`approval`, `agent`, …).
    pub resource_type: String,
    /// Only this action (`approval.decide`, …).
    pub action: String,
    /// From this day or instant.
    pub date_from: String,
    /// To this day (inclusive) or instant.
    pub date_to: String,
    /// Free text: part of the resource's id, the action or the resource type.
    pub q: String,
}

impl AuditFilter {
    /// The query of this filter, with the time zone its days and exported times are in (left
    /// out for UTC, the default); what is empty is left out.
    pub fn params(&self, tz: &str) -> Params {
        let set = |value: &str| Some(value.trim().to_owned()).filter(|value| !value.is_empty());
        Params {
            user_id: set(&self.user_id),
            resource_type: set(&self.resource_type),
            action: set(&self.action),
            date_from: set(&self.date_from),
            date_to: set(&self.date_to),
            // Days are read in the zone, and exports write times in it.
            tz: set(tz).filter(|tz| tz != "UTC"),
            q: set(&self.q),
            ..Params::default()
        }
    }

    /// [`Self::params`] as a query string, without `?` (the CSV export's link).
    pub fn query(&self, tz: &str) -> String {
        crate::http::QueryParams(self.params(tz)).encoded()
    }

    /// Whether any filter is set.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// One page of `GET /api/audit-logs`, newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Pass as `cursor` for the next (older) page; none on the last page.
    pub next_cursor: Option<String>,
}

/// The values the page's filters offer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditFacets {
    /// Every action recorded in the workspace.
    pub actions: Vec<String>,
    /// Every resource type recorded.
    pub resource_types: Vec<String>,
    /// The workspace's members.
    pub users: Vec<FacetUser>,
}

/// A member, for the user filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FacetUser {
    /// Their id.
    pub id: String,
    /// Their email.
    pub email: String,
}

/// The result of checking a workspace's hash chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainReport {
    /// Whether every entry is intact and in place.
    pub intact: bool,
    /// How many entries were checked.
    pub entries: u64,
    /// The first entry that does not fit, when one does not (for [`BreakKind::NewestRemoved`],
    /// the newest entry left, if any).
    pub broken_at: Option<String>,
    /// What is wrong with it, as a sentence.
    pub problem: Option<String>,
    /// Which kind of break, when the chain is broken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<BreakKind>,
}

/// How a chain is broken (`kind` in `GET /api/audit/verify`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// An entry's content does not match its hash.
    Changed,
    /// An entry's hash is a plain SHA-256 where it must be signed with the audit key: the chain
    /// was recomputed by someone without the key.
    Forged,
    /// An entry does not follow the one before it: entries between them were removed.
    Removed,
    /// The first entry does not start the chain: older entries were removed.
    OldestRemoved,
    /// The chain ends before its head (kept outside the database): newer entries were removed.
    NewestRemoved,
    /// An entry has no hash at all.
    MissingHash,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_becomes_a_query_string_with_only_what_is_set() {
        assert_eq!(AuditFilter::default().query("UTC"), "");
        let filter = AuditFilter {
            action: "approval.decide".into(),
            date_from: "2026-11-01".into(),
            q: " run 7&x ".into(),
            ..Default::default()
        };
        assert_eq!(
            filter.query("Europe/Berlin"),
            "action=approval.decide&date_from=2026-11-01&q=run%207%26x&tz=Europe%2FBerlin"
        );
        assert!(!filter.is_empty() && AuditFilter::default().is_empty());
    }
}
