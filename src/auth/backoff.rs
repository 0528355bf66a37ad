//! Per-account sign-in backoff, beside the per-address rate limit: after
//! `FLIGHTDECK_SIGNIN_BACKOFF_AFTER` failed sign-ins for one email, every attempt for it is
//! refused with 429 and `Retry-After` — right password or not, and before any hashing — for
//! `FLIGHTDECK_SIGNIN_BACKOFF_BASE_SECS`, doubled with each further failure up to
//! `FLIGHTDECK_SIGNIN_BACKOFF_MAX_SECS`. A success forgets the account's failures. One attempt
//! per account is checked at a time (another meanwhile gets 429), so parallel guesses cannot
//! all start before the first failure is counted. Emails with and without an account are
//! treated alike (nothing tells which exist). Kept per instance,
//! in at most [`MAX_TRACKED`] entries: quiet ones are forgotten, and when it is full the one
//! whose last failure is oldest makes room.

use crate::http::ApiError;
use axum::http::StatusCode;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Accounts tracked at most (each entry is about a hundred bytes).
pub const MAX_TRACKED: usize = 10_000;

/// When an account backs off, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed before the first backoff.
    pub after: u32,
    /// The first backoff.
    pub base: Duration,
    /// The longest.
    pub max: Duration,
}

impl Policy {
    /// The wait after the `failures`-th failure in a row: none before `after`, then `base`,
    /// doubled per further failure, at most `max`.
    pub fn wait_after(&self, failures: u32) -> Duration {
        if failures < self.after {
            return Duration::ZERO;
        }
        let doublings = (failures - self.after).min(31);
        self.base
            .checked_mul(1 << doublings)
            .map_or(self.max, |wait| wait.min(self.max))
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    until: Instant,
}

/// The failures of each account; cheap to clone (clones share them).
#[derive(Clone, Debug)]
pub struct Backoff {
    policy: Policy,
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    /// The accounts whose attempt is being checked now.
    checking: Arc<Mutex<HashSet<String>>>,
}

/// An account's turn to be checked; over when dropped.
struct Turn {
    checking: Arc<Mutex<HashSet<String>>>,
    email: String,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut checking = self.checking.lock().unwrap_or_else(|p| p.into_inner());
        checking.remove(&self.email);
    }
}

impl Backoff {
    /// No failures yet.
    pub fn new(policy: Policy) -> Self {
        Self {
            policy,
            entries: Arc::default(),
            checking: Arc::default(),
        }
    }

