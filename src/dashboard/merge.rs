//! Reconciling this browser's copy of the dashboard with the server's, on sign-in and when a save
//! is refused as stale. The revision says whose copy is newer; at equal revisions (both edited
//! since they last agreed) each top-level section keeps whichever side changed it last.

use super::DashboardState;

/// What to do with two copies.
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// The state to show and keep locally.
    pub state: DashboardState,
    /// Whether the server must be sent it.
    pub push: bool,
}

/// On sign-in: server newer → restore it; local newer → push it; same revision → merge by section.
/// With no server copy the local one is pushed; with neither, nothing is planned.
pub fn on_sign_in(local: Option<DashboardState>, server: Option<DashboardState>) -> Option<Plan> {
    match (local, server) {
        (None, None) => None,
        (Some(local), None) => Some(Plan {
            state: local,
            push: true,
        }),
        (None, Some(server)) => Some(Plan {
            state: server,
            push: false,
        }),
        (Some(local), Some(server)) => Some(if server.revision > local.revision {
            Plan {
                state: server,
                push: false,
            }
        } else if local.revision > server.revision {
            Plan {
                state: local,
                push: true,
            }
        } else {
            let merged = merge_sections(&local, &server);
            let push = merged != server;
            Plan {
                state: merged,
                push,
            }
        }),
    }
}

/// Each top-level section from whichever copy changed it last (the server's on a tie), on top of
/// the server's revision, so that a save of the result is not stale.
pub fn merge_sections(local: &DashboardState, server: &DashboardState) -> DashboardState {
    let mut merged = server.clone();
    let (ours, theirs) = (&local.section_times, &server.section_times);
    if ours.widgets > theirs.widgets {
        merged.widgets = local.widgets.clone();
        merged.section_times.widgets = ours.widgets;
    }
    if ours.preferences > theirs.preferences {
        merged.preferences = local.preferences.clone();
        merged.section_times.preferences = ours.preferences;
    }
    if ours.filters > theirs.filters {
        merged.filters = local.filters.clone();
        merged.section_times.filters = ours.filters;
    }
    merged.updated_at = local.updated_at.max(server.updated_at);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::tests::any_state;
    use crate::dashboard::{Density, Section};
    use proptest::prelude::*;

    fn at_revision(revision: u64) -> DashboardState {
        DashboardState {
            revision,
            ..DashboardState::default()
        }
    }

    #[test]
    fn the_newer_revision_wins_on_sign_in() {
        let mut server = at_revision(5);
        server.touch(Section::Preferences, 10);
        let local = at_revision(3);
        let plan = on_sign_in(Some(local.clone()), Some(server.clone())).unwrap();
        assert_eq!(
            plan,
            Plan {
                state: server.clone(),
                push: false
            }
        );
        let plan = on_sign_in(Some(at_revision(9)), Some(server)).unwrap();
        assert_eq!(plan.state.revision, 9);
        assert!(plan.push);
    }

    #[test]
    fn a_missing_copy_is_filled_from_the_other() {
        assert_eq!(on_sign_in(None, None), None);
        assert!(on_sign_in(Some(at_revision(0)), None).unwrap().push);
        assert!(!on_sign_in(None, Some(at_revision(2))).unwrap().push);
    }

    #[test]
    fn at_equal_revisions_each_section_keeps_its_latest_change() {
        let base = at_revision(4);
        let mut local = base.clone();
        local.preferences.density = Density::Compact;
        local.touch(Section::Preferences, 200);
        let mut server = base.clone();
        server.widgets.remove("w1");
        server.touch(Section::Widgets, 100);

        let plan = on_sign_in(Some(local), Some(server)).unwrap();
        assert!(
            plan.push,
            "the local preference change must reach the server"
        );
        assert_eq!(plan.state.preferences.density, Density::Compact);
        assert!(
            !plan.state.widgets.contains_key("w1"),
            "the server's widget change is kept"
        );
        assert_eq!(plan.state.updated_at, 200);
        assert_eq!(plan.state.revision, 4);
    }

    #[test]
    fn equal_copies_need_no_push() {
        let plan = on_sign_in(Some(at_revision(2)), Some(at_revision(2))).unwrap();
        assert!(!plan.push);
    }

    proptest! {
        #[test]
        fn merging_keeps_the_server_revision_and_every_newest_section(a in any_state(), b in any_state()) {
            let merged = merge_sections(&a, &b);
            prop_assert_eq!(merged.revision, b.revision);
            let newest = |x: i64, y: i64| x.max(y);
            prop_assert_eq!(merged.section_times.widgets, newest(a.section_times.widgets, b.section_times.widgets));
            prop_assert_eq!(merged.section_times.filters, newest(a.section_times.filters, b.section_times.filters));
            let widgets_from = if a.section_times.widgets > b.section_times.widgets { &a } else { &b };
            prop_assert_eq!(&merged.widgets, &widgets_from.widgets);
            // Merging a copy with itself changes nothing.
            prop_assert_eq!(merge_sections(&b, &b), b);
        }
    }
}
