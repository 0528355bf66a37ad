//! Liveness and readiness: `GET /healthz` says the process answers; `GET /readyz` says whether
//! everything it depends on is reachable, check by check.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use std::path::Path;

/// GET /healthz — 200 while the process serves requests.
pub async fn healthz() -> &'static str {
    "ok"
}

/// One dependency's state.
#[derive(Debug, Serialize, PartialEq)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// Whether it is usable.
    pub ok: bool,
    /// What went wrong, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The readiness report.
#[derive(Debug, Serialize)]
pub struct Readiness {
    /// `ready` or `not ready`.
    pub status: &'static str,
    /// Each dependency.
    pub checks: Vec<Check>,
}

/// GET /readyz — 200 when every dependency is usable, 503 naming the ones that are not.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let data_dir = state.config.data_dir.clone();
    let data_dir_check = tokio::task::spawn_blocking(move || check_writable(&data_dir))
        .await
        .unwrap_or_else(|join| Err(join.to_string()));
    let mut checks = vec![
        check("data_dir", data_dir_check),
        check(state.records.kind(), state.records.ping().await),
    ];
    if let Some(hot) = &state.hot {
        checks.push(check("redis", hot.ping().await));
    }

    let ready = checks.iter().all(|check| check.ok);
    if !ready {
        tracing::warn!(?checks, "not ready");
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let report = Readiness {
        status: if ready { "ready" } else { "not ready" },
        checks,
    };
    (status, Json(report))
}

fn check(name: &'static str, result: Result<(), String>) -> Check {
    Check {
        name,
        ok: result.is_ok(),
        error: result.err(),
    }
}

/// Writes and removes a probe file: a full disk or a vanished directory both show here.
fn check_writable(dir: &Path) -> Result<(), String> {
    let probe = dir.join(".readyz-probe");
    std::fs::write(&probe, b"ok")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|err| format!("{} is not writable: {err}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writable_directory_passes_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(check_writable(dir.path()), Ok(()));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_missing_directory_fails_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let err = check_writable(&gone).unwrap_err();
        assert!(err.contains("gone"), "{err}");
    }
}
