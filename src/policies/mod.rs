//! Gateway policies: per workspace, ordered rules that decide what an agent's MCP tool call gets
//! (`allow`, `ask` an operator, or `deny`), matched on the server, the tool (globs) and
//! optionally one argument (a JSON pointer compared with a value or a glob) or a hint the tool's
//! server gives about itself. The first rule that matches decides; none matching, the policy's
//! default (`ask`). Every change is a new revision.

#[cfg(feature = "server")]
pub mod api;
#[cfg(feature = "server")]
pub mod decide;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod store;
pub mod ui;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The server name rules use for Flightdeck's own tools on `/mcp` (Claude Code's permission
/// prompt and `request_approval`): no upstream server may take it.
pub const OWN_SERVER: &str = "flightdeck";

/// What a rule does to a call it matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Forwarded at once.
    Allow,
    /// Held until an operator approves it (the default).
    #[default]
    Ask,
    /// Refused with an MCP error.
    Deny,
}

impl Effect {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "allow",
            Effect::Ask => "ask",
            Effect::Deny => "deny",
        }
    }

    /// The stored name back.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "allow" => Effect::Allow,
            "ask" => Effect::Ask,
            "deny" => Effect::Deny,
            _ => return None,
        })
    }
}

/// A hint an MCP server gives about its own tool (its `annotations`), as a rule's condition.
/// Never trusted alone: a rule that allows on a hint must name its server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Hint {
    /// The tool says it only reads (`readOnlyHint: true`).
    ReadOnly,
    /// The tool says it may destroy (`destructiveHint: true`, or not said: MCP's default).
    Destructive,
}

/// A condition on one argument of the call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArgumentMatch {
    /// An RFC 6901 JSON pointer into the arguments (`/path`, `/options/force`).
    pub pointer: String,
    /// The argument equals this JSON value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    /// The argument is a string matching this glob (`/tmp/*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glob: Option<String>,
}

/// One rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    /// Only for agents whose name matches this glob (any agent when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The upstream server's name, a glob (`*` for any).
    #[serde(default = "any")]
    pub server: String,
    /// The tool's name on that server, a glob (`*` for any).
    #[serde(default = "any")]
    pub tool: String,
    /// Only when one argument matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub argument: Option<ArgumentMatch>,
    /// Only when the tool's server says this of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Hint>,
    /// What happens to a call it matches.
    pub effect: Effect,
    /// Why, for the operators (up to 200 characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

fn any() -> String {
    "*".into()
}

impl Rule {
    /// "allow everything/echo", as a card and the audit log say it.
    pub fn describe(&self) -> String {
        let mut text = format!("{} {}/{}", self.effect.as_str(), self.server, self.tool);
        if let Some(agent) = &self.agent {
            text.push_str(&format!(" for {agent}"));
        }
        if let Some(argument) = &self.argument {
            match (&argument.equals, &argument.glob) {
                (Some(value), _) => text.push_str(&format!(" if {} = {value}", argument.pointer)),
                (None, Some(glob)) => text.push_str(&format!(" if {} ~ {glob}", argument.pointer)),
                (None, None) => {}
            }
        }
        match self.hint {
            Some(Hint::ReadOnly) => text.push_str(" if read-only"),
            Some(Hint::Destructive) => text.push_str(" if destructive"),
            None => {}
        }
        text
    }
}

/// A workspace's rules.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Policy {
    /// In order: the first that matches decides.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// What a call no rule matches gets (`ask` unless said).
    #[serde(default)]
    pub default: Effect,
}

/// Most rules in a policy.
pub const MAX_RULES: usize = 200;
/// Longest glob, pointer and note.
pub const MAX_PATTERN: usize = 200;
/// Largest `equals` value, in bytes of JSON.
pub const MAX_VALUE: usize = 1024;

impl Policy {
    /// Checks every rule; `Err((field, message))` names the first bad one (`rules.3.tool`).
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.rules.len() > MAX_RULES {
            return Err(("rules".into(), format!("at most {MAX_RULES} rules")));
        }
        for (index, rule) in self.rules.iter().enumerate() {
            let field = |name: &str| format!("rules.{index}.{name}");
            let agent = rule.agent.as_ref().unwrap_or(&rule.server);
            for (name, text) in [
                ("server", &rule.server),
                ("tool", &rule.tool),
                ("agent", agent),
            ] {
                if text.trim().is_empty() || text.chars().count() > MAX_PATTERN {
                    return Err((
                        field(name),
                        format!("{name} must be a name or glob of 1 to {MAX_PATTERN} characters"),
                    ));
                }
            }
            if rule.note.chars().count() > MAX_PATTERN {
                return Err((
                    field("note"),
                    format!("note must be at most {MAX_PATTERN} characters"),
                ));
            }
            if let Some(argument) = &rule.argument {
                let pointer_ok = argument.pointer.starts_with('/')
                    && argument.pointer.chars().count() <= MAX_PATTERN;
                if !pointer_ok {
                    return Err((
                        field("argument.pointer"),
                        "argument.pointer must be a JSON pointer such as /path".into(),
                    ));
                }
                match (&argument.equals, &argument.glob) {
                    (Some(value), None) if value.to_string().len() <= MAX_VALUE => {}
                    (None, Some(glob))
                        if !glob.is_empty() && glob.chars().count() <= MAX_PATTERN => {}
                    _ => {
                        return Err((
                            field("argument"),
                            format!("an argument condition has either equals (a JSON value up to {MAX_VALUE} bytes) or glob (1 to {MAX_PATTERN} characters)"),
                        ))
                    }
                }
            }
            let names_its_server = !rule.server.contains(['*', '?', '[', '{']);
            if rule.hint.is_some() && rule.effect == Effect::Allow && !names_its_server {
                return Err((
                    field("server"),
                    "a rule that allows on a tool's own hint must name its server: a hint is what the server says of itself".into(),
                ));
            }
        }
        Ok(())
    }
}

