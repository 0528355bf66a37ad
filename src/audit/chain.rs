//! The audit log's hash chain: an entry's hash covers the previous entry's hash and every stored
//! column of its own, so changing an entry breaks its hash and removing one breaks the next
//! entry's link. Fields are length-prefixed, so no two different entries hash alike by moving text
//! between columns.

use sha2::{Digest, Sha256};

/// The stored columns of an entry, as text, in chain order.
pub struct Columns<'a> {
    /// `id`.
    pub id: &'a str,
    /// `timestamp`.
    pub timestamp: i64,
    /// `workspace_id`, `user_id`, `agent_id`.
    pub who: [Option<&'a str>; 3],
    /// `action`, `resource_type`.
    pub what: [&'a str; 2],
    /// `resource_id`, `before_state`, `after_state`.
    pub detail: [Option<&'a str>; 3],
    /// `metadata`.
    pub metadata: &'a str,
}

/// The hash of an entry that follows the one hashed `prev` (none for the first).
pub fn link(prev: Option<&str>, columns: &Columns<'_>) -> String {
    let mut hash = Sha256::new();
    let mut field = |text: Option<&str>| match text {
        Some(text) => {
            hash.update((text.len() as u64).to_be_bytes());
            hash.update(text.as_bytes());
        }
        None => hash.update(u64::MAX.to_be_bytes()),
    };
    field(prev);
    field(Some(columns.id));
    field(Some(&columns.timestamp.to_string()));
    for text in columns.who {
        field(text);
    }
    for text in columns.what {
        field(Some(text));
    }
    for text in columns.detail {
        field(text);
    }
    field(Some(columns.metadata));
    hex::encode(hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(metadata: &str) -> Columns<'_> {
        Columns {
            id: "e1",
            timestamp: 1,
            who: [Some("w"), Some("u"), None],
            what: ["approval.approve", "approval"],
            detail: [Some("a1"), None, Some("{}")],
            metadata,
        }
    }

    #[test]
    fn a_hash_covers_the_previous_link_and_every_column() {
        let first = link(None, &columns("{}"));
        assert_eq!(first.len(), 64);
        assert_eq!(first, link(None, &columns("{}")));
        assert_ne!(first, link(None, &columns("{ }")));
        assert_ne!(first, link(Some("00"), &columns("{}")));
        // Moving text between columns changes the hash.
        let mut moved = columns("{}");
        moved.who = [Some("wu"), Some(""), None];
        assert_ne!(first, link(None, &moved));
        let mut absent = columns("{}");
        absent.who[2] = Some("");
        assert_ne!(first, link(None, &absent));
    }
}
