//! Server configuration: every setting comes from an environment variable, is validated once at
//! start, and a bad one stops the server with a message naming the variable and what it accepts.

mod egress;
mod limits;
mod security;

pub use egress::EgressSettings;
pub use limits::Limits;
pub use security::{Security, SignupMode};

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Validated configuration of one server process.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Where to listen (`IP`, `PORT`; port 0 picks a free one).
    pub addr: SocketAddr,
    /// Where records live on the embedded default (`FLIGHTDECK_DATA_DIR`).
    pub data_dir: PathBuf,
    /// The built web app to serve (`DIOXUS_PUBLIC_PATH`, default `public/` beside the binary).
    pub public_dir: PathBuf,
    /// How long open connections may finish after SIGINT/SIGTERM (`FLIGHTDECK_SHUTDOWN_GRACE_SECS`).
    pub shutdown_grace: Duration,
    /// PostgreSQL for the records instead of the SQLite file (`DATABASE_URL`).
    pub database_url: Option<String>,
    /// Redis for dashboard state, sessions and fan-out (`REDIS_URL`).
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, so that deployments (and tests) can share one server
    /// (`FLIGHTDECK_REDIS_PREFIX`, default `flightdeck`).
    pub redis_prefix: String,
    /// How long an untouched dashboard state is kept (`DASHBOARD_STATE_TTL`, seconds, default 30 days).
    pub state_ttl: Duration,
    /// The largest dashboard-state request body accepted (`DASHBOARD_STATE_MAX_BYTES`, default 1 MiB).
    pub state_max_bytes: usize,
    /// Mark the session cookie `Secure` (`FLIGHTDECK_SECURE_COOKIES=1`: set it when users reach the
    /// app over HTTPS, e.g. behind a TLS-terminating load balancer).
    pub secure_cookies: bool,
    /// How long agent data stays fresh in the widgets' cache (`CACHE_TTL_SHORT`,
    /// `CACHE_TTL_DEFAULT`, `CACHE_TTL_LONG`).
    pub cache_ttl: CacheTtl,
    /// How often the health mesh checks every agent (`HEALTH_CHECK_INTERVAL_SECS`, default 15).
    pub health_interval: Duration,
    /// A health check's timeout unless the agent sets its own (`HEALTH_CHECK_TIMEOUT_MS`,
    /// default 5000).
    pub health_timeout: Duration,
    /// How long one MCP server may take to connect before it is retried
    /// (`MCP_CONNECT_TIMEOUT_SECS`, default 10).
    pub mcp_connect_timeout: Duration,
    /// The first retry's delay after an MCP server fails, doubled per failure up to a minute
    /// (`MCP_RETRY_BASE_MS`, default 1000).
    pub mcp_backoff_ms: u64,
    /// Requests each agent token may make (`AGENT_RATE_LIMIT_PER_MINUTE`, default 600, and
    /// `AGENT_RATE_LIMIT_BURST`, default 60).
    pub agent_rate: AgentRate,
    /// Run the simulated demo fleet (`FLIGHTDECK_DEMO=1`/`0` or `--demo`; default on without
    /// `REDIS_URL`, off with it).
    pub demo: bool,
    /// What each model's tokens cost, for the analytics' estimate (`MODEL_PRICES`:
    /// `model=usd_per_million_tokens` pairs separated by commas; a few public list prices when unset).
    pub model_prices: crate::analytics::Prices,
    /// Who may get in and from where: sign-up, the first admin, the public URL and allowed
    /// hosts, session lifetime, the audit key, the metrics token, the operator's MCP servers.
    pub security: Security,
    /// Which addresses health checks and MCP over HTTP may reach, and the on-demand throttle.
    pub egress: EgressSettings,
    /// Quotas and limits: widgets, fleet items, agents, MCP servers, open sockets and streams,
    /// password hashing, sign-in backoff, the request timeout.
    pub limits: Limits,
}

/// The agent-data cache's lifetimes: vitals and health go stale fast, alerts last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheTtl {
    /// Heartbeats and health checks (`CACHE_TTL_SHORT`, seconds, default 60).
    pub short: Duration,
    /// Projects, tasks, metrics, activity (`CACHE_TTL_DEFAULT`, seconds, default 900).
    pub default: Duration,
    /// Alerts (`CACHE_TTL_LONG`, seconds, default 86400).
    pub long: Duration,
}

