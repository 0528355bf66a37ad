//! The state every handler shares: the configuration, the records database, Redis when
//! configured, the dashboard-state store and the session store, all connected and migrated
//! before the server listens.

use crate::auth::sessions::Sessions;
use crate::config::Config;
use crate::dashboard::store::StateStore;
use crate::fleet::store::FleetStore;
use crate::hot::Hot;
use crate::records::Records;
use crate::sync::hub::Hub;
use crate::sync::live::Live;
use anyhow::{bail, Context};
use std::path::Path;
use std::sync::Arc;

/// Shared, cheaply cloned server state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// Users, workspaces, settings, audit log (SQLite or PostgreSQL).
    pub records: Records,
    /// Redis, when `REDIS_URL` is set.
    pub hot: Option<Hot>,
    /// Dashboard states (Redis when set, else the records database).
    pub states: StateStore,
    /// Sessions (Redis when set, else the records database).
    pub sessions: Sessions,
    /// Fan-out of live updates (Redis pub/sub when set, else in memory).
    pub hub: Hub,
    /// This instance's live figures and metrics tickers.
    pub live: Live,
    /// The agent-data cache the widgets read (Redis when set, else memory).
    pub fleet: FleetStore,
    /// Requests to addresses users typed (health checks, MCP over HTTP), under the egress
    /// policy.
    pub egress: crate::egress::Egress,
    /// This instance's MCP connections.
    pub mcp: crate::mcp::manager::Mcp,
    /// This instance's Prometheus metrics (`GET /metrics`).
    pub metrics: crate::server::metrics::Metrics,
    /// The hours this instance has counted each agent up in (so a heartbeat writes once an hour).
    pub up_hours: crate::analytics::store::UpHours,
    /// What this instance holds open per user and agent token, and the sign-in backoff.
    pub quotas: crate::quota::Quotas,
    /// The MCP gateway's sessions on this instance and its compiled policies.
    pub gateway: crate::mcp::gateway::sessions::Shared,
}

impl AppState {
    /// Prepares the data directory, connects to every store and brings schemas up to date.
    pub async fn connect(config: Config) -> anyhow::Result<Self> {
        prepare_data_dir(&config.data_dir)?;
        let hot = match &config.redis_url {
            Some(url) => Some(Hot::connect(url, &config.redis_prefix).await?),
            None => None,
        };
        let records = Records::connect(&config, hot.as_ref()).await?;
        let states = StateStore::new(&records, hot.as_ref(), config.state_ttl);
        let sessions = Sessions::new(&records, hot.as_ref())
            .await
            .context("cannot prepare the session store")?;
        let hub = Hub::start(hot.as_ref())
            .await
            .context("cannot start the sync hub")?;
        tracing::info!(
            records = records.kind(),
            dashboard_states = states.kind(),
            sessions = if hot.is_some() {
                "redis"
            } else {
                records.kind()
            },
            hub = hub.kind(),
            fleet_cache = if hot.is_some() { "redis" } else { "memory" },
            "stores ready"
        );
        let fleet = FleetStore::new(
            hot.as_ref(),
            config.cache_ttl,
            config.limits.max_fleet_items,
        );
        let offered =
            crate::mcp::operator::OperatorServers::load(config.security.mcp_config.as_deref())?;
        let egress =
            crate::egress::Egress::new(config.egress.policy(), config.egress.on_demand_every)
                .context("cannot build the egress HTTP client")?;
        let limits = &config.limits;
        crate::auth::password::limit(limits.hashing_permits, limits.hashing_wait);
        let quotas = crate::quota::Quotas::new(limits);
        let mcp = crate::mcp::manager::Mcp::new(
            config.mcp_connect_timeout,
            config.mcp_backoff_ms,
            Some(hub.clone()),
            offered,
            egress.clone(),
        );
        Ok(Self {
            quotas,
            gateway: crate::mcp::gateway::sessions::Shared::default(),
            mcp,
            fleet,
            egress,
            config: Arc::new(config),
            records,
            hot,
            states,
            sessions,
            hub,
            live: Live::default(),
            metrics: Default::default(),
            up_hours: Default::default(),
        })
    }
}

fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!(
            "FLIGHTDECK_DATA_DIR={} is a file, not a directory",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create FLIGHTDECK_DATA_DIR={}", dir.display()))
}
