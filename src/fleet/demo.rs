//! The demo fleet (`--demo`, `FLIGHTDECK_DEMO=1`; on by default without Redis): three simulated
//! agents in the demo workspace that call the agent API over loopback HTTP with the reference
//! client, exactly as a real agent would. Within seconds a newcomer sees vitals, KPIs with
//! trends, projects, tasks, activity, an alert, a failing health check (herald's health URL
//! answers nothing) and approval requests.

use super::{
    AgentStatus, Alert, Heartbeat, MetricSample, Project, ProjectHealth, Severity, Task,
    TaskStatus, Vitals,
};
use crate::agents::client::{AgentClient, ClientError};
use crate::agents::NewAgent;
use crate::approvals::{NewApproval, Risk};
use crate::auth::seed::DEMO_EMAIL;
use crate::egress::Egress;
use crate::records::{now_ms, Records};
use serde_json::json;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;
use tokio::sync::watch;

/// Where nothing listens (the discard port on loopback): the demo's failing health check.
const NOWHERE: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 9));

/// A cheap pseudo-random sequence (xorshift), enough to make the demo move.
struct Dice(u64);

impl Dice {
    fn new() -> Self {
        Self(uuid::Uuid::new_v4().as_u128() as u64 | 1)
    }

    /// A number in `0.0..1.0`.
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `value` moved by up to `step` either way, kept in `low..=high`.
    fn walk(&mut self, value: f64, step: f64, low: f64, high: f64) -> f64 {
        (value + (self.next() * 2.0 - 1.0) * step).clamp(low, high)
    }
}

/// Registers (or re-issues tokens for) the demo agents, then runs them until `stop` turns true
/// (the server's shutdown; their open requests are dropped so it is not held up). `addr` is
/// where this server listens; `egress` lets the demo's health URLs through (exactly those two
/// loopback endpoints, not loopback).
pub async fn start(
    records: Records,
    addr: SocketAddr,
    stop: watch::Receiver<bool>,
    egress: Egress,
) -> anyhow::Result<()> {
    let Some(user) = records.user_by_email(DEMO_EMAIL).await? else {
        tracing::info!("no demo account (the store had accounts before); no demo fleet");
        return Ok(());
    };
    let Some(place) = records.first_place(&user.id).await? else {
        return Ok(());
    };
    let host = if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    };
    for endpoint in [host, NOWHERE] {
        egress.allow_endpoint(endpoint);
    }
    let base = format!("http://{host}");
    let agent = |name: &str, role: &str, health_url: Option<String>| NewAgent {
        name: name.into(),
        role: role.into(),
        health_url,
        health_timeout_ms: Some(2000),
    };
    let healthy = Some(format!("{base}/healthz"));
    let mut clients = Vec::new();
    for new in [
        agent("pulse-1", "pulse", healthy.clone()),
        agent("navi-1", "navi", healthy),
        agent(
            "herald-1",
            "herald",
            Some(format!("http://{NOWHERE}/health")),
        ),
    ] {
        let (_, token) = records.issue_agent_token(&place.workspace.id, &new).await?;
        clients.push(AgentClient::new(&base, &token));
    }
    // A week of usage history for the Analytics page, once per store; then live usage.
    let backfill = !records.has_usage(&place.workspace.id).await?;
    for (client, profile) in clients.iter().zip(PROFILES) {
        let client = client.clone();
        tokio::spawn(until_stopped(stop.clone(), async move {
            if backfill {
                if let Err(err) = usage_history(&client, &profile).await {
                    tracing::warn!("demo usage history not written: {err}");
                }
            }
            keep_going(profile.name, move || run_usage(client.clone(), profile)).await;
        }));
    }
    let [pulse, navi, herald] =
        <[AgentClient; 3]>::try_from(clients).map_err(|_| anyhow::anyhow!("three demo agents"))?;
    tokio::spawn(until_stopped(
        stop.clone(),
        keep_going("pulse-1", move || run_pulse(pulse.clone())),
    ));
    tokio::spawn(until_stopped(
        stop.clone(),
        keep_going("navi-1", move || run_navi(navi.clone())),
    ));
    tokio::spawn(until_stopped(
        stop,
        keep_going("herald-1", move || run_herald(herald.clone())),
    ));
    tracing::info!(workspace = %place.workspace.name, "demo fleet running: pulse-1, navi-1, herald-1");
    Ok(())
}

