//! Usage analytics: the usage events agents report (calls, messages, tokens), counted as they
//! arrive into hourly and daily rollups beside the approvals and heartbeats, and read back as a
//! report for a day, week, month or custom period (cards, time series, top agents, CSV/JSON).
//!
//! The API's JSON (`GET /api/analytics`) is [`model::Report`]; the page decodes it and [`view`]
//! shows it (cards, SVG charts, top agents, models).

#[cfg(feature = "server")]
pub mod api;
pub mod model;
#[cfg(feature = "server")]
pub mod period;
#[cfg(feature = "server")]
pub mod report;
#[cfg(feature = "server")]
pub mod schedule;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod store;
pub mod ui;
pub mod view;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most events one `POST /api/v1/usage` may carry.
pub const MAX_BATCH: usize = 1_000;
/// How far back an event may be dated (backfills of a year's history).
pub const MAX_AGE_MS: i64 = 400 * 24 * 3_600_000;
/// How far ahead of the server's clock an event may be dated (clock skew).
pub const MAX_SKEW_MS: i64 = 5 * 60_000;
/// Most tokens one event may count.
pub const MAX_TOKENS: u64 = 10_000_000;
/// Longest response time of a call, in milliseconds (an hour).
pub const MAX_LATENCY_MS: u64 = 3_600_000;
/// One hour in milliseconds, the finest rollup.
pub const HOUR_MS: i64 = 3_600_000;
/// One day in milliseconds (the daily rollup's UTC days).
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// What a usage event counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UsageKind {
    /// The agent was called (a request it answered, or failed to).
    Call,
    /// A message in a conversation.
    Message,
}

impl UsageKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Message => "message",
        }
    }
}

/// One usage event, as an agent reports it to `POST /api/v1/usage`. Only a call has a response
/// time or fails: a message with `latencyMs` or `"error": true` is refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[cfg_attr(feature = "server", schemars(transform = only_calls_take_time_or_fail))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UsageEvent {
    /// A call or a message.
    pub kind: UsageKind,
    /// When it happened (ms since the Unix epoch); now when left out. At most 400 days before
    /// the server's clock and 5 minutes after it: rules of the clock, which no schema can state
    /// (the schema's bounds only keep it a safe integer).
    #[serde(default, deserialize_with = "crate::http::whole::optional")]
    #[cfg_attr(
        feature = "server",
        schemars(range(min = 0, max = crate::approvals::MAX_SAFE_INTEGER))
    )]
    pub at: Option<i64>,
    /// The model that served it (1 to 100 characters, not blank, without NUL), priced by
    /// `MODEL_PRICES`.
    #[serde(default)]
    #[cfg_attr(
        feature = "server",
        schemars(
            length(min = 1, max = 100),
            pattern(crate::approvals::NOT_BLANK_NO_NUL)
        )
    )]
    pub model: Option<String>,
    /// Tokens used (prompt and completion together), 0 to 10,000,000.
    #[serde(default, deserialize_with = "crate::http::whole::number")]
    #[cfg_attr(feature = "server", schemars(range(min = 0, max = MAX_TOKENS)))]
    pub tokens: u64,
    /// How long the agent took to answer a call, in milliseconds (0 to 3,600,000); calls only.
    #[serde(default, deserialize_with = "crate::http::whole::optional")]
    #[cfg_attr(feature = "server", schemars(range(min = 0, max = MAX_LATENCY_MS)))]
    pub latency_ms: Option<u64>,
    /// Whether the call failed (calls only).
    #[serde(default)]
    pub error: bool,
    /// The conversation it belongs to (1 to 200 characters, without NUL); the first event of a
    /// conversation starts it.
    #[serde(default)]
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = 200), pattern(crate::approvals::NO_NUL))
    )]
    pub conversation_id: Option<String>,
}

/// The schema's part of [`UsageEvent::validate`] that no field states alone: a message has no
/// response time (`latencyMs` left out or null) and does not fail (`error` left out or false).
#[cfg(feature = "server")]
fn only_calls_take_time_or_fail(schema: &mut schemars::Schema) {
    schema.insert(
        "if".into(),
        serde_json::json!({ "properties": { "kind": { "const": "message" } }, "required": ["kind"] }),
    );
    schema.insert(
        "then".into(),
        serde_json::json!({
            "properties": { "latencyMs": { "type": "null" }, "error": { "const": false } }
        }),
    );
}

