//! `/audit` — the audit log page: entries newest first, filtered by days, user, action, resource
//! type and free text (the filters are kept in the dashboard state, so they come back after a
//! reload and on other devices); pages by cursor; each entry's before and after as a diff; the
//! current filter exported as CSV; and whether the workspace's hash chain is intact.
//!
//! The page is put together here from its parts: the saved filter and the page shown
//! (`browse`), the filters and the CSV export, the list of entries and its pager, one entry
//! with its diff (`row`), and the hash chain's status (`chain`).

mod browse;
mod chain;
mod filters;
mod list;
mod row;

use self::browse::{use_browse, use_entries};
use self::chain::ChainStatus;
use self::filters::Filters;
use self::list::Entries;
use super::{AuditEntry, AuditPage};
use crate::http::use_api;
use crate::pages::PageHeader;
use dioxus::prelude::*;
use std::rc::Rc;

/// Entries per page.
const PAGE: usize = 50;

const FIELD: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900";

/// A page as the list shows it: each entry shared with its row, so a render of the page clones
/// pointers, and a row whose entry is the same `Rc` is not rendered again.
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    entries: Vec<Rc<AuditEntry>>,
    next_cursor: Option<String>,
}

impl From<AuditPage> for Shown {
    fn from(page: AuditPage) -> Self {
        Self {
            entries: page.entries.into_iter().map(Rc::new).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// `/audit`.
#[component]
pub fn Audit() -> Element {
    let browse = use_browse();
    let (entries, shown) = use_entries(browse)?;
    let facets = use_api(crate::audit::server_fns::load::facets)?;
    // One handler for the page's life: a new closure per render would make every row's props
    // unequal (handlers compare by pointer) and render all of them again.
    let mut open = browse.open;
    let on_toggle = use_callback(move |id: String| {
        let next = if open.peek().as_deref() == Some(id.as_str()) {
            None
        } else {
            Some(id)
        };
        open.set(next);
    });
    rsx! {
        PageHeader {
            title: "Audit log",
            summary: "Who did what, when: every sign-in, decision and change, append-only and hash-chained.",
        }
        ChainStatus {}
        Filters { browse, facets }
        Entries {
            browse,
            entries,
            shown,
            on_toggle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditFacets, ChainReport};

    #[test]
    fn the_answers_read_back_as_the_models_the_server_writes() {
        // What the page decodes is what the server's handlers serialise (through the text, as
        // the browser gets it).
        fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
            serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
        }
        let page = AuditPage {
            entries: vec![AuditEntry {
                id: "e1".into(),
                timestamp: 42,
                workspace_id: Some("w".into()),
                user_id: None,
                agent_id: Some("a".into()),
                action: "approval.request".into(),
                resource_type: "approval".into(),
                resource_id: Some("ap".into()),
                before_state: None,
                after_state: Some(serde_json::json!({"tool": "deploy"})),
                metadata: serde_json::json!({"reason": "r"}),
                hash: Some("h".into()),
                user_email: None,
            }],
            next_cursor: Some("42.7".into()),
        };
        assert_eq!(round_trip(&page), page);
        assert_eq!(Shown::from(round_trip(&page)).entries[0].id, "e1");
        let facets = AuditFacets {
            actions: vec!["a".into()],
            resource_types: vec!["t".into()],
            users: vec![super::super::FacetUser {
                id: "u".into(),
                email: "e@x".into(),
            }],
        };
        assert_eq!(round_trip(&facets), facets);
        let chain = ChainReport {
            intact: false,
            entries: 9,
            broken_at: Some("e3".into()),
            problem: Some("p".into()),
            kind: Some(crate::audit::BreakKind::OldestRemoved),
        };
        assert_eq!(round_trip(&chain), chain);
    }
}
