//! The health mesh: every agent with a health URL is checked on an interval, all at once, each
//! with its own timeout (the agent's `healthTimeoutMs`, else `HEALTH_CHECK_TIMEOUT_MS`), so one
//! hung or failing agent never delays another: a round lasts as long as its slowest timeout.
//! Every check goes through the egress policy ([`crate::egress`]). Results (healthy, degraded,
//! unreachable, timed out, refused, with latency) go to the fleet cache as kind `health` and out
//! on the workspace's `fleet` topic. With Redis, one instance per interval runs the round.

use super::Agent;
use crate::egress::{self, Egress};
use crate::fleet::service::put_and_publish;
use crate::fleet::{FleetItem, HealthResult, HealthState, Kind};
use crate::records::now_ms;
use crate::state::AppState;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// One agent to check.
#[derive(Clone, Debug)]
pub struct Target {
    /// Its workspace.
    pub workspace_id: String,
    /// The agent.
    pub agent: Agent,
    /// Its health URL.
    pub url: String,
    /// How long it may take.
    pub timeout: Duration,
}

/// Checks one URL through the egress policy: 2xx is healthy (unless its JSON says
/// `"status": "degraded"`), any other answer degraded, no connection unreachable, no answer
/// within `timeout` timed out, and an address the policy refuses refused. The result says why in
/// one word (or names the policy's rule), and a latency only for an answer: nothing more about
/// the target, so checks cannot map the server's network.
pub async fn check(egress: &Egress, url: &str, timeout: Duration) -> HealthResult {
    let started = Instant::now();
    let outcome = tokio::time::timeout(timeout, egress.get(url)).await;
    let latency_ms = started.elapsed().as_millis() as u64;
    let (state, error, latency_ms) = match outcome {
        Err(_) => (
            HealthState::TimedOut,
            "timeout".to_owned(),
            timeout.as_millis() as u64,
        ),
        Ok(Err(egress::Error::Refused(refusal))) => (HealthState::Refused, refusal.to_string(), 0),
        Ok(Err(_)) => (HealthState::Unreachable, "unreachable".to_owned(), 0),
        Ok(Ok(answer)) if !(200..300).contains(&answer.status) || says_degraded(&answer) => {
            (HealthState::Degraded, "degraded".to_owned(), latency_ms)
        }
        Ok(Ok(_)) => (HealthState::Healthy, String::new(), latency_ms),
    };
    HealthResult {
        state,
        latency_ms,
        error: (!error.is_empty()).then_some(error),
        checked_at: now_ms(),
    }
}

/// Whether a whole (not truncated) JSON body says `"status": "degraded"` (or unhealthy, error).
fn says_degraded(answer: &egress::Answer) -> bool {
    if answer.truncated {
        return false;
    }
    let status = serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|json| json.get("status")?.as_str().map(str::to_owned));
    matches!(status.as_deref(), Some("degraded" | "unhealthy" | "error"))
}

/// Checks every target at once (one task each) and returns when the last has answered or timed
/// out, in the targets' order.
pub async fn round(egress: &Egress, targets: Vec<Target>) -> Vec<(Target, HealthResult)> {
    let mut checks = JoinSet::new();
    for (i, target) in targets.iter().enumerate() {
        let egress = egress.clone();
        let url = target.url.clone();
        let timeout = target.timeout;
        checks.spawn(async move { (i, check(&egress, &url, timeout).await) });
    }
    let mut results: Vec<Option<HealthResult>> = vec![None; targets.len()];
    while let Some(done) = checks.join_next().await {
        if let Ok((i, result)) = done {
            results[i] = Some(result);
        }
    }
    targets
        .into_iter()
        .zip(results)
        .map(|(target, result)| {
            let result = result.unwrap_or_else(|| HealthResult {
                state: HealthState::Unreachable,
                latency_ms: 0,
                error: Some("unreachable".into()),
                checked_at: now_ms(),
            });
            (target, result)
        })
        .collect()
}

/// What the mesh checks: every agent with a health URL and a live token, or those of one
/// workspace.
pub async fn targets(state: &AppState, workspace_id: Option<&str>) -> anyhow::Result<Vec<Target>> {
    let default = state.config.health_timeout;
    Ok(state
        .records
        .health_targets()
        .await?
        .into_iter()
        .filter(|(workspace, _)| workspace_id.is_none_or(|only| only == workspace))
        .filter_map(|(workspace_id, agent)| {
            let url = agent.health_url.clone()?;
            let timeout = agent
                .health_timeout_ms
                .map_or(default, |ms| Duration::from_millis(ms.into()));
            Some(Target {
                workspace_id,
                agent,
                url,
                timeout,
            })
        })
        .collect())
}

/// Runs one round over `targets`, stores and publishes the results; returns them as fleet
/// items with the round's duration.
pub async fn run_round(state: &AppState, targets: Vec<Target>) -> (Duration, Vec<FleetItem>) {
    let started = Instant::now();
    let results = round(&state.egress, targets).await;
    let took = started.elapsed();
    let mut by_workspace: std::collections::BTreeMap<String, Vec<FleetItem>> = Default::default();
    for (target, result) in results {
        let item = FleetItem {
            kind: Kind::Health,
            key: target.agent.id.clone(),
            agent_id: target.agent.id,
            agent_name: target.agent.name,
            agent_role: target.agent.role,
            updated_at: result.checked_at,
            data: serde_json::to_value(&result).unwrap_or_default(),
        };
        by_workspace
            .entry(target.workspace_id)
            .or_default()
            .push(item);
    }
    let mut all = Vec::new();
    for (workspace_id, items) in by_workspace {
        let stored = put_and_publish(&state.fleet, &state.hub, &workspace_id, &items).await;
        if let Err(err) = stored {
            tracing::warn!("health results not stored: {err:#}");
        }
        all.extend(items);
    }
    (took, all)
}

/// The mesh, for as long as the server runs: a round every `HEALTH_CHECK_INTERVAL_SECS`.
pub async fn run(state: AppState) {
    let every = state.config.health_interval;
    // The first round soon after start (once the demo fleet has registered), then on the interval.
    let first = tokio::time::Instant::now() + every.min(Duration::from_secs(3));
    let mut ticks = tokio::time::interval_at(first, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if !won_round(&state, every).await {
            continue;
        }
        match targets(&state, None).await {
            Ok(targets) if targets.is_empty() => {}
            Ok(targets) => {
                let count = targets.len();
                let (took, items) = run_round(&state, targets).await;
                let healthy = items
                    .iter()
                    .filter(|item| item.data["state"] == "healthy")
                    .count();
                tracing::debug!(count, healthy, ?took, "health round");
            }
            Err(err) => tracing::warn!("health round skipped: {err:#}"),
        }
    }
}

/// With Redis, whether this instance runs this interval's round (the first to claim it does).
async fn won_round(state: &AppState, every: Duration) -> bool {
    let Some(hot) = &state.hot else {
        return true;
    };
    let mut conn = hot.conn.clone();
    let claimed: redis::RedisResult<Option<String>> = redis::cmd("SET")
        .arg(hot.key(&["health", "round"]))
        .arg(now_ms())
        .arg("NX")
        .arg("PX")
        .arg((every.as_millis() as u64).saturating_sub(50).max(1))
        .query_async(&mut conn)
        .await;
    // Redis unreachable: check anyway rather than leave the fleet unwatched.
    claimed.map_or(true, |claimed| claimed.is_some())
}
