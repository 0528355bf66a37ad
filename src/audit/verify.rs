//! Checking a chain, entry by entry in sequence order, without the database: every entry must be
//! signed with the audit key and follow the one before it; the first must start from the chain's
//! genesis, and the last must reach the head kept outside the database. Entries written before
//! the key existed (plain SHA-256, some without any hash) are accepted only when a signed seal
//! entry right after them records how many there were and where their chain ended.

use super::chain::{legacy_link, AuditKey, Columns};
use super::BreakKind;
use serde::{Deserialize, Serialize};

/// The action of the entry that seals the entries written before the audit key.
pub const SEAL_ACTION: &str = "audit.seal";

/// What a seal records of the entries before it (its metadata).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seal {
    /// How many entries came before it.
    pub legacy_entries: u64,
    /// The hash of the last of them that had one.
    pub legacy_head: Option<String>,
}

impl Seal {
    /// As the seal entry's metadata.
    pub fn metadata(&self) -> String {
        serde_json::json!({
            "legacyEntries": self.legacy_entries,
            "legacyHead": self.legacy_head,
        })
        .to_string()
    }
}

/// A chain's newest entry as recorded outside the database after each append.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// Its sequence number.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
}

/// One stored entry, as the walk reads it.
pub struct Link<'a> {
    /// Its sequence number.
    pub seq: i64,
    /// The stored link to the entry before.
    pub prev_hash: Option<&'a str>,
    /// The stored hash.
    pub hash: Option<&'a str>,
    /// Every hashed column.
    pub columns: Columns<'a>,
}

/// Where a chain breaks and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// Which kind of break.
    pub kind: BreakKind,
    /// The entry that does not fit (the newest left, for a removed newest part).
    pub at: Option<String>,
    /// A sentence saying what is wrong.
    pub problem: String,
}

fn broken(kind: BreakKind, at: &str, problem: impl Into<String>) -> Break {
    Break {
        kind,
        at: Some(at.to_owned()),
        problem: problem.into(),
    }
}

/// The walk over one chain.
pub struct Walk<'k> {
    key: &'k AuditKey,
    genesis: String,
    head: Option<Head>,
    entries: u64,
    /// Entries before the first signed one: how many, the last hash among them, and the first
    /// of them (its id, and whether it had a hash).
    before: (u64, Option<String>, Option<(String, bool)>),
    /// Once the signed part has begun, the hash of the entry before.
    prev: Option<String>,
    /// The newest entry seen (id).
    newest: Option<String>,
    /// The hash of the entry at the head's sequence number, once seen.
    at_head: Option<Option<String>>,
}

impl<'k> Walk<'k> {
    /// A walk over the chain `chain` (a workspace's id), to end at `head` when one is recorded.
    pub fn new(key: &'k AuditKey, chain: &str, head: Option<Head>) -> Self {
        Self {
            key,
            genesis: key.genesis(chain),
            head,
            entries: 0,
            before: (0, None, None),
            prev: None,
            newest: None,
            at_head: None,
        }
    }

