//! Deciding a call: a policy compiled once per revision (globs into matchers), then the first
//! rule whose server, tool, argument and hint all match gives the effect.

use super::{Effect, Hint, Policy};
use globset::{GlobBuilder, GlobMatcher};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What the tool's server says of it (MCP `annotations`), with MCP's defaults: not read-only,
/// and then destructive unless it says not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hints {
    /// `readOnlyHint`.
    pub read_only: Option<bool>,
    /// `destructiveHint`.
    pub destructive: Option<bool>,
}

impl Hints {
    fn says(self, hint: Hint) -> bool {
        let read_only = self.read_only.unwrap_or(false);
        match hint {
            Hint::ReadOnly => read_only,
            Hint::Destructive => !read_only && self.destructive.unwrap_or(true),
        }
    }
}

/// A call to decide.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    /// The calling agent's name.
    pub agent: &'a str,
    /// The upstream server's name.
    pub server: &'a str,
    /// The tool on it.
    pub tool: &'a str,
    /// Its arguments.
    pub arguments: &'a Value,
    /// What its server says of it.
    pub hints: Hints,
}

/// What a policy gives a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The effect.
    pub effect: Effect,
    /// The rule that decided (its index), or none: the default.
    pub rule: Option<usize>,
}

struct CompiledRule {
    agent: Option<GlobMatcher>,
    server: GlobMatcher,
    tool: GlobMatcher,
    argument: Option<(String, Condition)>,
    hint: Option<Hint>,
    effect: Effect,
}

enum Condition {
    Equals(Value),
    Glob(GlobMatcher),
}

/// A policy ready to decide calls.
pub struct Compiled {
    rules: Vec<CompiledRule>,
    default: Effect,
}

fn glob(pattern: &str) -> Result<GlobMatcher, String> {
    // `\` escapes on every platform; `*` crosses `/` (tool names are not paths, and a path
    // argument's glob says `**` where it means any depth).
    GlobBuilder::new(pattern)
        .backslash_escape(true)
        .build()
        .map(|glob| glob.compile_matcher())
        .map_err(|err| err.kind().to_string())
}

impl Compiled {
    /// Compiles `policy`; `Err((field, message))` names a glob that is not one.
    pub fn new(policy: &Policy) -> Result<Self, (String, String)> {
        let mut rules = Vec::with_capacity(policy.rules.len());
        for (index, rule) in policy.rules.iter().enumerate() {
            let named = |name: &str, err: String| {
                (
                    format!("rules.{index}.{name}"),
                    format!("{name} is not a glob: {err}"),
                )
            };
            let argument = match rule.argument.as_ref() {
                Some(argument) => match (&argument.equals, &argument.glob) {
                    (Some(value), _) => {
                        Some((argument.pointer.clone(), Condition::Equals(value.clone())))
                    }
                    (None, Some(pattern)) => Some((
                        argument.pointer.clone(),
                        Condition::Glob(glob(pattern).map_err(|err| named("argument.glob", err))?),
                    )),
                    (None, None) => None,
                },
                None => None,
            };
            let agent = match &rule.agent {
                Some(pattern) => Some(glob(pattern).map_err(|err| named("agent", err))?),
                None => None,
            };
            rules.push(CompiledRule {
                agent,
                server: glob(&rule.server).map_err(|err| named("server", err))?,
                tool: glob(&rule.tool).map_err(|err| named("tool", err))?,
                argument,
                hint: rule.hint,
                effect: rule.effect,
            });
        }
        Ok(Self {
            rules,
            default: policy.default,
        })
    }

    /// What `call` gets.
    pub fn decide(&self, call: &Call<'_>) -> Verdict {
        let found = self.rules.iter().position(|rule| {
            rule.agent
                .as_ref()
                .is_none_or(|agent| agent.is_match(call.agent))
                && rule.server.is_match(call.server)
                && rule.tool.is_match(call.tool)
                && rule.hint.is_none_or(|hint| call.hints.says(hint))
                && rule.argument.as_ref().is_none_or(|(pointer, condition)| {
                    match (call.arguments.pointer(pointer), condition) {
                        (Some(value), Condition::Equals(expected)) => value == expected,
                        (Some(Value::String(text)), Condition::Glob(matcher)) => {
                            matcher.is_match(text)
                        }
                        _ => false,
                    }
                })
        });
        match found {
            Some(index) => Verdict {
                effect: self.rules[index].effect,
                rule: Some(index),
            },
            None => Verdict {
                effect: self.default,
                rule: None,
            },
        }
    }
}

/// A workspace's policy compiled at one revision.
type Cached = (i64, Arc<Compiled>);

/// Compiled policies by workspace and revision, shared by this instance's gateway sessions.
#[derive(Clone, Default)]
pub struct CompiledCache {
    entries: Arc<Mutex<HashMap<String, Cached>>>,
}

