//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes), off the async
//! threads, at most `FLIGHTDECK_PASSWORD_HASHING_PERMITS` at once. Unknown emails are checked
//! against a dummy hash so that the answer takes as long whether or not the account exists.

use crate::quota::Refused;
use anyhow::Context;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The permits of hashing: a process-wide bound, since each hash holds ~19 MiB wherever it was
/// asked for (sign-in, sign-up, the first admin). Set once at start by [`limit`].
#[derive(Debug)]
struct Gate {
    permits: Arc<Semaphore>,
    size: usize,
    wait: Duration,
}

impl Gate {
    fn new(size: usize, wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(size.max(1))),
            size: size.max(1),
            wait,
        }
    }

    /// A permit within the wait, else a 429 "busy". (429, not 503: it is the caller's to try
    /// again, and a load balancer would take an instance answering 5xx out of rotation, turning
    /// a burst of sign-ins into an outage.) The permit goes into the hashing task, so a
    /// request that gives up does not free it before the hash is done.
    async fn enter(&self) -> anyhow::Result<OwnedSemaphorePermit> {
        let waited = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await;
        match waited {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => Err(Refused::too_many(format!(
                "the server is busy checking passwords ({} at once, FLIGHTDECK_PASSWORD_HASHING_PERMITS); try again in a few seconds",
                self.size
            ))
            .into()),
        }
    }
}

static GATE: OnceLock<Gate> = OnceLock::new();

/// Sets how many passwords are hashed at once and how long a request waits for its turn
/// (`FLIGHTDECK_PASSWORD_HASHING_PERMITS`, `FLIGHTDECK_PASSWORD_HASHING_WAIT_MS`); the first
/// call wins. Unset, the available cores and 5 s.
pub fn limit(permits: usize, wait: Duration) {
    let _ = GATE.set(Gate::new(permits, wait));
}

fn gate() -> &'static Gate {
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Gate::new(cores, Duration::from_secs(5))
    })
}

/// Hashes a password into a PHC string (`$argon2id$v=19$...`) with a fresh random salt.
pub async fn hash(password: String) -> anyhow::Result<String> {
    let permit = gate().enter().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| anyhow::anyhow!("argon2: {err}"))
    })
    .await
    .context("password hashing task failed")?
}

/// Whether `password` matches `stored`; with no stored hash, spends the same time and says no.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    let permit = gate().enter().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let known = stored.is_some();
        let hash = match stored {
            Some(hash) => hash,
            None => dummy_hash().to_owned(),
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok();
        known && matches
    })
    .await
    .context("password check task failed")
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password(b"not a password anyone has")
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(stored.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse".into(), Some(stored)).await.unwrap());
        assert!(!verify("correct horse".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn past_the_permits_a_caller_waits_then_is_told_busy() {
        let gate = Gate::new(1, Duration::from_millis(50));
        let held = gate.enter().await.unwrap();
        let err = gate.enter().await.unwrap_err();
        let refused = err.downcast_ref::<Refused>().expect("a quota refusal");
        assert_eq!(refused.status, axum::http::StatusCode::TOO_MANY_REQUESTS);
        assert!(
            refused
                .message
                .contains("FLIGHTDECK_PASSWORD_HASHING_PERMITS"),
            "{refused}"
        );
        drop(held);
        assert!(gate.enter().await.is_ok(), "a freed permit is taken again");
    }
}
