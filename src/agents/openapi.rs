//! `GET /api/v1/openapi.json`: the agent API's OpenAPI 3.1 document. Its paths come from the
//! handlers' annotations (approvals, fleet, usage); what every operation may also answer (the
//! edge, the token check, the rate limit, JSON bodies, the request timeout) is added here once;
//! and its schemas are the models' JSON Schema from `schemars`, the very definitions of
//! `/api/v1/schema`, so the two documents state the same constraints.

use crate::quota::timeout::is_long_lived;
use schemars::generate::SchemaSettings;
use serde_json::{json, Value};
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Header, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi as _};

/// The document, as served.
pub fn document() -> Value {
    let mut doc = crate::approvals::agent_api::AgentApiDoc::openapi();
    doc.merge(crate::fleet::api::FleetApiDoc::openapi());
    doc.merge(crate::analytics::api::UsageApiDoc::openapi());
    SharedAnswers.modify(&mut doc);
    let mut doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    // utoipa's derived schemas only named the models; their content is schemars' (one source of
    // every constraint), and the event stream's events are described as events.
    doc["components"]["schemas"] = schemas();
    let ok = &mut doc["paths"]["/api/v1/events"]["get"]["responses"]["200"];
    ok["content"] = json!({ "text/event-stream": { "schema": event_schema() } });
    doc
}

/// The JSON Schema (draft 2020-12, as OpenAPI 3.1 takes it) of every model the paths name.
fn schemas() -> Value {
    use crate::analytics::api::{Recorded, UsageBatch, UsageBody};
    use crate::approvals::api::{Conflict, Withdrawn};
    use crate::approvals::{AgentEvent, Approval, NewApproval, RunReport};
    use crate::fleet::api::Accepted;
    use crate::fleet::{
        ActivityReport, AlertReport, Heartbeat, MetricReport, ProjectReport, TaskReport,
    };
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut generator = settings.into_generator();
    generator.subschema_for::<crate::http::ErrorBody>();
    generator.subschema_for::<Approval>();
    generator.subschema_for::<NewApproval>();
    generator.subschema_for::<RunReport>();
    generator.subschema_for::<AgentEvent>();
    generator.subschema_for::<Withdrawn>();
    generator.subschema_for::<Conflict>();
    generator.subschema_for::<Heartbeat>();
    generator.subschema_for::<ProjectReport>();
    generator.subschema_for::<TaskReport>();
    generator.subschema_for::<MetricReport>();
    generator.subschema_for::<AlertReport>();
    generator.subschema_for::<ActivityReport>();
    generator.subschema_for::<Accepted>();
    generator.subschema_for::<UsageBody>();
    generator.subschema_for::<UsageBatch>();
    generator.subschema_for::<Recorded>();
    Value::Object(generator.take_definitions(true))
}

/// One server-sent event of `GET /api/v1/events`, as OpenAPI 3.1 describes a stream's items:
/// its `event` name and its `data`, JSON of the schema the name says. Keep-alive comments carry
/// no data and are no events.
fn event_schema() -> Value {
    let event = |name: Value, data: Value| {
        json!({
            "type": "object",
            "required": ["event", "data"],
            "properties": {
                "event": name,
                "data": {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": data,
                },
            },
        })
    };
    json!({
        "description": "An event of the stream: `approval:approved`, `approval:rejected`, `approval:cancelled` or `approval:expired` with an AgentEvent; `lagged` with how many events this slow reader missed (read the approvals again); `revoked` with an error, the last event before the stream ends because its token was revoked.",
        "oneOf": [
            event(
                json!({ "type": "string", "pattern": "^approval:" }),
                json!({ "$ref": "#/components/schemas/AgentEvent" }),
            ),
            event(
                json!({ "const": "lagged" }),
                json!({
                    "type": "object",
                    "required": ["missed"],
                    "properties": { "missed": { "type": "integer", "minimum": 1 } },
                }),
            ),
            event(
                json!({ "const": "revoked" }),
                json!({ "$ref": "#/components/schemas/ErrorBody" }),
            ),
        ],
    })
}

/// What an operation is, for deciding which shared answers it can give.
struct Op<'a> {
    path: &'a str,
    /// Changes something (`POST`, `DELETE`): the edge's cross-origin check applies.
    unsafe_method: bool,
    /// Takes a JSON body.
    body: bool,
    /// Takes query parameters.
    query: bool,
}

