//! The audit page's state: its filter, kept per user in the dashboard state, the pages walked
//! through, the search as typed and the entry whose changes are open ([`use_browse`]); and the
//! page of entries shown, loaded for them ([`use_entries`]).

use super::{Shown, PAGE};
use crate::audit::server_fns::load;
use crate::audit::{AuditFilter, AuditPage, Params};
use crate::dashboard::provider::use_saved_filter;
use crate::dashboard::SavedFilter;
use crate::http::{use_api, Api, Loaded, QueryParams};
use crate::settings::locale::use_timezone;
use dioxus::prelude::*;

/// The page's saved filter as the API's.
fn to_filter(saved: &SavedFilter) -> AuditFilter {
    let value = |key: &str| saved.values.get(key).cloned().unwrap_or_default();
    AuditFilter {
        user_id: value("user_id"),
        resource_type: value("resource_type"),
        action: value("action"),
        date_from: value("date_from"),
        date_to: value("date_to"),
        q: saved.search.clone(),
    }
}

/// What the page shows: the saved filter, the pages walked through, the search as typed and the
/// entry whose changes are open.
#[derive(Clone, Copy, PartialEq)]
pub(super) struct Browse {
    pub saved: Signal<SavedFilter>,
    pub filter: Memo<AuditFilter>,
    /// The cursors of the pages walked through: the last is the page shown (`None`: the newest).
    pub pages: Signal<Vec<Option<String>>>,
    /// The search as typed (applied when submitted).
    pub draft: Signal<String>,
    pub open: Signal<Option<String>>,
}

impl Browse {
    /// Sets one of the saved filter's values (empty: any).
    pub fn set(self, key: &'static str, value: String) {
        let mut saved = self.saved;
        saved.with_mut(|saved| saved.set(key, value));
    }

    /// One of the saved filter's values (empty: any).
    pub fn value(self, key: &str) -> String {
        self.saved.read().value(key)
    }
}

/// The page's filter (kept per user in the dashboard state) and where it stands.
pub(super) fn use_browse() -> Browse {
    let saved = use_saved_filter("audit");
    let filter = use_memo(move || to_filter(&saved()));
    let mut pages = use_signal(|| vec![None::<String>]);
    let mut draft = use_signal(String::new);
    let mut open = use_signal(|| None::<String>);
    // A new filter starts again from the newest entries, with the search box showing it.
    use_effect(move || {
        let current = filter();
        if pages.peek().len() != 1 || pages.peek()[0].is_some() {
            pages.set(vec![None]);
        }
        if *draft.peek() != current.q {
            draft.set(current.q.clone());
        }
        if open.peek().is_some() {
            open.set(None);
        }
    });
    Browse {
        saved,
        filter,
        pages,
        draft,
        open,
    }
}

/// The page shown: loaded again whenever the filter, the page or the zone changes (an answer
/// to an older request is dropped), each entry shared with its row.
pub(super) fn use_entries(
    browse: Browse,
) -> Result<(Api<AuditPage>, Memo<Loaded<Shown>>), RenderError> {
    let Browse { filter, pages, .. } = browse;
    let zone = use_timezone();
    let entries = use_api(move || {
        load::page(QueryParams(Params {
            limit: Some(PAGE.to_string()),
            cursor: pages().last().cloned().flatten(),
            ..filter().params(&zone())
        }))
    })?;
    let shown = use_memo(move || entries.get().map(Shown::from));
    Ok((entries, shown))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_saved_filter_maps_to_the_api_filter() {
        let saved = SavedFilter {
            search: "run-7".into(),
            values: BTreeMap::from([
                ("action".into(), "approval.decide".into()),
                ("date_from".into(), "2026-11-01".into()),
            ]),
        };
        let filter = to_filter(&saved);
        assert_eq!(filter.q, "run-7");
        assert_eq!(filter.action, "approval.decide");
        assert_eq!(filter.date_from, "2026-11-01");
        assert!(filter.user_id.is_empty() && filter.date_to.is_empty());
    }
}