    /// How long `email` must still wait at `now`, if it must.
    pub fn waiting(&self, email: &str, now: Instant) -> Option<Duration> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let until = entries.get(email)?.until;
        (until > now).then(|| until - now)
    }

    /// Counts a failed sign-in of `email` at `now`.
    pub fn failed(&self, email: &str, now: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if !entries.contains_key(email) && entries.len() >= MAX_TRACKED {
            self.make_room(&mut entries, now);
        }
        let entry = entries.entry(email.to_owned()).or_insert(Entry {
            failures: 0,
            last_failure: now,
            until: now,
        });
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = now;
        entry.until = now + self.policy.wait_after(entry.failures);
    }

    /// The turn of `email` to be checked, unless one of its attempts is being checked.
    fn turn(&self, email: &str) -> Option<Turn> {
        let mut checking = self.checking.lock().unwrap_or_else(|p| p.into_inner());
        checking.insert(email.to_owned()).then(|| Turn {
            checking: self.checking.clone(),
            email: email.to_owned(),
        })
    }

    /// Forgets the failures of `email` (it signed in).
    pub fn succeeded(&self, email: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(email);
    }

    /// How many accounts are tracked.
    pub fn tracked(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Drops the entries that no longer matter (no backoff running and no failure for the
    /// longest backoff); if none, the one whose last failure is oldest.
    fn make_room(&self, entries: &mut HashMap<String, Entry>, now: Instant) {
        let quiet = self.policy.max;
        entries.retain(|_, entry| {
            entry.until > now || now.saturating_duration_since(entry.last_failure) < quiet
        });
        if entries.len() >= MAX_TRACKED {
            let oldest = entries
                .iter()
                .min_by_key(|(_, entry)| entry.last_failure)
                .map(|(email, _)| email.clone());
            if let Some(email) = oldest {
                entries.remove(&email);
            }
        }
    }

    /// Runs a sign-in `attempt` for `email` unless the account is backing off or another of
    /// its attempts is being checked (then 429 with `Retry-After`, the attempt never run); a
    /// 401 counts as a failure, a success forgets the failures. An address that is not an email
    /// is not tracked (it cannot sign in anyway).
    pub async fn guard<T>(
        &self,
        email: &str,
        attempt: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        let Ok(email) = super::Email::parse(email) else {
            return attempt.await;
        };
        let key = email.as_str();
        if let Some(wait) = self.waiting(key, Instant::now()) {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(ApiError::retry_after(seconds, format!(
                "too many failed sign-ins for this account; try again in {seconds} s (FLIGHTDECK_SIGNIN_BACKOFF_AFTER failures allowed, then a wait that doubles up to FLIGHTDECK_SIGNIN_BACKOFF_MAX_SECS)"
            )));
        }
        let Some(_turn) = self.turn(key) else {
            return Err(ApiError::retry_after(
                1,
                "another sign-in for this account is being checked; try again in 1 s",
            ));
        };
        let result = attempt.await;
        match &result {
            Ok(_) => self.succeeded(key),
            Err(err) if err.status == StatusCode::UNAUTHORIZED => self.failed(key, Instant::now()),
            Err(_) => {}
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    fn policy() -> Policy {
        Policy {
            after: 3,
            base: Duration::from_secs(2),
            max: Duration::from_secs(60),
        }
    }

    #[test]
    fn the_wait_starts_after_n_failures_doubles_and_is_capped() {
        let policy = policy();
        let waits: Vec<u64> = (1..=10).map(|n| policy.wait_after(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(policy.wait_after(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn an_account_backs_off_after_n_failures_and_a_success_resets_it() {
        let backoff = Backoff::new(policy());
        let now = Instant::now();
        for _ in 0..2 {
            backoff.failed("a@x.io", now);
        }
        assert_eq!(backoff.waiting("a@x.io", now), None);
        backoff.failed("a@x.io", now);
        assert_eq!(backoff.waiting("a@x.io", now), Some(Duration::from_secs(2)));
        assert_eq!(
            backoff.waiting("a@x.io", now + Duration::from_secs(2)),
            None,
            "it ends"
        );
        backoff.failed("a@x.io", now + Duration::from_secs(2));
        assert_eq!(
            backoff.waiting("a@x.io", now + Duration::from_secs(2)),
            Some(Duration::from_secs(4))
        );
        assert_eq!(backoff.waiting("b@x.io", now), None, "accounts are apart");
        backoff.succeeded("a@x.io");
        assert_eq!(backoff.waiting("a@x.io", now), None);
        assert_eq!(backoff.tracked(), 0);
    }

    #[test]
    fn the_table_stays_bounded_and_keeps_accounts_under_attack() {
        let backoff = Backoff::new(policy());
        let start = Instant::now();
        for _ in 0..5 {
            backoff.failed("victim@x.io", start);
        }
        for i in 0..MAX_TRACKED + 500 {
            // Each spray address fails once, later than the victim's last failure.
            let at = start + Duration::from_millis(1 + i as u64);
            backoff.failed(&format!("spray{i}@x.io"), at);
            if i % 1000 == 0 {
                backoff.failed("victim@x.io", at);
            }
        }
        assert!(backoff.tracked() <= MAX_TRACKED);
        assert!(
            backoff
                .waiting("victim@x.io", start + Duration::from_secs(10))
                .is_some(),
            "the account under attack is still backing off"
        );
    }

    #[tokio::test]
    async fn the_guard_refuses_without_running_the_attempt_and_counts_401s() {
        let backoff = Backoff::new(Policy {
            after: 1,
            base: Duration::from_secs(30),
            max: Duration::from_secs(60),
        });
        let wrong =
            || async { Err::<&'static str, _>(ApiError::new(StatusCode::UNAUTHORIZED, "wrong")) };
        let response = backoff.guard("A@x.io", wrong()).await.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let mut ran = false;
        let response = backoff
            .guard("a@x.io ", async {
                ran = true;
                Ok("signed in")
            })
            .await
            .into_response();
        assert!(!ran, "refused before the attempt (and its hashing) runs");
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = response.headers()[axum::http::header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((29..=30).contains(&retry), "{retry}");
        let not_an_email = backoff.guard("nobody", wrong()).await.into_response();
        assert_eq!(not_an_email.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(backoff.tracked(), 1);
    }

    #[tokio::test]
    async fn one_attempt_per_account_is_checked_at_a_time() {
        let backoff = Backoff::new(policy());
        let (release, hold) = tokio::sync::oneshot::channel::<()>();
        let first = tokio::spawn({
            let backoff = backoff.clone();
            async move {
                backoff
                    .guard("a@x.io", async {
                        let _ = hold.await;
                        Err::<&'static str, _>(ApiError::new(StatusCode::UNAUTHORIZED, "wrong"))
                    })
                    .await
                    .into_response()
            }
        });
        while backoff.checking.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        // While the first is checked, a second guess for the account is not run; another
        // account's is.
        let mut ran = false;
        let second = backoff
            .guard("A@x.io", async {
                ran = true;
                Ok("guessed")
            })
            .await
            .into_response();
        assert!(!ran);
        assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(second.headers()[axum::http::header::RETRY_AFTER], "1");
        let other = backoff
            .guard("b@x.io", async { Ok("signed in") })
            .await
            .into_response();
        assert_eq!(other.status(), StatusCode::OK);

        release.send(()).unwrap();
        assert_eq!(first.await.unwrap().status(), StatusCode::UNAUTHORIZED);
        // The turn is over: the next attempt runs (and the failure was counted first).
        let third = backoff
            .guard("a@x.io", async { Ok("signed in") })
            .await
            .into_response();
        assert_eq!(third.status(), StatusCode::OK);
        assert!(backoff.checking.lock().unwrap().is_empty());
    }
}
