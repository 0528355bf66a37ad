//! The egress client: the policy checked on every address connected to (IP literals here,
//! before sending and on each redirect, since the connector never resolves them; names in the
//! DNS hook), at most three redirects, no proxy, and bodies read up to a cap.

use super::policy::{Policy, Refusal};
use super::resolve::Resolver;
use super::throttle::Throttle;
use super::{refusal_in, Error};
use crate::http::ApiError;
use reqwest_egress::redirect;
use reqwest_egress::Url;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;

/// Redirects followed, each re-checked.
pub const MAX_REDIRECTS: usize = 3;
/// The most of a response body read; the rest is never read (the connection is dropped).
pub const BODY_CAP: usize = 64 * 1024;

/// The policy, shared by the client's DNS hook, its redirect check and [`Egress::check_url`].
pub(super) type Shared = Arc<RwLock<Policy>>;

pub(super) fn read(policy: &Shared) -> RwLockReadGuard<'_, Policy> {
    policy
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The policy's client and its on-demand throttle; cheap to clone (all clones share them).
#[derive(Clone, Debug)]
pub struct Egress {
    client: reqwest_egress::Client,
    policy: Shared,
    on_demand: Arc<Throttle>,
}

/// A response, its body cut at [`BODY_CAP`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body, at most [`BODY_CAP`] bytes.
    pub body: Vec<u8>,
    /// Whether there was more (not read).
    pub truncated: bool,
}

impl Egress {
    /// A client under `policy`, with on-demand requests limited to one per key every
    /// `on_demand_every` (zero: no limit).
    pub fn new(policy: Policy, on_demand_every: Duration) -> Result<Self, reqwest_egress::Error> {
        let policy: Shared = Arc::new(RwLock::new(policy));
        let hops = policy.clone();
        let client = reqwest_egress::Client::builder()
            .no_proxy()
            .dns_resolver(Resolver {
                policy: policy.clone(),
            })
            .redirect(redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    return attempt.error("too many redirects");
                }
                match literal(&read(&hops), attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(refusal) => attempt.error(refusal),
                }
            }))
            .user_agent(concat!("flightdeck/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            policy,
            on_demand: Arc::new(Throttle::new(on_demand_every)),
        })
    }

    /// The client, for libraries that take one (rmcp): use [`Egress::check_url`] before
    /// handing it a URL.
    pub fn client(&self) -> &reqwest_egress::Client {
        &self.client
    }

    /// The throttle of requests an operator runs on demand, per workspace.
    pub fn on_demand(&self) -> &Throttle {
        &self.on_demand
    }

    /// Lets exactly `addr` through the loopback and private rules (the demo fleet's own).
    pub fn allow_endpoint(&self, addr: SocketAddr) {
        self.policy
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .allow_endpoint(addr);
    }

    /// Whether `url` may be requested, as far as can be told before connecting: an IP-literal
    /// host is checked here; a name only when it is resolved, at connect time.
    pub fn check_url(&self, url: &str) -> Result<(), Error> {
        let url = Url::parse(url).map_err(|_| Error::BadUrl)?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Error::BadUrl);
        }
        literal(&read(&self.policy), &url).map_err(Error::Refused)
    }

    /// [`Egress::check_url`] as a 400 naming `field` and the rule.
    pub fn check_field(&self, field: &'static str, url: &str) -> Result<(), ApiError> {
        self.check_url(url)
            .map_err(|err| ApiError::field(field, format!("{field} is {err}")))
    }

    /// GET `url`: the status and up to [`BODY_CAP`] bytes of the body.
    pub async fn get(&self, url: &str) -> Result<Answer, Error> {
        self.check_url(url)?;
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|err| failed(&err))?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|err| failed(&err))? {
            let room = BODY_CAP - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                return Ok(Answer {
                    status,
                    body,
                    truncated: true,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            body,
            truncated: false,
        })
    }
}

/// The policy's verdict on `url`'s host when it is an IP literal (names pass: they are checked
/// when resolved).
fn literal(policy: &Policy, url: &Url) -> Result<(), Refusal> {
    // The URL parser has already turned every IPv4 spelling (`0x7f.1`, `2130706433`) into
    // dotted decimal, the form the connector recognises as a literal.
    let host = url.host_str().unwrap_or_default();
    let Ok(ip) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(0);
    policy.check_endpoint(SocketAddr::new(ip, port))
}

/// A failed request, said in one word unless the policy refused it.
fn failed(err: &reqwest_egress::Error) -> Error {
    tracing::debug!("egress request failed: {err:#}");
    match refusal_in(err) {
        Some(refusal) => Error::Refused(refusal),
        None => Error::Unreachable,
    }
}
