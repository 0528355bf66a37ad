//! A per-key throttle of requests made on demand (an operator's "check health now"), so that a
//! workspace cannot make this server knock on addresses as fast as it can click. Per instance.

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::time::Duration;

/// Keys forgotten once this many are kept (the idle ones: their next request passes anyway).
const TIDY_ABOVE: usize = 10_000;

/// At most one request per key every `every` (no limit when `every` is zero).
#[derive(Debug)]
pub struct Throttle {
    every: Duration,
    limiter: Option<DefaultKeyedRateLimiter<String>>,
}

impl Throttle {
    /// One request per key every `every`.
    pub fn new(every: Duration) -> Self {
        Self {
            every,
            limiter: Quota::with_period(every).map(RateLimiter::keyed),
        }
    }

    /// The limit's period.
    pub fn every(&self) -> Duration {
        self.every
    }

    /// `Ok` when `key` may go now (and counts it), else how long until it may.
    pub fn try_now(&self, key: &str) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() > TIDY_ABOVE {
            limiter.retain_recent();
        }
        limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_key_per_period() {
        let throttle = Throttle::new(Duration::from_secs(60));
        assert_eq!(throttle.try_now("w1"), Ok(()));
        let wait = throttle.try_now("w1").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert_eq!(throttle.try_now("w2"), Ok(()), "another key is not held up");
    }

    #[test]
    fn zero_means_no_limit() {
        let throttle = Throttle::new(Duration::ZERO);
        for _ in 0..3 {
            assert_eq!(throttle.try_now("w"), Ok(()));
        }
    }
}
