//! The egress policy: which addresses Flightdeck may reach on a user's behalf. Pure logic: an
//! address in, allowed or the rule that refuses it out.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A range the policy treats specially; a refusal names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Cloud metadata services: 169.254.169.254 and 169.254.170.2 (AWS, GCP, Azure, ECS),
    /// fd00:ec2::254 (AWS over IPv6), 100.100.100.200 (Alibaba). Always refused.
    Metadata,
    /// 169.254.0.0/16 and fe80::/10. Always refused.
    LinkLocal,
    /// 0.0.0.0/8 and `::` (Linux connects 0.0.0.0 to this very host). Always refused.
    Unspecified,
    /// 224.0.0.0/4 and ff00::/8. Always refused.
    Multicast,
    /// 255.255.255.255. Always refused.
    Broadcast,
    /// Reserved ranges and tunnels that carry an IPv4 address inside IPv6: 192.0.0.0/24 (IETF
    /// protocol assignments), 198.18.0.0/15 (benchmarking), 240.0.0.0/4, 6to4 (2002::/16),
    /// Teredo (2001::/32), local-use NAT64 (64:ff9b:1::/48) and site-local fec0::/10. Always
    /// refused.
    Reserved,
    /// 127.0.0.0/8 and ::1: refused unless `FLIGHTDECK_EGRESS_ALLOW` lists the address.
    Loopback,
    /// 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 (carrier-grade NAT, also used
    /// by overlay networks) and fc00::/7: allowed unless `FLIGHTDECK_EGRESS_DENY_PRIVATE=1`
    /// (and then still when `FLIGHTDECK_EGRESS_ALLOW` lists the address).
    Private,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> IpNet {
    IpNet::new_assert(IpAddr::V4(Ipv4Addr::new(a, b, c, d)), len)
}

#[allow(clippy::too_many_arguments)]
const fn v6(a: u16, b: u16, c: u16, d: u16, e: u16, f: u16, g: u16, h: u16, len: u8) -> IpNet {
    IpNet::new_assert(IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h)), len)
}

/// Every special range, the most specific first (a metadata address before its link-local or
/// private range). IPv4 addresses written as IPv6 are turned back into IPv4 first
/// ([`canonical`]).
const RANGES: [(IpNet, Rule); 25] = [
    (v4(169, 254, 169, 254, 32), Rule::Metadata),
    (v4(169, 254, 170, 2, 32), Rule::Metadata),
    (v4(100, 100, 100, 200, 32), Rule::Metadata),
    (v6(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254, 128), Rule::Metadata),
    (v4(169, 254, 0, 0, 16), Rule::LinkLocal),
    (v6(0xfe80, 0, 0, 0, 0, 0, 0, 0, 10), Rule::LinkLocal),
    (v4(0, 0, 0, 0, 8), Rule::Unspecified),
    (v6(0, 0, 0, 0, 0, 0, 0, 0, 128), Rule::Unspecified),
    (v4(224, 0, 0, 0, 4), Rule::Multicast),
    (v6(0xff00, 0, 0, 0, 0, 0, 0, 0, 8), Rule::Multicast),
    (v4(255, 255, 255, 255, 32), Rule::Broadcast),
    (v4(192, 0, 0, 0, 24), Rule::Reserved),
    (v4(198, 18, 0, 0, 15), Rule::Reserved),
    (v4(240, 0, 0, 0, 4), Rule::Reserved),
    (v6(0x2002, 0, 0, 0, 0, 0, 0, 0, 16), Rule::Reserved),
    (v6(0x2001, 0, 0, 0, 0, 0, 0, 0, 32), Rule::Reserved),
    (v6(0x64, 0xff9b, 1, 0, 0, 0, 0, 0, 48), Rule::Reserved),
    (v6(0xfec0, 0, 0, 0, 0, 0, 0, 0, 10), Rule::Reserved),
    (v4(127, 0, 0, 0, 8), Rule::Loopback),
    (v6(0, 0, 0, 0, 0, 0, 0, 1, 128), Rule::Loopback),
    (v4(10, 0, 0, 0, 8), Rule::Private),
    (v4(172, 16, 0, 0, 12), Rule::Private),
    (v4(192, 168, 0, 0, 16), Rule::Private),
    (v4(100, 64, 0, 0, 10), Rule::Private),
    (v6(0xfc00, 0, 0, 0, 0, 0, 0, 0, 7), Rule::Private),
];

/// The well-known NAT64 prefix (RFC 6052): a gateway would forward to the IPv4 address inside.
const NAT64: IpNet = v6(0x64, 0xff9b, 0, 0, 0, 0, 0, 0, 96);

impl Rule {
    /// The range `ip` falls in (after [`canonical`]), or `None` for a public address.
    pub fn of(ip: IpAddr) -> Option<Rule> {
        let ip = canonical(ip);
        RANGES
            .iter()
            .find(|(range, _)| range.contains(&ip))
            .map(|(_, rule)| *rule)
    }

