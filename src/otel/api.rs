//! `POST /v1/traces`: the OTLP/HTTP trace export, as the OpenTelemetry protocol specifies it.
//! An exporter sets `OTEL_EXPORTER_OTLP_ENDPOINT` to the server and
//! `OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer fd_…"` (an agent token); the body is an
//! `ExportTraceServiceRequest` in protobuf (`application/x-protobuf`) or JSON
//! (`application/json`), optionally `Content-Encoding: gzip`, decoded by `opentelemetry-proto`.
//!
//! The answer is an `ExportTraceServiceResponse` in the request's encoding; spans refused (bad
//! ids, times out of range) are counted in its `partialSuccess`, and spans that are not GenAI are
//! accepted and dropped (said in `partialSuccess.errorMessage` with `rejectedSpans` 0, as the
//! specification allows for warnings). A malformed body is 400 and an oversize one 413, each
//! with a `google.rpc.Status` body in the request's encoding. Model calls are stored once per
//! trace and span id, so an exporter's retry of a batch is not counted twice.

use super::Intake;
use crate::agents::api::AgentAuth;
use crate::fleet::service::put_and_publish;
use crate::fleet::{FleetItem, Kind};
use crate::records::now_ms;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use serde::Serialize;
use std::io::Read;

/// The largest body taken, as sent (compressed or not).
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// The largest body once decompressed (a gzip body may not unpack past this).
pub const MAX_DECODED: usize = 16 * 1024 * 1024;

/// The OTLP/HTTP route (in the agents' rate-limited group).
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/v1/traces",
        post(traces).layer(DefaultBodyLimit::max(MAX_BODY)),
    )
}

/// How the request (and so the answer) is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    fn of(headers: &HeaderMap) -> Option<Self> {
        let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        let essence = content_type.split(';').next()?.trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/x-protobuf" | "application/protobuf" => Some(Self::Protobuf),
            "application/json" => Some(Self::Json),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Protobuf => "application/x-protobuf",
            Self::Json => "application/json",
        }
    }

    /// `message` in this encoding, with its content type.
    fn answer<M: Message + Serialize>(self, status: StatusCode, message: &M) -> Response {
        let body = match self {
            Self::Protobuf => message.encode_to_vec(),
            Self::Json => serde_json::to_vec(message).unwrap_or_default(),
        };
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type()),
        );
        response
    }
}

/// `google.rpc.Status`, the body OTLP/HTTP gives its 4xx and 5xx answers (its `details` left out).
#[derive(Clone, PartialEq, Message, Serialize)]
struct RpcStatus {
    /// A `google.rpc.Code` (3 invalid argument, 8 resource exhausted, …).
    #[prost(int32, tag = "1")]
    code: i32,
    /// What was wrong.
    #[prost(string, tag = "2")]
    message: String,
}

/// A refused export: its status and why.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    message: String,
}

impl Failure {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// The answer, in `encoding` (JSON when the request's own could not be told).
    fn answer(self, encoding: Encoding) -> Response {
        // google.rpc.Code for the HTTP statuses used here.
        let code = match self.status {
            StatusCode::PAYLOAD_TOO_LARGE => 8,
            StatusCode::INTERNAL_SERVER_ERROR => 13,
            _ => 3,
        };
        encoding.answer(
            self.status,
            &RpcStatus {
                code,
                message: self.message,
            },
        )
    }
}

/// POST /v1/traces.
async fn traces(
    State(state): State<AppState>,
    auth: AgentAuth,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(encoding) = Encoding::of(&headers) else {
        return Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send Content-Type: application/x-protobuf or application/json",
        )
        .answer(Encoding::Json);
    };
    match take(&state, &auth, &headers, encoding, body).await {
        Ok(response) => encoding.answer(StatusCode::OK, &response),
        Err(failure) => failure.answer(encoding),
    }
}

