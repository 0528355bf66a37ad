//! Human-in-the-loop approvals. An agent asks before running a risky tool; the request waits as
//! `pending` until an operator approves or rejects it, someone cancels it, or its deadline passes
//! (`expired`). Terminal states never change; deciding again the same way returns the current
//! state, deciding otherwise is a conflict. Agents wait by events (long-poll or a stream), never
//! by polling loops.

#[cfg(feature = "server")]
pub mod agent_api;
#[cfg(feature = "server")]
pub mod api;
#[cfg(feature = "server")]
pub mod deadlines;
#[cfg(feature = "server")]
pub mod events;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod store;
pub mod ui;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How risky the tool run is, as the agent sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Reads, or cheap to undo.
    Low,
    /// Changes something.
    Medium,
    /// Hard to undo, costly, or visible outside.
    High,
}

impl Risk {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

/// Where an approval stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for a decision.
    Pending,
    /// An operator allowed the run.
    Approved,
    /// An operator refused it.
    Rejected,
    /// The agent or an operator withdrew the request.
    Cancelled,
    /// Nobody decided before the deadline.
    Expired,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
        }
    }

    /// The stored name back.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pending" => Status::Pending,
            "approved" => Status::Approved,
            "rejected" => Status::Rejected,
            "cancelled" => Status::Cancelled,
            "expired" => Status::Expired,
            _ => return None,
        })
    }

    /// Whether it can still change.
    pub fn is_terminal(self) -> bool {
        self != Status::Pending
    }
}

/// How a transition to `target` from `current` goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settle {
    /// It happens now.
    Apply,
    /// It already happened: answer with the current state.
    Already,
    /// Another ending came first: 409 with the current state.
    Conflict,
}

/// The transition rule: only `pending` moves, and asking again for what already happened is
/// not an error.
pub fn settle(current: Status, target: Status) -> Settle {
    match (current, target) {
        (Status::Pending, Status::Pending) => Settle::Already,
        (Status::Pending, _) => Settle::Apply,
        (current, target) if current == target => Settle::Already,
        _ => Settle::Conflict,
    }
}

// `Eq` lets an `Rc<Approval>` compare by pointer first (the approvals page's rows). A plain
// comment: the doc comment below is the schema's description, and the generated clients'.
/// A tool run waiting for (or past) a human decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    /// Its id.
    pub id: String,
    /// The agent that asked.
    pub agent_id: String,
    /// Its name.
    pub agent_name: String,
    /// The tool it wants to run.
    pub tool: String,
    /// The arguments it would run it with.
    pub arguments: Value,
    /// Why, in the agent's words.
    pub reason: String,
    /// How risky.
    pub risk: Risk,
    /// Where it stands.
    pub status: Status,
    /// When it was asked (ms since the Unix epoch).
    pub created_at: i64,
    /// When it expires unless decided.
    pub deadline_at: Option<i64>,
    /// When it left `pending`.
    pub decided_at: Option<i64>,
    /// Who ended it: a user's email, `agent:<name>`, or `system` (expiry).
    pub decided_by: Option<String>,
    /// The decider's comment, or the cancellation's reason.
    pub comment: Option<String>,
    /// Whether the agent may run the tool (none while pending).
    pub allowed: Option<bool>,
    /// SHA-256 (hex) of the arguments in RFC 8785 canonical JSON: what was approved is what runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments_sha256: Option<String>,
    /// When the MCP gateway asked: which server, tool, rule and policy revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
    /// The tool run after the decision, once it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<ToolRun>,
}

/// Why the MCP gateway asked for an approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Gate {
    /// The upstream MCP server's name (`flightdeck` for Flightdeck's own tools: Claude Code's
    /// permission prompt and `request_approval`).
    pub server: String,
    /// The tool's name on it.
    pub tool: String,
    /// The rule that asked, as written ("ask everything/*"), or `default`.
    pub rule: String,
    /// The policy revision in force.
    pub revision: i64,
    /// The arguments as the agent sent them, when an operator edited them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_arguments: Option<Value>,
}

/// Where a tool run stands after its approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Started.
    Running,
    /// Finished well.
    Succeeded,
    /// Finished badly.
    Failed,
}

impl RunStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
        }
    }

    /// The stored name back.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "running" => RunStatus::Running,
            "succeeded" => RunStatus::Succeeded,
            "failed" => RunStatus::Failed,
            _ => return None,
        })
    }
}