/// A policy as saved: its revision, who saved it and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRevision {
    /// 0 before anyone saved one (the built-in default: ask for everything), then 1, 2, …
    pub revision: i64,
    /// The rules.
    pub policy: Policy,
    /// Who saved it (an email, or `system`).
    pub created_by: String,
    /// When (ms since the Unix epoch).
    pub created_at: i64,
}

/// `PUT /api/policies` body: the new rules, and the revision they were edited from (a stale
/// one is a 409, so two operators do not overwrite each other).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyUpdate {
    /// The revision the edit started from.
    pub base_revision: i64,
    /// The rules.
    pub policy: Policy,
}

/// One call through the gateway, as recorded for the dry run and the activity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatedCall {
    /// Its id.
    pub id: String,
    /// The agent that called.
    pub agent_id: String,
    /// The upstream server's name.
    pub server: String,
    /// The tool on it.
    pub tool: String,
    /// What it got.
    pub effect: Effect,
    /// The rule that decided (its index), or none for the default.
    pub rule: Option<usize>,
    /// The policy revision that decided.
    pub revision: i64,
    /// When (ms since the Unix epoch).
    pub created_at: i64,
}

/// One call of a dry run: what it got and what the proposed rules would give it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DryRunCall {
    /// The call (nested, not flattened: a flattened field's deserializer is large in the wasm).
    pub call: GatedCall,
    /// What the proposed rules would give it.
    pub would: Effect,
    /// Which of them would decide.
    pub would_rule: Option<usize>,
}

/// `POST /api/policies/dry-run` answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DryRun {
    /// The last calls (up to 100), newest first.
    pub calls: Vec<DryRunCall>,
    /// How many would get another effect.
    pub changed: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(value: Value) -> Rule {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn rules_read_with_any_server_and_tool_and_ask_by_default() {
        let policy: Policy =
            serde_json::from_value(json!({ "rules": [{ "tool": "echo", "effect": "allow" }] }))
                .unwrap();
        assert_eq!(policy.default, Effect::Ask);
        assert_eq!(policy.rules[0].server, "*");
        assert_eq!(policy.rules[0].describe(), "allow */echo");
        assert_eq!(policy.validate(), Ok(()));
    }

    #[test]
    fn each_bad_field_is_named() {
        let bad = |rule: Rule| {
            Policy {
                rules: vec![rule],
                default: Effect::Ask,
            }
            .validate()
            .unwrap_err()
            .0
        };
        assert_eq!(
            bad(rule(json!({ "tool": "", "effect": "deny" }))),
            "rules.0.tool"
        );
        assert_eq!(
            bad(rule(
                json!({ "tool": "x", "effect": "deny", "argument": { "pointer": "path", "glob": "*" } })
            )),
            "rules.0.argument.pointer"
        );
        assert_eq!(
            bad(rule(
                json!({ "tool": "x", "effect": "deny", "argument": { "pointer": "/p" } })
            )),
            "rules.0.argument"
        );
        assert_eq!(
            bad(rule(
                json!({ "tool": "x", "effect": "deny", "argument": { "pointer": "/p", "equals": "x".repeat(MAX_VALUE) } })
            )),
            "rules.0.argument"
        );
        let too_many = Policy {
            rules: vec![rule(json!({ "effect": "ask" })); MAX_RULES + 1],
            default: Effect::Ask,
        };
        assert_eq!(too_many.validate().unwrap_err().0, "rules");
        assert!(serde_json::from_value::<Rule>(json!({ "effect": "maybe" })).is_err());
    }

    #[test]
    fn a_hint_never_allows_alone() {
        let anywhere = rule(json!({ "hint": "readOnly", "effect": "allow" }));
        let policy = Policy {
            rules: vec![anywhere],
            default: Effect::Ask,
        };
        assert_eq!(policy.validate().unwrap_err().0, "rules.0.server");
        // Named, it may; and a hint may always make a call stricter.
        let named = rule(json!({ "server": "files", "hint": "readOnly", "effect": "allow" }));
        let stricter = rule(json!({ "hint": "destructive", "effect": "deny" }));
        let policy = Policy {
            rules: vec![named, stricter],
            default: Effect::Ask,
        };
        assert_eq!(policy.validate(), Ok(()));
        assert_eq!(
            policy.rules[1].describe(),
            "deny */* if destructive".to_owned()
        );
    }
}