impl std::fmt::Debug for CompiledCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CompiledCache")
    }
}

impl CompiledCache {
    /// The workspace's policy at `revision`, compiled once.
    pub fn get(
        &self,
        workspace_id: &str,
        revision: i64,
        policy: &Policy,
    ) -> Result<Arc<Compiled>, (String, String)> {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((cached, compiled)) = entries.get(workspace_id) {
            if *cached == revision {
                return Ok(compiled.clone());
            }
        }
        let compiled = Arc::new(Compiled::new(policy)?);
        entries.insert(workspace_id.to_owned(), (revision, compiled.clone()));
        Ok(compiled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compiled(policy: Value) -> Compiled {
        let policy: Policy = serde_json::from_value(policy).unwrap();
        policy.validate().unwrap();
        Compiled::new(&policy).unwrap()
    }

    fn call<'a>(server: &'a str, tool: &'a str, arguments: &'a Value) -> Call<'a> {
        Call {
            agent: "claude",
            server,
            tool,
            arguments,
            hints: Hints::default(),
        }
    }

    #[test]
    fn the_first_matching_rule_decides_else_the_default() {
        let policy = compiled(json!({ "rules": [
            { "server": "everything", "tool": "echo", "effect": "allow" },
            { "server": "everything", "tool": "*", "effect": "deny" },
            { "tool": "get*", "effect": "allow" },
        ]}));
        let none = json!({});
        let verdict = |server, tool| policy.decide(&call(server, tool, &none));
        assert_eq!(
            verdict("everything", "echo"),
            Verdict {
                effect: Effect::Allow,
                rule: Some(0)
            }
        );
        assert_eq!(verdict("everything", "getTinyImage").rule, Some(1));
        assert_eq!(verdict("files", "getFile").rule, Some(2));
        assert_eq!(
            verdict("files", "write"),
            Verdict {
                effect: Effect::Ask,
                rule: None
            }
        );
    }

    #[test]
    fn arguments_match_by_pointer_with_a_value_or_a_glob() {
        let policy = compiled(json!({ "default": "allow", "rules": [
            { "tool": "write", "argument": { "pointer": "/path", "glob": "/etc/**" }, "effect": "deny" },
            { "tool": "write", "argument": { "pointer": "/options/force", "equals": true }, "effect": "ask" },
        ]}));
        let decide = |arguments: Value| policy.decide(&call("files", "write", &arguments)).effect;
        assert_eq!(decide(json!({ "path": "/etc/passwd" })), Effect::Deny);
        assert_eq!(decide(json!({ "path": "/tmp/x" })), Effect::Allow);
        assert_eq!(
            decide(json!({ "path": "/tmp/x", "options": { "force": true } })),
            Effect::Ask
        );
        // A number where a string glob is expected does not match; a missing pointer neither.
        assert_eq!(decide(json!({ "path": 7 })), Effect::Allow);
        assert_eq!(decide(json!("not an object")), Effect::Allow);
    }

    #[test]
    fn hints_follow_mcp_defaults() {
        let policy = compiled(json!({ "default": "allow", "rules": [
            { "server": "files", "hint": "readOnly", "effect": "allow" },
            { "hint": "destructive", "effect": "ask" },
        ]}));
        let none = json!({});
        let decide = |read_only, destructive| {
            let mut call = call("other", "t", &none);
            call.hints = Hints {
                read_only,
                destructive,
            };
            policy.decide(&call).effect
        };
        // Not said: destructive (MCP's default), so asked.
        assert_eq!(decide(None, None), Effect::Ask);
        assert_eq!(decide(None, Some(false)), Effect::Allow);
        assert_eq!(decide(Some(true), None), Effect::Allow);
        let only_codex = compiled(json!({ "rules": [
            { "agent": "codex*", "tool": "*", "effect": "deny" },
        ]}));
        assert_eq!(
            only_codex.decide(&call("s", "t", &none)).effect,
            Effect::Ask
        );
        let mut codex = call("s", "t", &none);
        codex.agent = "codex-1";
        assert_eq!(only_codex.decide(&codex).effect, Effect::Deny);
        // On another server than the one named, read-only is not enough to skip the rest.
        let mut files = call("files", "read", &none);
        files.hints.read_only = Some(true);
        assert_eq!(policy.decide(&files).rule, Some(0));
    }

    #[test]
    fn a_bad_glob_is_named() {
        let policy: Policy =
            serde_json::from_value(json!({ "rules": [{ "tool": "a[", "effect": "deny" }] }))
                .unwrap();
        assert_eq!(
            Compiled::new(&policy).err().map(|(field, _)| field),
            Some("rules.0.tool".into())
        );
    }
}
