//! Flightdeck as an MCP server at `/mcp` (streamable HTTP, `rmcp`'s server side), for any MCP
//! client with an agent's bearer token. Each session belongs to the agent that opened it.
//!
//! - `tools/list`: the tools of the workspace's connected upstream servers as `server__tool`
//!   (their schemas and annotations kept), and two of Flightdeck's own: `approval_prompt`
//!   (Claude Code's `--permission-prompt-tool`) and `request_approval` (any agent).
//! - `tools/call`: the workspace's policy decides ([`crate::policies`]). `allow` forwards the
//!   call; `deny` is an MCP error; `ask` becomes an approval that holds the request open, with
//!   progress notifications, until an operator decides, then forwards exactly the approved
//!   (possibly edited) arguments and follows the run to its end ([`ask`]). Every gated call is
//!   recorded for the dry run, audited and counted as a tool run.
//! - `notifications/tools/list_changed` goes out when an upstream server's tools change.

mod ask;
mod names;
mod prompt;

pub use names::check_arguments;

use super::manager::Connected;
use super::McpClient;
use crate::agents::api::AgentAuth;
use crate::analytics::Counts;
use crate::approvals::{Gate, Risk, RunReport, RunStatus};
use crate::audit::NewEntry;
use crate::policies::decide::{Call, CompiledCache, Hints, Verdict};
use crate::policies::store::NewCall;
use crate::policies::Effect;
use crate::records::now_ms;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::StreamExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CancelledNotificationParam,
    ClientRequest, ContentBlock, Implementation, InitializeRequestParams, InitializeResult,
    JsonObject, ListToolsResult, PaginatedRequestParams, ProgressNotificationParam,
    ProtocolVersion, Request as McpRequest, ServerCapabilities, ServerConfig, ServerResult, Tool,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RequestContext};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{json, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::task::AbortHandle;

/// Largest MCP message a client may send.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// This instance's gateway sessions (for the Agents page) and compiled policies.
#[derive(Clone, Debug, Default)]
pub struct Shared {
    clients: Arc<Mutex<HashMap<u64, (String, McpClient)>>>,
    next: Arc<AtomicU64>,
    /// Each workspace's policy, compiled once per revision.
    pub policies: CompiledCache,
}

/// A session's place in [`Shared`]; dropping it removes the session. Both are told on the
/// workspace's `agent_state` topic, so the Agents page lists who is connected.
struct Registration {
    shared: Shared,
    key: u64,
    hub: crate::sync::hub::Hub,
    workspace_id: String,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.shared.lock().remove(&self.key);
        tell(&self.hub, &self.workspace_id);
    }
}

fn tell(hub: &crate::sync::hub::Hub, workspace_id: &str) {
    let (hub, workspace_id) = (hub.clone(), workspace_id.to_owned());
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let event = json!({ "kind": "mcp_client" });
            let topic = crate::sync::Topic::AgentState;
            if let Err(err) = crate::sync::live::publish(&hub, &workspace_id, topic, &event).await {
                tracing::debug!("MCP client change not published: {err:#}");
            }
        });
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (String, McpClient)>> {
        self.clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The MCP clients connected to the workspace's gateway on this instance, oldest first.
    pub fn clients(&self, workspace_id: &str) -> Vec<McpClient> {
        let mut clients: Vec<McpClient> = self
            .lock()
            .values()
            .filter(|(ws, _)| ws == workspace_id)
            .map(|(_, client)| client.clone())
            .collect();
        clients.sort_by_key(|client| client.connected_at);
        clients
    }

    fn register(
        &self,
        hub: &crate::sync::hub::Hub,
        workspace_id: &str,
        client: McpClient,
    ) -> Registration {
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(key, (workspace_id.to_owned(), client));
        tell(hub, workspace_id);
        Registration {
            shared: self.clone(),
            key,
            hub: hub.clone(),
            workspace_id: workspace_id.to_owned(),
        }
    }
}