/// The agent API's per-token rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentRate {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// Requests allowed at once before the rate applies.
    pub burst: u32,
}

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    /// A variable is set to something it cannot be.
    #[error("{var}={value:?} is invalid: expected {expected}")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// What it was set to.
        value: String,
        /// What it accepts.
        expected: &'static str,
    },
}

const DEFAULT_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
const DEFAULT_PORT: u16 = 8080;
const DEFAULT_DATA_DIR: &str = "data";
const DEFAULT_GRACE_SECS: u64 = 10;
const DEFAULT_STATE_TTL_SECS: u64 = 30 * 24 * 3600;
const DEFAULT_STATE_MAX_BYTES: usize = 1024 * 1024;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests). Empty values
    /// count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let ip =
            parse(get("IP"), "IP", "an IP address such as 127.0.0.1 or ::1")?.unwrap_or(DEFAULT_IP);
        let port =
            parse(get("PORT"), "PORT", "a port number from 0 to 65535")?.unwrap_or(DEFAULT_PORT);
        let grace_secs = parse::<u64>(
            get("FLIGHTDECK_SHUTDOWN_GRACE_SECS"),
            "FLIGHTDECK_SHUTDOWN_GRACE_SECS",
            "a whole number of seconds from 0 to 3600",
        )?
        .unwrap_or(DEFAULT_GRACE_SECS);
        if grace_secs > 3600 {
            return Err(ConfigError::Invalid {
                var: "FLIGHTDECK_SHUTDOWN_GRACE_SECS",
                value: grace_secs.to_string(),
                expected: "a whole number of seconds from 0 to 3600",
            });
        }

        let data_dir = get("FLIGHTDECK_DATA_DIR")
            .map_or_else(|| PathBuf::from(DEFAULT_DATA_DIR), PathBuf::from);
        let public_dir = get("DIOXUS_PUBLIC_PATH").map_or_else(default_public_dir, PathBuf::from);

        let database_url = get("DATABASE_URL")
            .map(|url| {
                if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                    Ok(url)
                } else {
                    Err(ConfigError::Invalid {
                        var: "DATABASE_URL",
                        value: url,
                        expected: "a postgres:// or postgresql:// URL (unset: the SQLite file in FLIGHTDECK_DATA_DIR)",
                    })
                }
            })
            .transpose()?;
        let redis_url = get("REDIS_URL")
            .map(|url| {
                if url.starts_with("redis://") || url.starts_with("rediss://") {
                    Ok(url)
                } else {
                    Err(ConfigError::Invalid {
                        var: "REDIS_URL",
                        value: url,
                        expected: "a redis:// or rediss:// URL",
                    })
                }
            })
            .transpose()?;
        let redis_prefix = match get("FLIGHTDECK_REDIS_PREFIX") {
            None => "flightdeck".to_string(),
            Some(prefix)
                if prefix
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_:.".contains(c)) =>
            {
                prefix
            }
            Some(prefix) => {
                return Err(ConfigError::Invalid {
                    var: "FLIGHTDECK_REDIS_PREFIX",
                    value: prefix,
                    expected: "letters, digits and - _ : .",
                })
            }
        };
        let ttl_secs = ranged(
            &get,
            "DASHBOARD_STATE_TTL",
            "a whole number of seconds from 1 to 31536000 (a year)",
            1..=31_536_000,
            DEFAULT_STATE_TTL_SECS,
        )?;
        let state_max_bytes = ranged(
            &get,
            "DASHBOARD_STATE_MAX_BYTES",
            "a whole number of bytes from 1024 to 67108864 (64 MiB)",
            1024..=64 * 1024 * 1024,
            DEFAULT_STATE_MAX_BYTES as u64,
        )? as usize;

        let secure_cookies = match get("FLIGHTDECK_SECURE_COOKIES").as_deref() {
            None | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "FLIGHTDECK_SECURE_COOKIES",
                    value: other.to_string(),
                    expected: "1 or true (HTTPS), 0 or false",
                })
            }
        };

        let cache_ttl = cache_ttl(&get)?;
        let health_interval = Duration::from_secs(ranged(
            &get,
            "HEALTH_CHECK_INTERVAL_SECS",
            "a whole number of seconds from 1 to 3600",
            1..=3600,
            15,
        )?);
        let health_timeout = Duration::from_millis(ranged(
            &get,
            "HEALTH_CHECK_TIMEOUT_MS",
            "a whole number of milliseconds from 100 to 60000",
            100..=60_000,
            5000,
        )?);
        let mcp_connect_timeout = Duration::from_secs(ranged(
            &get,
            "MCP_CONNECT_TIMEOUT_SECS",
            "a whole number of seconds from 1 to 300",
            1..=300,
            10,
        )?);
        let mcp_backoff_ms = ranged(
            &get,
            "MCP_RETRY_BASE_MS",
            "a whole number of milliseconds from 10 to 60000",
            10..=60_000,
            1000,
        )?;
        let agent_rate = AgentRate {
            per_minute: ranged(
                &get,
                "AGENT_RATE_LIMIT_PER_MINUTE",
                "a whole number of requests from 1 to 1000000",
                1..=1_000_000,
                600,
            )? as u32,
            burst: ranged(
                &get,
                "AGENT_RATE_LIMIT_BURST",
                "a whole number of requests from 1 to 100000",
                1..=100_000,
                60,
            )? as u32,
        };
        let demo = match get("FLIGHTDECK_DEMO").as_deref() {
            None => redis_url.is_none(),
            Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "FLIGHTDECK_DEMO",
                    value: other.to_string(),
                    expected: "1 or true (run the demo fleet), 0 or false",
                })
            }
        };

        let model_prices = match get("MODEL_PRICES") {
            None => crate::analytics::Prices::default(),
            Some(text) => crate::analytics::Prices::parse(&text).map_err(|_| ConfigError::Invalid {
                var: "MODEL_PRICES",
                value: text.clone(),
                expected: "model=price pairs (US dollars per million tokens) separated by commas, such as gpt-4o=4.38,claude-sonnet=6",
            })?,
        };

        let security = Security::from_lookup(&get, &data_dir)?;
        let egress = EgressSettings::from_lookup(&get)?;
        let limits = Limits::from_lookup(&get)?;
        Ok(Self {
            addr: SocketAddr::new(ip, port),
            data_dir,
            public_dir,
            shutdown_grace: Duration::from_secs(grace_secs),
            database_url,
            redis_url,
            redis_prefix,
            state_ttl: Duration::from_secs(ttl_secs),
            state_max_bytes,
            secure_cookies,
            cache_ttl,
            health_interval,
            health_timeout,
            mcp_connect_timeout,
            mcp_backoff_ms,
            agent_rate,
            demo,
            model_prices,
            security,
            egress,
            limits,
        })
    }
}

