//! Theme model: the user's choice (light, dark or auto), how it travels in cookies and the
//! `Sec-CH-Prefers-Color-Scheme` client hint, and how it resolves to the scheme on screen.
//! The server resolves it before rendering, so the first HTML already carries the right class.

#[cfg(feature = "web")]
mod browser;
mod ui;

pub use ui::{use_theme_provider, Theme, ThemeToggle};

use serde::{Deserialize, Serialize};

/// Cookie holding the user's explicit choice: `light`, `dark` or `auto`.
pub const CHOICE_COOKIE: &str = "fd_theme";
/// Cookie holding the system scheme last seen by the browser, for rendering `auto` on the server.
pub const SYSTEM_COOKIE: &str = "fd_scheme";
/// The client hint Chromium sends once the server asks for it with `Accept-CH`.
pub const CLIENT_HINT: &str = "sec-ch-prefers-color-scheme";
/// How long the theme cookies live: one year.
pub const COOKIE_MAX_AGE_SECS: u32 = 365 * 24 * 60 * 60;

/// What the user picked in the top bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeChoice {
    /// Always light.
    Light,
    /// Always dark.
    Dark,
    /// Follow the operating system, live.
    #[default]
    Auto,
}

impl ThemeChoice {
    /// Parses a stored value; anything unknown is `None` so the caller falls back to the default.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "light" => Some(Self::Light),
            "dark" => Some(Self::Dark),
            "auto" => Some(Self::Auto),
            _ => None,
        }
    }

    /// The stored form, as accepted by [`ThemeChoice::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::Auto => "auto",
        }
    }

    /// The choice the toggle moves to next: light → dark → auto → light.
    pub fn next(self) -> Self {
        match self {
            Self::Light => Self::Dark,
            Self::Dark => Self::Auto,
            Self::Auto => Self::Light,
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Light => "Light",
            Self::Dark => "Dark",
            Self::Auto => "Auto",
        }
    }
}

/// The colour scheme actually on screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Dark text on light surfaces.
    #[default]
    Light,
    /// Light text on dark surfaces.
    Dark,
}

impl Scheme {
    /// Parses `light` / `dark`, with or without the quotes a structured client hint carries.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().trim_matches('"') {
            "light" => Some(Self::Light),
            "dark" => Some(Self::Dark),
            _ => None,
        }
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    /// The class Tailwind's `darkMode: 'class'` keys on.
    pub fn css_class(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

/// Everything needed to render the theme: the choice and what the system prefers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeSnapshot {
    /// The user's choice.
    pub choice: ThemeChoice,
    /// The system's preference as best known.
    pub system: Scheme,
}

impl ThemeSnapshot {
    /// The scheme to show.
    pub fn resolved(self) -> Scheme {
        match self.choice {
            ThemeChoice::Light => Scheme::Light,
            ThemeChoice::Dark => Scheme::Dark,
            ThemeChoice::Auto => self.system,
        }
    }

    /// Reads a request's `Cookie` header and `Sec-CH-Prefers-Color-Scheme` hint. The hint is the
    /// fresher source for the system scheme, so it wins over the remembered cookie.
    pub fn from_request(cookie_header: Option<&str>, client_hint: Option<&str>) -> Self {
        let cookies = cookie_header.unwrap_or_default();
        let choice = cookie_value(cookies, CHOICE_COOKIE)
            .and_then(ThemeChoice::parse)
            .unwrap_or_default();
        let system = client_hint
            .and_then(Scheme::parse)
            .or_else(|| cookie_value(cookies, SYSTEM_COOKIE).and_then(Scheme::parse))
            .unwrap_or_default();
        Self { choice, system }
    }
}

/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`); the first occurrence wins.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key.trim() == name).then(|| value.trim())
    })
}

/// A `document.cookie` assignment that keeps `name=value` for a year on the whole site.
pub fn cookie_assignment(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}; SameSite=Lax")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_round_trips_and_cycles_through_all_three() {
        for choice in [ThemeChoice::Light, ThemeChoice::Dark, ThemeChoice::Auto] {
            assert_eq!(ThemeChoice::parse(choice.as_str()), Some(choice));
        }
        let mut seen = vec![ThemeChoice::Light];
        for _ in 0..2 {
            seen.push(seen.last().unwrap().next());
        }
        assert_eq!(
            seen,
            [ThemeChoice::Light, ThemeChoice::Dark, ThemeChoice::Auto]
        );
        assert_eq!(ThemeChoice::Auto.next(), ThemeChoice::Light);
        assert_eq!(ThemeChoice::parse("purple"), None);
    }

    #[test]
    fn explicit_choice_beats_the_system() {
        let dark_system = Scheme::Dark;
        let light = ThemeSnapshot {
            choice: ThemeChoice::Light,
            system: dark_system,
        };
        assert_eq!(light.resolved(), Scheme::Light);
        let dark = ThemeSnapshot {
            choice: ThemeChoice::Dark,
            system: Scheme::Light,
        };
        assert_eq!(dark.resolved(), Scheme::Dark);
        let auto = ThemeSnapshot {
            choice: ThemeChoice::Auto,
            system: dark_system,
        };
        assert_eq!(auto.resolved(), Scheme::Dark);
    }

    #[test]
    fn no_cookies_and_no_hint_render_auto_light() {
        let snap = ThemeSnapshot::from_request(None, None);
        assert_eq!(
            snap,
            ThemeSnapshot {
                choice: ThemeChoice::Auto,
                system: Scheme::Light
            }
        );
    }

    #[test]
    fn cookies_are_found_among_others_with_spaces() {
        let header = "session=abc; fd_theme=dark ;other=1;fd_scheme=light";
        let snap = ThemeSnapshot::from_request(Some(header), None);
        assert_eq!(snap.choice, ThemeChoice::Dark);
        assert_eq!(snap.system, Scheme::Light);
        assert_eq!(snap.resolved(), Scheme::Dark);
    }

    #[test]
    fn client_hint_wins_over_the_remembered_system_scheme() {
        let snap = ThemeSnapshot::from_request(Some("fd_scheme=light"), Some("\"dark\""));
        assert_eq!(snap.system, Scheme::Dark);
        assert_eq!(snap.resolved(), Scheme::Dark);
    }

    #[test]
    fn garbage_values_fall_back_to_defaults() {
        let snap =
            ThemeSnapshot::from_request(Some("fd_theme=<script>; fd_scheme=42"), Some("sepia"));
        assert_eq!(snap, ThemeSnapshot::default());
    }

    #[test]
    fn a_cookie_name_that_only_ends_like_ours_is_not_ours() {
        assert_eq!(cookie_value("xfd_theme=dark", CHOICE_COOKIE), None);
        assert_eq!(cookie_value("fd_theme=dark", CHOICE_COOKIE), Some("dark"));
    }

    #[test]
    fn cookie_assignment_is_site_wide_and_long_lived() {
        let cookie = cookie_assignment(CHOICE_COOKIE, "dark");
        assert!(cookie.starts_with("fd_theme=dark;"));
        assert!(cookie.contains("Path=/"));
        assert!(cookie.contains("Max-Age=31536000"));
        assert!(cookie.contains("SameSite=Lax"));
    }
}
