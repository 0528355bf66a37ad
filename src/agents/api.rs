//! The agent registry's services behind `server_fns.rs`: admins register agents (the token is
//! shown once), everyone in the workspace lists them, admins revoke tokens, members who may
//! change shared things run the health check on demand. [`AgentAuth`] is how the `/api/v1`
//! agent API knows its caller, and [`rate_limited`] its per-token limit.

use super::store::{RegisterError, TokenCheck};
use super::{Agent, HealthRound, NewAgent, Registered, Revoked};
use crate::audit::redact::redact_url;
use crate::auth::api::Auth;
use crate::config::AgentRate;
use crate::http::{ApiError, Created};
use crate::quota::Refused;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Router;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

/// The rate-limit key of an agent request: its token's digest (requests without a token share
/// one key; they are refused anyway).
#[derive(Clone, Debug)]
struct TokenKey;

impl KeyExtractor for TokenKey {
    type Key = String;

    fn extract<T>(&self, request: &axum::http::Request<T>) -> Result<String, GovernorError> {
        Ok(request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|token| crate::records::digest(token.trim()))
            .unwrap_or_default())
    }
}

/// Limits every route of `router` per agent token (`AGENT_RATE_LIMIT_PER_MINUTE`, bursts of
/// `AGENT_RATE_LIMIT_BURST`): answers carry `X-RateLimit-Limit` and `X-RateLimit-Remaining`; one
/// over the limit gets 429 with `Retry-After` and `X-RateLimit-After` (seconds). The limit is
/// per instance.
pub fn rate_limited(router: Router<AppState>, rate: AgentRate) -> Router<AppState> {
    let burst = rate.burst;
    let config = GovernorConfigBuilder::default()
        .period(Duration::from_nanos(
            60_000_000_000 / u64::from(rate.per_minute),
        ))
        .burst_size(burst)
        .key_extractor(TokenKey)
        .use_headers()
        .finish()
        .expect("a valid agent rate limit (checked by Config)");
    // Forget idle tokens' buckets now and then, so revoked and unknown tokens do not pile up.
    let limiter = config.limiter().clone();
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(60));
            loop {
                ticks.tick().await;
                limiter.retain_recent();
            }
        });
    }
    router.layer(
        GovernorLayer::new(Arc::new(config)).error_handler(move |error| over_limit(error, burst)),
    )
}

fn over_limit(error: GovernorError, burst: u32) -> axum::response::Response {
    use axum::response::IntoResponse;
    match error {
        GovernorError::TooManyRequests { wait_time, headers } => {
            let wait_time = wait_time.max(1);
            let message = format!(
                "this agent token is over its rate limit of {burst} requests at once; try again in {wait_time} s"
            );
            let mut response =
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, message).into_response();
            let out = response.headers_mut();
            if let Some(headers) = headers {
                out.extend(headers);
            }
            out.insert(RETRY_AFTER, wait_time.into());
            out.insert("x-ratelimit-after", wait_time.into());
            out.insert("x-ratelimit-limit", burst.into());
            out.insert("x-ratelimit-remaining", 0.into());
            response
        }
        other => ApiError::internal(format!("rate limiter: {other}")).into_response(),
    }
}

/// POST /api/agents/health/check — an operator runs a health round of the workspace now:
/// `{durationMs, results}` (each result is also published on the `fleet` topic). At most once
/// per workspace every `FLIGHTDECK_HEALTH_CHECK_COOLDOWN_SECS` (per instance): 429 with
/// `Retry-After` otherwise.
pub async fn check_now(state: &AppState, auth: &Auth) -> Result<HealthRound, ApiError> {
    auth.require_shared_changes()?;
    let throttle = state.egress.on_demand();
    if let Err(wait) = throttle.try_now(&auth.workspace.id) {
        let wait = wait.as_secs_f64().ceil().max(1.0) as u64;
        let message = format!(
            "health checks on demand are limited to one per workspace every {} s (FLIGHTDECK_HEALTH_CHECK_COOLDOWN_SECS); try again in {wait} s",
            throttle.every().as_secs()
        );
        return Err(ApiError::retry_after(wait, message));
    }
    let targets = super::health::targets(state, Some(&auth.workspace.id)).await?;
    let (took, results) = super::health::run_round(state, targets).await;
    Ok(HealthRound {
        duration_ms: took.as_millis() as u64,
        results,
    })
}

