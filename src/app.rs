//! The app root: the one `Route` enum, the stylesheet, and the theme class every page renders under.

use crate::agents::ui::Agents;
use crate::analytics::ui::Analytics;
use crate::approvals::ui::Approvals;
use crate::audit::ui::Audit;
use crate::auth::{Invite, Login, Setup};
use crate::dashboard::Dashboard;
use crate::pages::NotFound;
use crate::policies::ui::Policies;
use crate::settings::SettingsPage;
use crate::shell::{use_online_provider, Shell};
use crate::theme::use_theme_provider;
use crate::widgets::gallery::Gallery;
use dioxus::prelude::*;

/// The stylesheet Tailwind compiles from `assets/tailwind.css` (scripts/build-css.sh).
const STYLESHEET: Asset = asset!("/assets/app.css");
/// The favicon, served under a content hash like every `asset!()`.
const FAVICON: Asset = asset!("/assets/icon.svg");

/// Every page of Flightdeck. The server renders any of them; the browser then navigates between
/// them without reloading.
#[derive(Clone, Debug, PartialEq, Routable)]
#[rustfmt::skip]
pub enum Route {
    #[layout(Shell)]
        /// The widget dashboard.
        #[route("/")]
        Dashboard {},
        /// Human-in-the-loop approvals of agents' tool runs.
        #[route("/approvals")]
        Approvals {},
        /// The MCP gateway's policy: which tool calls are allowed, asked about or denied.
        #[route("/policies")]
        Policies {},
        /// The agent registry, health mesh and MCP servers.
        #[route("/agents")]
        Agents {},
        /// The append-only audit log.
        #[route("/audit")]
        Audit {},
        /// Usage analytics.
        #[route("/analytics")]
        Analytics {},
        /// User and workspace settings.
        #[route("/settings", SettingsPage)]
        Settings {},
        /// Every widget in every state (the storybook).
        #[route("/gallery")]
        Gallery {},
    #[end_layout]
    /// Sign in.
    #[route("/login")]
    Login {},
    /// The first admin's single-use setup link (printed in the server log of an empty store).
    #[route("/setup/:token")]
    Setup { token: String },
    /// An invitation link.
    #[route("/invite/:token")]
    Invite { token: String },
    /// Anything else: a 404 page.
    #[route("/:..segments")]
    NotFound { segments: Vec<String> },
}

/// The root component: provides the theme and the online status, and renders the router inside
/// the themed root. (Browser listeners belong here: the root never unmounts.)
#[component]
pub fn App() -> Element {
    let theme = use_theme_provider();
    use_online_provider();
    // Flips once the browser has hydrated the server's HTML; tests and styles can key on it.
    let mut hydrated = use_signal(|| false);
    use_effect(move || hydrated.set(true));

    rsx! {
        document::Stylesheet { href: STYLESHEET }
        document::Link { rel: "icon", href: FAVICON, r#type: "image/svg+xml" }
        div {
            id: "app",
            class: "{theme.scheme().css_class()}",
            "data-theme": "{(theme.choice)().as_str()}",
            "data-hydrated": "{hydrated}",
            div { class: "min-h-screen bg-slate-50 text-slate-900 dark:bg-slate-950 dark:text-slate-100",
                // The server renders a page once its data is loaded (`http::use_api`): the shell's
                // session waits here, a page's own data in the shell's boundary.
                SuspenseBoundary { fallback: |_| rsx! {}, Router::<Route> {} }
            }
        }
    }
}
