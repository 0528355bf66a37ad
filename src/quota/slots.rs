//! Places held open at once per key (a user's sockets, an agent token's streams): a [`Slot`] is
//! taken when there is room and gives its place back when dropped, however its holder ends.
//! Only keys with something open are kept, so the map never outgrows what is open.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Open places by key; cheap to clone (clones share the counts).
#[derive(Clone, Debug, Default)]
pub struct Slots {
    open: Arc<Mutex<HashMap<String, usize>>>,
}

impl Slots {
    /// A place for `key` when fewer than `max` are open; `None` when it is full.
    pub fn take(&self, key: &str, max: usize) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(key.to_owned()).or_default();
        if *count >= max {
            if *count == 0 {
                open.remove(key);
            }
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: self.clone(),
            key: key.to_owned(),
        })
    }

    /// How many places `key` holds now.
    pub fn open(&self, key: &str) -> usize {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(key).copied().unwrap_or(0)
    }

    /// How many keys hold a place now.
    pub fn keys(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// One open place; dropping it frees the place.
#[derive(Debug)]
pub struct Slot {
    slots: Slots,
    key: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_holds_at_most_max_and_dropping_frees_a_place() {
        let slots = Slots::default();
        let first = slots.take("u1", 2).unwrap();
        let second = slots.take("u1", 2).unwrap();
        assert!(slots.take("u1", 2).is_none(), "a third is refused");
        assert!(slots.take("u2", 2).is_some(), "other keys are apart");
        drop(first);
        assert_eq!(slots.open("u1"), 1);
        let third = slots.take("u1", 2).unwrap();
        drop((second, third));
        assert_eq!(slots.open("u1"), 0);
        assert_eq!(
            slots.keys(),
            0,
            "nothing is kept for keys with nothing open"
        );
    }

    #[test]
    fn a_refusal_leaves_nothing_behind() {
        let slots = Slots::default();
        assert!(slots.take("u", 0).is_none());
        assert_eq!(slots.keys(), 0);
    }
}