/// A tool run's life after the decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ToolRun {
    /// Where it stands.
    pub status: RunStatus,
    /// How far, 0 to 100, when known.
    pub progress: Option<u8>,
    /// What it is doing, or how it ended.
    pub message: Option<String>,
    /// A short summary of its result.
    pub result: Option<String>,
    /// When it last changed (ms since the Unix epoch).
    pub updated_at: i64,
}

/// `POST /api/v1/approvals/{id}/run` body: an approved tool run's progress or outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunReport {
    /// Where it stands now (a finished run does not change again).
    pub status: RunStatus,
    /// 0 to 100.
    #[serde(default, deserialize_with = "crate::http::whole::optional")]
    #[cfg_attr(feature = "server", schemars(range(min = 0, max = 100)))]
    pub progress: Option<u8>,
    /// Up to 500 characters, without NUL (U+0000).
    #[serde(default)]
    #[cfg_attr(feature = "server", schemars(length(max = MAX_RUN_MESSAGE), pattern(NO_NUL)))]
    pub message: Option<String>,
    /// Up to 2,000 characters, without NUL (U+0000).
    #[serde(default)]
    #[cfg_attr(feature = "server", schemars(length(max = MAX_RUN_RESULT), pattern(NO_NUL)))]
    pub result: Option<String>,
}

/// Longest run message.
pub const MAX_RUN_MESSAGE: usize = 500;
/// Longest run result summary.
pub const MAX_RUN_RESULT: usize = 2_000;

impl RunReport {
    /// Checks the fields; `Err((field, message))` names the first bad one.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.progress.is_some_and(|p| p > 100) {
            return Err(("progress", "progress must be from 0 to 100".into()));
        }
        if self
            .message
            .as_ref()
            .is_some_and(|m| m.chars().count() > MAX_RUN_MESSAGE)
        {
            return Err((
                "message",
                format!("message must be at most {MAX_RUN_MESSAGE} characters"),
            ));
        }
        if self
            .result
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_RUN_RESULT)
        {
            return Err((
                "result",
                format!("result must be at most {MAX_RUN_RESULT} characters"),
            ));
        }
        no_nul("message", self.message.as_deref())?;
        no_nul("result", self.result.as_deref())
    }
}

/// Longest tool name, reason and comment.
pub const MAX_TOOL: usize = 200;
/// See [`MAX_TOOL`].
pub const MAX_REASON: usize = 2_000;
/// See [`MAX_TOOL`].
pub const MAX_COMMENT: usize = 2_000;
/// Largest arguments document, in bytes of JSON.
pub const MAX_ARGUMENTS: usize = 64 * 1024;
/// Furthest deadline: 30 days ahead.
pub const MAX_DEADLINE_MS: i64 = 30 * 24 * 3600 * 1000;
/// The largest integer every JSON reader holds exactly (2^53 − 1, JavaScript's
/// `Number.MAX_SAFE_INTEGER`): the schema's bound of times in ms, which the rules relative to
/// the clock keep far below.
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// The JSON Schema pattern of a text kept in the records database: no NUL (U+0000), which
/// PostgreSQL's `text` cannot hold.
pub const NO_NUL: &str = r"^[^\u0000]*$";
/// [`NO_NUL`] and [`crate::fleet::NOT_BLANK`] at once (a schema has one `pattern`): no NUL, and
/// a character other than white space.
pub const NOT_BLANK_NO_NUL: &str = r"^[^\u0000]*[^\u0000\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$";

/// `Err` naming `field` when `text` holds a NUL, which the records database cannot store.
fn no_nul(field: &'static str, text: Option<&str>) -> Result<(), (&'static str, String)> {
    match text {
        Some(text) if text.contains('\0') => {
            Err((field, format!("{field} must not hold U+0000 (NUL)")))
        }
        _ => Ok(()),
    }
}

/// The answer to a cancellation (an operator's) or a withdrawal (the agent's own).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Withdrawn {
    /// Always true: it is cancelled (now, or it was already).
    pub success: bool,
    /// When it was cancelled (ms since the Unix epoch).
    pub cancelled_at: Option<i64>,
    /// The approval as it is now.
    pub approval: Approval,
}

