//! Forwarding a call upstream: the upstream's progress relayed to the caller, an approved call's
//! run recorded from start to outcome, a cancelled call cancelled upstream.

use crate::agents::api::AgentAuth;
use crate::approvals::{RunReport, RunStatus};
use crate::mcp::manager::Connected;
use crate::state::AppState;
use futures_util::StreamExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, CancelledNotificationParam, ClientRequest, JsonObject,
    ProgressNotificationParam, Request as McpRequest, ServerResult,
};
use rmcp::service::{PeerRequestOptions, RequestContext};
use rmcp::{ErrorData as McpError, RoleServer};
use serde_json::Value;

/// How long a call's answer waits for the progress its upstream sent before it, when the steps
/// relayed are short of their total.
const TRAILING_PROGRESS: std::time::Duration = std::time::Duration::from_millis(200);

/// Whether a step is short of its total (`false` when the total is not known).
fn short_of_total(step: &ProgressNotificationParam) -> bool {
    step.total.is_some_and(|total| step.progress < total)
}

/// Forwards a call upstream and returns its result, relaying its progress to the caller and,
/// for an approved call (`run`), recording the run: running with its progress, then succeeded
/// or failed. An upstream error or timeout is an MCP error.
pub(super) async fn forward(
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
    // The caller hears each step, and an approved call's run shows it.
    let relay = |step: ProgressNotificationParam| {
        let downstream = &downstream;
        async move {
            if let Some(token) = downstream {
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
            short_of_total(&step)
        }
    };
    let mut short = false;
    let answer = handle.await_response();
    tokio::pin!(answer);
    let outcome = loop {
        tokio::select! {
            biased;
            Some(step) = progress.next() => short = relay(step).await,
            () = context.ct.cancelled() => {
                let reason = "the MCP client cancelled the call".to_owned();
                let _ = upstream
                    .peer
                    .notify_cancelled(CancelledNotificationParam::new(Some(request_id.clone()), Some(reason.clone())))
                    .await;
                report(RunStatus::Failed, None, Some(reason.clone()), None).await;
                return Err(McpError::internal_error(reason, None));
            }
            outcome = &mut answer => break outcome,
        }
    };
    // rmcp hands each notification to a task of its own but the answer straight to the caller, so
    // the upstream's last steps, sent before its answer, may arrive after it: relay those already
    // in, and while the steps seen are short of their total, wait a moment for the rest.
    loop {
        let wait = if short {
            TRAILING_PROGRESS
        } else {
            std::time::Duration::ZERO
        };
        match tokio::time::timeout(wait, progress.next()).await {
            Ok(Some(step)) => short = relay(step).await,
            _ => break,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_short_of_its_total_waits_for_the_rest_and_one_without_a_total_does_not() {
        let step = |progress, total| {
            let mut step = ProgressNotificationParam::new(
                rmcp::model::ProgressToken(rmcp::model::NumberOrString::Number(1)),
                progress,
            );
            step.total = total;
            step
        };
        assert!(short_of_total(&step(3.0, Some(4.0))));
        assert!(!short_of_total(&step(4.0, Some(4.0))));
        assert!(!short_of_total(&step(3.0, None)));
    }
}