    /// The always-refused range that holds all of `net`, if one does (such a range cannot be
    /// allowed).
    pub fn always_refused_holding(net: &IpNet) -> Option<Rule> {
        let net = canonical_net(*net);
        RANGES
            .iter()
            .find(|(range, rule)| rule.always_refused() && range.contains(&net))
            .map(|(_, rule)| *rule)
    }

    /// Whether no setting allows this range.
    pub fn always_refused(self) -> bool {
        !matches!(self, Rule::Loopback | Rule::Private)
    }

    /// What the refusal calls it.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Metadata => "cloud metadata",
            Rule::LinkLocal => "link-local",
            Rule::Unspecified => "unspecified address",
            Rule::Multicast => "multicast",
            Rule::Broadcast => "broadcast",
            Rule::Reserved => "reserved or tunnel",
            Rule::Loopback => "loopback",
            Rule::Private => "private network",
        }
    }

    /// How the operator could change it, if they can.
    fn remedy(self) -> &'static str {
        match self {
            Rule::Loopback => "allow it with FLIGHTDECK_EGRESS_ALLOW",
            Rule::Private => {
                "FLIGHTDECK_EGRESS_DENY_PRIVATE is set; allow it with FLIGHTDECK_EGRESS_ALLOW"
            }
            _ => "always refused",
        }
    }
}

/// Why the policy refused an address: the rule, never the address (a name's resolved address
/// is not the user's to learn).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("refused by the egress policy: {} ({})", .rule.name(), .rule.remedy())]
pub struct Refusal {
    /// The rule that refused it.
    pub rule: Rule,
}

/// `ip` with an IPv4 address written as IPv6 turned back into IPv4: IPv4-mapped
/// (`::ffff:127.0.0.1`) and NAT64 (`64:ff9b::7f00:1`), so each rule sees the address reached.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            if NAT64.contains(&ip) {
                let [.., a, b, c, d] = v6.octets();
                return IpAddr::V4(Ipv4Addr::new(a, b, c, d));
            }
            ip
        }
        IpAddr::V4(_) => ip,
    }
}

/// `net` as IPv4 when it is a range of IPv4-mapped addresses (`::ffff:10.0.0.0/104` is
/// `10.0.0.0/8`).
fn canonical_net(net: IpNet) -> IpNet {
    match (net, canonical(net.network())) {
        (IpNet::V6(v6), IpAddr::V4(v4)) if v6.prefix_len() >= 96 => {
            IpNet::new_assert(IpAddr::V4(v4), v6.prefix_len() - 96)
        }
        _ => net,
    }
}

/// The policy: the always-refused ranges, loopback unless allowed, private ranges unless
/// denied, and exact endpoints (ip:port) let through for this server's own needs (the demo).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    allow: Vec<IpNet>,
    deny_private: bool,
    endpoints: Vec<SocketAddr>,
}

impl Policy {
    /// Loopback and private ranges in `allow` are allowed; private ranges are refused when
    /// `deny_private`. Always-refused ranges stay refused whatever `allow` says.
    pub fn new(allow: &[IpNet], deny_private: bool) -> Self {
        Self {
            allow: allow.iter().copied().map(canonical_net).collect(),
            deny_private,
            endpoints: Vec::new(),
        }
    }

    /// Lets `addr` (exactly that address and port) through the loopback and private rules.
    pub fn allow_endpoint(&mut self, addr: SocketAddr) {
        let addr = SocketAddr::new(canonical(addr.ip()), addr.port());
        if !self.endpoints.contains(&addr) {
            self.endpoints.push(addr);
        }
    }

    /// Whether `ip` may be reached (any port).
    pub fn check(&self, ip: IpAddr) -> Result<(), Refusal> {
        let ip = canonical(ip);
        match Rule::of(ip) {
            None => Ok(()),
            Some(rule) if rule.always_refused() => Err(Refusal { rule }),
            Some(Rule::Private) if !self.deny_private => Ok(()),
            Some(_) if self.allow.iter().any(|net| net.contains(&ip)) => Ok(()),
            Some(rule) => Err(Refusal { rule }),
        }
    }

    /// Whether `addr` may be reached: [`Policy::check`], or one of the allowed endpoints.
    pub fn check_endpoint(&self, addr: SocketAddr) -> Result<(), Refusal> {
        let refused = match self.check(addr.ip()) {
            Ok(()) => return Ok(()),
            Err(refusal) => refusal,
        };
        let addr = SocketAddr::new(canonical(addr.ip()), addr.port());
        if !refused.rule.always_refused() && self.endpoints.contains(&addr) {
            return Ok(());
        }
        Err(refused)
    }
}

#[cfg(test)]
mod tests;
