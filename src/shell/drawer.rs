//! The phone drawer's state: whether it is open, and where keyboard focus goes as it opens (its
//! close button) and closes (back to the menu button that opened it).

use dioxus::prelude::*;
use std::cell::Cell;
use std::rc::Rc;

/// Shared by the top bar (opens it), the sidebar (is it) and the layout (closes it on Escape).
#[derive(Clone, Copy, PartialEq)]
pub struct Drawer {
    /// Whether the drawer is showing.
    pub is_open: Signal<bool>,
    /// The menu button, focused again when the drawer closes.
    pub opener: Signal<Option<Rc<MountedData>>>,
    /// The drawer's close button, focused when it opens.
    pub first: Signal<Option<Rc<MountedData>>>,
    /// Whether the coming close returns focus to the menu button.
    restore_focus: Signal<bool>,
}

impl Drawer {
    /// A closed drawer that moves focus once the DOM shows the change (a hidden element cannot
    /// take focus, so this cannot happen in the click handler itself).
    pub fn use_new() -> Self {
        let drawer = Self {
            is_open: use_signal(|| false),
            opener: use_signal(|| None),
            first: use_signal(|| None),
            restore_focus: use_signal(|| false),
        };
        let was_open = use_hook(|| Rc::new(Cell::new(false)));
        use_effect(move || {
            let open = (drawer.is_open)();
            if open == was_open.replace(open) {
                return;
            }
            if open {
                focus(drawer.first);
            } else if *drawer.restore_focus.peek() {
                focus(drawer.opener);
            }
        });
        drawer
    }

    /// Opens it; focus moves to its close button.
    pub fn open(mut self) {
        self.is_open.set(true);
    }

    /// Closes it; `restore_focus` returns focus to the menu button (not after a navigation).
    pub fn close(mut self, restore_focus: bool) {
        if *self.is_open.peek() {
            self.restore_focus.set(restore_focus);
            self.is_open.set(false);
        }
    }
}

fn focus(target: Signal<Option<Rc<MountedData>>>) {
    if let Some(element) = target.peek().clone() {
        spawn(async move {
            let _ = element.set_focus(true).await;
        });
    }
}
