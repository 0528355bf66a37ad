//! The manager against real stdio servers (the node fixtures in tests/fixtures/mcp): isolation,
//! retries, reconnection after a crash, reconciliation and stopping.

use super::*;
use crate::mcp::operator::Command;
use crate::mcp::Transport;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/mcp/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The server the workspace enables: the operator's program of the same name.
fn server(id: &str) -> McpServer {
    McpServer {
        id: id.into(),
        name: id.into(),
        transport: Transport::Operator { server: id.into() },
    }
}

/// A manager whose operator offers these programs (name, command, arguments).
fn manager(offered: &[(&str, &str, &[&str])]) -> Mcp {
    let commands = offered.iter().map(|(name, command, args)| {
        let command = Command {
            command: command.to_string(),
            args: args.iter().map(|arg| arg.to_string()).collect(),
            env: Default::default(),
        };
        (name.to_string(), command)
    });
    Mcp::new(
        Duration::from_secs(10),
        50,
        None,
        OperatorServers::from_commands(commands),
        egress(),
    )
}

/// The default egress policy (these servers are all stdio).
fn egress() -> Egress {
    Egress::new(crate::egress::Policy::default(), Duration::ZERO).expect("an egress client")
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|id| id.to_string()).collect()
}

fn status(mcp: &Mcp, id: &str) -> ServerStatus {
    mcp.statuses("w")
        .into_iter()
        .find(|status| status.server.id == id)
        .unwrap_or_else(|| panic!("{id} is not managed"))
}

/// Waits (up to 20 s) until `done` holds for the server's status.
async fn until(mcp: &Mcp, id: &str, done: impl Fn(&ServerStatus) -> bool) -> ServerStatus {
    for _ in 0..200 {
        let now = status(mcp, id);
        if done(&now) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{id} never got there: {:?}", status(mcp, id));
}

fn running(marker: &str) -> bool {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .any(|cmdline| String::from_utf8_lossy(&cmdline).contains(marker))
}

#[test]
fn plan_starts_the_new_and_stops_the_gone() {
    let (start, stop) = plan(&ids(&["a", "b", "c"]), &ids(&["b", "c", "d"]));
    assert_eq!((start, stop), (ids(&["d"]), ids(&["a"])));
    let (start, stop) = plan(&[], &ids(&["a"]));
    assert_eq!((start, stop), (ids(&["a"]), vec![]));
    let (start, stop) = plan(&ids(&["a"]), &ids(&["a"]));
    assert!(start.is_empty() && stop.is_empty());
}

#[tokio::test]
async fn a_failing_server_is_retried_beside_a_connected_one() {
    let slow = fixture("slow.mjs");
    let mcp = manager(&[
        ("ok", "node", &[&slow, "10"]),
        ("bad", "/nonexistent/mcp-server", &[]),
    ]);
    mcp.connect("w", server("ok"));
    mcp.connect("w", server("bad"));
    assert!(!mcp.connect("w", server("ok")), "already running");

    let bad = until(&mcp, "bad", |s| s.attempts >= 3).await;
    assert!(bad.last_error.unwrap_or_default().contains("cannot start"));
    let ok = until(&mcp, "ok", |s| s.state == ConnState::Connected).await;
    assert_eq!(ok.tools[0].name, "wait");
    assert!(ok.connected_at.is_some() && ok.last_error.is_none());
    let health = mcp.health("w");
    assert_eq!((health.connected, health.total), (1, 2));
    assert_eq!(health.summary, "1 of 2 connected");
    assert_eq!(mcp.health("other").summary, "no MCP servers configured");
}

#[tokio::test]
async fn a_server_that_exits_is_reconnected() {
    let args = [fixture("slow.mjs"), "10".into(), "--exit-after=300".into()];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mcp = manager(&[("crashy", "node", &args)]);
    mcp.connect("w", server("crashy"));
    until(&mcp, "crashy", |s| s.state == ConnState::Connected).await;
    let ended = until(&mcp, "crashy", |s| s.last_error.is_some()).await;
    assert_eq!(
        ended.last_error.as_deref(),
        Some("the server closed the connection")
    );
    until(&mcp, "crashy", |s| s.state == ConnState::Connected).await;
}

#[tokio::test]
async fn reconcile_follows_the_records_and_removing_stops_the_process() {
    let marker = format!("reconcile-{}", std::process::id());
    let slow = fixture("slow.mjs");
    let mcp = manager(&[
        ("kept", "node", &[&slow, "10", &marker]),
        ("gone", "/nonexistent/mcp-server", &[]),
    ]);
    let (kept, gone) = (server("kept"), server("gone"));
    mcp.reconcile("w", vec![kept.clone(), gone]);
    until(&mcp, "kept", |s| s.state == ConnState::Connected).await;
    assert!(running(&marker));

    // A second pass leaves a running connection alone and drops what is no longer configured.
    mcp.reconcile("w", vec![kept]);
    let statuses = mcp.statuses("w");
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].state, ConnState::Connected);

    assert!(mcp.remove("kept"));
    assert!(!mcp.remove("kept"));
    for _ in 0..50 {
        if !running(&marker) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the removed server's process still runs");
}