/// `POST /api/v1/approvals` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewApproval {
    /// The tool to run (1 to 200 characters, not blank, without NUL).
    #[cfg_attr(
        feature = "server",
        schemars(length(min = 1, max = MAX_TOOL), pattern(NOT_BLANK_NO_NUL))
    )]
    pub tool: String,
    /// Its arguments (any JSON, up to 64 KiB written as compact JSON: a size JSON Schema cannot
    /// state, checked by the server).
    #[serde(default)]
    pub arguments: Value,
    /// Why (up to 2,000 characters, without NUL).
    #[serde(default)]
    #[cfg_attr(feature = "server", schemars(length(max = MAX_REASON), pattern(NO_NUL)))]
    pub reason: String,
    /// How risky.
    pub risk: Risk,
    /// When it expires unless decided, in ms since the Unix epoch. It must be in the future and at
    /// most 30 days ahead of the server's clock: rules of the clock, which no schema can state
    /// (the schema's bounds only keep it a safe integer).
    #[serde(default, deserialize_with = "crate::http::whole::optional")]
    #[cfg_attr(feature = "server", schemars(range(min = 0, max = MAX_SAFE_INTEGER)))]
    pub deadline: Option<i64>,
}

impl NewApproval {
    /// Checks the fields at time `now`; `Err((field, message))` names the first bad one.
    pub fn validate(&self, now: i64) -> Result<(), (&'static str, String)> {
        // Counted as sent, as the schema's maxLength counts (the stored name is trimmed).
        if self.tool.trim().is_empty() || self.tool.chars().count() > MAX_TOOL {
            return Err(("tool", format!("tool must be 1 to {MAX_TOOL} characters")));
        }
        if self.reason.chars().count() > MAX_REASON {
            return Err((
                "reason",
                format!("reason must be at most {MAX_REASON} characters"),
            ));
        }
        no_nul("tool", Some(&self.tool))?;
        no_nul("reason", Some(&self.reason))?;
        if self.arguments.to_string().len() > MAX_ARGUMENTS {
            return Err((
                "arguments",
                format!("arguments must be at most {MAX_ARGUMENTS} bytes of JSON"),
            ));
        }
        if let Some(deadline) = self.deadline {
            if deadline <= now {
                return Err(("deadline", "deadline must be in the future".into()));
            }
            if deadline - now > MAX_DEADLINE_MS {
                return Err(("deadline", "deadline must be at most 30 days ahead".into()));
            }
        }
        Ok(())
    }
}

/// An operator's approve or reject, with an optional comment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Decision {
    /// Up to 2,000 characters.
    #[serde(default)]
    pub comment: Option<String>,
    /// On approve only: the arguments to run the tool with instead of the agent's (checked
    /// against the tool's input schema when the MCP gateway asked).
    #[serde(default)]
    pub arguments: Option<Value>,
}

/// What an operator or agent may ask to do to an approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Allow the run.
    Approve,
    /// Refuse it.
    Reject,
}

impl Verdict {
    /// The status it leads to.
    pub fn status(self) -> Status {
        match self {
            Verdict::Approve => Status::Approved,
            Verdict::Reject => Status::Rejected,
        }
    }
}

/// `POST /api/approvals/bulk` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bulk {
    /// 1 to 1,000 approval ids.
    pub ids: Vec<String>,
    /// Approve or reject them all.
    pub decision: Verdict,
    /// One comment for all.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Most ids in one bulk request.
pub const MAX_BULK: usize = 1_000;

/// The most approvals one list answer holds (`limit`), and what the approvals page asks for:
/// the whole queue up to that, which a bulk decision can then take at once.
pub const MAX_LIST: i64 = 1_000;

/// One id's result in a bulk decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkResult {
    /// The approval.
    pub id: String,
    /// Whether it now has the asked-for status.
    pub ok: bool,
    /// Its status now, when it exists.
    pub status: Option<Status>,
    /// Why not, when not.
    pub error: Option<String>,
}

/// The answer to a bulk decision: a result per id, in the order asked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkAnswer {
    /// Each id's result.
    pub results: Vec<BulkResult>,
    /// How many now have the asked-for status.
    pub succeeded: usize,
    /// How many do not.
    pub failed: usize,
    /// How long the server took, in milliseconds.
    pub took_ms: i64,
}

/// `GET /api/approvals` query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this status.
    pub status: Option<String>,
    /// At most this many (1 to 1,000; default 200).
    pub limit: Option<i64>,
}

impl ListQuery {
    /// Those of one status (`pending`, …; `all`: every status), up to the default limit.
    pub fn status(status: &str) -> Self {
        Self {
            status: Some(status.to_owned()),
            limit: None,
        }
    }