/// A field of an event that is wrong, named as the API answers it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidEvent {
    /// `events[3].latencyMs`, or `latencyMs` for a single event.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl UsageEvent {
    /// Checks the event against the server's clock; `prefix` is how its fields are named
    /// (`events[3].` in a batch).
    pub fn validate(&self, now: i64, prefix: &str) -> Result<(), InvalidEvent> {
        let wrong = |field: &str, message: &str| InvalidEvent {
            field: format!("{prefix}{field}"),
            message: message.to_owned(),
        };
        if let Some(at) = self.at {
            if at > now + MAX_SKEW_MS {
                return Err(wrong("at", "is in the future"));
            }
            if at < now - MAX_AGE_MS {
                return Err(wrong("at", "is more than 400 days ago"));
            }
        }
        // Lengths in characters, as the schema's maxLength counts them.
        if let Some(model) = &self.model {
            if model.trim().is_empty() || model.chars().count() > 100 {
                return Err(wrong("model", "must be 1 to 100 characters"));
            }
            if model.contains('\0') {
                return Err(wrong("model", "must not hold U+0000 (NUL)"));
            }
        }
        if self.tokens > MAX_TOKENS {
            return Err(wrong("tokens", "must be at most 10,000,000"));
        }
        match (self.kind, self.latency_ms) {
            (UsageKind::Message, Some(_)) => {
                return Err(wrong("latencyMs", "is only for calls"));
            }
            (UsageKind::Call, Some(ms)) if ms > MAX_LATENCY_MS => {
                return Err(wrong("latencyMs", "must be at most 3,600,000 (an hour)"));
            }
            _ => {}
        }
        if self.kind == UsageKind::Message && self.error {
            return Err(wrong("error", "is only for calls"));
        }
        if let Some(id) = &self.conversation_id {
            if id.is_empty() || id.chars().count() > 200 {
                return Err(wrong("conversationId", "must be 1 to 200 characters"));
            }
            if id.contains('\0') {
                return Err(wrong("conversationId", "must not hold U+0000 (NUL)"));
            }
        }
        Ok(())
    }
}

/// What the rollups count, per workspace, agent, model and hour (or UTC day).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Calls answered or failed.
    pub calls: i64,
    /// Failed calls.
    pub errors: i64,
    /// Sum of the calls' response times (ms).
    pub latency_sum: i64,
    /// Calls that reported a response time.
    pub latency_n: i64,
    /// Messages.
    pub messages: i64,
    /// Conversations started.
    pub conversations: i64,
    /// Tokens used.
    pub tokens: i64,
    /// Approvals requested (tool runs).
    pub tool_runs: i64,
    /// Approvals approved.
    pub approved: i64,
    /// Approvals rejected.
    pub rejected: i64,
    /// Hours with at least one heartbeat.
    pub up_hours: i64,
}

impl Counts {
    /// Adds another's counts to these.
    pub fn add(&mut self, other: &Counts) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.latency_sum += other.latency_sum;
        self.latency_n += other.latency_n;
        self.messages += other.messages;
        self.conversations += other.conversations;
        self.tokens += other.tokens;
        self.tool_runs += other.tool_runs;
        self.approved += other.approved;
        self.rejected += other.rejected;
        self.up_hours += other.up_hours;
    }

    /// The counts of one event (its conversation counted by the store, which knows if it is new).
    pub fn of(event: &UsageEvent) -> Self {
        let call = event.kind == UsageKind::Call;
        Self {
            calls: i64::from(call),
            errors: i64::from(call && event.error),
            latency_sum: event.latency_ms.unwrap_or(0) as i64,
            latency_n: i64::from(event.latency_ms.is_some()),
            messages: i64::from(!call),
            tokens: event.tokens as i64,
            ..Self::default()
        }
    }

    /// Failed calls over calls (0 without calls).
    pub fn error_rate(&self) -> f64 {
        ratio(self.errors, self.calls).unwrap_or(0.0)
    }

    /// The mean response time, when any call reported one.
    pub fn avg_response_ms(&self) -> Option<f64> {
        ratio(self.latency_sum, self.latency_n)
    }

    /// Approved over decided (approved or rejected), when any was decided.
    pub fn approval_rate(&self) -> Option<f64> {
        ratio(self.approved, self.approved + self.rejected)
    }
}

/// `a / b`, when `b` is not zero.
pub fn ratio(a: i64, b: i64) -> Option<f64> {
    (b != 0).then(|| a as f64 / b as f64)
}

/// The price of each model in US dollars per million tokens (`MODEL_PRICES`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prices(pub BTreeMap<String, f64>);