/// The `/mcp` route: agents by bearer token (401 with `WWW-Authenticate: Bearer` otherwise),
/// sessions in this instance's memory.
pub fn routes(state: &AppState) -> Router<AppState> {
    let for_sessions = state.clone();
    // The edge checks Host and cross-origin writes for every route already.
    let config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .with_max_request_body_bytes(MAX_BODY_BYTES);
    let service = StreamableHttpService::new(
        move || Ok(Gateway::new(for_sessions.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    Router::new()
        .route_service("/mcp", service)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate,
        ))
}

/// Middleware: the agent of the bearer token, for the handlers to find in the request.
async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    match AgentAuth::from_request_parts(&mut parts, &state).await {
        Ok(auth) => {
            parts.extensions.insert(auth);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(err) => {
            let mut response = err.into_response();
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"flightdeck\""),
            );
            response
        }
    }
}

/// One session's handler.
pub struct Gateway {
    state: AppState,
    session: Mutex<Option<Session>>,
}

struct Session {
    auth: AgentAuth,
    _slot: crate::quota::Slot,
    _registration: Registration,
    watcher: Option<AbortHandle>,
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(watcher) = &self.watcher {
            watcher.abort();
        }
    }
}

/// The agent of a request, from the middleware.
fn caller(extensions: &rmcp::model::Extensions) -> Result<AgentAuth, McpError> {
    extensions
        .get::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<AgentAuth>())
        .cloned()
        .ok_or_else(|| McpError::internal_error("the request has no agent", None))
}

/// An MCP error for a refusal a client should show as is.
fn refused(message: impl Into<Cow<'static, str>>) -> McpError {
    McpError::invalid_request(message, None)
}

