//! OpenTelemetry GenAI traces in: an agent already instrumented with OpenTelemetry (OpenLLMetry,
//! OpenLIT, the GenAI instrumentations of the OpenAI, Anthropic and LangChain SDKs) fills the
//! analytics and the activity feed by exporting OTLP/HTTP to `/v1/traces` with its agent token
//! (see [`api`]). This file is the pure part: which spans are GenAI, and what each becomes.
//!
//! - A model call (`gen_ai.operation.name` `chat`, `text_completion`, `generate_content`,
//!   `embeddings`, or a span of an instrumentation older than that attribute) becomes a usage
//!   event: a call with its model, tokens (input + output), latency, error and conversation.
//! - An `execute_tool` span becomes an activity line.
//! - An agent span (`invoke_agent`, `create_agent`) is GenAI but not a call: the model calls
//!   inside it are, and counting both would count its tokens twice.
//! - Anything else (HTTP, database spans of the same app) is not GenAI: counted and dropped.
//!
//! Both the current attribute names and the older ones instrumentations still send are read
//! (`gen_ai.usage.input_tokens` or `gen_ai.usage.prompt_tokens` or `llm.usage.prompt_tokens`).

pub mod api;

use crate::analytics::{UsageEvent, UsageKind, MAX_AGE_MS, MAX_SKEW_MS};
use crate::fleet::ActivityReport;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue};
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::Span;

/// The longest model name, conversation id and tool name kept (as the usage API checks them).
const MAX_MODEL: usize = 100;
const MAX_CONVERSATION: usize = 200;
/// The longest latency a call may have (the usage API's limit, an hour).
const MAX_LATENCY_MS: u64 = 3_600_000;
/// The most tokens one call may report (the usage API's limit).
const MAX_TOKENS: u64 = 10_000_000;

/// What one export request amounts to.
#[derive(Debug, Default, PartialEq)]
pub struct Intake {
    /// Model calls, each with its span's key (`trace:span`, hex) so a retry counts once.
    pub calls: Vec<(String, UsageEvent)>,
    /// Tool runs for the activity feed, with their span's key.
    pub tools: Vec<(String, ActivityReport)>,
    /// GenAI spans that are not counted themselves (agent spans).
    pub agent_spans: usize,
    /// Spans that are not GenAI.
    pub dropped: usize,
    /// Spans refused (bad ids, times out of range), with the first reason.
    pub rejected: usize,
    /// Why the first refused span was refused.
    pub first_rejection: Option<String>,
}

impl Intake {
    /// Maps every span of an export request, checking times against `now` (ms).
    pub fn of(request: &ExportTraceServiceRequest, now: i64) -> Self {
        let mut intake = Self::default();
        for resource in &request.resource_spans {
            let service = resource
                .resource
                .as_ref()
                .and_then(|resource| text(&resource.attributes, &["service.name"]));
            for scope in &resource.scope_spans {
                for span in &scope.spans {
                    match map(span, service, now) {
                        Ok(Mapped::Call(key, event)) => intake.calls.push((key, event)),
                        Ok(Mapped::Tool(key, line)) => intake.tools.push((key, line)),
                        Ok(Mapped::Agent) => intake.agent_spans += 1,
                        Ok(Mapped::NotGenAi) => intake.dropped += 1,
                        Err(why) => {
                            intake.rejected += 1;
                            intake.first_rejection.get_or_insert(why);
                        }
                    }
                }
            }
        }
        intake
    }

    /// How many spans the request held.
    pub fn spans(&self) -> usize {
        self.calls.len() + self.tools.len() + self.agent_spans + self.dropped + self.rejected
    }
}

/// What one span becomes.
#[derive(Debug, PartialEq)]
enum Mapped {
    Call(String, UsageEvent),
    Tool(String, ActivityReport),
    Agent,
    NotGenAi,
}

