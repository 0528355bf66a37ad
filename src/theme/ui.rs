//! The theme in the UI: a context every component can read, the live follower of the system
//! scheme, and the top-bar toggle.

use super::{Scheme, ThemeChoice, ThemeSnapshot};
use crate::icons::{Glyph, Icon};
use dioxus::prelude::*;

/// The theme context: the user's choice and the system's scheme, both reactive.
#[derive(Clone, Copy, PartialEq)]
pub struct Theme {
    /// What the user picked.
    pub choice: Signal<ThemeChoice>,
    /// What the operating system prefers, kept live in the browser.
    pub system: Signal<Scheme>,
}

impl Theme {
    /// The scheme to show now.
    pub fn scheme(&self) -> Scheme {
        ThemeSnapshot {
            choice: (self.choice)(),
            system: (self.system)(),
        }
        .resolved()
    }

    /// Applies a new choice at once and persists it.
    pub fn choose(&mut self, choice: ThemeChoice) {
        self.choice.set(choice);
        #[cfg(feature = "web")]
        super::browser::remember_choice(choice);
    }
}

/// Provides the [`Theme`] context from what the request said (on the server) or what hydration
/// carried (in the browser), then follows the system scheme live once hydrated. Call it from the
/// root component only: the browser listener it registers is never removed.
pub fn use_theme_provider() -> Theme {
    let initial = use_server_cached(initial_snapshot);
    let choice = use_signal(|| initial.choice);
    let system = use_signal(|| initial.system);
    use_effect(move || follow_system(system));
    let theme = use_context_provider(|| Theme { choice, system });
    // Re-runs whenever the scheme changes: <html> carries it too, for the page behind the app.
    use_effect(move || mark_document(theme.scheme()));
    theme
}

fn initial_snapshot() -> ThemeSnapshot {
    #[cfg(feature = "server")]
    if let Some(context) = dioxus::fullstack::FullstackContext::current() {
        let parts = context.parts_mut();
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
        };
        return ThemeSnapshot::from_request(header("cookie"), header(super::CLIENT_HINT));
    }
    #[cfg(feature = "web")]
    return super::browser::snapshot();
    #[allow(unreachable_code)]
    ThemeSnapshot::default()
}

#[cfg(feature = "web")]
fn follow_system(mut system: Signal<Scheme>) {
    super::browser::follow_system(move |scheme| system.set(scheme));
}

#[cfg(not(feature = "web"))]
fn follow_system(_system: Signal<Scheme>) {}

#[cfg(feature = "web")]
fn mark_document(scheme: Scheme) {
    super::browser::mark_document(scheme);
}

#[cfg(not(feature = "web"))]
fn mark_document(_scheme: Scheme) {}

/// Top-bar button cycling light → dark → auto; the change applies instantly and persists.
#[component]
pub fn ThemeToggle(
    /// Called with each new choice, after it is applied.
    on_change: Option<EventHandler<ThemeChoice>>,
) -> Element {
    let mut theme = use_context::<Theme>();
    let choice = (theme.choice)();
    let next = choice.next();
    let glyph = match choice {
        ThemeChoice::Light => Glyph::Sun,
        ThemeChoice::Dark => Glyph::Moon,
        ThemeChoice::Auto => Glyph::Monitor,
    };
    rsx! {
        button {
            id: "theme-toggle",
            r#type: "button",
            class: "inline-flex items-center gap-2 rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 dark:text-slate-200 dark:hover:bg-slate-800",
            title: "Theme: {choice.label()}. Switch to {next.label()}.",
            aria_label: "Theme: {choice.label()}. Switch to {next.label()}.",
            "data-choice": choice.as_str(),
            onclick: move |_| {
                theme.choose(next);
                if let Some(handler) = on_change {
                    handler.call(next);
                }
            },
            Icon { glyph, class: "h-5 w-5" }
            span { class: "hidden sm:inline", "{choice.label()}" }
        }
    }
}
