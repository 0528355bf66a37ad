//! Quotas and limits: how much any member or agent may store and hold open at once, how many
//! passwords are hashed together, how sign-in backs off per account, and how long a request may
//! take. Each refusal names its variable (see `crate::quota`). The dashboard state's size is
//! `DASHBOARD_STATE_MAX_BYTES` in the main configuration.

use super::{ranged, ConfigError};
use std::time::Duration;

/// The quotas and limits (see the README's "Security model").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Widgets on one dashboard (`FLIGHTDECK_MAX_WIDGETS`, default 100, 1 to 10000).
    pub max_widgets: usize,
    /// Fleet items of one kind in one workspace (`FLIGHTDECK_MAX_FLEET_ITEMS`, default 1000,
    /// 100 to 1000000): a push of new keys past it is refused, updates of stored keys pass, and
    /// the activity feed drops its oldest lines to make room.
    pub max_fleet_items: usize,
    /// Agents registered in one workspace, revoked ones included (`FLIGHTDECK_MAX_AGENTS`,
    /// default 200, 1 to 100000).
    pub max_agents: usize,
    /// MCP servers configured in one workspace (`FLIGHTDECK_MAX_MCP_SERVERS`, default 50, 1 to
    /// 10000).
    pub max_mcp_servers: usize,
    /// The operator's programs enabled across all workspaces, each one a process on every
    /// instance (`FLIGHTDECK_MAX_OPERATOR_PROGRAMS`, default 50, 1 to 10000).
    pub max_operator_programs: usize,
    /// Sync WebSockets one user may hold open on one instance
    /// (`FLIGHTDECK_MAX_SOCKETS_PER_USER`, default 20, 1 to 10000).
    pub max_sockets_per_user: usize,
    /// Long-polls, event streams, MCP gateway sessions and waiting gateway calls one agent token
    /// may hold open on one instance
    /// (`FLIGHTDECK_MAX_STREAMS_PER_TOKEN`, default 32, 1 to 10000).
    pub max_streams_per_token: usize,
    /// Passwords hashed or checked at once, each taking about 19 MiB
    /// (`FLIGHTDECK_PASSWORD_HASHING_PERMITS`, default: the available cores, 1 to 1024).
    pub hashing_permits: usize,
    /// How long a sign-in or sign-up waits for a hashing permit before it is answered 429
    /// "busy" (`FLIGHTDECK_PASSWORD_HASHING_WAIT_MS`, default 5000, 0 to 60000; 0 refuses at
    /// once when every permit is taken).
    pub hashing_wait: Duration,
    /// Failed sign-ins of one account before it backs off (`FLIGHTDECK_SIGNIN_BACKOFF_AFTER`,
    /// default 5, 1 to 1000).
    pub signin_backoff_after: u32,
    /// The first backoff, doubled with each further failure
    /// (`FLIGHTDECK_SIGNIN_BACKOFF_BASE_SECS`, default 1, 1 to 3600).
    pub signin_backoff_base: Duration,
    /// The longest backoff (`FLIGHTDECK_SIGNIN_BACKOFF_MAX_SECS`, default 900, from the base to
    /// 86400).
    pub signin_backoff_max: Duration,
    /// How long a request may take before it is answered 503 (`FLIGHTDECK_REQUEST_TIMEOUT_SECS`,
    /// default 30, 1 to 3600); the approval long-poll, the agent event stream and the sync
    /// WebSocket are exempt.
    pub request_timeout: Duration,
    /// How long a tool call the MCP gateway asks about waits for a decision before the
    /// approval expires (`FLIGHTDECK_MCP_ASK_DEADLINE_SECS`, default 3600, 10 to 2592000).
    pub mcp_ask_deadline: Duration,
    /// How long the gateway waits for an upstream server's answer to a forwarded call, reset by
    /// each progress notification (`FLIGHTDECK_MCP_CALL_TIMEOUT_SECS`, default 120, 1 to 86400).
    pub mcp_call_timeout: Duration,
}