/// A whole number in `range`, or `default` when unset.
pub(crate) fn ranged(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    expected: &'static str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
) -> Result<u64, ConfigError> {
    let value = parse::<u64>(get(var), var, expected)?.unwrap_or(default);
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError::Invalid {
            var,
            value: value.to_string(),
            expected,
        })
    }
}

/// The three cache TTLs, each from 1 s to a week, and short ≤ default ≤ long.
fn cache_ttl(get: &impl Fn(&str) -> Option<String>) -> Result<CacheTtl, ConfigError> {
    const EXPECTED: &str = "a whole number of seconds from 1 to 604800 (a week)";
    let secs = |var, default| ranged(get, var, EXPECTED, 1..=604_800, default);
    let short = secs("CACHE_TTL_SHORT", 60)?;
    let default = secs("CACHE_TTL_DEFAULT", 900)?;
    let long = secs("CACHE_TTL_LONG", 86_400)?;
    if short > default {
        return Err(ConfigError::Invalid {
            var: "CACHE_TTL_SHORT",
            value: short.to_string(),
            expected: "at most CACHE_TTL_DEFAULT",
        });
    }
    if default > long {
        return Err(ConfigError::Invalid {
            var: "CACHE_TTL_DEFAULT",
            value: default.to_string(),
            expected: "at most CACHE_TTL_LONG",
        });
    }
    Ok(CacheTtl {
        short: Duration::from_secs(short),
        default: Duration::from_secs(default),
        long: Duration::from_secs(long),
    })
}