impl Gateway {
    fn new(state: AppState) -> Self {
        Self {
            state,
            session: Mutex::new(None),
        }
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        self.session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The calling agent, who must be the one that opened the session.
    fn agent(&self, context: &RequestContext<RoleServer>) -> Result<AgentAuth, McpError> {
        let auth = caller(&context.extensions)?;
        match self.session().as_ref() {
            Some(session) if session.auth.agent.id != auth.agent.id => {
                Err(refused("this MCP session belongs to another agent"))
            }
            _ => Ok(auth),
        }
    }

    /// The workspace's upstream tools, named for the gateway.
    fn upstream_tools(&self, workspace_id: &str) -> Vec<Tool> {
        self.state
            .mcp
            .connected(workspace_id)
            .into_iter()
            .flat_map(|server| {
                let name = server.name;
                server.tools.into_iter().map(move |mut tool| {
                    tool.name = names::gateway_name(&name, &tool.name).into();
                    tool
                })
            })
            .collect()
    }

    /// A call to an upstream tool, as the policy decides.
    async fn gated(
        &self,
        auth: &AgentAuth,
        request: CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        let connected = self.state.mcp.connected(&auth.workspace_id);
        let server_names: Vec<&str> = connected.iter().map(|s| s.name.as_str()).collect();
        let (server_name, tool_name) = names::resolve(&request.name, &server_names)
            .ok_or_else(|| {
                McpError::invalid_params(
                    format!(
                        "no tool {} here: the gateway's tools are server__tool for the workspace's connected MCP servers",
                        request.name
                    ),
                    None,
                )
            })?;
        let upstream = connected
            .iter()
            .find(|server| server.name == server_name)
            .ok_or_else(|| McpError::internal_error("the server went away", None))?;
        let tool = upstream
            .tools
            .iter()
            .find(|tool| tool.name == tool_name)
            .ok_or_else(|| {
                McpError::invalid_params(format!("{server_name} offers no tool {tool_name}"), None)
            })?;
        let arguments = Value::Object(request.arguments.clone().unwrap_or_default());
        let hints = Hints {
            read_only: tool.annotations.as_ref().and_then(|a| a.read_only_hint),
            destructive: tool.annotations.as_ref().and_then(|a| a.destructive_hint),
        };
        let (verdict, revision, rule) = self
            .decide(auth, server_name, tool_name, &arguments, hints)
            .await?;
        match verdict.effect {
            Effect::Allow => {
                forward(
                    &self.state,
                    auth,
                    upstream,
                    tool_name,
                    &arguments,
                    context,
                    None,
                )
                .await
            }
            Effect::Deny => Err(refused(format!(
                "{} denied by the workspace's policy ({rule}, revision {revision})",
                request.name
            ))),
            Effect::Ask => {
                let risk = if hints.read_only == Some(true) {
                    Risk::Low
                } else if hints.destructive == Some(false) {
                    Risk::Medium
                } else {
                    Risk::High
                };
                let asked = ask::Asked {
                    tool: request.name.to_string(),
                    arguments,
                    reason: format!("the policy asks: {rule}"),
                    risk,
                    gate: Gate {
                        server: server_name.to_owned(),
                        tool: tool_name.to_owned(),
                        rule,
                        revision,
                        original_arguments: None,
                    },
                };
                let approval = ask::ask(&self.state, auth, asked, context).await?;
                match approval.allowed {
                    Some(true) => {
                        ask::check_hash(&approval)?;
                        forward(
                            &self.state,
                            auth,
                            upstream,
                            tool_name,
                            &approval.arguments,
                            context,
                            Some(&approval.id),
                        )
                        .await
                    }
                    _ => Ok(CallToolResult::error(vec![ContentBlock::text(
                        ask::refusal_text(&approval),
                    )])),
                }
            }
        }
    }

    /// What the workspace's policy gives a call; recorded, audited and counted.
    async fn decide(
        &self,
        auth: &AgentAuth,
        server: &str,
        tool: &str,
        arguments: &Value,
        hints: Hints,
    ) -> Result<(Verdict, i64, String), McpError> {
        let internal = |err: anyhow::Error| {
            tracing::error!("gateway: {err:#}");
            McpError::internal_error("the gateway could not read the policy; try again", None)
        };
        let current = self
            .state
            .records
            .policy(&auth.workspace_id)
            .await
            .map_err(internal)?;
        let compiled = self
            .state
            .gateway
            .policies
            .get(&auth.workspace_id, current.revision, &current.policy)
            .map_err(|(field, message)| {
                McpError::internal_error(
                    format!("the stored policy is broken at {field}: {message}"),
                    None,
                )
            })?;
        let verdict = compiled.decide(&Call {
            agent: &auth.agent.name,
            server,
            tool,
            arguments,
            hints,
        });
        let rule = verdict
            .rule
            .and_then(|index| current.policy.rules.get(index))
            .map_or_else(
                || format!("default {}", current.policy.default.as_str()),
                |rule| {
                    format!(
                        "rule {}: {}",
                        verdict.rule.unwrap_or(0) + 1,
                        rule.describe()
                    )
                },
            );
        let call = NewCall {
            agent_id: &auth.agent.id,
            server,
            tool,
            arguments,
            hints,
            effect: verdict.effect,
            rule: verdict.rule,
            revision: current.revision,
        };
        let records = &self.state.records;
        records
            .record_call(&auth.workspace_id, &call)
            .await
            .map_err(internal)?;
        records
            .audit(NewEntry {
                workspace_id: Some(auth.workspace_id.clone()),
                agent_id: Some(auth.agent.id.clone()),
                action: "mcp.call",
                resource_type: "mcp_tool",
                resource_id: Some(names::gateway_name(server, tool)),
                after_state: Some(json!({ "effect": verdict.effect })),
                metadata: json!({
                    "server": server,
                    "tool": tool,
                    "rule": rule,
                    "revision": current.revision,
                    "argumentsSha256": crate::approvals::store::arguments_sha256(arguments),
                }),
                ..NewEntry::default()
            })
            .await
            .map_err(internal)?;
        // An asked call is counted as a tool run when its approval is stored.
        if verdict.effect != Effect::Ask {
            let counts = Counts {
                tool_runs: 1,
                approved: i64::from(verdict.effect == Effect::Allow),
                rejected: i64::from(verdict.effect == Effect::Deny),
                ..Counts::default()
            };
            if let Err(err) = records
                .add_usage(&auth.workspace_id, &auth.agent.id, now_ms(), &counts)
                .await
            {
                tracing::warn!("gated call not counted in analytics: {err:#}");
            }
        }
        Ok((verdict, current.revision, rule))
    }
}

/// Forwards a call upstream and returns its result, relaying its progress to the caller and,
/// for an approved call (`run`), recording the run: running with its progress, then succeeded
/// or failed. An upstream error or timeout is an MCP error.
async fn forward(
    state: &AppState,
    auth: &AgentAuth,
    upstream: &Connected,
    tool: &str,
    arguments: &Value,
    context: &RequestContext<RoleServer>,
    run: Option<&str>,
) -> Result<CallToolResult, McpError> {
    let report = |status, progress: Option<u8>, message: Option<String>, result| {
        let report = RunReport {
            status,
            progress,
            message,
            result,
        };
        async move {
            if let Some(id) = run {
                if let Err(err) = crate::approvals::events::report_run(
                    state,
                    &auth.workspace_id,
                    id,
                    &report,
                    Some(&auth.agent.id),
                )
                .await
                {
                    tracing::warn!(approval = id, "tool run not recorded: {err:#}");
                }
            }
        }
    };
    report(RunStatus::Running, Some(0), Some("forwarded".into()), None).await;
    let mut params = CallToolRequestParams::new(tool.to_owned());
    params.arguments = match arguments {
        Value::Object(map) => Some(map.clone()),
        _ => Some(JsonObject::new()),
    };
    let options = PeerRequestOptions::with_timeout(state.config.limits.mcp_call_timeout)
        .reset_timeout_on_progress();
    let handle = upstream
        .peer
        .send_cancellable_request(
            ClientRequest::CallToolRequest(McpRequest::new(params)),
            options,
        )
        .await
        .map_err(|err| McpError::internal_error(format!("{}: {err}", upstream.name), None))?;
    let request_id = handle.id.clone();
    // Subscribed once the request is out: a server sends its first progress after starting.
    let mut progress = upstream
        .progress
        .subscribe(handle.progress_token.clone())
        .await;
    let downstream = context.meta.get_progress_token();
    let answer = handle.await_response();
    tokio::pin!(answer);
    let outcome = loop {
        tokio::select! {
            outcome = &mut answer => break outcome,
            Some(step) = progress.next() => {
                if let Some(token) = &downstream {
                    let mut relayed = ProgressNotificationParam::new(token.clone(), step.progress);
                    relayed.total = step.total;
                    relayed.message = step.message.clone();
                    let _ = context.peer.notify_progress(relayed).await;
                }
                let percent = step
                    .total
                    .filter(|total| *total > 0.0)
                    .map(|total| (step.progress / total * 100.0).clamp(0.0, 100.0) as u8);
                report(RunStatus::Running, percent, step.message.clone(), None).await;
            }
            () = context.ct.cancelled() => {
                let reason = "the MCP client cancelled the call".to_owned();
                let _ = upstream
                    .peer
                    .notify_cancelled(CancelledNotificationParam::new(Some(request_id.clone()), Some(reason.clone())))
                    .await;
                report(RunStatus::Failed, None, Some(reason.clone()), None).await;
                return Err(McpError::internal_error(reason, None));
            }
        }
    };
    match outcome {
        Ok(ServerResult::CallToolResult(result)) => {
            let failed = result.is_error == Some(true);
            let status = if failed {
                RunStatus::Failed
            } else {
                RunStatus::Succeeded
            };
            report(status, Some(100), None, Some(summary(&result))).await;
            Ok(result)
        }
        Ok(_) => {
            report(
                RunStatus::Failed,
                None,
                Some("an answer that is not a tool result".into()),
                None,
            )
            .await;
            Err(McpError::internal_error(
                format!(
                    "{} answered with something that is not a tool result",
                    upstream.name
                ),
                None,
            ))
        }
        Err(err) => {
            let message = format!("{}: {err}", upstream.name);
            report(RunStatus::Failed, None, Some(message.clone()), None).await;
            Err(match err {
                rmcp::ServiceError::McpError(upstream_error) => upstream_error,
                _ => McpError::internal_error(message, None),
            })
        }
    }
}

/// The start of a result's text, for the run's summary.
fn summary(result: &CallToolResult) -> String {
    let text: String = result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.as_str()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut short: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        short.push('…');
    }
    short
}

