//! The walk's unit tests: chains built in memory, then tampered with as someone with the table
//! but not the key would.

use super::*;

const CHAIN: &str = "ws-1";

/// A stored entry, owned.
#[derive(Clone, Debug)]
struct Entry {
    seq: i64,
    id: String,
    action: String,
    metadata: String,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl Entry {
    fn new(seq: i64, action: &str, metadata: &str) -> Self {
        Self {
            seq,
            id: format!("e{seq}"),
            action: action.to_owned(),
            metadata: metadata.to_owned(),
            prev_hash: None,
            hash: None,
        }
    }

    fn columns(&self) -> Columns<'_> {
        Columns {
            id: &self.id,
            timestamp: self.seq * 1000,
            who: [Some(CHAIN), Some("u1"), None],
            what: [&self.action, "thing"],
            detail: [Some("r1"), None, Some("{}")],
            metadata: &self.metadata,
        }
    }

    fn sign(&mut self, key: &AuditKey, prev: Option<String>) {
        self.prev_hash = prev;
        self.hash = Some(key.link(self.prev_hash.as_deref(), &self.columns()));
    }

    fn sha(&mut self, prev: Option<String>) {
        self.prev_hash = prev;
        self.hash = Some(legacy_link(self.prev_hash.as_deref(), &self.columns()));
    }
}

fn key() -> AuditKey {
    AuditKey::new(b"a test key of at least thirty-two bytes").unwrap()
}

/// `n` signed entries from the genesis.
fn signed(key: &AuditKey, n: i64) -> Vec<Entry> {
    let mut prev = Some(key.genesis(CHAIN));
    (1..=n)
        .map(|seq| {
            let mut e = Entry::new(seq, "agent.register", "{}");
            e.sign(key, prev.take());
            prev = e.hash.clone();
            e
        })
        .collect()
}

/// `n` legacy entries (plain SHA-256, the first without a previous link).
fn legacy(n: i64) -> Vec<Entry> {
    let mut prev = None;
    (1..=n)
        .map(|seq| {
            let mut e = Entry::new(seq, "agent.register", "{}");
            e.sha(prev.take());
            prev = e.hash.clone();
            e
        })
        .collect()
}

/// Appends a seal of everything so far and then `more` signed entries, as the server does.
fn seal_and_sign(key: &AuditKey, entries: &mut Vec<Entry>, more: i64) {
    let last = entries.iter().rev().find_map(|e| e.hash.clone());
    let seal = Seal {
        legacy_entries: entries.len() as u64,
        legacy_head: last.clone(),
    };
    let mut prev = Some(last.unwrap_or_else(|| key.genesis(CHAIN)));
    let start = entries.last().map_or(1, |e| e.seq + 1);
    let mut e = Entry::new(start, SEAL_ACTION, &serde_json::to_string(&seal).unwrap());
    for seq in start..=start + more {
        if seq > start {
            e = Entry::new(seq, "agent.register", "{}");
        }
        e.sign(key, prev.take());
        prev = e.hash.clone();
        entries.push(e.clone());
    }
}

fn head_of(entries: &[Entry]) -> Option<Head> {
    entries.last().map(|e| Head {
        seq: e.seq,
        hash: e.hash.clone().unwrap(),
    })
}

fn walk(key: &AuditKey, entries: &[Entry], head: Option<Head>) -> Result<u64, Break> {
    let mut walk = Walk::new(key, CHAIN, head);
    for e in entries {
        walk.push(&Link {
            seq: e.seq,
            prev_hash: e.prev_hash.as_deref(),
            hash: e.hash.as_deref(),
            columns: e.columns(),
        })?;
    }
    walk.finish()
}

fn kind_at(result: Result<u64, Break>) -> (BreakKind, String) {
    let broken = result.unwrap_err();
    assert!(!broken.problem.is_empty());
    (broken.kind, broken.at.unwrap_or_default())
}

#[test]
fn an_untouched_chain_is_intact_with_or_without_its_head() {
    let key = key();
    let chain = signed(&key, 5);
    assert_eq!(walk(&key, &chain, head_of(&chain)), Ok(5));
    assert_eq!(walk(&key, &chain, None), Ok(5));
    assert_eq!(walk(&key, &[], None), Ok(0));
    // Entries after the head verify: the server stopped between a commit and its head write.
    assert_eq!(walk(&key, &chain, head_of(&chain[..3])), Ok(5));
}

