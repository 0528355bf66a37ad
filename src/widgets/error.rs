//! The `ErrorWidget`: what a widget shows when its data failed to load. Its retry reloads the
//! data, spins while it runs, counts the attempts ("Attempt 2 of 3") and gives up after the
//! widget's `maxRetries`; a success clears the error (the widget then shows its data).

use super::feed::Feed;
use super::{Retry, RetryState};
use crate::fleet::Kind;
use dioxus::prelude::*;

use crate::ui::BUTTON_SMALL as BUTTON;

/// What a failed widget's retry reloads.
#[derive(Clone, Copy, PartialEq)]
pub enum Source {
    /// One kind of fleet data, into this feed.
    Fleet(Feed, Kind),
    /// A request that always fails (the gallery's error examples).
    Broken,
}

impl Source {
    /// Loads again; whether it worked.
    async fn reload(self) -> bool {
        match self {
            Source::Fleet(feed, kind) => feed.fetch(kind).await,
            // A kind the server does not know: always 404.
            Source::Broken => crate::fleet::server_fns::load::of_kind("nope".into())
                .json()
                .fetch()
                .await
                .is_ok(),
        }
    }
}

/// A widget whose data failed to load: the reason, and a retry that counts its attempts (at
/// most `max_retries`), spins while it runs, and gives up with a final message. `retry_state`
/// starts it elsewhere than idle (the gallery's retrying and gave-up examples).
#[component]
pub fn ErrorWidget(
    error: String,
    max_retries: u32,
    source: Source,
    #[props(default)] retry_state: Option<RetryState>,
) -> Element {
    let mut retry = use_signal(|| Retry {
        state: retry_state.unwrap_or(RetryState::Idle),
        ..Retry::new(max_retries)
    });
    let current = retry();
    let on_retry = move |_| {
        if retry.write().start() {
            spawn(async move {
                let ok = source.reload().await;
                retry.write().finish(ok);
            });
        }
    };
    // The attempt shown: the one under way, else the last one made.
    let (state, busy, shown) = match current.state {
        RetryState::Idle => ("error", false, 0),
        RetryState::Retrying { attempt } => ("retrying", true, attempt),
        RetryState::Failed { attempts } => ("error", false, attempts),
        RetryState::GaveUp { attempts } => ("gave-up", false, attempts),
    };
    rsx! {
        div {
            class: "widget-error mt-3 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200",
            role: "alert",
            "data-state": state,
            "data-attempts": "{current.attempts()}",
            p { "This widget's data could not be loaded: {error}" }
            if shown > 0 {
                p { class: "retry-count mt-1", "Attempt {shown} of {current.max}" }
            }
            if state == "gave-up" {
                p { class: "gave-up mt-2 font-medium",
                    "Gave up after {shown} attempts. Reload the page to try again later."
                }
            } else {
                button {
                    class: "retry mt-2 inline-flex items-center gap-2 {BUTTON}",
                    r#type: "button",
                    disabled: busy,
                    onclick: on_retry,
                    if busy {
                        span {
                            class: "spinner h-3 w-3 animate-spin rounded-full border-2 border-current border-t-transparent",
                            aria_hidden: "true",
                        }
                        "Retrying…"
                    } else {
                        "Retry"
                    }
                }
            }
        }
    }
}
