//! Notifications: what deserves a user's attention among the live events (a new approval
//! request, an agent whose health changed, a raised alert), each type on or off in the user's
//! settings, kept in an inbox the notification centre lists. Pure, so it is tested here; the
//! browser side (toasts, the centre, the system notifications) is in [`ui`].

pub mod ui;

use crate::settings::Notifications;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// How many notices the inbox keeps.
pub const KEEP: usize = 50;

/// How many toasts show at once: the newest; the others are in the notification centre.
pub const TOASTS: usize = 3;

/// What a notice is about, one per setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A tool run waits for approval.
    Approval,
    /// An agent's health changed.
    AgentState,
    /// An alert was raised.
    Alert,
}

impl NoticeKind {
    /// The name tests and styles key on.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Approval => "approval",
            NoticeKind::AgentState => "agent_state",
            NoticeKind::Alert => "alert",
        }
    }
}

/// One notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    /// What it is about, once: the same event seen twice (another tab, a re-sent alert) is one
    /// notice.
    pub id: String,
    /// Its type.
    pub kind: NoticeKind,
    /// One line.
    pub title: String,
    /// More, when there is more.
    pub body: String,
    /// When it arrived, in ms since the Unix epoch.
    pub at: i64,
    /// Where to look (`/approvals`).
    pub href: String,
    /// Whether the user has seen it in the centre.
    #[serde(default)]
    pub read: bool,
}

/// Whether the user's settings let this type through.
pub fn wanted(settings: &Notifications, kind: NoticeKind) -> bool {
    settings.enabled
        && match kind {
            NoticeKind::Approval => settings.tool_approval,
            NoticeKind::AgentState => settings.agent_state_change,
            NoticeKind::Alert => settings.system_alert,
        }
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A `tool_run_status` event → a notice when it is a new request.
pub fn from_approval(payload: &Value, at: i64) -> Option<Notice> {
    let approval = payload.get("approval")?;
    if text(approval, "status") != "pending" {
        return None;
    }
    let id = text(approval, "id");
    Some(Notice {
        id: format!("approval:{id}"),
        kind: NoticeKind::Approval,
        title: format!(
            "{} asks to run {}",
            text(approval, "agentName"),
            text(approval, "tool")
        ),
        body: format!(
            "{} risk · {}",
            text(approval, "risk"),
            text(approval, "reason")
        ),
        at,
        href: "/approvals".into(),
        read: false,
    })
}

/// What the last health checks said, per agent, so only changes are news.
#[derive(Clone, Debug, Default)]
pub struct HealthSeen(HashMap<String, String>);

/// A `fleet` event → a notice when it raises an alert or changes an agent's health. The first
/// check seen of an agent is its state, not a change.
pub fn from_fleet(payload: &Value, at: i64, seen: &mut HealthSeen) -> Option<Notice> {
    let data = payload.get("data")?;
    let agent = text(payload, "agentName");
    match text(payload, "kind") {
        "alerts" => {
            if data.get("resolved").and_then(Value::as_bool) == Some(true) {
                return None;
            }
            let title = text(data, "title");
            Some(Notice {
                id: format!("alert:{}:{title}", text(payload, "key")),
                kind: NoticeKind::Alert,
                title: format!("{} alert: {title}", text(data, "severity")),
                body: format!("from {agent}"),
                at,
                href: "/".into(),
                read: false,
            })
        }
        "health" => {
            let state = text(data, "state").to_owned();
            let key = text(payload, "key").to_owned();
            let before = seen.0.insert(key.clone(), state.clone())?;
            if before == state {
                return None;
            }
            Some(Notice {
                id: format!("health:{key}:{at}"),
                kind: NoticeKind::AgentState,
                title: format!("{agent} is {}", state.replace('_', " ")),
                body: format!("was {}", before.replace('_', " ")),
                at,
                href: "/agents".into(),
                read: false,
            })
        }
        _ => None,
    }
}

/// The recent notices, newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    /// At most [`KEEP`].
    pub notices: Vec<Notice>,
}

impl Inbox {
    /// Adds a notice unless one with its id is there; true when added.
    pub fn add(&mut self, notice: Notice) -> bool {
        if self.notices.iter().any(|n| n.id == notice.id) {
            return false;
        }
        self.notices.insert(0, notice);
        self.notices.truncate(KEEP);
        true
    }

