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

/// Runs each named `async fn(Stack)` of the calling module as two tests:
/// `embedded::<name>` on the embedded default (SQLite, in-memory hub) and
/// `postgres_redis::<name>` on PostgreSQL + Redis. One call per module, listing all of them.
macro_rules! on_both_stacks {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test] async fn $name() { super::$name($crate::helpers::Stack::embedded()).await })*
        }
        mod postgres_redis {
            $(#[tokio::test] async fn $name() { super::$name($crate::helpers::Stack::scaled().await).await })*
        }
    };
}
pub(crate) use on_both_stacks;

pub const BIN: &str = env!("CARGO_BIN_EXE_flightdeck");
/// The password of every account the tests make.
pub const PASSWORD: &str = "correct horse battery";
/// The first admin every test server starts with (and the demo's admin).
pub const ADMIN_EMAIL: &str = "admin@flightdeck.local";
/// Unsets the first admin from the environment, for tests of the demo and the setup link.
pub const NO_FIRST_ADMIN: [(&str, &str); 2] = [
    ("FLIGHTDECK_ADMIN_EMAIL", ""),
    ("FLIGHTDECK_ADMIN_PASSWORD", ""),
];

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
    /// The folder the server keeps its data in, kept as long as any server or stack uses it.
    _root: Option<Arc<tempfile::TempDir>>,
}

/// Where a test's server keeps its records, states and sessions. Keeps them across restarts.
pub struct Stack {
    /// `embedded` or `postgres+redis`.
    pub name: &'static str,
    root: Arc<tempfile::TempDir>,
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
            root: Arc::new(tempfile::tempdir().expect("tempdir")),
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
            root: Arc::new(tempfile::tempdir().expect("tempdir")),
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
        let mut app = spawn_process(self.root.path(), &env);
        app._root = Some(self.root.clone());
        app
    }

    /// The environment value this stack sets, if any.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Who makes a request: a cookie-keeping client, or a `cookie` header value.
#[derive(Clone, Copy)]
pub enum Who<'a> {
    /// A client whose cookie store holds the session.
    Client(&'a reqwest::Client),
    /// A `cookie` header value (`flightdeck_session=…`).
    Cookie(&'a str),
}

impl Who<'_> {
    /// A request as this caller.
    pub fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        match self {
            Who::Client(client) => client.request(method, url),
            Who::Cookie(cookie) => reqwest::Client::new()
                .request(method, url)
                .header("cookie", *cookie),
        }
    }
}

impl<'a> From<&'a reqwest::Client> for Who<'a> {
    fn from(client: &'a reqwest::Client) -> Self {
        Who::Client(client)
    }
}

impl<'a> From<&'a str> for Who<'a> {
    fn from(cookie: &'a str) -> Self {
        Who::Cookie(cookie)
    }
}

impl<'a> From<&'a String> for Who<'a> {
    fn from(cookie: &'a String) -> Self {
        Who::Cookie(cookie)
    }
}

