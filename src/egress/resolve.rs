//! The DNS hook of the egress client: a name is resolved when a connection is made, and only
//! the addresses the policy allows are handed to the connector, so a name that resolves to a
//! public address when it is registered and to 127.0.0.1 when it is checked gets nowhere.

use super::client::{read, Shared};
use reqwest_egress::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;

/// Resolves through the system (as reqwest does by default) and drops refused addresses;
/// fails with the first [`super::Refusal`] when none is left.
pub(super) struct Resolver {
    pub(super) policy: Shared,
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let policy = read(&policy);
            let mut refused = None;
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| match policy.check(addr.ip()) {
                    Ok(()) => true,
                    Err(refusal) => {
                        refused.get_or_insert(refusal);
                        false
                    }
                })
                .collect();
            match refused {
                Some(refusal) if kept.is_empty() => Err(Box::new(refusal) as _),
                _ if kept.is_empty() => Err("the name has no address".into()),
                _ => Ok(Box::new(kept.into_iter()) as Addrs),
            }
        })
    }
}