async fn take(
    state: &AppState,
    auth: &AgentAuth,
    headers: &HeaderMap,
    encoding: Encoding,
    body: Result<Bytes, BytesRejection>,
) -> Result<ExportTraceServiceResponse, Failure> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is over {MAX_BODY} bytes: export smaller batches"),
            )
        } else {
            Failure::new(StatusCode::BAD_REQUEST, rejection.body_text())
        }
    })?;
    let body = decompress(headers, body)?;
    let request = decode(encoding, &body)?;
    let now = now_ms();
    let intake = Intake::of(&request, now);
    let (keys, events): (Vec<String>, Vec<_>) = intake.calls.into_iter().unzip();
    let counted = if events.is_empty() {
        0
    } else {
        state
            .records
            .record_usage_once(&auth.workspace_id, &auth.agent.id, &events, &keys, now)
            .await
            .map_err(|err| {
                tracing::error!("spans not stored: {err:#}");
                Failure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the spans could not be stored; send the batch again",
                )
            })?
    };
    if !intake.tools.is_empty() {
        // Keyed by the span, so a retried batch writes the same lines again, not new ones.
        let items: Vec<FleetItem> = intake
            .tools
            .into_iter()
            .map(|(key, line)| FleetItem {
                kind: Kind::Activity,
                key: format!("otel:{key}"),
                agent_id: auth.agent.id.clone(),
                agent_name: auth.agent.name.clone(),
                agent_role: auth.agent.role.clone(),
                updated_at: now,
                data: serde_json::to_value(line).unwrap_or_default(),
            })
            .collect();
        put_and_publish(&state.fleet, &state.hub, &auth.workspace_id, &items)
            .await
            .map_err(|err| {
                let err = crate::http::ApiError::from(err);
                Failure::new(err.status, err.body.error)
            })?;
    }
    let metrics = &state.metrics;
    metrics.otlp_spans("counted", counted);
    metrics.otlp_spans("duplicate", events.len() - counted);
    metrics.otlp_spans("agent", intake.agent_spans);
    metrics.otlp_spans("dropped", intake.dropped);
    metrics.otlp_spans("rejected", intake.rejected);
    Ok(ExportTraceServiceResponse {
        partial_success: partial_success(intake.rejected, intake.first_rejection, intake.dropped),
    })
}

/// The body as sent, unpacked when gzip (to [`MAX_DECODED`] bytes at most).
fn decompress(headers: &HeaderMap, body: Bytes) -> Result<Bytes, Failure> {
    let coding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim().to_ascii_lowercase());
    match coding.as_deref() {
        None | Some("" | "identity") => Ok(body),
        Some("gzip") => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .take(MAX_DECODED as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|err| {
                    Failure::new(
                        StatusCode::BAD_REQUEST,
                        format!("the gzip body is bad: {err}"),
                    )
                })?;
            if out.len() > MAX_DECODED {
                return Err(Failure::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body unpacks to more than {MAX_DECODED} bytes"),
                ));
            }
            Ok(out.into())
        }
        Some(other) => Err(Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Encoding {other:?} is not taken: send gzip or none"),
        )),
    }
}

fn decode(encoding: Encoding, body: &[u8]) -> Result<ExportTraceServiceRequest, Failure> {
    match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(body).map_err(|err| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                format!("not an OTLP ExportTraceServiceRequest in protobuf: {err}"),
            )
        }),
        Encoding::Json => serde_json::from_slice(body).map_err(|err| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                format!("not an OTLP ExportTraceServiceRequest in JSON: {err}"),
            )
        }),
    }
}

/// `partialSuccess`: the refused spans with the first reason, or (none refused) a warning that
/// spans were not GenAI; absent when there is nothing to say.
fn partial_success(
    rejected: usize,
    why: Option<String>,
    dropped: usize,
) -> Option<ExportTracePartialSuccess> {
    let note = (dropped > 0).then(|| {
        format!("{dropped} spans were not GenAI (no gen_ai.* attributes) and were dropped")
    });
    let error_message = match (why, note) {
        (Some(why), Some(note)) => format!("{why}; {note}"),
        (Some(message), None) | (None, Some(message)) => message,
        (None, None) => return None,
    };
    Some(ExportTracePartialSuccess {
        rejected_spans: rejected as i64,
        error_message,
    })
}