    /// How many are unread.
    pub fn unread(&self) -> usize {
        self.notices.iter().filter(|n| !n.read).count()
    }

    /// Marks every notice read.
    pub fn read_all(&mut self) {
        for notice in &mut self.notices {
            notice.read = true;
        }
    }
}

/// Shows `notice` as the newest toast, the oldest going past [`TOASTS`] (a burst of requests
/// stacked hundreds of toasts, re-rendered on each one; the inbox keeps them all the same).
pub fn push_toast(toasts: &mut Vec<Notice>, notice: Notice) {
    toasts.push(notice);
    let extra = toasts.len().saturating_sub(TOASTS);
    toasts.drain(..extra);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn approval(status: &str) -> Value {
        json!({ "approval": { "id": "ap1", "agentName": "herald-1", "tool": "deploy", "status": status, "risk": "high", "reason": "ship" } })
    }

    #[test]
    fn only_new_requests_are_notices() {
        let notice = from_approval(&approval("pending"), 5).unwrap();
        assert_eq!(notice.id, "approval:ap1");
        assert_eq!(notice.title, "herald-1 asks to run deploy");
        assert_eq!(notice.body, "high risk · ship");
        assert!(from_approval(&approval("approved"), 5).is_none());
        assert!(from_approval(&json!({}), 5).is_none());
    }

    #[test]
    fn health_notices_only_on_a_change_and_alerts_only_while_raised() {
        let mut seen = HealthSeen::default();
        let check = |state: &str| json!({ "kind": "health", "key": "a1", "agentName": "pulse-1", "data": { "state": state } });
        assert!(
            from_fleet(&check("healthy"), 1, &mut seen).is_none(),
            "first seen"
        );
        assert!(
            from_fleet(&check("healthy"), 2, &mut seen).is_none(),
            "unchanged"
        );
        let down = from_fleet(&check("timed_out"), 3, &mut seen).unwrap();
        assert_eq!(
            (down.title.as_str(), down.body.as_str()),
            ("pulse-1 is timed out", "was healthy")
        );
        assert_eq!(down.kind, NoticeKind::AgentState);
        let alert = |resolved: bool| json!({ "kind": "alerts", "key": "k", "agentName": "herald-1", "data": { "severity": "critical", "title": "Disk full", "resolved": resolved } });
        assert_eq!(
            from_fleet(&alert(false), 4, &mut seen).unwrap().title,
            "critical alert: Disk full"
        );
        assert!(from_fleet(&alert(true), 4, &mut seen).is_none());
        assert!(from_fleet(&json!({ "kind": "tasks", "data": {} }), 4, &mut seen).is_none());
    }

    fn notice(i: usize) -> Notice {
        Notice {
            id: format!("n{i}"),
            kind: NoticeKind::Alert,
            title: String::new(),
            body: String::new(),
            at: i as i64,
            href: "/".into(),
            read: false,
        }
    }

    #[test]
    fn the_inbox_keeps_each_event_once_newest_first_and_bounded() {
        let mut inbox = Inbox::default();
        assert!(inbox.add(notice(1)));
        assert!(!inbox.add(notice(1)), "a repeat");
        for i in 2..=60 {
            inbox.add(notice(i));
        }
        assert_eq!(inbox.notices.len(), KEEP);
        assert_eq!(inbox.notices[0].id, "n60");
        assert_eq!(inbox.unread(), KEEP);
        inbox.read_all();
        assert_eq!(inbox.unread(), 0);
    }

    #[test]
    fn only_the_newest_toasts_show() {
        let mut toasts = Vec::new();
        for i in 1..=5 {
            push_toast(&mut toasts, notice(i));
        }
        let ids: Vec<&str> = toasts.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["n3", "n4", "n5"]);
    }

    #[test]
    fn settings_switch_each_type_and_all() {
        let mut settings = Notifications::default();
        assert!(wanted(&settings, NoticeKind::Approval));
        settings.agent_state_change = false;
        assert!(!wanted(&settings, NoticeKind::AgentState));
        assert!(wanted(&settings, NoticeKind::Alert));
        settings.enabled = false;
        assert!(!wanted(&settings, NoticeKind::Approval));
    }
}
