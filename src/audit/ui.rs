//! `/audit` — the audit log page.

use crate::pages::PageHeader;
use dioxus::prelude::*;

/// `/audit`.
#[component]
pub fn Audit() -> Element {
    rsx! {
        PageHeader {
            title: "Audit log",
            summary: "Who did what, when: every sign-in, decision and change, append-only and hash-chained.",
        }
    }
}