/// Runs `agent` until `stop` turns true, then drops it (and its open requests).
async fn until_stopped(
    mut stop: watch::Receiver<bool>,
    agent: impl std::future::Future<Output = ()>,
) {
    tokio::select! {
        () = agent => {}
        _ = stop.wait_for(|stop| *stop) => {}
    }
}

/// Runs a demo agent again after it fails (the server restarting its listener, say).
async fn keep_going<F, Fut>(name: &'static str, agent: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), ClientError>>,
{
    loop {
        if let Err(err) = agent().await {
            tracing::debug!("demo agent {name}: {err}; starting again in 5 s");
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// pulse: heartbeats every 2 s and the fleet's KPIs every 3 s.
async fn run_pulse(agent: AgentClient) -> Result<(), ClientError> {
    let mut dice = Dice::new();
    let (mut cpu, mut throughput, mut latency, mut cost) = (35.0, 42.0, 180.0, 12.0);
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    for tick in 0u64.. {
        ticks.tick().await;
        if tick % 2 == 0 {
            cpu = dice.walk(cpu, 8.0, 3.0, 97.0);
            let status = if cpu > 60.0 {
                AgentStatus::Working
            } else {
                AgentStatus::Idle
            };
            agent
                .heartbeat(&beat(&mut dice, cpu, tick, status, None))
                .await?;
        }
        if tick % 3 == 0 {
            throughput = dice.walk(throughput, 6.0, 5.0, 120.0);
            latency = dice.walk(latency, 25.0, 40.0, 900.0);
            cost = dice.walk(cost, 0.8, 0.0, 80.0) + 0.05;
            let metric = |key: &str, label: &str, value: f64, unit: &str| MetricSample {
                key: key.into(),
                label: label.into(),
                value: (value * 10.0).round() / 10.0,
                unit: Some(unit.into()),
            };
            agent
                .metrics(vec![
                    metric("tasks_per_hour", "Tasks per hour", throughput, "/h"),
                    metric("p95_latency", "p95 tool latency", latency, "ms"),
                    metric("spend_today", "Model spend today", cost, "$"),
                ])
                .await?;
        }
    }
    Ok(())
}

/// A heartbeat at `cpu` percent, `tick` seconds up, with made-up memory and queue figures.
fn beat(
    dice: &mut Dice,
    cpu: f64,
    tick: u64,
    status: AgentStatus,
    message: Option<&str>,
) -> Heartbeat {
    Heartbeat {
        status,
        vitals: Vitals {
            cpu_percent: (cpu * 10.0).round() / 10.0,
            memory_mb: (300.0 + dice.next() * 200.0).round(),
            queue_depth: (dice.next() * 8.0) as u32,
            uptime_secs: tick,
        },
        message: message.map(Into::into),
    }
}

/// navi: project status and the task board every 5 s, its own heartbeat every 2 s.
async fn run_navi(agent: AgentClient) -> Result<(), ClientError> {
    let mut dice = Dice::new();
    let titles = [
        "Triage new support tickets",
        "Summarise yesterday's incidents",
        "Refresh the pricing page copy",
        "Reindex the knowledge base",
        "Draft the release notes",
        "Review dependency updates",
    ];
    let assignees = ["navi-1", "herald-1", "pulse-1", "ops@flightdeck.local"];
    let mut statuses = vec![TaskStatus::Todo; titles.len()];
    let mut progress = [18.0, 64.0, 91.0];
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    for tick in 0u64.. {
        ticks.tick().await;
        if tick % 2 == 0 {
            let cpu = dice.walk(40.0, 20.0, 5.0, 90.0);
            let message = Some("planning the week");
            agent
                .heartbeat(&beat(&mut dice, cpu, tick, AgentStatus::Working, message))
                .await?;
        }
        if tick % 5 != 0 {
            continue;
        }
        // Move one task along the board, and start again when all are done.
        let i = (dice.next() * titles.len() as f64) as usize % titles.len();
        statuses[i] = match statuses[i] {
            TaskStatus::Todo => TaskStatus::InProgress,
            TaskStatus::InProgress if dice.next() < 0.2 => TaskStatus::Blocked,
            TaskStatus::InProgress | TaskStatus::Blocked => TaskStatus::Done,
            TaskStatus::Done => TaskStatus::Done,
        };
        if statuses.iter().all(|s| *s == TaskStatus::Done) {
            statuses.fill(TaskStatus::Todo);
        }
        let tasks = titles
            .iter()
            .zip(&statuses)
            .enumerate()
            .map(|(i, (title, status))| Task {
                id: format!("task-{}", i + 1),
                title: (*title).into(),
                status: *status,
                assignee: Some(assignees[i % assignees.len()].into()),
                project: Some(format!("project-{}", i % 3 + 1)),
            })
            .collect();
        agent.tasks(tasks).await?;
        for value in &mut progress {
            *value = (*value + dice.next() * 4.0).min(100.0);
            if *value >= 100.0 {
                *value = 5.0;
            }
        }
        let names = ["Support copilot", "Docs refresh", "Billing migration"];
        let projects = names
            .iter()
            .zip(progress)
            .enumerate()
            .map(|(i, (name, done))| Project {
                id: format!("project-{}", i + 1),
                name: (*name).into(),
                progress: done as u8,
                health: if i == 2 {
                    ProjectHealth::AtRisk
                } else {
                    ProjectHealth::OnTrack
                },
                summary: (i == 2).then(|| "waiting on a schema review".to_owned()),
            })
            .collect();
        agent.projects(projects).await?;
    }
    Ok(())
}

/// herald: a heartbeat every 2 s, a line of activity every 4 s, an alert, and an approval
/// request every 45 s (waited for by long-poll, as the reference agent does). Its health URL
/// answers nothing.
async fn run_herald(agent: AgentClient) -> Result<(), ClientError> {
    let mut dice = Dice::new();
    agent
        .alerts(vec![Alert {
            id: "herald-health".into(),
            severity: Severity::Warning,
            title: "herald-1's health endpoint does not answer".into(),
            detail: Some(format!(
                "Its health URL is http://{NOWHERE}/health; the Agents page shows the failing check."
            )),
            resolved: false,
        }])
        .await?;
    let lines = [
        "posted the daily digest to #ops",
        "answered 3 customer emails",
        "opened a ticket for the flaky build",
        "summarised the on-call handover",
        "published the changelog draft",
    ];
    let tools = [
        (
            "deploy",
            json!({ "service": "api", "version": "2.4.1" }),
            Risk::High,
        ),
        (
            "send_email",
            json!({ "to": "customers@example.com", "count": 120 }),
            Risk::Medium,
        ),
        (
            "delete_branch",
            json!({ "repo": "docs", "branch": "old-preview" }),
            Risk::Low,
        ),
    ];
    let mut waiters = tokio::task::JoinSet::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    for tick in 0u64.. {
        ticks.tick().await;
        // Its own vitals, like the others: the Vitals widget shows the whole fleet.
        if tick % 2 == 1 {
            let cpu = dice.walk(25.0, 15.0, 3.0, 80.0);
            let message = Some("keeping everyone posted");
            agent
                .heartbeat(&beat(&mut dice, cpu, tick, AgentStatus::Working, message))
                .await?;
        }
        if tick % 4 == 0 {
            let line = lines[(dice.next() * lines.len() as f64) as usize % lines.len()];
            agent.activity(format!("herald-1 {line}")).await?;
        }
        if tick % 45 == 2 {
            let (tool, arguments, risk) = tools[(tick / 45) as usize % tools.len()].clone();
            let asked = agent
                .ask(&NewApproval {
                    tool: tool.into(),
                    arguments,
                    reason: "part of the demo fleet's routine".into(),
                    risk,
                    deadline: Some(now_ms() + 10 * 60 * 1000),
                })
                .await?;
            // The decision is awaited by long-poll beside the routine, as the reference agent
            // does; the waiters end with this task (a JoinSet aborts them when dropped).
            let waiter = agent.clone();
            waiters.spawn(async move {
                let decided = waiter.decision(&asked.id).await?;
                let verdict = if decided.allowed == Some(true) {
                    "ran"
                } else {
                    "did not run"
                };
                waiter
                    .activity(format!(
                        "herald-1 {verdict} {} ({})",
                        decided.tool,
                        decided.status.as_str()
                    ))
                    .await
            });
        }
        while waiters.try_join_next().is_some() {}
    }
    Ok(())
}

/// How a demo agent uses models.
#[derive(Clone, Copy)]
struct Profile {
    name: &'static str,
    model: &'static str,
    /// Calls in a busy hour.
    calls_per_hour: f64,
    /// Typical response time (ms).
    latency_ms: f64,
    /// Share of calls that fail.
    error_rate: f64,
}

/// pulse, navi, herald, in the order they are registered.
const PROFILES: [Profile; 3] = [
    Profile {
        name: "pulse-1",
        model: "gpt-4o-mini",
        calls_per_hour: 14.0,
        latency_ms: 240.0,
        error_rate: 0.01,
    },
    Profile {
        name: "navi-1",
        model: "claude-sonnet",
        calls_per_hour: 9.0,
        latency_ms: 900.0,
        error_rate: 0.03,
    },
    Profile {
        name: "herald-1",
        model: "gpt-4o",
        calls_per_hour: 6.0,
        latency_ms: 1400.0,
        error_rate: 0.08,
    },
];

/// One call and its two messages (the request and the answer) in `conversation`.
fn exchange(
    dice: &mut Dice,
    profile: &Profile,
    at: Option<i64>,
    conversation: String,
) -> [crate::analytics::UsageEvent; 3] {
    use crate::analytics::{UsageEvent, UsageKind};
    let tokens = 200 + (dice.next() * 1800.0) as u64;
    let latency = (profile.latency_ms * (0.5 + dice.next())) as u64;
    let message = |tokens: u64| UsageEvent {
        kind: UsageKind::Message,
        at,
        model: Some(profile.model.into()),
        tokens,
        latency_ms: None,
        error: false,
        conversation_id: Some(conversation.clone()),
    };
    [
        message(tokens / 4),
        UsageEvent {
            kind: UsageKind::Call,
            at,
            model: Some(profile.model.into()),
            tokens,
            latency_ms: Some(latency),
            error: dice.next() < profile.error_rate,
            conversation_id: Some(conversation.clone()),
        },
        message(tokens * 3 / 4),
    ]
}

/// A week of usage, busier in working hours (UTC), sent 999 events at a time.
async fn usage_history(agent: &AgentClient, profile: &Profile) -> Result<(), ClientError> {
    const HOUR: i64 = 3_600_000;
    let mut dice = Dice::new();
    let now = now_ms();
    let first = now - now % HOUR - 7 * 24 * HOUR;
    let mut events = Vec::new();
    for hour in (first..now).step_by(HOUR as usize) {
        let of_day = (hour / HOUR) % 24;
        let busy = if (8..19).contains(&of_day) { 1.0 } else { 0.25 };
        let calls = (profile.calls_per_hour * busy * (0.6 + 0.8 * dice.next())).round() as i64;
        for call in 0..calls {
            let at = (hour + (dice.next() * HOUR as f64) as i64).min(now);
            let conversation = format!("{}-{hour}-{}", profile.name, call / 3);
            events.extend(exchange(&mut dice, profile, Some(at), conversation));
        }
    }
    for batch in events.chunks(999) {
        agent.usage(batch).await?;
    }
    Ok(())
}

/// A call with its messages every 4 to 8 seconds; a new conversation every third call.
async fn run_usage(agent: AgentClient, profile: Profile) -> Result<(), ClientError> {
    let mut dice = Dice::new();
    let session = uuid::Uuid::new_v4().simple().to_string();
    for call in 0u64.. {
        tokio::time::sleep(Duration::from_millis(4000 + (dice.next() * 4000.0) as u64)).await;
        let conversation = format!("{}-{session}-{}", profile.name, call / 3);
        agent
            .usage(&exchange(&mut dice, &profile, None, conversation))
            .await?;
    }
    Ok(())
}
