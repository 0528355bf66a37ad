//! What GenAI spans become: calls with the current and the older attribute names, tool runs,
//! agent spans, spans that are not GenAI, and refused ones.

use super::*;
use opentelemetry_proto::tonic::common::v1::AnyValue;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Status};

const NOW: i64 = 1_800_000_000_000;

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn s(key: &str, value: &str) -> KeyValue {
    kv(key, any_value::Value::StringValue(value.into()))
}

fn i(key: &str, value: i64) -> KeyValue {
    kv(key, any_value::Value::IntValue(value))
}

/// A span of `ms` milliseconds starting a minute before NOW, with id `n`.
fn span(n: u8, name: &str, ms: u64, attributes: Vec<KeyValue>) -> Span {
    let start = (NOW as u64 - 60_000) * 1_000_000;
    Span {
        trace_id: vec![7; 16],
        span_id: vec![n; 8],
        name: name.into(),
        start_time_unix_nano: start,
        end_time_unix_nano: start + ms * 1_000_000,
        attributes,
        ..Default::default()
    }
}

fn request(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![s("service.name", "support-bot")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

#[test]
fn a_chat_span_is_a_call_with_its_model_tokens_latency_and_conversation() {
    let intake = Intake::of(
        &request(vec![span(
            1,
            "chat gpt-4o",
            1_250,
            vec![
                s("gen_ai.operation.name", "chat"),
                s("gen_ai.request.model", "gpt-4o"),
                s("gen_ai.response.model", "gpt-4o-2024-08-06"),
                i("gen_ai.usage.input_tokens", 120),
                i("gen_ai.usage.output_tokens", 30),
                s("gen_ai.conversation.id", "conv-1"),
            ],
        )]),
        NOW,
    );
    assert_eq!(
        intake.calls,
        vec![(
            format!("{}:{}", "07".repeat(16), "01".repeat(8)),
            UsageEvent {
                kind: UsageKind::Call,
                at: Some(NOW - 60_000),
                model: Some("gpt-4o-2024-08-06".into()),
                tokens: 150,
                latency_ms: Some(1_250),
                error: false,
                conversation_id: Some("conv-1".into()),
            }
        )]
    );
    assert_eq!(intake.spans(), 1);
}

#[test]
fn older_attribute_names_are_read_too() {
    let intake = Intake::of(
        &request(vec![
            span(
                1,
                "openai.chat",
                10,
                vec![
                    s("gen_ai.system", "openai"),
                    s("gen_ai.request.model", "gpt-3.5-turbo"),
                    i("gen_ai.usage.prompt_tokens", 11),
                    i("gen_ai.usage.completion_tokens", 4),
                ],
            ),
            span(
                2,
                "anthropic.completion",
                10,
                vec![
                    s("llm.request.type", "completion"),
                    s("llm.request.model", "claude-2"),
                    kv(
                        "llm.usage.total_tokens",
                        any_value::Value::StringValue("42".into()),
                    ),
                ],
            ),
        ]),
        NOW,
    );
    let got: Vec<(Option<&str>, u64)> = intake
        .calls
        .iter()
        .map(|(_, event)| (event.model.as_deref(), event.tokens))
        .collect();
    assert_eq!(got, [(Some("gpt-3.5-turbo"), 15), (Some("claude-2"), 42)]);
}

#[test]
fn a_failed_call_is_an_error_by_status_or_error_type() {
    let mut failed = span(1, "chat", 5, vec![s("gen_ai.operation.name", "chat")]);
    failed.status = Some(Status {
        code: StatusCode::Error as i32,
        message: "rate limited".into(),
    });
    let typed = span(
        2,
        "chat",
        5,
        vec![
            s("gen_ai.operation.name", "chat"),
            s("error.type", "timeout"),
        ],
    );
    let fine = span(3, "chat", 5, vec![s("gen_ai.operation.name", "chat")]);
    let intake = Intake::of(&request(vec![failed, typed, fine]), NOW);
    let errors: Vec<bool> = intake.calls.iter().map(|(_, e)| e.error).collect();
    assert_eq!(errors, [true, true, false]);
}

#[test]
fn a_tool_span_is_an_activity_line_and_agent_spans_are_not_calls() {
    let intake = Intake::of(
        &request(vec![
            span(
                1,
                "execute_tool get_weather",
                85,
                vec![
                    s("gen_ai.operation.name", "execute_tool"),
                    s("gen_ai.tool.name", "get_weather"),
                    s("gen_ai.agent.name", "Weather agent"),
                ],
            ),
            span(
                2,
                "invoke_agent Weather agent",
                900,
                vec![
                    s("gen_ai.operation.name", "invoke_agent"),
                    i("gen_ai.usage.input_tokens", 500),
                ],
            ),
            span(
                3,
                "execute_tool",
                3,
                vec![s("gen_ai.operation.name", "execute_tool")],
            ),
        ]),
        NOW,
    );
    let lines: Vec<&str> = intake.tools.iter().map(|(_, l)| l.text.as_str()).collect();
    assert_eq!(
        lines,
        [
            "Weather agent · Tool get_weather ran in 85 ms",
            // No tool name: the span's; no agent name: the resource's service.
            "support-bot · Tool execute_tool ran in 3 ms",
        ]
    );
    assert!(intake.calls.is_empty());
    assert_eq!(intake.agent_spans, 1);
    for (_, line) in &intake.tools {
        line.validate().unwrap();
    }
}

#[test]
fn spans_that_are_not_genai_are_dropped() {
    let intake = Intake::of(
        &request(vec![
            span(1, "GET /health", 2, vec![s("http.request.method", "GET")]),
            span(2, "SELECT", 2, vec![]),
        ]),
        NOW,
    );
    assert_eq!((intake.dropped, intake.calls.len()), (2, 0));
}

#[test]
fn bad_ids_and_times_are_refused_with_the_first_reason() {
    let chat = || vec![s("gen_ai.operation.name", "chat")];
    let mut short_id = span(1, "short", 5, chat());
    short_id.span_id = vec![1; 4];
    let mut zero_trace = span(2, "zero", 5, chat());
    zero_trace.trace_id = vec![0; 16];
    let mut backwards = span(3, "backwards", 5, chat());
    backwards.end_time_unix_nano = backwards.start_time_unix_nano - 1;
    let mut future = span(4, "future", 5, chat());
    future.start_time_unix_nano = (NOW as u64 + 3_600_000) * 1_000_000;
    future.end_time_unix_nano = future.start_time_unix_nano;
    let long = span(5, "long", 3_600_001, chat());
    let mut huge = span(6, "huge", 5, chat());
    huge.attributes
        .push(i("gen_ai.usage.input_tokens", 20_000_000));
    let good = span(7, "good", 5, chat());
    let intake = Intake::of(
        &request(vec![
            short_id, zero_trace, backwards, future, long, huge, good,
        ]),
        NOW,
    );
    assert_eq!(intake.rejected, 6);
    assert_eq!(intake.calls.len(), 1);
    assert!(
        intake
            .first_rejection
            .as_deref()
            .unwrap()
            .contains("\"short\""),
        "{:?}",
        intake.first_rejection
    );
}

#[test]
fn every_call_passes_the_usage_apis_own_checks() {
    let long_model = "m".repeat(300);
    let intake = Intake::of(
        &request(vec![span(
            1,
            "chat",
            5,
            vec![
                s("gen_ai.operation.name", "chat"),
                s("gen_ai.request.model", &long_model),
                s("gen_ai.conversation.id", &"c".repeat(500)),
            ],
        )]),
        NOW,
    );
    let (_, event) = &intake.calls[0];
    event.validate(NOW, "").unwrap();
    assert_eq!(event.model.as_ref().unwrap().len(), MAX_MODEL);
}

#[test]
fn the_json_encoding_decodes_through_the_same_types() {
    // As the OTLP specification's JSON example writes it: hex ids, int64s as strings.
    let json = serde_json::json!({
        "resourceSpans": [{
            "resource": { "attributes": [{ "key": "service.name", "value": { "stringValue": "bot" } }] },
            "scopeSpans": [{
                "scope": { "name": "manual" },
                "spans": [{
                    "traceId": "5b8efff798038103d269b633813fc60c",
                    "spanId": "eee19b7ec3c1b174",
                    "name": "chat claude",
                    "kind": 3,
                    "startTimeUnixNano": ((NOW as u64 - 1_000) * 1_000_000).to_string(),
                    "endTimeUnixNano": (NOW as u64 * 1_000_000).to_string(),
                    "attributes": [
                        { "key": "gen_ai.operation.name", "value": { "stringValue": "chat" } },
                        { "key": "gen_ai.request.model", "value": { "stringValue": "claude-sonnet-4" } },
                        { "key": "gen_ai.usage.input_tokens", "value": { "intValue": "7" } },
                        { "key": "gen_ai.usage.output_tokens", "value": { "intValue": 3 } }
                    ],
                    "status": { "code": 2 }
                }]
            }]
        }]
    });
    let request: ExportTraceServiceRequest = serde_json::from_value(json).unwrap();
    let intake = Intake::of(&request, NOW);
    let (key, event) = &intake.calls[0];
    assert_eq!(key, "5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174");
    assert_eq!(
        (
            event.model.as_deref(),
            event.tokens,
            event.latency_ms,
            event.error
        ),
        (Some("claude-sonnet-4"), 10, Some(1_000), true)
    );
}