/// An answer many operations can give: `(status, component name, description, whether op gives it)`.
type Shared = (&'static str, &'static str, &'static str, fn(&Op) -> bool);

/// Every answer that comes from a layer rather than from a handler, and which operations it
/// applies to. An operation's own entry for the same status (more precise) is kept.
const SHARED: &[Shared] = &[
    ("400", "BadRequest",
     "The body or a query parameter is wrong: not JSON, a field missing, unknown or of the wrong type, or a value out of its range. `field` names it (a JSON path such as `tasks[2].status`) when it is one field.",
     |op| op.body || op.query),
    ("401", "Unauthorized",
     "No token, an unknown one or a revoked one (`Authorization: Bearer fd_…`); a long-poll or event stream whose token is revoked ends so too.",
     |_| true),
    ("403", "CrossOrigin",
     "A write from a browser page of another site, without a token (cross-origin protection).",
     |op| op.unsafe_method),
    ("413", "PayloadTooLarge",
     "The body is larger than 2 MiB, the server's limit of a request body.",
     |op| op.body),
    ("415", "UnsupportedMediaType",
     "The body is not sent as `Content-Type: application/json`.",
     |op| op.body),
    ("421", "MisdirectedRequest",
     "The `Host` is not a name this server answers to (its operator adds names with FLIGHTDECK_PUBLIC_URL or FLIGHTDECK_ALLOWED_HOSTS).",
     |_| true),
    ("429", "TooManyRequests",
     "Over the token's rate limit (AGENT_RATE_LIMIT_PER_MINUTE, bursts of AGENT_RATE_LIMIT_BURST): `Retry-After` says in how many seconds to try again. For the long-poll and the event stream also: the token already holds FLIGHTDECK_MAX_STREAMS_PER_TOKEN of them open.",
     |_| true),
    ("500", "ServerError",
     "Something went wrong on the server; the cause is logged there, not sent.",
     |_| true),
    ("503", "Timeout",
     "Not answered within FLIGHTDECK_REQUEST_TIMEOUT_SECS; it may have been partly done, so check before trying again.",
     |op| !is_long_lived(op.path)),
];

/// The token scheme of every operation, and the [`SHARED`] answers added where they apply.
struct SharedAnswers;

impl Modify for SharedAnswers {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "agent_token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        for (_, name, description, _) in SHARED {
            components.responses.insert(
                (*name).to_owned(),
                RefOr::T(shared_response(name, description)),
            );
        }
        openapi.security = Some(vec![SecurityRequirement::new(
            "agent_token",
            Vec::<String>::new(),
        )]);
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                (false, item.get.as_mut()),
                (true, item.post.as_mut()),
                (true, item.put.as_mut()),
                (true, item.patch.as_mut()),
                (true, item.delete.as_mut()),
            ];
            for (unsafe_method, operation) in operations {
                if let Some(operation) = operation {
                    add_shared(path, unsafe_method, operation);
                }
            }
        }
    }
}

fn add_shared(path: &str, unsafe_method: bool, operation: &mut Operation) {
    let op =
        Op {
            path,
            unsafe_method,
            body: operation.request_body.is_some(),
            query: operation.parameters.iter().flatten().any(|parameter| {
                parameter.parameter_in == utoipa::openapi::path::ParameterIn::Query
            }),
        };
    for (status, name, _, applies) in SHARED {
        if applies(&op) {
            operation
                .responses
                .responses
                .entry((*status).to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
        }
    }
}

/// A shared answer: an [`crate::http::ErrorBody`], with the rate limit's headers on a 429.
fn shared_response(name: &str, description: &str) -> Response {
    let error = Content::new(Some(Ref::from_schema_name("ErrorBody")));
    let mut response = ResponseBuilder::new()
        .description(description)
        .content("application/json", error);
    if name == "TooManyRequests" {
        let seconds = |description: &str| {
            let mut header = Header::new(ObjectBuilder::new().schema_type(Type::Integer));
            header.description = Some(description.to_owned());
            header
        };
        response = response
            .header(
                "Retry-After",
                seconds("Seconds until the token may call again (over the rate limit)."),
            )
            .header(
                "X-RateLimit-After",
                seconds("The same, as the rate limiter says it."),
            );
    }
    response.build()
}

#[cfg(test)]
#[path = "openapi_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "openapi_agreement_tests.rs"]
mod agreement_tests;