#[test]
fn every_tamper_is_named_by_its_kind() {
    let key = key();
    let chain = signed(&key, 5);
    let head = head_of(&chain);

    let mut changed = chain.clone();
    changed[2].metadata = r#"{"reason":"nothing to see"}"#.into();
    assert_eq!(
        kind_at(walk(&key, &changed, head.clone())),
        (BreakKind::Changed, "e3".into())
    );

    let mut middle = chain.clone();
    middle.remove(2);
    assert_eq!(
        kind_at(walk(&key, &middle, head.clone())),
        (BreakKind::Removed, "e4".into())
    );

    let newest = &chain[..4];
    assert_eq!(
        kind_at(walk(&key, newest, head.clone())),
        (BreakKind::NewestRemoved, "e4".into())
    );
    let none = walk(&key, &[], head.clone()).unwrap_err();
    assert_eq!((none.kind, none.at), (BreakKind::NewestRemoved, None));

    assert_eq!(
        kind_at(walk(&key, &chain[1..], head.clone())),
        (BreakKind::OldestRemoved, "e2".into())
    );

    let mut hashless = chain.clone();
    hashless.insert(3, Entry::new(10, "agent.register", "{}"));
    assert_eq!(
        kind_at(walk(&key, &hashless, head.clone())),
        (BreakKind::MissingHash, "e10".into())
    );
    let mut first_hashless = chain.clone();
    first_hashless.insert(0, Entry::new(0, "agent.register", "{}"));
    assert_eq!(
        kind_at(walk(&key, &first_hashless, head.clone())),
        (BreakKind::MissingHash, "e0".into())
    );

    // Recomputed with plain SHA-256, whole or from the middle, genesis copied or not.
    let mut recomputed = legacy(5);
    assert_eq!(
        kind_at(walk(&key, &recomputed, None)),
        (BreakKind::Forged, "e1".into())
    );
    for i in 0..recomputed.len() {
        let prev = match i {
            0 => chain[0].prev_hash.clone(),
            _ => recomputed[i - 1].hash.clone(),
        };
        recomputed[i].sha(prev);
    }
    assert_eq!(
        kind_at(walk(&key, &recomputed, head.clone())),
        (BreakKind::Forged, "e1".into())
    );
    let mut tail = chain.clone();
    tail[3].metadata = "{}  ".into();
    let prev = tail[2].hash.clone();
    tail[3].sha(prev);
    let prev = tail[3].hash.clone();
    tail[4].sha(prev);
    assert_eq!(
        kind_at(walk(&key, &tail, head.clone())),
        (BreakKind::Forged, "e4".into())
    );

    // Another key's chain is not this one's.
    let other = AuditKey::new(b"another key of at least thirty-two bytes").unwrap();
    let wrong_key = walk(&other, &chain, None).unwrap_err();
    assert_eq!(wrong_key.kind, BreakKind::Changed);
    assert!(wrong_key.problem.contains("another audit key"));
}

#[test]
fn entries_before_the_key_verify_only_up_to_their_seal() {
    let key = key();
    let mut old = legacy(4);
    // A log older than the chain: entries without a hash came first.
    old.insert(0, Entry::new(0, "auth.login", "{}"));
    let mut sealed = old.clone();
    seal_and_sign(&key, &mut sealed, 2);
    assert_eq!(walk(&key, &sealed, head_of(&sealed)), Ok(8));

    // Never sealed: a SHA-256 chain alone is what a forger makes.
    assert_eq!(
        kind_at(walk(&key, &old, None)),
        (BreakKind::MissingHash, "e0".into())
    );
    assert_eq!(
        kind_at(walk(&key, &legacy(3), None)),
        (BreakKind::Forged, "e1".into())
    );

    // An old entry changed and the old chain recomputed after it: the seal no longer agrees.
    let mut rewritten = sealed.clone();
    rewritten[2].metadata = r#"{"reason":"nothing to see"}"#.into();
    for i in 2..5 {
        let prev = rewritten[i - 1].hash.clone();
        rewritten[i].sha(prev);
    }
    assert_eq!(
        kind_at(walk(&key, &rewritten, head_of(&sealed))),
        (BreakKind::Changed, "e5".into())
    );
    // Changed without recomputing: named where it was changed.
    let mut changed = sealed.clone();
    changed[2].metadata = "{ }".into();
    assert_eq!(
        kind_at(walk(&key, &changed, None)),
        (BreakKind::Changed, "e2".into())
    );
    // The oldest removed (even one without a hash): the seal counts them.
    assert_eq!(
        kind_at(walk(&key, &sealed[1..], None)),
        (BreakKind::Removed, "e5".into())
    );
    let mut added = sealed.clone();
    added.insert(1, Entry::new(100, "auth.login", "{}"));
    assert_eq!(
        kind_at(walk(&key, &added, None)),
        (BreakKind::Changed, "e5".into())
    );
    // A chain that was empty before the key: sealed with nothing before it.
    let mut fresh = Vec::new();
    seal_and_sign(&key, &mut fresh, 0);
    assert_eq!(fresh[0].prev_hash, Some(key.genesis(CHAIN)));
}
