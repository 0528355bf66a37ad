//! Egress: every request Flightdeck makes to an address a user typed (agent health checks, MCP
//! over HTTP, later webhooks) goes through one policy, checked on the address actually
//! connected to, through one client that follows few redirects, reads little and uses no proxy.

mod client;
mod policy;
mod resolve;
mod throttle;

pub use client::{Answer, Egress, BODY_CAP, MAX_REDIRECTS};
pub use policy::{canonical, Policy, Refusal, Rule};
pub use throttle::Throttle;

/// Why a request to a user's address did not get an answer. Said to users as is: it never tells
/// more about the target than that (details go to the log at debug level).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not a URL this client requests.
    #[error("not an http:// or https:// URL with a host")]
    BadUrl,
    /// The policy refused the address (an IP literal before sending, a name's addresses when
    /// connecting, or a redirect's target).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// No answer: no connection, a broken one, too many redirects, or no address for the name.
    #[error("unreachable")]
    Unreachable,
}

/// The policy refusal somewhere in `err`'s chain of causes (reqwest and rmcp wrap it).
pub fn refusal_in(err: &(dyn std::error::Error + 'static)) -> Option<Refusal> {
    let mut cause = Some(err);
    while let Some(now) = cause {
        if let Some(refusal) = now.downcast_ref::<Refusal>() {
            return Some(*refusal);
        }
        cause = now.source();
    }
    None
}
