//! The chain heads (each chain's newest sequence number and hash), kept outside the table they
//! protect, so that removing the newest entries is noticed: in Redis when `REDIS_URL` is set
//! (shared by every instance; a script keeps an older head from replacing a newer one), else as
//! small files in a folder beside the audit key file, each replaced atomically (temp + rename).

use super::verify::Head;
use crate::hot::Hot;
use anyhow::Context;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Sets the head only when it is newer than the one stored (appends on several instances may
/// finish in another order than they committed).
const ADVANCE: &str = r"
local seq = redis.call('HGET', KEYS[1], 'seq')
if seq and tonumber(seq) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'hash', ARGV[2])
return 1
";

/// Where the heads are kept.
#[derive(Clone, Debug)]
pub enum Heads {
    /// Redis (`<prefix>:audit:head:<chain>`, a hash of `seq` and `hash`).
    Redis(Hot),
    /// Files in a folder (`<chain>.head`, JSON).
    Files(Arc<Files>),
}

/// The folder of head files, and the newest sequence number this process wrote per chain.
#[derive(Debug)]
pub struct Files {
    dir: PathBuf,
    written: Mutex<HashMap<String, i64>>,
}

/// A chain's name in keys and file names: `none` for entries of no workspace, else the
/// workspace id (hex-encoded when it holds anything but letters, digits, `-` and `_`).
fn name(chain: &str) -> String {
    if chain.is_empty() {
        "none".to_owned()
    } else if chain
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        format!("ws-{chain}")
    } else {
        format!("x-{}", hex::encode(chain))
    }
}

impl Heads {
    /// Head files in `dir` (created when needed).
    pub fn files(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the audit heads folder {}", dir.display()))?;
        Ok(Self::Files(Arc::new(Files {
            dir: dir.to_owned(),
            written: Mutex::default(),
        })))
    }

    /// The head recorded for `chain`, if any.
    pub async fn get(&self, chain: &str) -> anyhow::Result<Option<Head>> {
        match self {
            Self::Redis(hot) => {
                let mut conn = hot.conn.clone();
                let (seq, hash): (Option<i64>, Option<String>) = redis::cmd("HMGET")
                    .arg(hot.key(&["audit", "head", &name(chain)]))
                    .arg("seq")
                    .arg("hash")
                    .query_async(&mut conn)
                    .await
                    .context("reading an audit chain head from Redis")?;
                Ok(seq.zip(hash).map(|(seq, hash)| Head { seq, hash }))
            }
            Self::Files(files) => {
                let path = files.path(chain);
                match std::fs::read_to_string(&path) {
                    Ok(text) => serde_json::from_str(&text).map(Some).with_context(|| {
                        format!("the audit head {} is unreadable", path.display())
                    }),
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(err) => Err(err)
                        .with_context(|| format!("cannot read the audit head {}", path.display())),
                }
            }
        }
    }

    /// Records `head` as `chain`'s, unless a newer one is recorded already.
    pub async fn advance(&self, chain: &str, head: &Head) -> anyhow::Result<()> {
        match self {
            Self::Redis(hot) => {
                let mut conn = hot.conn.clone();
                let _: i64 = redis::Script::new(ADVANCE)
                    .key(hot.key(&["audit", "head", &name(chain)]))
                    .arg(head.seq)
                    .arg(&head.hash)
                    .invoke_async(&mut conn)
                    .await
                    .context("writing an audit chain head to Redis")?;
                Ok(())
            }
            Self::Files(files) => files.advance(chain, head),
        }
    }

    /// Whether the logs written before the audit key have been sealed (at an earlier start).
    pub async fn sealed(&self) -> anyhow::Result<bool> {
        match self {
            Self::Redis(hot) => {
                let mut conn = hot.conn.clone();
                let found: i64 = redis::cmd("EXISTS")
                    .arg(hot.key(&["audit", "sealed"]))
                    .query_async(&mut conn)
                    .await
                    .context("reading the audit seal marker from Redis")?;
                Ok(found > 0)
            }
            Self::Files(files) => Ok(files.dir.join("sealed").exists()),
        }
    }

    /// Records that the logs written before the audit key have been sealed.
    pub async fn mark_sealed(&self) -> anyhow::Result<()> {
        match self {
            Self::Redis(hot) => {
                let mut conn = hot.conn.clone();
                redis::cmd("SET")
                    .arg(hot.key(&["audit", "sealed"]))
                    .arg(crate::records::now_ms())
                    .query_async::<()>(&mut conn)
                    .await
                    .context("writing the audit seal marker to Redis")
            }
            Self::Files(files) => {
                let path = files.dir.join("sealed");
                std::fs::write(&path, crate::records::now_ms().to_string())
                    .with_context(|| format!("cannot write {}", path.display()))
            }
        }
    }
}

impl Files {
    fn path(&self, chain: &str) -> PathBuf {
        self.dir.join(format!("{}.head", name(chain)))
    }

    fn advance(&self, chain: &str, head: &Head) -> anyhow::Result<()> {
        let mut written = self
            .written
            .lock()
            .map_err(|_| anyhow::anyhow!("the audit heads lock is poisoned"))?;
        let path = self.path(chain);
        let newest = match written.get(chain) {
            Some(seq) => Some(*seq),
            // First write of this chain by this process: what an earlier one left.
            None => std::fs::read_to_string(&path)
                .ok()
                .and_then(|text| serde_json::from_str::<Head>(&text).ok())
                .map(|head| head.seq),
        };
        if newest.is_some_and(|seq| seq >= head.seq) {
            return Ok(());
        }
        let temp = self
            .dir
            .join(format!(".{}.{}.tmp", name(chain), std::process::id()));
        let json = serde_json::to_vec(head)?;
        std::fs::write(&temp, json)
            .and_then(|()| std::fs::rename(&temp, &path))
            .with_context(|| format!("cannot write the audit head {}", path.display()))?;
        written.insert(chain.to_owned(), head.seq);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(seq: i64) -> Head {
        Head {
            seq,
            hash: format!("h{seq}"),
        }
    }

    #[tokio::test]
    async fn file_heads_only_move_forward_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let heads = Heads::files(dir.path()).unwrap();
        assert_eq!(heads.get("w1").await.unwrap(), None);
        heads.advance("w1", &head(5)).await.unwrap();
        heads.advance("w1", &head(3)).await.unwrap();
        heads.advance("", &head(4)).await.unwrap();
        heads.advance("a/b", &head(1)).await.unwrap();
        assert_eq!(heads.get("w1").await.unwrap(), Some(head(5)));
        assert_eq!(heads.get("").await.unwrap(), Some(head(4)));
        assert_eq!(heads.get("a/b").await.unwrap(), Some(head(1)));
        // Another process (a restart) reads what was left and still refuses an older head.
        let again = Heads::files(dir.path()).unwrap();
        again.advance("w1", &head(4)).await.unwrap();
        assert_eq!(again.get("w1").await.unwrap(), Some(head(5)));
        again.advance("w1", &head(6)).await.unwrap();
        assert_eq!(heads.get("w1").await.unwrap(), Some(head(6)));
        // Nothing but the heads in the folder (no temp files), named for their chains.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["none.head", "ws-w1.head", "x-612f62.head"]);
        assert!(!heads.sealed().await.unwrap());
        heads.mark_sealed().await.unwrap();
        assert!(again.sealed().await.unwrap());
    }
}
