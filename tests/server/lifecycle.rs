//! Process life: health and readiness, configuration errors at start, graceful shutdown.

use crate::helpers::{run_expecting_exit, spawn_app};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use reqwest::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app();
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn readyz_reports_each_dependency_and_turns_503_when_one_fails() {
    let app = spawn_app();
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: serde_json::Value = response.json().await.unwrap();
    assert_eq!(report["status"], "ready");
    assert_eq!(report["checks"][0]["name"], "data_dir");
    assert_eq!(report["checks"][0]["ok"], true);
    assert_eq!(report["checks"][1]["name"], "sqlite");
    assert_eq!(report["checks"][1]["ok"], true);

    std::fs::remove_dir_all(&app.data_dir).unwrap();
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let report: serde_json::Value = response.json().await.unwrap();
    assert_eq!(report["status"], "not ready");
    assert_eq!(report["checks"][0]["ok"], false);
    assert!(
        report["checks"][0]["error"]
            .as_str()
            .unwrap()
            .contains("not writable"),
        "{report}"
    );
    // Liveness is unaffected.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[test]
fn a_bad_setting_stops_the_start_with_a_message_naming_it() {
    let (status, log) = run_expecting_exit(&[("PORT", "eighty")]);
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(
        log.contains("invalid configuration: PORT=\"eighty\" is invalid: expected a port number"),
        "{log}"
    );

    let (status, log) = run_expecting_exit(&[("IP", "not-an-ip")]);
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(log.contains("IP=\"not-an-ip\""), "{log}");
}

#[test]
fn a_data_dir_that_is_a_file_stops_the_start() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let path = file.path().to_str().unwrap();
    let (status, log) = run_expecting_exit(&[("FLIGHTDECK_DATA_DIR", path)]);
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(log.contains("is a file, not a directory"), "{log}");
}

#[test]
fn a_taken_port_stops_the_start_with_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let data = tempfile::tempdir().unwrap();
    let (status, log) = run_expecting_exit(&[
        ("IP", "127.0.0.1"),
        ("PORT", &port),
        ("FLIGHTDECK_DATA_DIR", data.path().to_str().unwrap()),
    ]);
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{log}"
    );
}

#[tokio::test]
async fn sigterm_and_sigint_stop_the_server_cleanly() {
    for signal in [Signal::SIGTERM, Signal::SIGINT] {
        let mut app = spawn_app();
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
        kill(Pid::from_raw(app.pid()), signal).unwrap();
        let status = app
            .wait_exit(Duration::from_secs(10))
            .expect("exits after the signal");
        assert!(status.success(), "{signal}: {status:?}\n{}", app.log());
        let log = app.log();
        assert!(log.contains("shutting down"), "{log}");
        assert!(log.contains("Flightdeck stopped"), "{log}");
    }
}