fn map(span: &Span, service: Option<&str>, now: i64) -> Result<Mapped, String> {
    let attrs = &span.attributes;
    let operation = text(attrs, &["gen_ai.operation.name", "llm.request.type"]);
    let genai = operation.is_some()
        || attrs
            .iter()
            .any(|kv| kv.key.starts_with("gen_ai.") || kv.key.starts_with("llm."));
    if !genai {
        return Ok(Mapped::NotGenAi);
    }
    if matches!(operation, Some("invoke_agent" | "create_agent")) {
        return Ok(Mapped::Agent);
    }
    let key = key(span)?;
    let (start, latency) = times(span, now)?;
    let failed = span
        .status
        .as_ref()
        .is_some_and(|status| status.code == StatusCode::Error as i32)
        || text(attrs, &["error.type"]).is_some();
    if operation == Some("execute_tool") {
        let tool = text(attrs, &["gen_ai.tool.name"]).unwrap_or(&span.name);
        let who = text(attrs, &["gen_ai.agent.name"]).or(service);
        let outcome = if failed { "failed after" } else { "ran in" };
        let mut line = format!("Tool {} {outcome} {latency} ms", clip(tool, 200));
        if let Some(who) = who {
            line = format!("{} · {line}", clip(who, 100));
        }
        return Ok(Mapped::Tool(key, ActivityReport { text: line }));
    }
    let model = text(
        attrs,
        &[
            "gen_ai.response.model",
            "gen_ai.request.model",
            "llm.response.model",
            "llm.request.model",
        ],
    )
    .map(|model| clip(model, MAX_MODEL).to_owned());
    let input = number(
        attrs,
        &[
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.prompt_tokens",
            "llm.usage.prompt_tokens",
        ],
    );
    let output = number(
        attrs,
        &[
            "gen_ai.usage.output_tokens",
            "gen_ai.usage.completion_tokens",
            "llm.usage.completion_tokens",
        ],
    );
    let tokens = match (input, output) {
        (None, None) => number(attrs, &["llm.usage.total_tokens"]).unwrap_or(0),
        (input, output) => input.unwrap_or(0).saturating_add(output.unwrap_or(0)),
    };
    if tokens > MAX_TOKENS {
        return Err(format!(
            "span {key}: {tokens} tokens is over the {MAX_TOKENS} a call may report"
        ));
    }
    let conversation_id = text(attrs, &["gen_ai.conversation.id"])
        .filter(|id| !id.is_empty())
        .map(|id| clip(id, MAX_CONVERSATION).to_owned());
    Ok(Mapped::Call(
        key,
        UsageEvent {
            kind: UsageKind::Call,
            at: Some(start),
            model: model.filter(|model| !model.trim().is_empty()),
            tokens,
            latency_ms: Some(latency),
            error: failed,
            conversation_id,
        },
    ))
}

/// `trace:span` in hex, after checking both ids' lengths (16 and 8 bytes, not all zero).
fn key(span: &Span) -> Result<String, String> {
    let valid = |id: &[u8], len: usize| id.len() == len && id.iter().any(|byte| *byte != 0);
    if !valid(&span.trace_id, 16) || !valid(&span.span_id, 8) {
        return Err(format!(
            "span {:?}: traceId must be 16 bytes and spanId 8, not all zero",
            span.name
        ));
    }
    Ok(format!(
        "{}:{}",
        hex::encode(&span.trace_id),
        hex::encode(&span.span_id)
    ))
}

/// The span's start (ms) and duration (ms), checked as the usage API checks its events.
fn times(span: &Span, now: i64) -> Result<(i64, u64), String> {
    let start = (span.start_time_unix_nano / 1_000_000) as i64;
    let end = (span.end_time_unix_nano / 1_000_000) as i64;
    if span.start_time_unix_nano == 0 || span.end_time_unix_nano < span.start_time_unix_nano {
        return Err(format!(
            "span {:?}: startTimeUnixNano must be set and not after endTimeUnixNano",
            span.name
        ));
    }
    if start > now + MAX_SKEW_MS || start < now - MAX_AGE_MS {
        return Err(format!(
            "span {:?}: starts more than 5 minutes ahead of the server's clock or more than 400 days ago",
            span.name
        ));
    }
    let latency = (end - start) as u64;
    if latency > MAX_LATENCY_MS {
        return Err(format!("span {:?}: lasts more than an hour", span.name));
    }
    Ok((start, latency))
}

/// The first of `keys` that is a string attribute.
fn text<'a>(attrs: &'a [KeyValue], keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|key| {
        attrs.iter().find(|kv| kv.key == *key).and_then(|kv| {
            match kv.value.as_ref()?.value.as_ref()? {
                any_value::Value::StringValue(text) => Some(text.as_str()),
                _ => None,
            }
        })
    })
}

/// The first of `keys` that is a non-negative number (an int, a whole double, or digits).
fn number(attrs: &[KeyValue], keys: &[&str]) -> Option<u64> {
    keys.iter().find_map(|key| {
        attrs.iter().find(|kv| kv.key == *key).and_then(|kv| {
            match kv.value.as_ref()?.value.as_ref()? {
                any_value::Value::IntValue(n) => u64::try_from(*n).ok(),
                any_value::Value::DoubleValue(n) if *n >= 0.0 && n.fract() == 0.0 => {
                    Some(*n as u64)
                }
                any_value::Value::StringValue(digits) => digits.trim().parse().ok(),
                _ => None,
            }
        })
    })
}

/// At most `max` bytes of `text`, cut on a character boundary.
fn clip(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests;
