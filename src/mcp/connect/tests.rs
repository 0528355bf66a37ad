//! One attempt against real servers (the node fixtures in tests/fixtures/mcp): each way of
//! failing, the timeout, and that no server process outlives its attempt or session.

use super::*;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/mcp/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn node(args: &[&str]) -> Command {
    Command {
        command: "node".into(),
        args: args.iter().map(|arg| arg.to_string()).collect(),
        env: Default::default(),
    }
}

/// The egress client of these tests: the HTTP fixtures listen on loopback, which it allows.
fn egress() -> Egress {
    let loopback = "127.0.0.0/8".parse().expect("a CIDR");
    let policy = crate::egress::Policy::new(&[loopback], false);
    Egress::new(policy, Duration::ZERO).expect("an egress client")
}

/// The error of an attempt that must fail (a session has no `Debug` for `expect_err`).
fn failure<T>(result: Result<T, ConnectError>) -> ConnectError {
    match result {
        Ok(_) => panic!("connected, but should have failed"),
        Err(err) => err,
    }
}

/// Processes whose command line contains `marker`.
fn processes_with(marker: &str) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .filter(|cmdline| String::from_utf8_lossy(cmdline).contains(marker))
        .count()
}

async fn until_gone(marker: &str) -> usize {
    for _ in 0..50 {
        if processes_with(marker) == 0 {
            return 0;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    processes_with(marker)
}

#[tokio::test]
async fn a_slow_server_connects_and_lists_its_tools() {
    let (session, tools) = connect_command(
        &node(&[&fixture("slow.mjs"), "50"]),
        Duration::from_secs(10),
    )
    .await
    .expect("the slow fixture connects");
    assert_eq!(tools[0].name, "wait");
    assert_eq!(tools[0].description.as_deref(), Some("Waits a little."));
    drop(session);
}

#[tokio::test]
async fn each_way_of_failing_says_why() {
    let timeout = Duration::from_secs(10);
    let missing = Command {
        command: "/nonexistent/mcp-server".into(),
        args: vec![],
        env: Default::default(),
    };
    let err = failure(connect_command(&missing, timeout).await);
    assert!(matches!(err, ConnectError::Spawn { .. }), "{err}");

    let exits = node(&["-e", "console.error('no API key set'); process.exit(3)"]);
    let err = failure(connect_command(&exits, timeout).await);
    assert!(matches!(err, ConnectError::Protocol { .. }), "{err}");
    assert!(
        err.to_string().ends_with("(stderr: no API key set)"),
        "{err}"
    );

    let refused = Transport::Http {
        url: "http://127.0.0.1:1/mcp".into(),
    };
    let err = failure(connect(&refused, timeout, &OperatorServers::default(), &egress()).await);

    assert!(matches!(err, ConnectError::Protocol { .. }), "{err}");
    // One word about the target, no more (its OS error would tell a closed port from others).
    assert_eq!(err.to_string(), "send initialize request: unreachable");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_and_is_stopped() {
    let marker = format!("hang-{}", std::process::id());
    let hang = node(&[&fixture("hang.mjs"), &marker]);
    let err = failure(connect_command(&hang, Duration::from_millis(500)).await);
    assert!(
        matches!(err, ConnectError::TimedOut { ms: 500, .. }),
        "{err}"
    );
    assert_eq!(
        until_gone(&marker).await,
        0,
        "the hanging server was not stopped"
    );
}

#[tokio::test]
async fn dropping_a_session_stops_its_server() {
    let marker = format!("drop-{}", std::process::id());
    let slow = node(&[&fixture("slow.mjs"), "10", &marker]);
    let (session, _) = connect_command(&slow, Duration::from_secs(10))
        .await
        .expect("connects");
    assert_eq!(processes_with(&marker), 1);
    drop(session);
    assert_eq!(
        until_gone(&marker).await,
        0,
        "the server outlived its session"
    );
}

#[tokio::test]
async fn a_streamable_http_server_connects() {
    let mut server = tokio::process::Command::new("node")
        .arg(fixture("http.mjs"))
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let stdout = server.stdout.take().expect("piped");
    let url = BufReader::new(stdout)
        .lines()
        .next_line()
        .await
        .expect("reads")
        .expect("the fixture prints its URL");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let none = OperatorServers::default();
    let (session, tools) = connect(
        &Transport::Http { url },
        Duration::from_secs(10),
        &none,
        &egress(),
    )
    .await
    .expect("the HTTP fixture connects");
    assert_eq!(tools[0].name, "wait");
    drop(session);
}

#[tokio::test]
async fn only_the_operators_programs_are_started() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let timeout = Duration::from_secs(5);
    let none = OperatorServers::default();
    // A command stored through the API by an earlier version is never run.
    let legacy = Transport::Stdio {
        command: "touch".into(),
        args: vec![marker.display().to_string()],
    };
    let err = failure(connect(&legacy, timeout, &none, &egress()).await);
    assert!(matches!(err, ConnectError::NotOffered(_)), "{err}");
    // Nor a name the operator does not offer.
    let unknown = Transport::Operator {
        server: "touch".into(),
    };
    let err = failure(connect(&unknown, timeout, &none, &egress()).await);
    assert!(err.to_string().contains("offers no server named"), "{err}");
    assert!(!marker.exists(), "nothing ran");
    // An offered one is, by its name.
    let offered =
        OperatorServers::from_commands([("slow".to_string(), node(&[&fixture("slow.mjs"), "10"]))]);
    let by_name = Transport::Operator {
        server: "slow".into(),
    };
    let (session, tools) = connect(&by_name, timeout, &offered, &egress())
        .await
        .expect("connects");
    assert_eq!(tools[0].name, "wait");
    drop(session);
}
