//! The real release server (cargo's `flightdeck` binary) in its own process on loopback, for the
//! benchmarks whose clients must not share its cores' scheduler or its memory: its address, its
//! resident memory, a session cookie, and the log tail when something fails.

use anyhow::{bail, ensure, Context};
use serde_json::json;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// The password of every account a benchmark makes.
pub const PASSWORD: &str = "correct horse battery";

/// A server process, stopped when dropped.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    child: Child,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Server {
    /// Starts the server binary with its data in `data_dir`, open sign-up, no demo, and `vars`;
    /// returns once it reports its address.
    pub fn spawn(data_dir: &Path, vars: &[(&str, String)]) -> anyhow::Result<Self> {
        let public_dir = data_dir.join("public");
        std::fs::create_dir_all(&public_dir)?;
        let mut command = Command::new(env!("CARGO_BIN_EXE_flightdeck"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("IP", "127.0.0.1")
            .env("PORT", "0")
            .env("FLIGHTDECK_DATA_DIR", data_dir)
            .env("DIOXUS_PUBLIC_PATH", &public_dir)
            .env("FLIGHTDECK_DEMO", "0")
            .env("FLIGHTDECK_SIGNUP", "open")
            .env("RUST_LOG", "info");
        for (name, value) in vars {
            command.env(name, value);
        }
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting the server binary")?;
        let stderr = child.stderr.take().context("the server's stderr")?;
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (addr_tx, addr_rx) = mpsc::channel();
        let sink = log.clone();
        // Drained all along: a full pipe would stall the server.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let _ = addr_tx.send(line[at + "listening on ".len()..].trim().to_owned());
                }
                let mut log = sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                if log.len() == 40 {
                    log.pop_front();
                }
                log.push_back(line);
            }
        });
        let mut server = Self {
            base: String::new(),
            child,
            log,
        };
        match addr_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => server.base = base,
            Err(_) => bail!("the server did not report its address:\n{}", server.log()),
        }
        Ok(server)
    }

    /// The last lines the server logged.
    pub fn log(&self) -> String {
        let log = self
            .log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        log.iter().map(|line| format!("    {line}\n")).collect()
    }

    /// `127.0.0.1:<port>`.
    pub fn host(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Its resident memory now (`VmRSS`), in KiB.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .context("reading the server's /proc status (is it still running?)")?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS in the server's /proc status")
    }

    /// Fails, with the log, when the server has exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("the server exited ({status}):\n{}", self.log());
        }
        Ok(())
    }

    /// Signs up `email` with a workspace "Bench" and signs in: the session cookie
    /// (`name=value`).
    pub async fn session(&self, email: &str) -> anyhow::Result<String> {
        let client = reqwest::Client::new();
        let account = json!({ "email": email, "password": PASSWORD });
        let mut signup = account.clone();
        signup["workspace"] = json!("Bench");
        let request = client
            .post(format!("{}/api/auth/signup", self.base))
            .json(&signup);
        super::answer(request, reqwest::StatusCode::ACCEPTED).await?;
        let response = client
            .post(format!("{}/api/auth/login", self.base))
            .json(&account)
            .send()
            .await?;
        let status = response.status();
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(str::to_owned);
        let body = response.text().await?;
        ensure!(status == super::OK, "/api/auth/login: {status} {body}");
        cookie.context("/api/auth/login set no cookie")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// This process's limit on open files (the soft `ulimit -n`).
pub fn open_files_limit() -> anyhow::Result<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits")?;
    limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|soft| match soft {
            "unlimited" => Some(u64::MAX),
            soft => soft.parse().ok(),
        })
        .context("no open-files limit in /proc/self/limits")
}
