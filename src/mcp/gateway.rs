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
mod calls;
mod forward;
mod names;
mod prompt;
pub mod sessions;

pub use names::check_arguments;
use sessions::Registration;

use super::McpClient;
use crate::agents::api::AgentAuth;
use crate::records::now_ms;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, InitializeRequestParams,
    InitializeResult, ListToolsResult, PaginatedRequestParams, ProtocolVersion, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use tokio::task::AbortHandle;

/// Largest MCP message a client may send.
const MAX_BODY_BYTES: usize = 1024 * 1024;

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
