//! `spawn_app`: starts the server binary on 127.0.0.1:0 with its own data and public folders,
//! learns its address from the log, and stops it when dropped. A [`Stack`] says which stores it
//! uses: the embedded default (SQLite in its data dir) or PostgreSQL + Redis, each test with its
//! own database and key prefix (the servers are started by scripts/test.sh; see `services.sh`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_flightdeck");

/// The server binary: cargo's, or another build named by `FLIGHTDECK_TEST_BIN` (e.g. the code
/// before a change, to see that a new test fails on it).
fn server_binary() -> PathBuf {
    std::env::var_os("FLIGHTDECK_TEST_BIN").map_or_else(|| PathBuf::from(BIN), PathBuf::from)
}

/// A running server.
pub struct TestApp {
    pub base: String,
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
    child: Child,
    log: Arc<Mutex<String>>,
    _root: Option<tempfile::TempDir>,
}

/// Where a test's server keeps its records, states and sessions. Keeps them across restarts.
pub struct Stack {
    /// `embedded` or `postgres+redis`.
    pub name: &'static str,
    root: tempfile::TempDir,
    /// Extra environment (DATABASE_URL, REDIS_URL, FLIGHTDECK_REDIS_PREFIX, FLIGHTDECK_AUDIT_KEY).
    pub env: Vec<(String, String)>,
}

fn service_url(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the tests through scripts/test.sh, which starts a throwaway PostgreSQL and Redis on loopback (scripts/services.sh), or set it yourself")
    })
}

impl Stack {
    /// SQLite in a fresh data dir, in-process fan-out.
    pub fn embedded() -> Self {
        Self {
            name: "embedded",
            root: tempfile::tempdir().expect("tempdir"),
            env: Vec::new(),
        }
    }

    /// A fresh PostgreSQL database and Redis key prefix.
    pub async fn scaled() -> Self {
        use sqlx::Connection;
        let admin = service_url("FLIGHTDECK_TEST_DATABASE_URL");
        let redis = service_url("FLIGHTDECK_TEST_REDIS_URL");
        let id = uuid::Uuid::new_v4().simple().to_string();
        let database = format!("test_{id}");
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .expect("connect to the test PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {database}"))
            .execute(&mut conn)
            .await
            .expect("create a test database");
        let url = match admin.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{database}"),
            None => panic!("FLIGHTDECK_TEST_DATABASE_URL has no database part: {admin}"),
        };
        // Instances sharing a database share the audit key (a server refuses to start without).
        let audit_key = format!("{id}{}", uuid::Uuid::new_v4().simple());
        Self {
            name: "postgres+redis",
            root: tempfile::tempdir().expect("tempdir"),
            env: vec![
                ("DATABASE_URL".into(), url),
                ("REDIS_URL".into(), redis),
                ("FLIGHTDECK_REDIS_PREFIX".into(), format!("test-{id}")),
                ("FLIGHTDECK_AUDIT_KEY".into(), audit_key),
            ],
        }
    }

    /// Starts a server on this stack with extra environment.
    pub fn spawn(&self, extra: &[(&str, &str)]) -> TestApp {
        let mut env = self.env.clone();
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        spawn_process(self.root.path(), &env)
    }

    /// The environment value this stack sets, if any.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Starts a server whose public folder holds what `populate` puts there.
pub fn spawn_app_with(populate: impl FnOnce(&Path)) -> TestApp {
    let root = tempfile::tempdir().expect("tempdir");
    let public_dir = root.path().join("public");
    std::fs::create_dir_all(&public_dir).unwrap();
    populate(&public_dir);
    let mut app = spawn_process(root.path(), &[]);
    app._root = Some(root);
    app
}

fn spawn_process(root: &Path, env: &[(String, String)]) -> TestApp {
    let data_dir = root.join("data");
    let public_dir = root.join("public");
    std::fs::create_dir_all(&public_dir).unwrap();

    let mut command = Command::new(server_binary());
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("IP", "127.0.0.1")
        .env("PORT", "0")
        .env("FLIGHTDECK_DATA_DIR", &data_dir)
        .env("DIOXUS_PUBLIC_PATH", &public_dir)
        .env("FLIGHTDECK_SHUTDOWN_GRACE_SECS", "2")
        // The demo fleet only where a test asks for it.
        .env("FLIGHTDECK_DEMO", "0")
        .env("RUST_LOG", "info");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
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
        client: new_client(),
        child,
        log,
        _root: None,
    }
}

/// An HTTP client that keeps cookies, as a browser would.
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
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

    /// The demo admin's password, as printed once in the log.
    pub fn demo_password(&self) -> Option<String> {
        let log = self.log();
        let at = log.find("with password ")? + "with password ".len();
        Some(log[at..].split_whitespace().next()?.to_string())
    }

    /// A new cookie-keeping client signed in with `email` and `password`.
    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Client {
        let client = new_client();
        let response = client
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("login request");
        assert_eq!(
            response.status(),
            200,
            "login as {email}: {}",
            response.text().await.unwrap_or_default()
        );
        client
    }

    /// A client signed in as the demo admin.
    pub async fn demo_admin(&self) -> reqwest::Client {
        let password = self
            .demo_password()
            .expect("the demo credentials in the log");
        self.sign_in("admin@flightdeck.local", &password).await
    }

    /// A new account with its own workspace; returns its signed-in client and `me`.
    pub async fn sign_up(
        &self,
        email: &str,
        workspace: &str,
    ) -> (reqwest::Client, serde_json::Value) {
        let client = new_client();
        let response = client
            .post(self.url("/api/auth/signup"))
            .json(&serde_json::json!({ "email": email, "password": "correct horse battery", "workspace": workspace }))
            .send()
            .await
            .expect("signup request");
        assert_eq!(response.status(), 201, "signup {email}");
        let me = response.json().await.unwrap();
        (client, me)
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
    let mut command = Command::new(server_binary());
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
