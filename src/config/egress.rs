//! The egress settings: which addresses health checks and MCP over HTTP may reach beyond the
//! default policy (public and private networks, never loopback), and how often an operator may
//! run health checks on demand.

use super::{ranged, ConfigError};
use crate::egress::{Policy, Rule};
use ipnet::IpNet;
use std::net::IpAddr;
use std::time::Duration;

/// The egress settings (see the README's "Security model").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EgressSettings {
    /// Ranges let through the loopback and private rules (`FLIGHTDECK_EGRESS_ALLOW`: addresses or
    /// CIDRs separated by commas, e.g. `127.0.0.1/32,10.1.0.0/16`; default none). Link-local,
    /// cloud metadata, unspecified, multicast and broadcast addresses stay refused.
    pub allow: Vec<IpNet>,
    /// Refuse private ranges too (`FLIGHTDECK_EGRESS_DENY_PRIVATE=1`; default 0: allowed).
    pub deny_private: bool,
    /// At most one on-demand health round per workspace this often, per instance
    /// (`FLIGHTDECK_HEALTH_CHECK_COOLDOWN_SECS`, 0 to 3600, default 10; 0: no limit).
    pub on_demand_every: Duration,
}

const ALLOW_EXPECTED: &str = "addresses or CIDRs separated by commas, such as 127.0.0.1/32,10.1.0.0/16 (link-local, cloud metadata, unspecified, multicast and broadcast ranges cannot be allowed)";

impl EgressSettings {
    /// Reads the egress variables through `get` (empty values already count as unset).
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let allow = match get("FLIGHTDECK_EGRESS_ALLOW") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(|entry| {
                    allowable(entry).ok_or_else(|| ConfigError::Invalid {
                        var: "FLIGHTDECK_EGRESS_ALLOW",
                        value: entry.to_owned(),
                        expected: ALLOW_EXPECTED,
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let deny_private = match get("FLIGHTDECK_EGRESS_DENY_PRIVATE")
            .as_deref()
            .map(str::trim)
        {
            None | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "FLIGHTDECK_EGRESS_DENY_PRIVATE",
                    value: other.to_owned(),
                    expected: "1 or true (refuse private networks too), 0 or false",
                })
            }
        };
        let on_demand_every = Duration::from_secs(ranged(
            get,
            "FLIGHTDECK_HEALTH_CHECK_COOLDOWN_SECS",
            "a whole number of seconds from 0 to 3600 (0: no limit)",
            0..=3600,
            10,
        )?);
        Ok(Self {
            allow,
            deny_private,
            on_demand_every,
        })
    }

    /// The policy these settings describe.
    pub fn policy(&self) -> Policy {
        Policy::new(&self.allow, self.deny_private)
    }
}

/// `entry` as a range that may be allowed: a CIDR or a bare address, not inside an
/// always-refused range.
fn allowable(entry: &str) -> Option<IpNet> {
    let net = entry
        .parse::<IpNet>()
        .ok()
        .or_else(|| entry.parse::<IpAddr>().ok().map(IpNet::from))?;
    Rule::always_refused_holding(&net).is_none().then_some(net)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<EgressSettings, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        EgressSettings::from_lookup(&|name: &str| map.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn the_defaults_refuse_loopback_and_allow_private_networks() {
        let settings = read(&[]).unwrap();
        assert!(settings.allow.is_empty() && !settings.deny_private);
        assert_eq!(settings.on_demand_every, Duration::from_secs(10));
        let policy = settings.policy();
        assert!(policy.check("127.0.0.1".parse().unwrap()).is_err());
        assert!(policy.check("10.0.0.1".parse().unwrap()).is_ok());
    }

    #[test]
    fn every_variable_is_read() {
        let settings = read(&[
            (
                "FLIGHTDECK_EGRESS_ALLOW",
                " 127.0.0.1/32, ::1 ,10.1.0.0/16,",
            ),
            ("FLIGHTDECK_EGRESS_DENY_PRIVATE", "1"),
            ("FLIGHTDECK_HEALTH_CHECK_COOLDOWN_SECS", "0"),
        ])
        .unwrap();
        let allow: Vec<String> = settings.allow.iter().map(ToString::to_string).collect();
        assert_eq!(allow, ["127.0.0.1/32", "::1/128", "10.1.0.0/16"]);
        assert!(settings.deny_private);
        assert_eq!(settings.on_demand_every, Duration::ZERO);
        let policy = settings.policy();
        assert!(policy.check("127.0.0.1".parse().unwrap()).is_ok());
        assert!(policy.check("10.1.2.3".parse().unwrap()).is_ok());
        assert!(policy.check("10.2.0.1".parse().unwrap()).is_err());
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value, named) in [
            ("FLIGHTDECK_EGRESS_ALLOW", "127.0.0.1/33", "127.0.0.1/33"),
            ("FLIGHTDECK_EGRESS_ALLOW", "localhost", "localhost"),
            (
                "FLIGHTDECK_EGRESS_ALLOW",
                "127.0.0.1/32,169.254.169.254",
                "169.254.169.254",
            ),
            ("FLIGHTDECK_EGRESS_ALLOW", "fe80::/10", "fe80::/10"),
            ("FLIGHTDECK_EGRESS_DENY_PRIVATE", "yes", "yes"),
            ("FLIGHTDECK_HEALTH_CHECK_COOLDOWN_SECS", "3601", "3601"),
        ] {
            let err = read(&[(var, value)]).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{var}={named:?}")), "{err}");
        }
    }
}
