//! Settings, in two scopes: each user's own (refresh, notifications, look, language, time zone,
//! analytics consent) and the workspace's shared ones (exports, beta features), which only roles
//! that may change shared things can edit. Shared by the server (validation, storage) and the
//! settings page. Fields missing from a stored or sent document take their defaults.

#[cfg(feature = "server")]
pub mod api;
pub mod locale;
pub mod saves;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod store;
mod ui;

pub use ui::SettingsPage;

use crate::theme::ThemeChoice;
use serde::{Deserialize, Serialize};

/// Auto-refresh bounds, in seconds.
pub const REFRESH_RANGE: std::ops::RangeInclusive<u32> = 5..=3600;

/// One user's settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct UserSettings {
    /// Refresh and notifications.
    pub system: SystemSettings,
    /// Look and locale.
    pub ui: UiSettings,
    /// Consent and the like.
    pub advanced: UserAdvanced,
    /// Keyboard shortcuts the user moved: action id (`go.audit`) → keys (`g l`); the others
    /// keep their defaults.
    pub shortcuts: std::collections::BTreeMap<String, String>,
}

/// Refresh and notifications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SystemSettings {
    /// How often widgets without a live feed reload, in seconds ([`REFRESH_RANGE`]).
    pub auto_refresh_seconds: u32,
    /// Which notifications to show.
    pub notifications: Notifications,
}

impl Default for SystemSettings {
    fn default() -> Self {
        Self {
            auto_refresh_seconds: 30,
            notifications: Notifications::default(),
        }
    }
}

/// Notifications, on or off as a whole and per type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Notifications {
    /// All of them.
    pub enabled: bool,
    /// A tool run waits for approval.
    pub tool_approval: bool,
    /// An agent goes up, down or degraded.
    pub agent_state_change: bool,
    /// A system alert is raised.
    pub system_alert: bool,
}

impl Default for Notifications {
    fn default() -> Self {
        Self {
            enabled: true,
            tool_approval: true,
            agent_state_change: true,
            system_alert: true,
        }
    }
}

/// Look and locale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct UiSettings {
    /// Light, dark or follow the system.
    pub theme: ThemeChoice,
    /// Interface language.
    pub language: Language,
    /// IANA time zone for times shown (`UTC`, `Europe/Berlin`).
    pub timezone: String,
}

impl Default for UiSettings {
    fn default() -> Self {
        Self {
            theme: ThemeChoice::Auto,
            language: Language::En,
            timezone: "UTC".into(),
        }
    }
}

/// Interface languages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    #[default]
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
    /// Japanese.
    Ja,
}

impl Language {
    /// Every language, with its own name.
    pub const ALL: [(Language, &'static str); 5] = [
        (Language::En, "English"),
        (Language::De, "Deutsch"),
        (Language::Fr, "Français"),
        (Language::Es, "Español"),
        (Language::Ja, "日本語"),
    ];

    /// The BCP 47 code (`lang` attribute).
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
            Language::Fr => "fr",
            Language::Es => "es",
            Language::Ja => "ja",
        }
    }

    /// Reads a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .map(|(lang, _)| lang)
            .find(|lang| lang.code() == code)
    }
}

/// A user's advanced settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct UserAdvanced {
    /// Whether usage analytics may include this user's actions.
    pub analytics_consent: bool,
}

/// The workspace's shared settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct WorkspaceSettings {
    /// Exports of the audit log and analytics.
    pub export: ExportSettings,
    /// Human-in-the-loop approvals.
    pub approvals: ApprovalSettings,
    /// Feature switches.
    pub advanced: WorkspaceAdvanced,
}

/// Approvals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ApprovalSettings {
    /// What an approval that nobody decided before its deadline means for the agent.
    pub on_expiry: ExpiryOutcome,
}

/// What expiry means.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExpiryOutcome {
    /// The tool may not run (the safe default).
    #[default]
    Deny,
    /// The tool may run: silence is consent.
    Allow,
}

/// Exports.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ExportSettings {
    /// The format offered first.
    pub default_format: ExportFormat,
    /// Whether exports are written on a schedule.
    pub auto_export: bool,
    /// How often, when they are.
    pub schedule: ExportSchedule,
}

/// Export formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Comma-separated values.
    #[default]
    Csv,
    /// JSON.
    Json,
}

