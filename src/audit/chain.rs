//! The audit log's hash chain: an entry's hash covers the previous entry's hash and every stored
//! column of its own, keyed by the audit key (HMAC-SHA256), so changing an entry breaks its hash,
//! removing one breaks the next entry's link, and nobody without the key can recompute the chain.
//! Fields are length-prefixed, so no two different entries hash alike by moving text between
//! columns. Entries written before the key existed were chained with plain SHA-256 ([`legacy_link`]).

use hmac::{Hmac, Mac};
use sha2::digest::Update;
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

/// Feeds the previous link and the columns, each length-prefixed (absent: all ones).
fn feed(out: &mut impl Update, prev: Option<&str>, columns: &Columns<'_>) {
    let mut field = |text: Option<&str>| match text {
        Some(text) => {
            out.update(&(text.len() as u64).to_be_bytes());
            out.update(text.as_bytes());
        }
        None => out.update(&u64::MAX.to_be_bytes()),
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
}

/// The plain SHA-256 link of entries written before the audit key (anyone can compute it; only
/// accepted before a chain's seal, see [`super::verify`]).
pub fn legacy_link(prev: Option<&str>, columns: &Columns<'_>) -> String {
    let mut hash = Sha256::new();
    feed(&mut hash, prev, columns);
    hex::encode(hash.finalize())
}

/// The secret that signs the chain: its bytes are the HMAC key. Kept outside the database
/// (`FLIGHTDECK_AUDIT_KEY` or the key file); never logged.
#[derive(Clone)]
pub struct AuditKey {
    /// HMAC-SHA256 with the key already absorbed; cloned for each link.
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(<secret>)")
    }
}

impl AuditKey {
    /// A key from its secret bytes (HMAC takes any length; the callers ask for 32 or more).
    pub fn new(secret: &[u8]) -> Option<Self> {
        if secret.is_empty() {
            return None;
        }
        <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .ok()
            .map(|mac| Self { mac })
    }

    /// The hash of an entry that follows the link `prev`.
    pub fn link(&self, prev: Option<&str>, columns: &Columns<'_>) -> String {
        let mut mac = self.mac.clone();
        feed(&mut mac, prev, columns);
        hex::encode(mac.finalize().into_bytes())
    }

    /// The previous link of a chain's first entry: derived from the key and the chain's id, so
    /// that a chain whose oldest entry was removed no longer starts where it should.
    pub fn genesis(&self, chain: &str) -> String {
        let mut mac = self.mac.clone();
        Mac::update(&mut mac, b"genesis:");
        Mac::update(&mut mac, chain.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
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
        let key = AuditKey::new(b"0123456789abcdef0123456789abcdef").unwrap();
        let keyed = |prev: Option<&str>, c: &Columns<'_>| key.link(prev, c);
        type Link<'f> = &'f dyn Fn(Option<&str>, &Columns<'_>) -> String;
        let links: [Link<'_>; 2] = [&legacy_link, &keyed];
        for link in links {
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

    #[test]
    fn the_keyed_hash_needs_the_key() {
        let key = AuditKey::new(b"0123456789abcdef0123456789abcdef").unwrap();
        let other = AuditKey::new(b"0123456789abcdef0123456789abcdeF").unwrap();
        let c = columns("{}");
        assert_ne!(key.link(None, &c), other.link(None, &c));
        assert_ne!(key.link(None, &c), legacy_link(None, &c));
        // The legacy link is the plain SHA-256 it always was (pinned: old logs must verify).
        assert_eq!(
            legacy_link(None, &c),
            "30fdd868d90576e7cb4d5c23ddbd1f5119868da5c4641ca8f366238eece7758c"
        );
        assert_eq!(key.genesis("w1"), key.genesis("w1"));
        assert_ne!(key.genesis("w1"), key.genesis("w2"));
        assert_ne!(key.genesis("w1"), other.genesis("w1"));
        assert!(AuditKey::new(b"").is_none());
        assert_eq!(format!("{key:?}"), "AuditKey(<secret>)");
    }
}
