//! One attempt over streamable HTTP, through the egress client: the URL's IP literal checked
//! first, names at connect time, redirects re-checked, messages bounded. A failure says why in
//! one word, or names the policy's rule, and never what the target answered (its error pages
//! would otherwise come back to the admin who typed the URL).

use super::{with_tools, within, ConnectError, Session, Upstream};
use crate::egress::{self, Egress};
use rmcp::model::Tool;
use rmcp::service::ClientInitializeError;
use rmcp::transport::streamable_http_client::{
    StreamableHttpClientTransportConfig, StreamableHttpError,
};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;
use std::error::Error;
use std::time::Duration;

/// The largest JSON answer or event read from an MCP server: above the health checks'
/// [`egress::BODY_CAP`], since a server with many tools lists more than 64 KiB of schemas.
const MESSAGE_CAP: usize = 1024 * 1024;

/// Connects to the streamable-HTTP server at `url` and lists its tools, within `timeout`.
pub(super) async fn connect(
    url: &str,
    timeout: Duration,
    egress: &Egress,
) -> Result<(Session, Vec<Tool>), ConnectError> {
    egress.check_url(url).map_err(ConnectError::protocol)?;
    let mut config = StreamableHttpClientTransportConfig::with_uri(url);
    config.max_json_response_size = MESSAGE_CAP;
    config.max_sse_event_size = MESSAGE_CAP;
    // No text of the target's error pages in our errors.
    config.max_error_response_size = 0;
    let transport = StreamableHttpClientTransport::with_client(egress.client().clone(), config);
    within(timeout, async {
        let session = Upstream::default().serve(transport).await.map_err(said)?;
        with_tools(session).await
    })
    .await
}

/// A failed handshake in a word (`unreachable`, `timeout`, `not an MCP server`) after its
/// context, or the policy's refusal; the whole error goes to the log.
fn said(err: ClientInitializeError) -> ConnectError {
    tracing::debug!("MCP over HTTP failed: {err:?}");
    let (context, cause): (String, Option<&(dyn Error + 'static)>) = match &err {
        ClientInitializeError::TransportError { error, context } => {
            (context.to_string(), Some(&*error.error))
        }
        _ => ("initialize".to_owned(), None),
    };
    let word = match cause.and_then(http_error) {
        Some(http) => match egress::refusal_in(http) {
            Some(refusal) => return ConnectError::protocol(refusal),
            None if http.is_timeout() => "timeout",
            None if http.is_status() || http.is_decode() || http.is_body() => "not an MCP server",
            None => "unreachable",
        },
        // The server answered, but not as an MCP server does.
        None => "not an MCP server",
    };
    ConnectError::protocol(format!("{context}: {word}"))
}

/// The HTTP client's error in `err`'s chain (rmcp's `Client` variant holds it without naming
/// it as its source).
fn http_error<'a>(err: &'a (dyn Error + 'static)) -> Option<&'a reqwest_egress::Error> {
    let mut cause = Some(err);
    while let Some(now) = cause {
        if let Some(http) = now.downcast_ref::<reqwest_egress::Error>() {
            return Some(http);
        }
        if let Some(StreamableHttpError::Client(http)) =
            now.downcast_ref::<StreamableHttpError<reqwest_egress::Error>>()
        {
            return Some(http);
        }
        cause = now.source();
    }
    None
}