impl Limits {
    /// Reads the limit variables through `get` (empty values already count as unset).
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let count = |var, expected, range, default| {
            ranged(get, var, expected, range, default).map(|value| value as usize)
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
        let backoff_base = ranged(
            get,
            "FLIGHTDECK_SIGNIN_BACKOFF_BASE_SECS",
            "a whole number of seconds from 1 to 3600",
            1..=3600,
            1,
        )?;
        let backoff_max = ranged(
            get,
            "FLIGHTDECK_SIGNIN_BACKOFF_MAX_SECS",
            "a whole number of seconds from 1 to 86400, at least FLIGHTDECK_SIGNIN_BACKOFF_BASE_SECS",
            1..=86_400,
            900,
        )?;
        if backoff_max < backoff_base {
            return Err(ConfigError::Invalid {
                var: "FLIGHTDECK_SIGNIN_BACKOFF_MAX_SECS",
                value: backoff_max.to_string(),
                expected: "at least FLIGHTDECK_SIGNIN_BACKOFF_BASE_SECS",
            });
        }
        Ok(Self {
            max_widgets: count(
                "FLIGHTDECK_MAX_WIDGETS",
                "a whole number of widgets from 1 to 10000",
                1..=10_000,
                100,
            )?,
            max_fleet_items: count(
                "FLIGHTDECK_MAX_FLEET_ITEMS",
                "a whole number of items from 100 to 1000000",
                100..=1_000_000,
                1000,
            )?,
            max_agents: count(
                "FLIGHTDECK_MAX_AGENTS",
                "a whole number of agents from 1 to 100000",
                1..=100_000,
                200,
            )?,
            max_mcp_servers: count(
                "FLIGHTDECK_MAX_MCP_SERVERS",
                "a whole number of servers from 1 to 10000",
                1..=10_000,
                50,
            )?,
            max_operator_programs: count(
                "FLIGHTDECK_MAX_OPERATOR_PROGRAMS",
                "a whole number of programs from 1 to 10000",
                1..=10_000,
                50,
            )?,
            max_sockets_per_user: count(
                "FLIGHTDECK_MAX_SOCKETS_PER_USER",
                "a whole number of connections from 1 to 10000",
                1..=10_000,
                20,
            )?,
            max_streams_per_token: count(
                "FLIGHTDECK_MAX_STREAMS_PER_TOKEN",
                "a whole number of streams from 1 to 10000",
                1..=10_000,
                32,
            )?,
            hashing_permits: count(
                "FLIGHTDECK_PASSWORD_HASHING_PERMITS",
                "a whole number of permits from 1 to 1024",
                1..=1024,
                cores.min(1024),
            )?,
            hashing_wait: Duration::from_millis(ranged(
                get,
                "FLIGHTDECK_PASSWORD_HASHING_WAIT_MS",
                "a whole number of milliseconds from 0 to 60000",
                0..=60_000,
                5000,
            )?),
            signin_backoff_after: ranged(
                get,
                "FLIGHTDECK_SIGNIN_BACKOFF_AFTER",
                "a whole number of failures from 1 to 1000",
                1..=1000,
                5,
            )? as u32,
            signin_backoff_base: Duration::from_secs(backoff_base),
            signin_backoff_max: Duration::from_secs(backoff_max),
            request_timeout: Duration::from_secs(ranged(
                get,
                "FLIGHTDECK_REQUEST_TIMEOUT_SECS",
                "a whole number of seconds from 1 to 3600",
                1..=3600,
                30,
            )?),
            mcp_ask_deadline: Duration::from_secs(ranged(
                get,
                "FLIGHTDECK_MCP_ASK_DEADLINE_SECS",
                "a whole number of seconds from 10 to 2592000",
                10..=2_592_000,
                3600,
            )?),
            mcp_call_timeout: Duration::from_secs(ranged(
                get,
                "FLIGHTDECK_MCP_CALL_TIMEOUT_SECS",
                "a whole number of seconds from 1 to 86400",
                1..=86_400,
                120,
            )?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<Limits, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        Limits::from_lookup(&|name: &str| map.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn the_defaults_are_documented_ones() {
        let limits = read(&[]).unwrap();
        assert_eq!(limits.max_widgets, 100);
        assert_eq!(limits.max_fleet_items, 1000);
        assert_eq!(limits.max_agents, 200);
        assert_eq!(limits.max_mcp_servers, 50);
        assert_eq!(limits.max_operator_programs, 50);
        assert_eq!(limits.max_sockets_per_user, 20);
        assert_eq!(limits.max_streams_per_token, 32);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(limits.hashing_permits, cores);
        assert_eq!(limits.hashing_wait, Duration::from_secs(5));
        assert_eq!(limits.signin_backoff_after, 5);
        assert_eq!(limits.signin_backoff_base, Duration::from_secs(1));
        assert_eq!(limits.signin_backoff_max, Duration::from_secs(900));
        assert_eq!(limits.request_timeout, Duration::from_secs(30));
    }

    #[test]
    fn every_variable_is_read_and_checked() {
        let limits = read(&[
            ("FLIGHTDECK_MAX_WIDGETS", "3"),
            ("FLIGHTDECK_MAX_FLEET_ITEMS", "150"),
            ("FLIGHTDECK_MAX_AGENTS", "2"),
            ("FLIGHTDECK_MAX_MCP_SERVERS", "1"),
            ("FLIGHTDECK_MAX_OPERATOR_PROGRAMS", "6"),
            ("FLIGHTDECK_MAX_SOCKETS_PER_USER", "4"),
            ("FLIGHTDECK_MAX_STREAMS_PER_TOKEN", "5"),
            ("FLIGHTDECK_PASSWORD_HASHING_PERMITS", "1"),
            ("FLIGHTDECK_PASSWORD_HASHING_WAIT_MS", "0"),
            ("FLIGHTDECK_SIGNIN_BACKOFF_AFTER", "3"),
            ("FLIGHTDECK_SIGNIN_BACKOFF_BASE_SECS", "60"),
            ("FLIGHTDECK_SIGNIN_BACKOFF_MAX_SECS", "600"),
            ("FLIGHTDECK_REQUEST_TIMEOUT_SECS", "2"),
            ("FLIGHTDECK_MCP_ASK_DEADLINE_SECS", "60"),
            ("FLIGHTDECK_MCP_CALL_TIMEOUT_SECS", "7"),
        ])
        .unwrap();
        assert_eq!(
            limits,
            Limits {
                max_widgets: 3,
                max_fleet_items: 150,
                max_agents: 2,
                max_mcp_servers: 1,
                max_operator_programs: 6,
                max_sockets_per_user: 4,
                max_streams_per_token: 5,
                hashing_permits: 1,
                hashing_wait: Duration::ZERO,
                signin_backoff_after: 3,
                signin_backoff_base: Duration::from_secs(60),
                signin_backoff_max: Duration::from_secs(600),
                request_timeout: Duration::from_secs(2),
                mcp_ask_deadline: Duration::from_secs(60),
                mcp_call_timeout: Duration::from_secs(7),
            }
        );
        for (vars, named) in [
            (
                vec![("FLIGHTDECK_MAX_WIDGETS", "0")],
                "FLIGHTDECK_MAX_WIDGETS",
            ),
            (
                vec![("FLIGHTDECK_MAX_FLEET_ITEMS", "99")],
                "FLIGHTDECK_MAX_FLEET_ITEMS",
            ),
            (
                vec![("FLIGHTDECK_MAX_AGENTS", "many")],
                "FLIGHTDECK_MAX_AGENTS",
            ),
            (
                vec![("FLIGHTDECK_MAX_MCP_SERVERS", "-1")],
                "FLIGHTDECK_MAX_MCP_SERVERS",
            ),
            (
                vec![("FLIGHTDECK_MAX_SOCKETS_PER_USER", "0")],
                "FLIGHTDECK_MAX_SOCKETS_PER_USER",
            ),
            (
                vec![("FLIGHTDECK_MAX_STREAMS_PER_TOKEN", "10001")],
                "FLIGHTDECK_MAX_STREAMS_PER_TOKEN",
            ),
            (
                vec![("FLIGHTDECK_PASSWORD_HASHING_PERMITS", "0")],
                "FLIGHTDECK_PASSWORD_HASHING_PERMITS",
            ),
            (
                vec![("FLIGHTDECK_PASSWORD_HASHING_WAIT_MS", "60001")],
                "FLIGHTDECK_PASSWORD_HASHING_WAIT_MS",
            ),
            (
                vec![("FLIGHTDECK_SIGNIN_BACKOFF_AFTER", "0")],
                "FLIGHTDECK_SIGNIN_BACKOFF_AFTER",
            ),
            (
                vec![
                    ("FLIGHTDECK_SIGNIN_BACKOFF_BASE_SECS", "60"),
                    ("FLIGHTDECK_SIGNIN_BACKOFF_MAX_SECS", "30"),
                ],
                "FLIGHTDECK_SIGNIN_BACKOFF_MAX_SECS",
            ),
            (
                vec![("FLIGHTDECK_REQUEST_TIMEOUT_SECS", "0")],
                "FLIGHTDECK_REQUEST_TIMEOUT_SECS",
            ),
        ] {
            let err = read(&vars).unwrap_err();
            assert!(err.to_string().starts_with(&format!("{named}=")), "{err}");
        }
    }
}
