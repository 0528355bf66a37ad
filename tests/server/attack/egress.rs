//! Finding 3, SSRF: a listener on a refused address (loopback, by default) gets no connection
//! from a health check or an MCP connection, whether the URL names it by address or by a name
//! that resolves to it (`localhost`), and not through a redirect either; the answers name the
//! rule. With loopback allowed the same listener is reached (the positive control). A body is
//! read no further than 64 KiB, and checks on demand are throttled per workspace.

use crate::fleet::{call, register};
use crate::helpers::{Stack, TestApp};
use crate::sync::account;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

const HEALTHY: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{\"status\":\"ok\"}";
const LOOPBACK_RULE: &str =
    "refused by the egress policy: loopback (allow it with FLIGHTDECK_EGRESS_ALLOW)";

/// A TCP listener on `ip` that counts the connections it accepts and answers each with
/// `answer` once it has read the request's head.
struct Listener {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Listener {
    fn start(ip: &str, answer: String) -> Self {
        let listener = TcpListener::bind((ip, 0)).expect("bind a loopback listener");
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().map_while(Result::ok) {
                count.fetch_add(1, Ordering::SeqCst);
                read_head(&mut stream);
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        Self { addr, accepted }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.addr.port())
    }
}

fn read_head(stream: &mut std::net::TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
}

/// Runs a health round of the workspace now; the results by agent name.
async fn check_now(app: &TestApp, cookie: &str) -> Vec<(String, String, String)> {
    let (status, round) = call(
        app,
        ("cookie", cookie),
        "POST",
        "/api/agents/health/check",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{round}");
    round["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
            let data = &item["data"];
            (
                text(&item["agentName"]),
                text(&data["state"]),
                text(&data["error"]),
            )
        })
        .collect()
}

fn result<'a>(results: &'a [(String, String, String)], name: &str) -> (&'a str, &'a str) {
    let (_, state, error) = results.iter().find(|(n, _, _)| n == name).unwrap();
    (state, error)
}

const NO_THROTTLE: (&str, &str) = ("FLIGHTDECK_HEALTH_CHECK_COOLDOWN_SECS", "0");

#[tokio::test]
async fn health_checks_reach_loopback_only_when_allowed() {
    let target = Listener::start("127.0.0.1", HEALTHY.into());
    let stack = Stack::embedded();
    // Allowed: registered and reached (the positive control).
    let app = stack.spawn(&[("FLIGHTDECK_EGRESS_ALLOW", "127.0.0.1/32"), NO_THROTTLE]);
    let cookie = account(&app, "egress-health@example.com").await;
    let agent = json!({ "name": "literal", "role": "pulse", "healthUrl": target.url("127.0.0.1", "/health") });
    register(&app, &cookie, agent).await;
    assert_eq!(
        result(&check_now(&app, &cookie).await, "literal"),
        ("healthy", "")
    );
    assert!(target.accepted() >= 1);
    drop(app);
    let before = target.accepted();

    // The default policy: the address is refused at registration, and the agent registered
    // before is refused at its check, as is a name resolving to loopback.
    let app = stack.spawn(&[NO_THROTTLE]);
    let body = json!({ "name": "again", "role": "pulse", "healthUrl": target.url("127.0.0.1", "/health") });
    let (status, answer) = call(&app, ("cookie", &cookie), "POST", "/api/agents", Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["field"], "healthUrl");
    assert_eq!(answer["error"], format!("healthUrl is {LOOPBACK_RULE}"));
    let named = json!({ "name": "named", "role": "pulse", "healthUrl": target.url("localhost", "/health") });
    register(&app, &cookie, named).await;
    let results = check_now(&app, &cookie).await;
    assert_eq!(result(&results, "literal"), ("refused", LOOPBACK_RULE));
    assert_eq!(result(&results, "named"), ("refused", LOOPBACK_RULE));
    assert_eq!(
        target.accepted(),
        before,
        "the refused listener was connected to"
    );
}

#[tokio::test]
async fn mcp_over_http_reaches_loopback_only_when_allowed() {
    let target = Listener::start("127.0.0.1", HEALTHY.into());
    let stack = Stack::embedded();
    let app = stack.spawn(&[("FLIGHTDECK_EGRESS_ALLOW", "127.0.0.1/32")]);
    let cookie = account(&app, "egress-mcp@example.com").await;
    let (status, _) = add(&app, &cookie, "literal", target.url("127.0.0.1", "/mcp")).await;
    assert_eq!(status, StatusCode::CREATED);
    // Reached (it is no MCP server, so the connection then fails).
    until(|| target.accepted() >= 1).await;
    drop(app);
    let before = target.accepted();

    let app = stack.spawn(&[]);
    let (status, answer) = add(&app, &cookie, "again", target.url("127.0.0.1", "/mcp")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["field"], "transport.url");
    assert_eq!(answer["error"], format!("transport.url is {LOOPBACK_RULE}"));
    let (status, _) = add(&app, &cookie, "named", target.url("localhost", "/mcp")).await;
    assert_eq!(status, StatusCode::CREATED);
    let started = Instant::now();
    let servers = loop {
        let (_, overview) = call(&app, ("cookie", &cookie), "GET", "/api/mcp/servers", None).await;
        let servers = overview["servers"].as_array().cloned().unwrap_or_default();
        if servers.len() == 2 && servers.iter().all(|server| server["state"] == "failed") {
            break servers;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{overview:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for server in &servers {
        assert_eq!(server["lastError"], LOOPBACK_RULE, "{server:#}");
    }
    assert_eq!(
        target.accepted(),
        before,
        "the refused listener was connected to"
    );
}

#[tokio::test]
async fn a_redirect_to_a_refused_address_is_not_followed() {
    // 127.0.0.2 is loopback too (Linux routes all of 127/8 on lo).
    let refused = Listener::start("127.0.0.2", HEALTHY.into());
    let hop = refused.url("127.0.0.2", "/health");
    let redirect = format!(
        "HTTP/1.1 302 Found\r\nLocation: {hop}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let allowed = Listener::start("127.0.0.1", redirect);
    let stack = Stack::embedded();
    let app = stack.spawn(&[("FLIGHTDECK_EGRESS_ALLOW", "127.0.0.1/32"), NO_THROTTLE]);
    let cookie = account(&app, "egress-redirect@example.com").await;
    let agent =
        json!({ "name": "hops", "role": "pulse", "healthUrl": allowed.url("127.0.0.1", "/") });
    register(&app, &cookie, agent).await;
    let results = check_now(&app, &cookie).await;
    assert_eq!(result(&results, "hops"), ("refused", LOOPBACK_RULE));
    assert!(allowed.accepted() >= 1);
    assert_eq!(refused.accepted(), 0, "the redirect was followed");
    drop(app);

    // With all of loopback allowed, the same redirect is followed.
    let app = stack.spawn(&[("FLIGHTDECK_EGRESS_ALLOW", "127.0.0.0/8"), NO_THROTTLE]);
    assert_eq!(
        result(&check_now(&app, &cookie).await, "hops"),
        ("healthy", "")
    );
    assert!(refused.accepted() >= 1);
}

#[tokio::test]
async fn an_endless_body_is_read_no_further_than_the_cap() {
    // Writes a 200 and then body bytes until the reader hangs up; says how many it wrote.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (wrote, written) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        read_head(&mut stream);
        let mut total = 0usize;
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
        if stream.write_all(head.as_bytes()).is_ok() {
            let chunk = [b'x'; 16 * 1024];
            while stream.write_all(&chunk).is_ok() {
                total += chunk.len();
            }
        }
        let _ = wrote.send(total);
    });
    // The stack keeps the server's data folder: it lives as long as the test.
    let stack = Stack::embedded();
    let app = stack.spawn(&[("FLIGHTDECK_EGRESS_ALLOW", "127.0.0.1/32")]);
    let cookie = account(&app, "egress-body@example.com").await;
    let url = format!("http://{addr}/health");
    let agent =
        json!({ "name": "chatty", "role": "pulse", "healthUrl": url, "healthTimeoutMs": 20000 });
    register(&app, &cookie, agent).await;
    // Reading on would last until the timeout: the check ends sooner, with the status's verdict.
    assert_eq!(
        result(&check_now(&app, &cookie).await, "chatty"),
        ("healthy", "")
    );
    let total = written
        .recv_timeout(Duration::from_secs(20))
        .expect("the checker hung up");
    println!("the endless body's writer wrote {total} bytes before the checker hung up");
}

#[tokio::test]
async fn checks_on_demand_are_throttled_per_workspace() {
    let stack = Stack::embedded();
    let app = stack.spawn(&[]);
    let one = account(&app, "egress-throttle-1@example.com").await;
    let two = account(&app, "egress-throttle-2@example.com").await;
    check_now(&app, &one).await;
    let again = reqwest::Client::new()
        .post(app.url("/api/agents/health/check"))
        .header("cookie", &one)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = again.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry), "Retry-After: {retry}");
    let body: Value = again.json().await.unwrap();
    let message = body["error"].as_str().unwrap();
    assert!(
        message.contains("one per workspace every 10 s"),
        "{message}"
    );
    // Another workspace is not held up.
    check_now(&app, &two).await;
}

/// Adds an MCP server over HTTP.
async fn add(app: &TestApp, cookie: &str, name: &str, url: String) -> (StatusCode, Value) {
    let body = json!({ "name": name, "transport": { "kind": "http", "url": url } });
    call(
        app,
        ("cookie", cookie),
        "POST",
        "/api/mcp/servers",
        Some(body),
    )
    .await
}

async fn until(done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(30), "not reached");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