/// Starts a server whose public folder holds what `populate` puts there.
pub fn spawn_app_with(populate: impl FnOnce(&Path)) -> TestApp {
    let root = tempfile::tempdir().expect("tempdir");
    let public_dir = root.path().join("public");
    std::fs::create_dir_all(&public_dir).unwrap();
    populate(&public_dir);
    let mut app = spawn_process(root.path(), &[]);
    app._root = Some(Arc::new(root));
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
        // Most tests make their accounts by signing up; the invite-only default is tested
        // where it matters (a test passes FLIGHTDECK_SIGNUP="" for the default).
        .env("FLIGHTDECK_SIGNUP", "open")
        // Every test server starts with a first admin (tests of the demo and of the setup link
        // unset these).
        .env("FLIGHTDECK_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("FLIGHTDECK_ADMIN_PASSWORD", PASSWORD)
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

    /// `GET path` as `who`: answered 200, and read as JSON.
    pub async fn read<'a, T: serde::de::DeserializeOwned>(
        &self,
        who: impl Into<Who<'a>>,
        path: &str,
    ) -> T {
        let answer = who
            .into()
            .request(reqwest::Method::GET, &self.url(path))
            .send()
            .await
            .expect("request");
        assert_eq!(answer.status(), reqwest::StatusCode::OK, "GET {path}");
        answer.json().await.expect("a JSON answer")
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Whether the log holds `needle` within a few seconds (lines reach the log through a pipe
    /// and a reader thread, a little after the request that wrote them has been answered).
    pub fn logs_soon(&self, needle: &str) -> bool {
        for _ in 0..50 {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
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
            "login as {email}: {}\nserver log:\n{}",
            response.text().await.unwrap_or_default(),
            self.log()
        );
        client
    }

    /// A client signed in as the first admin: the one from the environment the tests set, or
    /// the demo's (its password read from the log).
    pub async fn first_admin(&self) -> reqwest::Client {
        match self.demo_password() {
            Some(password) => self.sign_in(ADMIN_EMAIL, &password).await,
            None => self.sign_in(ADMIN_EMAIL, PASSWORD).await,
        }
    }

    /// A new account with its own workspace (sign-up is open in tests unless a test says
    /// otherwise); returns its signed-in client and `me`.
    pub async fn sign_up(
        &self,
        email: &str,
        workspace: &str,
    ) -> (reqwest::Client, serde_json::Value) {
        let response = new_client()
            .post(self.url("/api/auth/signup"))
            .json(&serde_json::json!({ "email": email, "password": PASSWORD, "workspace": workspace }))
            .send()
            .await
            .expect("signup request");
        assert_eq!(response.status(), 202, "signup {email}");
        let client = self.sign_in(email, PASSWORD).await;
        let me = client
            .get(self.url("/api/auth/me"))
            .send()
            .await
            .expect("me")
            .json()
            .await
            .expect("me as JSON");
        (client, me)
    }

    /// Invites `email` to the workspace of `admin` as `role`: the link's path
    /// (`/invite/<token>`).
    pub async fn invite<'a>(&self, admin: impl Into<Who<'a>>, email: &str, role: &str) -> String {
        let response = admin
            .into()
            .request(reqwest::Method::POST, &self.url("/api/workspace/invites"))
            .json(&serde_json::json!({ "email": email, "role": role }))
            .send()
            .await
            .expect("invite request");
        assert_eq!(response.status(), 201, "invite {email}");
        let invite: serde_json::Value = response.json().await.expect("invite as JSON");
        invite["path"].as_str().expect("a link").to_owned()
    }

    /// Makes the account of `member` (signed in as `email`) a member of `admin`'s workspace
    /// with `role`, through an invitation it accepts; its session moves there.
    pub async fn add_member<'a, 'b>(
        &self,
        admin: impl Into<Who<'a>>,
        member: impl Into<Who<'b>>,
        email: &str,
        role: &str,
    ) {
        let path = self.invite(admin, email, role).await;
        let token = path.trim_start_matches("/invite/");
        let url = self.url(&format!("/api/invites/{token}/accept"));
        let response = member
            .into()
            .request(reqwest::Method::POST, &url)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("accept request");
        assert_eq!(response.status(), 200, "accept as {email}");
    }

    /// Changes the role of the member with `email` in `admin`'s workspace.
    pub async fn set_role<'a>(&self, admin: impl Into<Who<'a>>, email: &str, role: &str) {
        let admin = admin.into();
        let members: Vec<serde_json::Value> = admin
            .request(reqwest::Method::GET, &self.url("/api/workspace/members"))
            .send()
            .await
            .expect("members request")
            .json()
            .await
            .expect("members as JSON");
        let id = members
            .iter()
            .find(|member| member["email"] == email)
            .and_then(|member| member["userId"].as_str())
            .unwrap_or_else(|| panic!("{email} is not a member: {members:?}"))
            .to_owned();
        let url = self.url(&format!("/api/workspace/members/{id}"));
        let response = admin
            .request(reqwest::Method::PATCH, &url)
            .json(&serde_json::json!({ "role": role }))
            .send()
            .await
            .expect("role request");
        assert_eq!(response.status(), 200, "role of {email}");
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

/// A program the tests run against a loopback server (node, pytest, a script): no proxy between
/// them (the proxy variables removed), no input, its output piped, killed when dropped.
pub fn direct(program: impl AsRef<std::ffi::OsStr>) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(program);
    for proxy in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env_remove(proxy);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// The tests' Python environment: `FLIGHTDECK_VENV` (scripts/env.sh sets it), else its default.
pub fn venv() -> PathBuf {
    std::env::var_os("FLIGHTDECK_VENV").map_or_else(
        || {
            let home = std::env::var_os("HOME").unwrap_or_default();
            Path::new(&home).join(".cache/flightdeck/venv")
        },
        PathBuf::from,
    )
}