/// Export schedules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportSchedule {
    /// Every day.
    Daily,
    /// Every week.
    #[default]
    Weekly,
}

/// The workspace's feature switches.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct WorkspaceAdvanced {
    /// Features not yet finished.
    pub beta_features: bool,
}

/// `GET /api/settings`: both scopes and whether the user may change the shared one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllSettings {
    /// The user's own.
    pub user: UserSettings,
    /// The workspace's.
    pub workspace: WorkspaceSettings,
    /// Whether the user's role may change the workspace's.
    pub can_change_workspace: bool,
}

/// A value out of range, naming its field.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SettingsError {
    /// The JSON path of the field.
    pub field: &'static str,
    /// What it accepts.
    pub message: String,
}

impl UserSettings {
    /// Checks what the types cannot: ranges and the time zone's shape.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !REFRESH_RANGE.contains(&self.system.auto_refresh_seconds) {
            return Err(SettingsError {
                field: "system.autoRefreshSeconds",
                message: format!(
                    "must be from {} to {} seconds",
                    REFRESH_RANGE.start(),
                    REFRESH_RANGE.end()
                ),
            });
        }
        if !is_timezone_name(&self.ui.timezone) {
            return Err(SettingsError {
                field: "ui.timezone",
                message: "must be an IANA time zone such as UTC or Europe/Berlin".into(),
            });
        }
        crate::shortcuts::check(&self.shortcuts).map_err(|err| SettingsError {
            field: "shortcuts",
            message: err.to_string(),
        })
    }
}

/// `UTC`, or `Area/Location[/Sub]` in the IANA database's alphabet.
fn is_timezone_name(name: &str) -> bool {
    if name == "UTC" {
        return true;
    }
    let parts: Vec<&str> = name.split('/').collect();
    (2..=3).contains(&parts.len())
        && name.len() <= 64
        && parts.iter().all(|part| {
            !part.is_empty()
                && part.starts_with(|c: char| c.is_ascii_uppercase())
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c))
        })
}

/// Time zones offered by the settings page (any valid IANA name is accepted through the API).
pub const TIMEZONES: [&str; 16] = [
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones_and_valid() {
        let user = UserSettings::default();
        assert_eq!(user.system.auto_refresh_seconds, 30);
        assert!(user.system.notifications.enabled && user.system.notifications.tool_approval);
        assert_eq!(user.ui.theme, ThemeChoice::Auto);
        assert_eq!(user.ui.timezone, "UTC");
        assert!(!user.advanced.analytics_consent);
        assert_eq!(user.validate(), Ok(()));
        let shared = WorkspaceSettings::default();
        assert_eq!(shared.export.default_format, ExportFormat::Csv);
        assert_eq!(shared.export.schedule, ExportSchedule::Weekly);
        assert!(!shared.export.auto_export && !shared.advanced.beta_features);
    }

    #[test]
    fn out_of_range_values_name_their_field() {
        let mut user = UserSettings::default();
        user.system.auto_refresh_seconds = 1;
        assert_eq!(
            user.validate().unwrap_err().field,
            "system.autoRefreshSeconds"
        );
        let mut user = UserSettings::default();
        for bad in [
            "",
            "utc",
            "Europe",
            "Europe/",
            "../etc/passwd",
            "Europe/Ber lin",
        ] {
            user.ui.timezone = bad.into();
            assert_eq!(user.validate().unwrap_err().field, "ui.timezone", "{bad:?}");
        }
        for good in TIMEZONES
            .iter()
            .chain(&["America/Argentina/Buenos_Aires", "Etc/GMT+5"])
        {
            user.ui.timezone = good.to_string();
            assert_eq!(user.validate(), Ok(()), "{good}");
        }
    }

    #[test]
    fn missing_fields_take_defaults_and_unknown_ones_are_refused() {
        let user: UserSettings = serde_json::from_str(r#"{"ui": {"language": "de"}}"#).unwrap();
        assert_eq!(user.ui.language, Language::De);
        assert_eq!(user.system, SystemSettings::default());
        assert!(serde_json::from_str::<UserSettings>(r#"{"ui": {"colour": "red"}}"#).is_err());
        assert!(serde_json::from_str::<WorkspaceSettings>(
            r#"{"export": {"defaultFormat": "xml"}}"#
        )
        .is_err());
    }
}
