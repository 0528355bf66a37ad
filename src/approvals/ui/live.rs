//! An approval list as loaded and kept current by live events ([`use_live_list`]), for the page
//! and the dashboard's widget both: an event that arrives while a load is on its way is applied to
//! that load's answer too, which may have been read before the event happened.

use super::{shared, stays, upsert, Approval, LiveEvent};
use crate::http::{use_answers, Api};
use dioxus::prelude::*;
use std::rc::Rc;

/// A live event as the list applies it: the approval, and whether it is a run's progress.
type Change = (Approval, bool);

/// The approvals `answer` loaded, kept current by the live events given to [`Self::apply`].
#[derive(Clone, Copy, PartialEq)]
pub(super) struct LiveList {
    pub answer: Api<Vec<Approval>>,
    /// The list as loaded, then kept current.
    pub list: Signal<Vec<Rc<Approval>>>,
    /// How many approvals the last answer held (a full answer says more may wait).
    pub loaded: Signal<usize>,
    /// The changes that arrived while a load was on its way, for its answer.
    late: CopyValue<Vec<Change>>,
    /// Whether decided approvals are shown too (`None`: never).
    show_all: Option<Memo<bool>>,
}

impl LiveList {
    /// Applies a live event to the list shown, and keeps it for the answer of a load under way.
    #[cfg_attr(not(feature = "web"), allow(dead_code))]
    pub fn apply(&self, event: LiveEvent) {
        let change = (event.approval, event.event == "run");
        if self.answer.loading() {
            let mut late = self.late;
            late.write().push(change.clone());
        }
        let mut list = self.list;
        apply(
            &mut list.write(),
            change,
            self.show_all.is_some_and(|all| all()),
        );
    }

    /// Loads the list again.
    pub fn reload(&self) {
        self.answer.reload();
    }
}

/// The list `answer` loads, shown by `show_all`'s filter (`None`: the pending ones, and runs).
pub(super) fn use_live_list(answer: Api<Vec<Approval>>, show_all: Option<Memo<bool>>) -> LiveList {
    let mut list = use_signal(Vec::new);
    let mut loaded = use_signal(|| 0);
    let mut late = use_hook(|| CopyValue::new(Vec::<Change>::new()));
    use_answers(answer, move |answer| {
        // Kept for this load only: after a failed one they would be older than the next answer.
        let changes = std::mem::take(&mut *late.write());
        if let Ok(items) = answer {
            let all = show_all.is_some_and(|all| *all.peek());
            loaded.set(items.len());
            list.set(answered(items, changes, all));
        }
    });
    LiveList {
        answer,
        list,
        loaded,
        late,
        show_all,
    }
}

/// A load's answer with the changes that arrived while it was on its way.
fn answered(items: Vec<Approval>, late: Vec<Change>, show_all: bool) -> Vec<Rc<Approval>> {
    let mut items = shared(items);
    for change in late {
        apply(&mut items, change, show_all);
    }
    items
}

/// A change in the list: updated or added if the filter shows it (or it is a run's progress),
/// else taken out.
fn apply(items: &mut Vec<Rc<Approval>>, (approval, run): Change, show_all: bool) {
    if stays(&approval, show_all) || run {
        upsert(items, approval);
    } else {
        items.retain(|a| a.id != approval.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::Status;

    fn approval(id: &str, status: Status) -> Approval {
        let mut approval: Approval = serde_json::from_value(serde_json::json!({
            "id": id, "agentId": "a1", "agentName": "codex", "tool": "shell",
            "arguments": {}, "reason": "", "risk": "low", "status": "pending", "createdAt": 0
        }))
        .expect("an approval");
        approval.status = status;
        approval
    }

    fn ids(items: &[Rc<Approval>]) -> Vec<&str> {
        items.iter().map(|a| a.id.as_str()).collect()
    }

    #[test]
    fn a_request_made_while_the_queue_loads_is_kept_though_the_answer_lacks_it() {
        let answer = vec![approval("a1", Status::Pending)];
        let late = vec![(approval("a2", Status::Pending), false)];
        assert_eq!(ids(&answered(answer, late, false)), ["a1", "a2"]);
    }

    #[test]
    fn a_decision_made_while_the_queue_loads_takes_its_approval_out_of_the_answer() {
        let answer = vec![
            approval("a1", Status::Pending),
            approval("a2", Status::Pending),
        ];
        let late = vec![(approval("a1", Status::Approved), false)];
        assert_eq!(ids(&answered(answer.clone(), late.clone(), false)), ["a2"]);
        // Shown with the decided ones, it stays, decided, after the pending one.
        let all = answered(answer, late, true);
        assert_eq!(ids(&all), ["a2", "a1"]);
        assert_eq!(all[1].status, Status::Approved);
    }
}