impl Default for Prices {
    /// Public list prices of a few models, blended for a typical 3:1 prompt-to-completion mix
    /// (an estimate; set `MODEL_PRICES` for yours).
    fn default() -> Self {
        Self::parse("gpt-4o=4.38,gpt-4o-mini=0.26,claude-sonnet=6.00,claude-haiku=1.60")
            .expect("the default prices parse")
    }
}

impl Prices {
    /// Parses `model=usd_per_million_tokens` pairs separated by commas.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut prices = BTreeMap::new();
        for pair in text
            .split(',')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
        {
            let (model, price) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{pair}` is not model=price"))?;
            let model = model.trim();
            let price: f64 = price
                .trim()
                .parse()
                .map_err(|_| format!("the price of `{model}` is not a number"))?;
            if model.is_empty() || !price.is_finite() || price < 0.0 {
                return Err(format!("`{pair}` needs a model and a price of 0 or more"));
            }
            prices.insert(model.to_owned(), price);
        }
        Ok(Self(prices))
    }

    /// What `tokens` of `model` cost, when the model has a price.
    pub fn cost(&self, model: &str, tokens: i64) -> Option<f64> {
        self.0
            .get(model)
            .map(|price| price * tokens as f64 / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(latency: Option<u64>, error: bool) -> UsageEvent {
        UsageEvent {
            kind: UsageKind::Call,
            at: None,
            model: Some("gpt-4o".into()),
            tokens: 120,
            latency_ms: latency,
            error,
            conversation_id: None,
        }
    }

    #[test]
    fn an_event_counts_once_in_its_columns() {
        let mut total = Counts::of(&call(Some(300), false));
        total.add(&Counts::of(&call(Some(100), true)));
        total.add(&Counts::of(&call(None, false)));
        let message = UsageEvent {
            kind: UsageKind::Message,
            latency_ms: None,
            ..call(None, false)
        };
        total.add(&Counts::of(&message));
        assert_eq!((total.calls, total.errors, total.messages), (3, 1, 1));
        assert_eq!(total.tokens, 480);
        assert_eq!(total.avg_response_ms(), Some(200.0));
        assert!((total.error_rate() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(Counts::default().approval_rate(), None);
        assert_eq!(Counts::default().error_rate(), 0.0);
    }

    #[test]
    fn bad_events_name_their_field() {
        let now = 1_800_000_000_000;
        let field = |event: UsageEvent| event.validate(now, "events[2].").unwrap_err().field;
        let late = UsageEvent {
            at: Some(now + 10 * 60_000),
            ..call(None, false)
        };
        assert_eq!(field(late), "events[2].at");
        let old = UsageEvent {
            at: Some(now - MAX_AGE_MS - 1),
            ..call(None, false)
        };
        assert_eq!(field(old), "events[2].at");
        assert_eq!(field(call(Some(3_600_001), false)), "events[2].latencyMs");
        let message = UsageEvent {
            kind: UsageKind::Message,
            ..call(Some(5), false)
        };
        assert_eq!(field(message), "events[2].latencyMs");
        let unnamed = UsageEvent {
            model: Some(" ".into()),
            ..call(None, false)
        };
        assert_eq!(field(unnamed), "events[2].model");
        // Lengths count characters, as the schema's maxLength does, not UTF-8 bytes.
        let wide = UsageEvent {
            model: Some("é".repeat(100)),
            conversation_id: Some("é".repeat(200)),
            ..call(None, false)
        };
        assert!(wide.validate(now, "").is_ok());
        let longer = UsageEvent {
            conversation_id: Some("é".repeat(201)),
            ..call(None, false)
        };
        assert_eq!(field(longer), "events[2].conversationId");
        let nul = UsageEvent {
            model: Some("gpt\0".into()),
            ..call(None, false)
        };
        assert_eq!(field(nul), "events[2].model");
        assert!(call(Some(10), true).validate(now, "").is_ok());
    }

    #[test]
    fn prices_parse_and_price_tokens() {
        let prices = Prices::parse(" a=2.5 , b=0 ,").unwrap();
        assert_eq!(prices.cost("a", 2_000_000), Some(5.0));
        assert_eq!(prices.cost("b", 10), Some(0.0));
        assert_eq!(prices.cost("c", 10), None);
        assert!(Prices::parse("a").is_err());
        assert!(Prices::parse("a=x").is_err());
        assert!(Prices::parse("a=-1").is_err());
        assert!(Prices::parse("=1").is_err());
        assert!(Prices::default().0.contains_key("gpt-4o"));
    }
}
