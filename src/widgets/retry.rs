//! The retry rule of a widget whose data failed to load: a small state machine that allows one
//! retry at a time, counts them, gives up after the limit, and starts over after a success.

/// The retries of a widget whose data failed to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryState {
    /// No retry yet (or the last one worked).
    Idle,
    /// Retry number `attempt` is under way.
    Retrying {
        /// 1 for the first.
        attempt: u32,
    },
    /// The last retry failed; more are allowed.
    Failed {
        /// Retries made.
        attempts: u32,
    },
    /// Every allowed retry failed.
    GaveUp {
        /// Retries made.
        attempts: u32,
    },
}

/// The retry rule: at most `max` retries, one at a time; a success starts over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Where it stands.
    pub state: RetryState,
    /// Retries allowed.
    pub max: u32,
}

impl Retry {
    /// No retry yet, `max` allowed (at least 1).
    pub fn new(max: u32) -> Self {
        Self {
            state: RetryState::Idle,
            max: max.max(1),
        }
    }

    /// Retries made so far.
    pub fn attempts(&self) -> u32 {
        match self.state {
            RetryState::Idle => 0,
            RetryState::Retrying { attempt } => attempt.saturating_sub(1),
            RetryState::Failed { attempts } | RetryState::GaveUp { attempts } => attempts,
        }
    }

    /// Starts a retry if one is allowed now; whether it started.
    pub fn start(&mut self) -> bool {
        match self.state {
            RetryState::Retrying { .. } | RetryState::GaveUp { .. } => false,
            _ => {
                self.state = RetryState::Retrying {
                    attempt: self.attempts() + 1,
                };
                true
            }
        }
    }

    /// Records how the retry under way ended.
    pub fn finish(&mut self, ok: bool) {
        let RetryState::Retrying { attempt } = self.state else {
            return;
        };
        self.state = if ok {
            RetryState::Idle
        } else if attempt >= self.max {
            RetryState::GaveUp { attempts: attempt }
        } else {
            RetryState::Failed { attempts: attempt }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_count_up_to_the_limit_then_stop() {
        let mut retry = Retry::new(3);
        for attempt in 1..=3 {
            assert!(retry.start(), "retry {attempt} starts");
            assert_eq!(retry.state, RetryState::Retrying { attempt });
            assert!(!retry.start(), "one at a time");
            retry.finish(false);
        }
        assert_eq!(retry.state, RetryState::GaveUp { attempts: 3 });
        assert!(!retry.start(), "no fourth retry");
        assert_eq!(retry.attempts(), 3);
    }

    #[test]
    fn a_successful_retry_clears_the_count() {
        let mut retry = Retry::new(2);
        retry.start();
        retry.finish(false);
        assert_eq!(retry.state, RetryState::Failed { attempts: 1 });
        retry.start();
        retry.finish(true);
        assert_eq!(retry.state, RetryState::Idle);
        assert_eq!(retry.attempts(), 0);
    }
}
