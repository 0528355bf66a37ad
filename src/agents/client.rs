//! The reference client of the agent API: what an agent written in Rust calls, and what the
//! demo fleet and `examples/agent.rs` use. It speaks plain HTTP with the agent's bearer token and
//! the shared models, so it is also the executable description of the API.

use crate::approvals::{Approval, NewApproval, Status};
use crate::fleet::{
    ActivityReport, Alert, AlertReport, Heartbeat, MetricReport, MetricSample, Project,
    ProjectReport, Task, TaskReport,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Flightdeck could not be reached (or the connection dropped).
    #[error("cannot reach Flightdeck: {0}")]
    Unreachable(String),
    /// Flightdeck refused the call.
    #[error("Flightdeck answered {status}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Its `error`.
        message: String,
    },
}

/// An agent's connection to Flightdeck.
#[derive(Clone, Debug)]
pub struct AgentClient {
    http: reqwest::Client,
    base: String,
    authorization: String,
}

impl AgentClient {
    /// A client for the server at `base` (`http://127.0.0.1:8080`) with the agent's token.
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("an HTTP client"),
            base: base.trim_end_matches('/').to_owned(),
            authorization: format!("Bearer {token}"),
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let answer = request
            .header("authorization", &self.authorization)
            .send()
            .await
            .map_err(|err| ClientError::Unreachable(err.to_string()))?;
        let status = answer.status();
        let body = answer
            .bytes()
            .await
            .map_err(|err| ClientError::Unreachable(err.to_string()))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<crate::http::ErrorBody>(&body)
                .map(|error| error.error)
                .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned());
            return Err(ClientError::Refused {
                status: status.as_u16(),
                message,
            });
        }
        serde_json::from_slice(&body).map_err(|err| ClientError::Refused {
            status: status.as_u16(),
            message: format!("unexpected answer: {err}"),
        })
    }

    async fn post<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Result<(), ClientError> {
        let request = self.http.post(format!("{}{path}", self.base)).json(body);
        self.send::<serde_json::Value>(request).await.map(|_| ())
    }

    /// `POST /api/v1/heartbeat`.
    pub async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), ClientError> {
        self.post("/api/v1/heartbeat", beat).await
    }

    /// `POST /api/v1/projects`.
    pub async fn projects(&self, projects: Vec<Project>) -> Result<(), ClientError> {
        self.post("/api/v1/projects", &ProjectReport { projects })
            .await
    }

    /// `POST /api/v1/tasks`.
    pub async fn tasks(&self, tasks: Vec<Task>) -> Result<(), ClientError> {
        self.post("/api/v1/tasks", &TaskReport { tasks }).await
    }

    /// `POST /api/v1/metrics`.
    pub async fn metrics(&self, metrics: Vec<MetricSample>) -> Result<(), ClientError> {
        self.post("/api/v1/metrics", &MetricReport { metrics })
            .await
    }

    /// `POST /api/v1/alerts`.
    pub async fn alerts(&self, alerts: Vec<Alert>) -> Result<(), ClientError> {
        self.post("/api/v1/alerts", &AlertReport { alerts }).await
    }

    /// `POST /api/v1/activity`.
    pub async fn activity(&self, text: impl Into<String>) -> Result<(), ClientError> {
        self.post("/api/v1/activity", &ActivityReport { text: text.into() })
            .await
    }

    /// `POST /api/v1/usage`: up to 1,000 usage events.
    pub async fn usage(&self, events: &[crate::analytics::UsageEvent]) -> Result<(), ClientError> {
        self.post("/api/v1/usage", &serde_json::json!({ "events": events }))
            .await
    }

    /// `POST /api/v1/approvals`: asks before running a tool.
    pub async fn ask(&self, new: &NewApproval) -> Result<Approval, ClientError> {
        let request = self
            .http
            .post(format!("{}/api/v1/approvals", self.base))
            .json(new);
        self.send(request).await
    }

    /// Waits for the decision by long-polls of up to 55 s (answered the moment it lands), and
    /// across dropped connections (the decision is kept on the server).
    pub async fn decision(&self, id: &str) -> Result<Approval, ClientError> {
        loop {
            let request = self.http.get(format!(
                "{}/api/v1/approvals/{id}/wait?timeout=55",
                self.base
            ));
            match self.send::<Approval>(request).await {
                Ok(approval) if approval.status == Status::Pending => continue,
                Ok(approval) => return Ok(approval),
                Err(ClientError::Unreachable(why)) => {
                    tracing::debug!("wait interrupted ({why}); asking again");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(refused) => return Err(refused),
            }
        }
    }
}