    /// Checks the next entry (in sequence order).
    pub fn push(&mut self, link: &Link<'_>) -> Result<(), Break> {
        let id = link.columns.id;
        self.entries += 1;
        self.newest = Some(id.to_owned());
        if self.head.as_ref().is_some_and(|head| head.seq == link.seq) {
            self.at_head = Some(link.hash.map(str::to_owned));
        }
        let signed = |hash: &str| hash == self.key.link(link.prev_hash, &link.columns);
        let legacy = |hash: &str| hash == legacy_link(link.prev_hash, &link.columns);
        if let Some(prev) = &self.prev {
            let Some(hash) = link.hash else {
                return Err(broken(
                    BreakKind::MissingHash,
                    id,
                    "it has no hash: it was inserted behind the server's back",
                ));
            };
            if !signed(hash) {
                return Err(if legacy(hash) {
                    broken(BreakKind::Forged, id, "its hash is a plain SHA-256, not signed with the audit key: the log was rewritten by someone without the key")
                } else {
                    broken(BreakKind::Changed, id, "its content does not match its hash: it was changed (or this server has another audit key than the one that signed it)")
                });
            }
            if link.prev_hash != Some(prev.as_str()) {
                return Err(broken(
                    BreakKind::Removed,
                    id,
                    "it does not follow the entry before it: an entry was removed or moved",
                ));
            }
            self.prev = Some(hash.to_owned());
            return Ok(());
        }
        match link.hash {
            None => {
                self.before.0 += 1;
                self.before.2.get_or_insert((id.to_owned(), false));
            }
            Some(hash) if signed(hash) => {
                if self.before.0 == 0 {
                    if link.prev_hash != Some(self.genesis.as_str()) {
                        return Err(broken(
                            BreakKind::OldestRemoved,
                            id,
                            "it does not start the chain: the oldest entries were removed",
                        ));
                    }
                } else {
                    self.check_seal(link)?;
                }
                self.prev = Some(hash.to_owned());
            }
            Some(hash) if legacy(hash) => {
                if let Some(last) = &self.before.1 {
                    if link.prev_hash != Some(last.as_str()) {
                        return Err(broken(
                            BreakKind::Removed,
                            id,
                            "it does not follow the entry before it: an entry was removed or moved",
                        ));
                    }
                }
                self.before.0 += 1;
                self.before.1 = Some(hash.to_owned());
                self.before.2.get_or_insert((id.to_owned(), true));
            }
            Some(_) => {
                return Err(broken(BreakKind::Changed, id, "its content does not match its hash: it was changed (or this server has another audit key than the one that signed it)"));
            }
        }
        Ok(())
    }

    /// The first signed entry after unsigned ones must be their seal, and agree with them.
    fn check_seal(&self, link: &Link<'_>) -> Result<(), Break> {
        let id = link.columns.id;
        let seal = (link.columns.what[0] == SEAL_ACTION)
            .then(|| serde_json::from_str::<Seal>(link.columns.metadata).ok())
            .flatten();
        let Some(seal) = seal else {
            return Err(self.unsealed());
        };
        let (count, last) = (self.before.0, &self.before.1);
        if seal.legacy_entries != count {
            let (kind, how) = if seal.legacy_entries > count {
                (BreakKind::Removed, "removed")
            } else {
                (BreakKind::Changed, "added")
            };
            return Err(broken(kind, id, format!(
                "the seal of the entries written before the audit key counts {} of them, but {count} are there: entries before it were {how}",
                seal.legacy_entries
            )));
        }
        let start = last.as_deref().unwrap_or(self.genesis.as_str());
        if seal.legacy_head != *last || link.prev_hash != Some(start) {
            return Err(broken(BreakKind::Changed, id, "the entries written before the audit key no longer end where their seal says: one was changed and their chain recomputed"));
        }
        Ok(())
    }

    /// Entries without a signature and no seal after them: named at the first of them.
    fn unsealed(&self) -> Break {
        match &self.before.2 {
            Some((id, false)) => broken(BreakKind::MissingHash, id, "it has no hash and no seal follows it: it was inserted behind the server's back"),
            Some((id, true)) => broken(BreakKind::Forged, id, "its hash is a plain SHA-256, not signed with the audit key, and no seal follows it: the log was rewritten by someone without the key"),
            None => broken(BreakKind::Forged, "", "the chain is not signed with the audit key"),
        }
    }

    /// How many entries were checked so far.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// After the last entry: the signed part must have begun (unless the chain is empty) and
    /// the head must be there. Returns how many entries were checked.
    pub fn finish(self) -> Result<u64, Break> {
        if self.prev.is_none() && self.before.0 > 0 {
            return Err(self.unsealed());
        }
        if let Some(head) = &self.head {
            if self.at_head.as_ref() != Some(&Some(head.hash.clone())) {
                return Err(Break {
                    kind: BreakKind::NewestRemoved,
                    at: self.newest,
                    problem: format!(
                        "the chain's head, kept outside the database, is entry #{} and this chain does not reach it: the newest entries were removed",
                        head.seq
                    ),
                });
            }
        }
        Ok(self.entries)
    }
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
