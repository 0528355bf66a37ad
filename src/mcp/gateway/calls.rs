//! A call to an upstream tool: resolved from its gateway name, decided by the workspace's
//! policy (recorded, audited, counted), then forwarded, refused, or asked about.

use super::{ask, forward::forward, names, refused, Gateway};
use crate::agents::api::AgentAuth;
use crate::analytics::Counts;
use crate::approvals::{Gate, Risk};
use crate::audit::NewEntry;
use crate::policies::decide::{Call, Hints, Verdict};
use crate::policies::store::NewCall;
use crate::policies::Effect;
use crate::records::now_ms;
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, Tool};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use serde_json::{json, Value};

impl Gateway {
    /// The workspace's upstream tools, named for the gateway.
    pub(super) fn upstream_tools(&self, workspace_id: &str) -> Vec<Tool> {
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
    pub(super) async fn gated(
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
    pub(super) async fn decide(
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