/// `value` parsed, or `None` when unset; a bad value names `var` and what it accepts.
pub(crate) fn parse<T: std::str::FromStr>(
    value: Option<String>,
    var: &'static str,
    expected: &'static str,
) -> Result<Option<T>, ConfigError> {
    value
        .map(|raw| {
            raw.trim().parse().map_err(|_| ConfigError::Invalid {
                var,
                value: raw,
                expected,
            })
        })
        .transpose()
}

/// `public/` beside the running binary, where `dx bundle` puts the web app (the same rule Dioxus uses).
fn default_public_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("public")))
        .unwrap_or_else(|| PathBuf::from("public"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_serve_loopback_8080_with_a_local_data_dir() {
        let config = config(&[]).unwrap();
        assert_eq!(config.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert_eq!(config.shutdown_grace, Duration::from_secs(10));
        assert!(config.public_dir.ends_with("public"));
        assert_eq!(config.database_url, None);
        assert_eq!(config.redis_url, None);
        assert_eq!(config.state_ttl, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(config.state_max_bytes, 1024 * 1024);
        assert!(!config.secure_cookies);
    }

    #[test]
    fn storage_variables_are_read_and_checked() {
        let read = config(&[
            ("DATABASE_URL", "postgres://127.0.0.1/fd"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("FLIGHTDECK_REDIS_PREFIX", "test:42"),
            ("DASHBOARD_STATE_TTL", "60"),
            ("DASHBOARD_STATE_MAX_BYTES", "2048"),
            ("FLIGHTDECK_SECURE_COOKIES", "1"),
        ])
        .unwrap();
        assert_eq!(
            read.database_url.as_deref(),
            Some("postgres://127.0.0.1/fd")
        );
        assert_eq!(read.redis_prefix, "test:42");
        assert_eq!(read.state_ttl, Duration::from_secs(60));
        assert_eq!(read.state_max_bytes, 2048);
        assert!(read.secure_cookies);
        for (var, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("REDIS_URL", "127.0.0.1:6379"),
            ("FLIGHTDECK_REDIS_PREFIX", "a b"),
            ("DASHBOARD_STATE_TTL", "0"),
            ("DASHBOARD_STATE_MAX_BYTES", "10"),
            ("FLIGHTDECK_SECURE_COOKIES", "yes please"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert!(err.to_string().starts_with(&format!("{var}=")), "{err}");
        }
    }

    #[test]
    fn cache_ttls_are_read_and_checked() {
        let read = config(&[
            ("CACHE_TTL_SHORT", "5"),
            ("CACHE_TTL_DEFAULT", "60"),
            ("CACHE_TTL_LONG", "600"),
        ])
        .unwrap();
        assert_eq!(read.cache_ttl.short, Duration::from_secs(5));
        assert_eq!(read.cache_ttl.default, Duration::from_secs(60));
        assert_eq!(read.cache_ttl.long, Duration::from_secs(600));
        let defaults = config(&[]).unwrap().cache_ttl;
        assert_eq!(defaults.short, Duration::from_secs(60));
        assert_eq!(defaults.default, Duration::from_secs(900));
        assert_eq!(defaults.long, Duration::from_secs(86_400));
        for (vars, named) in [
            (
                vec![("CACHE_TTL_DEFAULT", "ten minutes")],
                "CACHE_TTL_DEFAULT",
            ),
            (vec![("CACHE_TTL_SHORT", "0")], "CACHE_TTL_SHORT"),
            (vec![("CACHE_TTL_LONG", "999999999")], "CACHE_TTL_LONG"),
            (vec![("CACHE_TTL_SHORT", "-5")], "CACHE_TTL_SHORT"),
            (
                vec![("CACHE_TTL_SHORT", "120"), ("CACHE_TTL_DEFAULT", "60")],
                "CACHE_TTL_SHORT",
            ),
            (vec![("CACHE_TTL_DEFAULT", "100000")], "CACHE_TTL_DEFAULT"),
        ] {
            let err = config(&vars).unwrap_err();
            assert!(err.to_string().starts_with(&format!("{named}=")), "{err}");
        }
    }

    #[test]
    fn model_prices_are_read_and_checked() {
        let read = config(&[("MODEL_PRICES", "house-model=1.5, other=0")]).unwrap();
        assert_eq!(read.model_prices.cost("house-model", 2_000_000), Some(3.0));
        assert_eq!(read.model_prices.cost("gpt-4o", 1), None);
        assert!(config(&[])
            .unwrap()
            .model_prices
            .cost("gpt-4o", 1)
            .is_some());
        let err = config(&[("MODEL_PRICES", "gpt-4o:5")]).unwrap_err();
        assert!(err.to_string().starts_with("MODEL_PRICES="), "{err}");
    }

    #[test]
    fn fleet_settings_are_read_and_checked() {
        let read = config(&[
            ("HEALTH_CHECK_INTERVAL_SECS", "2"),
            ("HEALTH_CHECK_TIMEOUT_MS", "250"),
            ("MCP_CONNECT_TIMEOUT_SECS", "3"),
            ("AGENT_RATE_LIMIT_PER_MINUTE", "120"),
            ("AGENT_RATE_LIMIT_BURST", "5"),
            ("FLIGHTDECK_DEMO", "0"),
        ])
        .unwrap();
        assert_eq!(read.health_interval, Duration::from_secs(2));
        assert_eq!(read.health_timeout, Duration::from_millis(250));
        assert_eq!(read.mcp_connect_timeout, Duration::from_secs(3));
        assert_eq!(
            read.agent_rate,
            AgentRate {
                per_minute: 120,
                burst: 5
            }
        );
        assert!(!read.demo);
        assert!(
            config(&[]).unwrap().demo,
            "the embedded default shows the demo"
        );
        let scaled = config(&[("REDIS_URL", "redis://127.0.0.1:6379")]).unwrap();
        assert!(!scaled.demo, "off with Redis unless asked");
        for (var, value) in [
            ("HEALTH_CHECK_TIMEOUT_MS", "50"),
            ("HEALTH_CHECK_INTERVAL_SECS", "0"),
            ("AGENT_RATE_LIMIT_BURST", "0"),
            ("FLIGHTDECK_DEMO", "maybe"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert!(err.to_string().starts_with(&format!("{var}=")), "{err}");
        }
    }

    #[test]
    fn every_variable_is_read() {
        let config = config(&[
            ("IP", "::1"),
            ("PORT", "0"),
            ("FLIGHTDECK_DATA_DIR", "/tmp/fd"),
            ("DIOXUS_PUBLIC_PATH", "/srv/public"),
            ("FLIGHTDECK_SHUTDOWN_GRACE_SECS", "3"),
        ])
        .unwrap();
        assert_eq!(config.addr, "[::1]:0".parse().unwrap());
        assert_eq!(config.data_dir, PathBuf::from("/tmp/fd"));
        assert_eq!(config.public_dir, PathBuf::from("/srv/public"));
        assert_eq!(config.shutdown_grace, Duration::from_secs(3));
    }

    #[test]
    fn empty_values_count_as_unset() {
        assert_eq!(
            config(&[("PORT", " "), ("IP", "")]).unwrap().addr.port(),
            8080
        );
    }

    #[test]
    fn bad_values_name_the_variable_and_what_it_accepts() {
        let err = config(&[("PORT", "80800")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "PORT=\"80800\" is invalid: expected a port number from 0 to 65535"
        );
        let err = config(&[("IP", "localhost")]).unwrap_err();
        assert!(
            err.to_string().starts_with("IP=\"localhost\" is invalid"),
            "{err}"
        );
        let err = config(&[("FLIGHTDECK_SHUTDOWN_GRACE_SECS", "-1")]).unwrap_err();
        assert!(
            err.to_string().contains("FLIGHTDECK_SHUTDOWN_GRACE_SECS"),
            "{err}"
        );
        let err = config(&[("FLIGHTDECK_SHUTDOWN_GRACE_SECS", "7200")]).unwrap_err();
        assert!(err.to_string().contains("0 to 3600"), "{err}");
    }
}
