//! One connection attempt to an MCP server through `rmcp`: start the operator's program (stdio)
//! or reach the URL (streamable HTTP, through the egress policy: see `connect/http.rs`), do the
//! MCP handshake and list the tools, all within a timeout. What a stdio server last wrote to its
//! stderr goes into the error, so a failure says why.

mod http;

use super::operator::{Command, OperatorServers};
use super::Transport;
use crate::egress::Egress;
use rmcp::handler::client::progress::ProgressDispatcher;
use rmcp::model::{ProgressNotificationParam, Tool};
use rmcp::service::{ClientInitializeError, NotificationContext, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use std::future::Future;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::ChildStderr;

/// How long a failed stdio server's stderr is awaited for its last words.
const STDERR_GRACE: Duration = Duration::from_millis(250);
/// The longest stderr line kept in an error.
const STDERR_MAX_CHARS: usize = 300;

/// Why one connection attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The program could not be started.
    #[error("cannot start {command:?}: {source}")]
    Spawn {
        /// The program.
        command: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not something this server runs: a program not offered by the operator, or one added
    /// through the API by an earlier version.
    #[error("{0}")]
    NotOffered(String),
    /// The MCP handshake or the tool listing failed.
    #[error("{message}{}", said(.stderr))]
    Protocol {
        /// What `rmcp` said.
        message: String,
        /// The server's last stderr line, if any.
        stderr: Option<String>,
    },
    /// No answer within the connect timeout.
    #[error("no answer within {ms} ms{}", said(.stderr))]
    TimedOut {
        /// The timeout.
        ms: u128,
        /// The server's last stderr line, if any.
        stderr: Option<String>,
    },
}

fn said(stderr: &Option<String>) -> String {
    stderr
        .as_deref()
        .map(|line| format!(" (stderr: {line})"))
        .unwrap_or_default()
}

impl ConnectError {
    fn protocol(err: impl std::fmt::Display) -> Self {
        Self::Protocol {
            message: err.to_string(),
            stderr: None,
        }
    }

    /// A failed handshake, said without rmcp's transport type names and with the causes a
    /// transport error hides in its source chain ("Connection refused").
    fn handshake(err: ClientInitializeError) -> Self {
        match err {
            ClientInitializeError::TransportError { error, context } => {
                let mut message = format!("{context}: {}", error.error);
                let mut source = error.error.source();
                while let Some(cause) = source {
                    let cause_text = cause.to_string();
                    if !message.contains(&cause_text) {
                        message = format!("{message}: {cause_text}");
                    }
                    source = cause.source();
                }
                Self::protocol(message)
            }
            other => Self::protocol(other),
        }
    }

    fn with_stderr(mut self, line: Option<String>) -> Self {
        if let Self::Protocol { stderr, .. } | Self::TimedOut { stderr, .. } = &mut self {
            *stderr = line;
        }
        self
    }
}

/// What Flightdeck hears from an upstream server: progress of the calls it forwards (to each
/// call's subscriber) and that its tools changed.
#[derive(Clone, Default)]
pub struct Upstream {
    /// Progress notifications by token.
    pub progress: ProgressDispatcher,
    /// Woken when the server says its tools changed.
    pub tools_changed: Arc<tokio::sync::Notify>,
}

impl ClientHandler for Upstream {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.handle_notification(params).await;
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.tools_changed.notify_one();
    }
}

/// A live MCP client session; dropping it closes the connection (and stops a stdio server).
pub type Session = RunningService<RoleClient, Upstream>;