    /// Those of one status, as many as one answer holds ([`MAX_LIST`]).
    pub fn all_of(status: &str) -> Self {
        Self {
            limit: Some(MAX_LIST),
            ..Self::status(status)
        }
    }
}

/// `DELETE /api/approvals/{id}` query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelQuery {
    /// Told to the waiting agent.
    pub reason: Option<String>,
}

/// The events an agent receives about its approvals (`approval:approved`, `approval:rejected`,
/// `approval:cancelled`, `approval:expired`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentEvent {
    /// `approval:<status>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Which approval.
    pub approval_id: String,
    /// Why it was cancelled or how it was decided (the comment).
    pub reason: Option<String>,
    /// The approval as it is now.
    pub approval: Approval,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_pending_moves_and_repeating_an_ending_is_not_an_error() {
        use Status::*;
        for target in [Approved, Rejected, Cancelled, Expired] {
            assert_eq!(settle(Pending, target), Settle::Apply);
            assert_eq!(settle(target, target), Settle::Already);
        }
        assert_eq!(settle(Approved, Rejected), Settle::Conflict);
        assert_eq!(settle(Expired, Approved), Settle::Conflict);
        assert_eq!(settle(Cancelled, Approved), Settle::Conflict);
        assert!(!Pending.is_terminal() && Expired.is_terminal());
        for status in [Pending, Approved, Rejected, Cancelled, Expired] {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
    }

    /// The one pattern of a name kept in the records database is the two it stands for.
    #[cfg(feature = "server")]
    #[test]
    fn the_not_blank_no_nul_pattern_is_both_patterns() {
        let validator = |pattern: &str| {
            jsonschema::draft202012::new(&json!({ "type": "string", "pattern": pattern })).unwrap()
        };
        let both = validator(NOT_BLANK_NO_NUL);
        let (not_blank, no_nul) = (validator(crate::fleet::NOT_BLANK), validator(NO_NUL));
        let singles = (0..=0x3100).filter_map(char::from_u32).map(String::from);
        let mixed = [
            "",
            "a\0",
            "\0 \0",
            " \u{3000}x\u{85}",
            "\t\n",
            "x\ny",
            "\u{feff}\0",
        ];
        for text in singles.chain(mixed.map(String::from)) {
            let text = json!(text);
            assert_eq!(
                both.is_valid(&text),
                not_blank.is_valid(&text) && no_nul.is_valid(&text),
                "{text}"
            );
        }
    }

    #[test]
    fn a_request_is_checked_field_by_field() {
        let good = NewApproval {
            tool: "shell.exec".into(),
            arguments: json!({ "cmd": "rm -rf /tmp/x" }),
            reason: "clean up".into(),
            risk: Risk::High,
            deadline: Some(2_000),
        };
        assert_eq!(good.validate(1_000), Ok(()));
        let past = NewApproval {
            deadline: Some(500),
            ..good.clone()
        };
        assert_eq!(past.validate(1_000).unwrap_err().0, "deadline");
        let far = NewApproval {
            deadline: Some(1_000 + MAX_DEADLINE_MS + 1),
            ..good.clone()
        };
        assert_eq!(far.validate(1_000).unwrap_err().0, "deadline");
        let huge = NewApproval {
            arguments: json!("x".repeat(MAX_ARGUMENTS)),
            ..good.clone()
        };
        assert_eq!(huge.validate(1_000).unwrap_err().0, "arguments");
        let blank = NewApproval {
            tool: " ".into(),
            ..good.clone()
        };
        assert_eq!(blank.validate(1_000).unwrap_err().0, "tool");
        // The tool's name counts as sent, spaces too, as the schema's maxLength does.
        let padded = NewApproval {
            tool: format!("{}  ", "t".repeat(MAX_TOOL - 1)),
            ..good.clone()
        };
        assert_eq!(padded.validate(1_000).unwrap_err().0, "tool");
        // PostgreSQL's text cannot hold a NUL: refused, not a 500 from the store.
        let nul = NewApproval {
            reason: "a\0b".into(),
            ..good.clone()
        };
        assert_eq!(nul.validate(1_000).unwrap_err().0, "reason");
        let run = RunReport {
            status: RunStatus::Failed,
            progress: None,
            message: None,
            result: Some("\0".into()),
        };
        assert_eq!(run.validate().unwrap_err().0, "result");
        let wire: NewApproval = serde_json::from_value(
            json!({ "tool": "t", "arguments": {}, "reason": "r", "risk": "medium" }),
        )
        .unwrap();
        assert_eq!(wire.risk, Risk::Medium);
    }
}
