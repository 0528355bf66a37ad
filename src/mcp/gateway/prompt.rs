//! Flightdeck's own tools on `/mcp`, decided by the same policies and queue as the gateway's
//! (their server is [`OWN_SERVER`], `flightdeck`):
//!
//! - `approval_prompt`, in the shape Claude Code's `--permission-prompt-tool` calls: input
//!   `{tool_name, input, tool_use_id}`, result one text block holding
//!   `{"behavior":"allow","updatedInput":{…}}` or `{"behavior":"deny","message":"…"}`;
//! - `request_approval {tool, arguments, reason, risk}` for any MCP-speaking agent that wants a
//!   human's yes before it acts: `{approved, status, arguments, comment, approvalId}`.

use super::{ask, Gateway};
use crate::agents::api::AgentAuth;
use crate::approvals::{Approval, Gate, Risk};
use crate::policies::decide::Hints;
use crate::policies::{Effect, OWN_SERVER};
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, JsonObject, Tool};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use schemars::JsonSchema;
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Value};
use std::sync::Arc;

/// Claude Code's permission prompt.
pub const APPROVAL_PROMPT: &str = "approval_prompt";
/// The plain approval request.
pub const REQUEST_APPROVAL: &str = "request_approval";

/// `approval_prompt` input, as Claude Code sends it.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PromptInput {
    /// The tool Claude Code wants to run (`Bash`, `Edit`, `mcp__server__tool`).
    pub tool_name: String,
    /// Its input.
    #[serde(default)]
    pub input: Value,
    /// Claude Code's id of this tool use.
    #[serde(default)]
    pub tool_use_id: Option<String>,
}

/// `request_approval` input.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// What the agent wants to do (1 to 200 characters).
    pub tool: String,
    /// With what.
    #[serde(default)]
    pub arguments: Value,
    /// Why, in the agent's words.
    #[serde(default)]
    pub reason: String,
    /// How risky (`low`, `medium`, `high`; default `medium`).
    #[serde(default)]
    pub risk: Option<Risk>,
}

fn schema<T: JsonSchema>() -> Arc<JsonObject> {
    let value = serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default();
    Arc::new(value.as_object().cloned().unwrap_or_default())
}

/// The two tools, as `tools/list` shows them.
pub fn tools() -> Vec<Tool> {
    vec![
        Tool::new(
            APPROVAL_PROMPT,
            "Claude Code's permission prompt (--permission-prompt-tool mcp__flightdeck__approval_prompt): asks Flightdeck's operators, under the workspace's policy, whether a tool may run; answers {\"behavior\":\"allow\",\"updatedInput\":{…}} or {\"behavior\":\"deny\",\"message\":\"…\"}.",
            schema::<PromptInput>(),
        ),
        Tool::new(
            REQUEST_APPROVAL,
            "Ask a human before an action: waits until the workspace's policy or an operator decides, and answers {approved, status, arguments (possibly edited by the operator: use these), comment, approvalId}.",
            schema::<RequestInput>(),
        ),
    ]
}

fn input<T: DeserializeOwned>(request: &CallToolRequestParams) -> Result<T, McpError> {
    let arguments = Value::Object(request.arguments.clone().unwrap_or_default());
    serde_json::from_value(arguments)
        .map_err(|err| McpError::invalid_params(format!("{}: {err}", request.name), None))
}

fn text(value: &Value) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(value.to_string())])
}

/// The policy's verdict on an agent's own tool, or the operator's after asking: the approval
/// when one was asked.
async fn decide_or_ask(
    gateway: &Gateway,
    auth: &AgentAuth,
    tool: &str,
    arguments: Value,
    reason: String,
    risk: Risk,
    context: &RequestContext<RoleServer>,
) -> Result<(Effect, String, Option<Approval>), McpError> {
    let (verdict, revision, rule) = gateway
        .decide(auth, OWN_SERVER, tool, &arguments, Hints::default())
        .await?;
    if verdict.effect != Effect::Ask {
        return Ok((verdict.effect, rule, None));
    }
    let asked = ask::Asked {
        tool: tool.to_owned(),
        arguments,
        reason,
        risk,
        gate: Gate {
            server: OWN_SERVER.to_owned(),
            tool: tool.to_owned(),
            rule: rule.clone(),
            revision,
            original_arguments: None,
        },
    };
    let approval = ask::ask(&gateway.state, auth, asked, context).await?;
    if approval.allowed == Some(true) {
        ask::check_hash(&approval)?;
    }
    Ok((Effect::Ask, rule, Some(approval)))
}

/// `approval_prompt`.
pub(super) async fn approval_prompt(
    gateway: &Gateway,
    auth: &AgentAuth,
    request: CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> Result<CallToolResult, McpError> {
    let prompt: PromptInput = input(&request)?;
    let reason = match &prompt.tool_use_id {
        Some(id) => format!(
            "Claude Code asks to run {} (tool use {id})",
            prompt.tool_name
        ),
        None => format!("Claude Code asks to run {}", prompt.tool_name),
    };
    let original = prompt.input.clone();
    let (effect, rule, approval) = decide_or_ask(
        gateway,
        auth,
        &prompt.tool_name,
        prompt.input,
        reason,
        Risk::High,
        context,
    )
    .await?;
    let answer = match (effect, approval) {
        (Effect::Allow, _) => json!({ "behavior": "allow", "updatedInput": original }),
        (Effect::Deny, _) => json!({
            "behavior": "deny",
            "message": format!("Denied by Flightdeck's policy ({rule})"),
        }),
        (Effect::Ask, Some(approval)) if approval.allowed == Some(true) => {
            json!({ "behavior": "allow", "updatedInput": approval.arguments })
        }
        (Effect::Ask, Some(approval)) => {
            json!({ "behavior": "deny", "message": ask::refusal_text(&approval) })
        }
        (Effect::Ask, None) => json!({ "behavior": "deny", "message": "not decided" }),
    };
    Ok(text(&answer))
}

/// `request_approval`.
pub(super) async fn request_approval(
    gateway: &Gateway,
    auth: &AgentAuth,
    request: CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> Result<CallToolResult, McpError> {
    let asked: RequestInput = input(&request)?;
    let original = asked.arguments.clone();
    let (effect, rule, approval) = decide_or_ask(
        gateway,
        auth,
        &asked.tool,
        asked.arguments,
        asked.reason,
        asked.risk.unwrap_or(Risk::Medium),
        context,
    )
    .await?;
    let answer = match approval {
        Some(approval) => json!({
            "approved": approval.allowed == Some(true),
            "status": approval.status,
            "arguments": approval.arguments,
            "comment": approval.comment,
            "approvalId": approval.id,
        }),
        None => json!({
            "approved": effect == Effect::Allow,
            "status": if effect == Effect::Allow { "allowed" } else { "denied" },
            "arguments": original,
            "comment": format!("decided by the policy ({rule})"),
            "approvalId": null,
        }),
    };
    let mut result = text(&answer);
    result.structured_content = Some(answer);
    Ok(result)
}
