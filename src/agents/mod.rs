//! Agents: the programs a workspace lets in. An admin registers one (name, role, optional health
//! URL) and gets its token once; the token is kept only as a SHA-256 digest and can be revoked.
//! Agents call the `/api/v1` API with `Authorization: Bearer <token>`.

#[cfg(feature = "server")]
pub mod api;
#[cfg(feature = "server")]
pub mod client;
pub mod connect;
#[cfg(feature = "server")]
pub mod health;
#[cfg(feature = "server")]
pub mod openapi;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod store;
#[cfg(feature = "server")]
pub mod streams;
pub mod ui;

use serde::{Deserialize, Serialize};

/// What the UI calls an agent of `role`. Flightdeck's own agent roles have code names; people
/// read what each one feeds (see docs/naming.md). Any other role is shown as it was registered.
pub fn role_label(role: &str) -> &str {
    match role {
        "pulse" => "Vitals",
        "navi" => "Project Status",
        "herald" => "Activity",
        other => other,
    }
}

/// A registered agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// Its id.
    pub id: String,
    /// Its name, unique in the workspace.
    pub name: String,
    /// What it does (`pulse`, `navi`, `herald`, or any other).
    pub role: String,
    /// Where its health is checked, when it has such a URL.
    pub health_url: Option<String>,
    /// Its own health-check timeout in milliseconds (none: the server's default).
    #[serde(default)]
    pub health_timeout_ms: Option<u32>,
    /// When it was registered (ms since the Unix epoch).
    pub created_at: i64,
    /// When its token was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// `POST /api/agents` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAgent {
    /// 1 to 64 characters.
    pub name: String,
    /// 1 to 64 characters.
    pub role: String,
    /// An `http(s)://` URL, or none.
    #[serde(default)]
    pub health_url: Option<String>,
    /// Its own health-check timeout, 100 to 60000 ms, or none for the server's default.
    #[serde(default)]
    pub health_timeout_ms: Option<u32>,
}

impl NewAgent {
    /// Checks the fields; `Err((field, message))` names the first bad one.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let text = |field: &'static str, value: &str| {
            let trimmed = value.trim();
            if trimmed.is_empty() || trimmed.chars().count() > 64 {
                Err((field, format!("{field} must be 1 to 64 characters")))
            } else {
                Ok(())
            }
        };
        text("name", &self.name)?;
        text("role", &self.role)?;
        if let Some(url) = &self.health_url {
            let ok = (url.starts_with("http://") || url.starts_with("https://"))
                && url.len() <= 2048
                && !url.contains(char::is_whitespace);
            if !ok {
                return Err((
                    "healthUrl",
                    "healthUrl must be an http:// or https:// URL".into(),
                ));
            }
        }
        if let Some(ms) = self.health_timeout_ms {
            if !(100..=60_000).contains(&ms) {
                return Err((
                    "healthTimeoutMs",
                    "healthTimeoutMs must be from 100 to 60000".into(),
                ));
            }
        }
        Ok(())
    }
}

/// `POST /api/agents` answer: the token is shown this once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registered {
    /// The agent's id.
    pub id: String,
    /// Its bearer token; only its digest is kept.
    pub token: String,
    /// The agent.
    pub agent: Agent,
}

/// What a health check on demand found (`POST /api/agents/health/check`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthRound {
    /// How long the round took, in milliseconds.
    pub duration_ms: u64,
    /// One health item per agent checked (also published on the `fleet` topic).
    pub results: Vec<crate::fleet::FleetItem>,
}

/// The answer to a token's revocation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revoked {
    /// Always true on success.
    pub success: bool,
    /// When the token stopped working, in milliseconds since the Unix epoch.
    pub revoked_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_map_to_what_people_read() {
        assert_eq!(role_label("pulse"), "Vitals");
        assert_eq!(role_label("navi"), "Project Status");
        assert_eq!(role_label("herald"), "Activity");
        assert_eq!(role_label("reviewer"), "reviewer");
    }

    #[test]
    fn registrations_are_checked_field_by_field() {
        let good = NewAgent {
            name: "pulse-1".into(),
            role: "pulse".into(),
            health_url: Some("http://127.0.0.1:9000/health".into()),
            health_timeout_ms: Some(2000),
        };
        assert_eq!(good.validate(), Ok(()));
        let blank = NewAgent {
            name: "  ".into(),
            ..good.clone()
        };
        assert_eq!(blank.validate().unwrap_err().0, "name");
        let bad_url = NewAgent {
            health_url: Some("ftp://x".into()),
            ..good.clone()
        };
        assert_eq!(bad_url.validate().unwrap_err().0, "healthUrl");
        let too_quick = NewAgent {
            health_url: None,
            health_timeout_ms: Some(5),
            ..bad_url
        };
        assert_eq!(too_quick.validate().unwrap_err().0, "healthTimeoutMs");
    }
}
