//! This instance's own figures, kept in `prometheus-client`'s registry and written in the
//! Prometheus text format for `GET /metrics` ([`api`]): HTTP requests by method (a known set),
//! route and status, open WebSockets, approvals by state (read from the records database when
//! scraped, so every instance reports the same totals) and how long a dashboard edit takes to
//! be applied, persisted and announced.

pub mod api;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Duration;

/// The label set of an HTTP request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Http {
    method: String,
    /// The route's pattern (`/api/approvals/{id}`), never the raw path: one series per route.
    route: String,
    status: u16,
}

/// The label set of an approval count.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ApprovalState {
    state: String,
}

/// The label set of OpenTelemetry spans taken in (`counted`, `duplicate`, `agent`, `dropped`,
/// `rejected`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SpanOutcome {
    outcome: &'static str,
}

/// The metrics this instance keeps; cheap to clone.
#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Arc<Registry>,
    http: Family<Http, Counter>,
    sockets: Gauge,
    approvals: Family<ApprovalState, Gauge>,
    sync_latency: Histogram,
    otlp_spans: Family<SpanOutcome, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("flightdeck");
        let http = Family::<Http, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            http.clone(),
        );
        let sockets = Gauge::default();
        registry.register(
            "websockets_open",
            "Sync WebSockets open on this instance",
            sockets.clone(),
        );
        let approvals = Family::<ApprovalState, Gauge>::default();
        registry.register(
            "approvals",
            "Approvals in the records database, by state",
            approvals.clone(),
        );
        // 0.5 ms to ~4 s.
        let sync_latency = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        registry.register(
            "sync_edit_seconds",
            "Time to apply, persist and announce one dashboard edit",
            sync_latency.clone(),
        );
        let otlp_spans = Family::<SpanOutcome, Counter>::default();
        registry.register(
            "otlp_spans",
            "OpenTelemetry spans received at /v1/traces, by what became of them",
            otlp_spans.clone(),
        );
        Self {
            registry: Arc::new(registry),
            http,
            sockets,
            approvals,
            sync_latency,
            otlp_spans,
        }
    }
}

impl Metrics {
    /// A request to `route` (its pattern) was answered with `status`.
    pub fn request_answered(&self, method: &'static str, route: String, status: u16) {
        self.http
            .get_or_create(&Http {
                method: method.into(),
                route,
                status,
            })
            .inc();
    }

    /// A sync WebSocket opened; it counts until the guard is dropped.
    pub fn socket_opened(&self) -> OpenSocket {
        self.sockets.inc();
        OpenSocket(self.sockets.clone())
    }

    /// A dashboard edit took `took`.
    pub fn sync_edit(&self, took: Duration) {
        self.sync_latency.observe(took.as_secs_f64());
    }

    /// `n` spans received at `/v1/traces` had `outcome`.
    pub fn otlp_spans(&self, outcome: &'static str, n: usize) {
        if n > 0 {
            self.otlp_spans
                .get_or_create(&SpanOutcome { outcome })
                .inc_by(n as u64);
        }
    }

    /// The text exposition, with approvals by state as given.
    fn render(&self, approvals: &[(String, i64)]) -> Result<String, std::fmt::Error> {
        for (state, count) in approvals {
            self.approvals
                .get_or_create(&ApprovalState {
                    state: state.clone(),
                })
                .set(*count);
        }
        let mut text = String::new();
        encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// Keeps an open socket counted.
#[derive(Debug)]
pub struct OpenSocket(Gauge);

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_holds_every_family_with_its_values() {
        let metrics = Metrics::default();
        metrics
            .http
            .get_or_create(&Http {
                method: "GET".into(),
                route: "/api/approvals/{id}".into(),
                status: 404,
            })
            .inc();
        let open = metrics.socket_opened();
        let _second = metrics.socket_opened();
        drop(open);
        metrics.sync_edit(Duration::from_millis(3));
        let text = metrics
            .render(&[("pending".into(), 4), ("approved".into(), 2)])
            .unwrap();
        assert!(text.contains(
            r#"flightdeck_http_requests_total{method="GET",route="/api/approvals/{id}",status="404"} 1"#
        ), "{text}");
        assert!(text.contains("flightdeck_websockets_open 1"), "{text}");
        assert!(
            text.contains(r#"flightdeck_approvals{state="pending"} 4"#),
            "{text}"
        );
        assert!(
            text.contains(r#"flightdeck_approvals{state="approved"} 2"#),
            "{text}"
        );
        assert!(
            text.contains("flightdeck_sync_edit_seconds_count 1"),
            "{text}"
        );
        assert!(
            text.contains(r#"flightdeck_sync_edit_seconds_bucket{le="0.004"} 1"#),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
