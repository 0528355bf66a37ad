//! `spawn_app`: starts the server binary on 127.0.0.1:0 with its own data and public folders,
//! learns its address from the log, and stops it when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_flightdeck");

/// A running server.
pub struct TestApp {
    pub base: String,
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
    child: Child,
    log: Arc<Mutex<String>>,
    _root: tempfile::TempDir,
}

/// Starts a server whose public folder holds what `populate` puts there.
pub fn spawn_app_with(populate: impl FnOnce(&Path)) -> TestApp {
    let root = tempfile::tempdir().expect("tempdir");
    let data_dir = root.path().join("data");
    let public_dir = root.path().join("public");
    std::fs::create_dir_all(&public_dir).unwrap();
    populate(&public_dir);

    let mut child = Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("IP", "127.0.0.1")
        .env("PORT", "0")
        .env("FLIGHTDECK_DATA_DIR", &data_dir)
        .env("DIOXUS_PUBLIC_PATH", &public_dir)
        .env("FLIGHTDECK_SHUTDOWN_GRACE_SECS", "2")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server binary");

    let log = Arc::new(Mutex::new(String::new()));
    let (addr_tx, addr_rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let _ = addr_tx.send(line[at + "listening on ".len()..].trim().to_string());
            }
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    let base = match addr_rx.recv_timeout(Duration::from_secs(30)) {
        Ok(base) => base,
        Err(_) => {
            let _ = child.kill();
            panic!(
                "server did not report its address; log:\n{}",
                log.lock().unwrap()
            );
        }
    };

    TestApp {
        base,
        data_dir,
        client: reqwest::Client::new(),
        child,
        log,
        _root: root,
    }
}

/// Starts a server with no web build (an empty public folder).
pub fn spawn_app() -> TestApp {
    spawn_app_with(|_| {})
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Waits up to `limit` for the process to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary with extra environment and returns its exit status and log, for start-up
/// failures (it must exit on its own).
pub fn run_expecting_exit(vars: &[(&str, &str)]) -> (ExitStatus, String) {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORT", "0");
    for (key, value) in vars {
        command.env(key, value);
    }
    let output = command.output().expect("run the server binary");
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
