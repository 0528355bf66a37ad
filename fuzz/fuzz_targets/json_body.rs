//! The JSON API's body parsing (`http::parse_body`, behind every `JsonBody` route) on any bytes,
//! for each request type: the first byte picks the type, the rest is the body. A body is a value
//! that the route's checks then read (they run too), or an error naming what was wrong; what
//! was accepted, written back, reads back the same.
#![no_main]

use flightdeck::agents::NewAgent;
use flightdeck::analytics::UsageEvent;
use flightdeck::approvals::{Bulk, Decision, NewApproval};
use flightdeck::auth::{LoginRequest, SignupRequest, SwitchWorkspace};
use flightdeck::dashboard::DashboardState;
use flightdeck::fleet::{
    ActivityReport, AlertReport, Heartbeat, MetricReport, ProjectReport, TaskReport,
};
use flightdeck::http::parse_body;
use flightdeck::mcp::NewMcpServer;
use flightdeck::members::{AcceptInvite, NewInvite, SetRole};
use flightdeck::settings::{UserSettings, WorkspaceSettings};
use flightdeck::sync::path::{apply, StatePath};
use flightdeck::sync::StateUpdate;
use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};

const NOW: i64 = 1_700_000_000_000;

fn check<T: DeserializeOwned + Serialize>(body: &[u8], route_checks: impl Fn(&T)) {
    match parse_body::<T>(body) {
        Ok(value) => {
            route_checks(&value);
            let written = serde_json::to_vec(&value).expect("a request serialises");
            let again: T = parse_body(&written).expect("what was accepted reads back");
            assert_eq!(
                serde_json::to_value(&again).expect("serialises"),
                serde_json::to_value(&value).expect("serialises")
            );
        }
        Err(err) => {
            assert!(!err.error.is_empty());
            assert!(err.field.as_deref() != Some(""));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    // Seeds start with a letter from `a`.
    match kind.wrapping_sub(b'a') % 22 {
        0 => check::<SignupRequest>(body, |_| {}),
        1 => check::<LoginRequest>(body, |_| {}),
        2 => check::<SwitchWorkspace>(body, |_| {}),
        3 => check::<SetRole>(body, |_| {}),
        4 => check::<NewAgent>(body, |new| drop(new.validate())),
        5 => check::<NewApproval>(body, |new| drop(new.validate(NOW))),
        6 => check::<Decision>(body, |_| {}),
        7 => check::<Bulk>(body, |_| {}),
        8 => check::<NewMcpServer>(body, |new| drop(new.validate())),
        9 => check::<StateUpdate>(body, |update| {
            if let Ok(path) = StatePath::parse(&update.path) {
                let _ = apply(&DashboardState::default(), &path, &update.value, NOW);
            }
        }),
        10 => check::<UserSettings>(body, |settings| drop(settings.validate())),
        11 => check::<WorkspaceSettings>(body, |_| {}),
        12 => check::<Heartbeat>(body, |report| drop(report.validate())),
        13 => check::<ProjectReport>(body, |report| drop(report.validate())),
        14 => check::<TaskReport>(body, |report| drop(report.validate())),
        15 => check::<MetricReport>(body, |report| drop(report.validate())),
        16 => check::<AlertReport>(body, |report| drop(report.validate())),
        17 => check::<ActivityReport>(body, |report| drop(report.validate())),
        18 => check::<UsageEvent>(body, |event| drop(event.validate(NOW, ""))),
        19 => check::<NewInvite>(body, |_| {}),
        20 => check::<AcceptInvite>(body, |_| {}),
        _ => check::<serde_json::Value>(body, |_| {}),
    }
});