/// The agent calling `/api/v1`, from its bearer token: 401 without one, with an unknown one, or
/// with a revoked one (each says which).
#[derive(Clone, Debug)]
pub struct AgentAuth {
    /// The agent.
    pub agent: Agent,
    /// Its workspace.
    pub workspace_id: String,
}

impl FromRequestParts<AppState> for AgentAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, message);
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                unauthorized("send the agent's token as Authorization: Bearer <token>")
            })?;
        match state.records.check_agent_token(token).await? {
            TokenCheck::Valid {
                agent,
                workspace_id,
            } => Ok(Self {
                agent,
                workspace_id,
            }),
            TokenCheck::Revoked => Err(unauthorized(
                "this token was revoked; ask an admin for a new registration",
            )),
            TokenCheck::Unknown => Err(unauthorized("this token is not valid")),
        }
    }
}

/// GET /api/agents — the workspace's agents (health URLs with their secrets hidden unless the
/// caller is an admin).
pub async fn list(state: &AppState, auth: &Auth) -> Result<Vec<Agent>, ApiError> {
    let mut agents = state.records.agents(&auth.workspace.id).await?;
    if !auth.role.can_manage_members() {
        for agent in &mut agents {
            agent.health_url = agent.health_url.as_deref().map(redact_url);
        }
    }
    Ok(agents)
}

/// POST /api/agents — 201 `{id, token, agent}`; the token is never shown again. A `healthUrl`
/// whose host is an IP address the egress policy refuses is a 400 naming the field and the
/// rule; a host name is checked only when it is resolved, at each check. 413 past
/// `FLIGHTDECK_MAX_AGENTS`.
pub async fn register(
    state: &AppState,
    auth: &Auth,
    new: NewAgent,
) -> Result<Created<Registered>, ApiError> {
    auth.require_admin("register agents or revoke their tokens")?;
    new.validate()
        .map_err(|(field, message)| ApiError::field(field, message))?;
    if let Some(url) = &new.health_url {
        state.egress.check_field("healthUrl", url)?;
    }
    let max = state.config.limits.max_agents;
    let (agent, token) = match state
        .records
        .register_agent(&auth.workspace.id, &new, max)
        .await
    {
        Ok(registered) => registered,
        Err(RegisterError::NameTaken) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                RegisterError::NameTaken.to_string(),
            ))
        }
        Err(full @ RegisterError::TooMany(_)) => {
            return Err(Refused::too_large(full.to_string()).into())
        }
        Err(RegisterError::Store(err)) => return Err(err.into()),
    };
    let mut entry = auth.entry("agent.register", "agent");
    entry.resource_id = Some(agent.id.clone());
    let health_url = agent.health_url.as_deref().map(redact_url);
    entry.after_state =
        Some(json!({ "name": agent.name, "role": agent.role, "healthUrl": health_url }));
    state.records.audit(entry).await?;
    Ok(Created(Registered {
        id: agent.id.clone(),
        token,
        agent,
    }))
}

/// DELETE /api/agents/{id}/token — `{success, revokedAt}`; 404 for an unknown agent. The
/// token's open event streams end and its long-polls answer 401 at once.
pub async fn revoke(state: &AppState, auth: &Auth, id: String) -> Result<Revoked, ApiError> {
    auth.require_admin("register agents or revoke their tokens")?;
    let agent = state
        .records
        .revoke_agent_token(&auth.workspace.id, &id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such agent"))?;
    // Its open event streams and long-polls end now, on every instance.
    super::streams::revoked(state, &agent.id).await;
    let mut entry = auth.entry("agent.token_revoke", "agent");
    entry.resource_id = Some(agent.id.clone());
    entry.after_state = Some(json!({ "revokedAt": agent.revoked_at }));
    state.records.audit(entry).await?;
    Ok(Revoked {
        success: true,
        revoked_at: agent.revoked_at,
    })
}