/// Connects to one server and lists its tools, within `timeout`: an `Operator` transport names
/// one of `servers`; over HTTP through `egress`.
pub async fn connect(
    transport: &Transport,
    timeout: Duration,
    servers: &OperatorServers,
    egress: &Egress,
) -> Result<(Session, Vec<Tool>), ConnectError> {
    match transport {
        Transport::Operator { server } => match servers.get(server) {
            Some(command) => connect_command(command, timeout).await,
            None => Err(ConnectError::NotOffered(format!(
                "the operator's FLIGHTDECK_MCP_CONFIG offers no server named {server:?}"
            ))),
        },
        Transport::Stdio { .. } => Err(ConnectError::NotOffered(
            "stdio programs added through the API are not run: the operator offers them in FLIGHTDECK_MCP_CONFIG; remove this one".into(),
        )),
        Transport::Http { url } => http::connect(url, timeout, egress).await,
    }
}

/// Starts one of the operator's programs with its own environment and connects to it.
pub async fn connect_command(
    command: &Command,
    timeout: Duration,
) -> Result<(Session, Vec<Tool>), ConnectError> {
    let mut cmd = command.process();
    // Killed with its transport even while the runtime shuts down (rmcp's own cleanup then
    // cannot run).
    cmd.kill_on_drop(true);
    let program = command.command.as_str();
    let (child, stderr) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ConnectError::Spawn {
            command: program.to_owned(),
            source,
        })?;
    let last_line = Arc::new(Mutex::new(None));
    let drain =
        stderr.map(|stderr| tokio::spawn(drain(stderr, program.to_owned(), last_line.clone())));
    let result = within(timeout, async {
        let session = Upstream::default()
            .serve(child)
            .await
            .map_err(ConnectError::handshake)?;
        with_tools(session).await
    })
    .await;
    match result {
        Ok(connected) => Ok(connected),
        Err(err) => {
            // The transport is dropped by now, so the process is ending: give its stderr a
            // moment to reach us.
            if let Some(drain) = drain {
                let _ = tokio::time::timeout(STDERR_GRACE, drain).await;
            }
            let line = last_line
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take();
            Err(err.with_stderr(line))
        }
    }
}

/// Reads a stdio server's stderr for as long as it runs (a full pipe would block it), logging
/// each line and keeping the last.
async fn drain(stderr: ChildStderr, command: String, last: Arc<Mutex<Option<String>>>) {
    let mut reader = BufReader::new(stderr);
    let mut buf = Vec::new();
    // Bytes, not `lines()`: a line that is not UTF-8 must not stop the draining.
    while matches!(reader.read_until(b'\n', &mut buf).await, Ok(read) if read > 0) {
        let text = String::from_utf8_lossy(&buf);
        let line = text.trim();
        if !line.is_empty() {
            tracing::debug!(command = %command, "MCP server stderr: {line}");
            let kept: String = line.chars().take(STDERR_MAX_CHARS).collect();
            *last.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(kept);
        }
        buf.clear();
    }
}

async fn within<T>(
    timeout: Duration,
    attempt: impl Future<Output = Result<T, ConnectError>>,
) -> Result<T, ConnectError> {
    tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or(Err(ConnectError::TimedOut {
            ms: timeout.as_millis(),
            stderr: None,
        }))
}

async fn with_tools(session: Session) -> Result<(Session, Vec<Tool>), ConnectError> {
    let tools = session
        .list_all_tools()
        .await
        .map_err(|err| ConnectError::protocol(format!("listing tools: {err}")))?;
    Ok((session, tools))
}

/// Starts and connects every program, all at once (as the manager does) or one after another
/// (the benchmark's comparison); each result in order, the sessions closed.
pub async fn connect_all(
    commands: &[Command],
    timeout: Duration,
    parallel: bool,
) -> Vec<Result<Vec<Tool>, ConnectError>> {
    let tools = |result: Result<(Session, Vec<Tool>), ConnectError>| result.map(|(_, t)| t);
    if parallel {
        let attempts = commands.iter().map(|c| connect_command(c, timeout));
        futures_util::future::join_all(attempts)
            .await
            .into_iter()
            .map(tools)
            .collect()
    } else {
        let mut results = Vec::with_capacity(commands.len());
        for command in commands {
            results.push(tools(connect_command(command, timeout).await));
        }
        results
    }
}

#[cfg(test)]
mod tests;
