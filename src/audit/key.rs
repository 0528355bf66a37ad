//! Where the audit key comes from: `FLIGHTDECK_AUDIT_KEY`, else the key file
//! (`FLIGHTDECK_AUDIT_KEY_FILE`, default `FLIGHTDECK_DATA_DIR/audit.key`), created at first start
//! with 32 random bytes (as 64 hex digits, so it can be copied into `FLIGHTDECK_AUDIT_KEY` as is)
//! and readable by its owner only. Never in the database.

use super::chain::AuditKey;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The fewest characters a key may have (as `FLIGHTDECK_AUDIT_KEY` asks).
pub const MIN_CHARS: usize = 32;

/// Why the server cannot have its audit key; it does not start (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Several instances on one PostgreSQL would each make a key of their own.
    #[error(
        "instances sharing a database need the same audit key: DATABASE_URL is set, so set \
         FLIGHTDECK_AUDIT_KEY to the same secret of at least {MIN_CHARS} characters on every \
         instance (e.g. `openssl rand -hex 32`), or point FLIGHTDECK_AUDIT_KEY_FILE at one key file \
         they share ({path} does not exist, and a key made here would be this instance's alone)"
    )]
    SharedDatabase {
        /// The key file looked for.
        path: PathBuf,
    },
    /// Other users may read the key file.
    #[error(
        "the audit key file {path} is open to other users (mode {mode:03o}): whoever reads it \
         can rewrite the audit log undetected; run `chmod 600 {path}` (FLIGHTDECK_AUDIT_KEY_FILE)"
    )]
    Exposed {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file holds too little.
    #[error(
        "the audit key file {path} holds fewer than {MIN_CHARS} characters: put a longer secret \
         in it (e.g. `openssl rand -hex 32`), or set FLIGHTDECK_AUDIT_KEY"
    )]
    Short {
        /// The key file.
        path: PathBuf,
    },
    /// The key file cannot be read or created.
    #[error("cannot {doing} the audit key file {path} (FLIGHTDECK_AUDIT_KEY_FILE): {source}")]
    Io {
        /// `read` or `create`.
        doing: &'static str,
        /// The key file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// The key: `given` (`FLIGHTDECK_AUDIT_KEY`) when set, else the file at `path`, created when
/// absent, unless `shared_database` (then a missing file is an error: instances must share a key).
pub fn load(given: Option<&str>, path: &Path, shared_database: bool) -> Result<AuditKey, KeyError> {
    let short = || KeyError::Short {
        path: path.to_owned(),
    };
    if let Some(secret) = given {
        // The configuration has already refused shorter keys.
        return AuditKey::new(secret.as_bytes()).ok_or_else(short);
    }
    let io = |doing, source| KeyError::Io {
        doing,
        path: path.to_owned(),
        source,
    };
    let secret = match std::fs::metadata(path) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyError::Exposed {
                    path: path.to_owned(),
                    mode,
                });
            }
            std::fs::read_to_string(path).map_err(|err| io("read", err))?
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            if shared_database {
                return Err(KeyError::SharedDatabase {
                    path: path.to_owned(),
                });
            }
            create(path).map_err(|err| io("create", err))?
        }
        Err(err) => return Err(io("read", err)),
    };
    let secret = secret.trim();
    if secret.chars().count() < MIN_CHARS {
        return Err(short());
    }
    AuditKey::new(secret.as_bytes()).ok_or_else(short)
}

/// Writes a new key file (mode 0600) without ever replacing one: a second instance starting at
/// the same moment reads the first one's key instead.
fn create(path: &Path) -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    let secret = hex::encode(bytes);
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let temp = path.with_extension(format!("new-{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(format!("{secret}\n").as_bytes())?;
        file.sync_all()?;
        // A link fails when the name is taken: the key is complete whenever it is visible.
        std::fs::hard_link(&temp, path)
    })();
    let _ = std::fs::remove_file(&temp);
    match written {
        Ok(()) => {
            tracing::info!(
                "created the audit key file {} (keep it: without it the audit log cannot be verified)",
                path.display()
            );
            Ok(secret)
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::read_to_string(path)
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::chain::Columns;

    fn sample(key: &AuditKey) -> String {
        key.link(
            None,
            &Columns {
                id: "e",
                timestamp: 0,
                who: [None; 3],
                what: ["a", "b"],
                detail: [None; 3],
                metadata: "{}",
            },
        )
    }

    #[test]
    fn a_key_file_is_made_once_owner_only_and_reads_like_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("audit.key");
        let first = load(None, &path, false).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim().len(), 64);
        // Read back, the same key; and the file's text given as FLIGHTDECK_AUDIT_KEY signs alike.
        assert_eq!(sample(&load(None, &path, false).unwrap()), sample(&first));
        assert_eq!(sample(&load(None, &path, true).unwrap()), sample(&first));
        let given = load(Some(text.trim()), Path::new("/nonexistent/key"), true).unwrap();
        assert_eq!(sample(&given), sample(&first));
        // No temporary file left beside it.
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn a_readable_short_or_missing_shared_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        let err = load(None, &path, true).unwrap_err();
        assert!(matches!(err, KeyError::SharedDatabase { .. }));
        assert!(err.to_string().contains("FLIGHTDECK_AUDIT_KEY"));
        assert!(!path.exists());

        std::fs::write(&path, "x".repeat(40)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = load(None, &path, false).unwrap_err();
        assert!(
            matches!(err, KeyError::Exposed { mode: 0o644, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("chmod 600"));

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(load(None, &path, false).is_ok());
        std::fs::write(&path, "too short\n").unwrap();
        assert!(matches!(
            load(None, &path, false).unwrap_err(),
            KeyError::Short { .. }
        ));
    }
}
