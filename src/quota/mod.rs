//! Quotas and limits at run time: what this instance holds open per user and per agent token
//! (counted by guards that free their place when dropped), the request timeout, and the shape of
//! every refusal: 413 for too big or too many stored, 429 for too many at once or too fast, each
//! naming the variable that sets the limit (see `crate::config::Limits`).

pub mod slots;
pub mod timeout;

pub use slots::{Slot, Slots};

use crate::http::ApiError;
use axum::http::StatusCode;

/// What this instance counts, and the sign-in backoff; cheap to clone.
#[derive(Clone, Debug)]
pub struct Quotas {
    /// Sync WebSockets open, per user (`FLIGHTDECK_MAX_SOCKETS_PER_USER`).
    pub sockets: Slots,
    /// Long-polls and event streams open, per agent token (`FLIGHTDECK_MAX_STREAMS_PER_TOKEN`).
    pub agent_streams: Slots,
    /// Failed sign-ins per account and how long each must wait.
    pub sign_in: crate::auth::backoff::Backoff,
}

impl Quotas {
    /// Empty counters, with the configured sign-in backoff.
    pub fn new(limits: &crate::config::Limits) -> Self {
        Self {
            sockets: Slots::default(),
            agent_streams: Slots::default(),
            sign_in: crate::auth::backoff::Backoff::new(crate::auth::backoff::Policy {
                after: limits.signin_backoff_after,
                base: limits.signin_backoff_base,
                max: limits.signin_backoff_max,
            }),
        }
    }
}

/// A refusal by a quota, carried through `anyhow` from code below the handlers (the password
/// hasher) and answered as itself.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    /// 413 or 429.
    pub status: StatusCode,
    /// What the client is told, naming the limit's variable.
    pub message: String,
}

impl Refused {
    /// 413: the result would be too big, or too many things would be stored.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: message.into(),
        }
    }

    /// 429: too many at once, or too fast.
    pub fn too_many(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: message.into(),
        }
    }
}

impl From<Refused> for ApiError {
    fn from(refused: Refused) -> Self {
        ApiError::new(refused.status, refused.message)
    }
}