impl ServerHandler for Gateway {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .build(),
        )
        .with_server_info(Implementation::new("flightdeck", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "Flightdeck's MCP gateway: your workspace's MCP servers' tools as server__tool, each call decided by the workspace's policy (allowed, denied, or held until an operator approves it). approval_prompt is Claude Code's --permission-prompt-tool; request_approval asks before any action of yours.",
        )
    }

    // Sessions (initialize, then Mcp-Session-Id) so that a session is one agent's, and the
    // client's name is known.
    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(ProtocolVersion::known_up_to(
            &ProtocolVersion::LATEST_WITH_INITIALIZE,
        ))
    }

    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, McpError> {
        let auth = caller(&context.extensions)?;
        // A session is one of the token's long-lived places, with its waiting calls, long-polls
        // and event streams.
        let most = self.state.config.limits.max_streams_per_token;
        let slot = self
            .state
            .quotas
            .agent_streams
            .take(&auth.agent.id, most)
            .ok_or_else(|| {
                refused(format!(
                    "this agent token already has {most} MCP sessions, waiting calls, long-polls and event streams open on this server, the most FLIGHTDECK_MAX_STREAMS_PER_TOKEN allows; close one"
                ))
            })?;
        context.peer.set_peer_info(request.clone());
        let client = McpClient {
            agent_id: auth.agent.id.clone(),
            agent_name: auth.agent.name.clone(),
            client_name: request.client_info.name.chars().take(100).collect(),
            client_version: request.client_info.version.chars().take(50).collect(),
            connected_at: now_ms(),
        };
        tracing::info!(agent = %auth.agent.name, client = %client.client_name, "MCP client connected to the gateway");
        let registration = self
            .state
            .gateway
            .register(&self.state.hub, &auth.workspace_id, client);
        *self.session() = Some(Session {
            auth,
            _slot: slot,
            _registration: registration,
            watcher: None,
        });
        self.negotiate_initialize(&request)
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        let Some(workspace_id) = self
            .session()
            .as_ref()
            .map(|session| session.auth.workspace_id.clone())
        else {
            return;
        };
        let mut changes = self.state.mcp.changes();
        let peer = context.peer.clone();
        let watcher = tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                let tell = match changes.recv().await {
                    Ok(changed) => changed == workspace_id,
                    Err(RecvError::Lagged(_)) => true,
                    Err(RecvError::Closed) => return,
                };
                if tell && peer.notify_tool_list_changed().await.is_err() {
                    return;
                }
            }
        });
        if let Some(session) = self.session().as_mut() {
            session.watcher = Some(watcher.abort_handle());
        }
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let auth = self.agent(&context)?;
        let mut tools = prompt::tools();
        tools.extend(self.upstream_tools(&auth.workspace_id));
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let auth = self.agent(&context)?;
        let result = match request.name.as_ref() {
            prompt::APPROVAL_PROMPT => {
                prompt::approval_prompt(self, &auth, request, &context).await?
            }
            prompt::REQUEST_APPROVAL => {
                prompt::request_approval(self, &auth, request, &context).await?
            }
            _ => self.gated(&auth, request, &context).await?,
        };
        Ok(result.into())
    }
}
