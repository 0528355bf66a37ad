//! The policy services behind `server_fns.rs` (session cookie): every member reads the policy in
//! force and runs a dry run; operators and admins save a new revision (audited with before and
//! after) and add an "always allow" rule from an approval.

use super::decide::{Call, Compiled};
use super::store::Saved;
use super::{DryRun, DryRunCall, Effect, Policy, PolicyRevision, PolicyUpdate, Rule};
use crate::audit::NewEntry;
use crate::auth::api::Auth;
use crate::http::ApiError;
use crate::state::AppState;
use axum::http::StatusCode;
use serde_json::json;

/// Calls a dry run decides again.
pub const DRY_RUN_CALLS: i64 = 100;

fn require_operator(auth: &Auth) -> Result<(), ApiError> {
    if auth.role.can_change_shared() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("a {} cannot change the policy", auth.role.as_str()),
        ))
    }
}

/// Checks and compiles `policy`, naming the first bad field.
fn checked(policy: &Policy) -> Result<Compiled, ApiError> {
    policy
        .validate()
        .and_then(|()| Compiled::new(policy))
        .map_err(|(field, message)| ApiError::field(field, message))
}

/// GET /api/policies — the policy in force (revision 0: nobody saved one; everything asks).
pub async fn read(state: &AppState, auth: &Auth) -> Result<PolicyRevision, ApiError> {
    Ok(state.records.policy(&auth.workspace.id).await?)
}

/// PUT /api/policies — saves the rules as a new revision: 409 with the one in force when the
/// edit started from an older one.
pub async fn save(
    state: &AppState,
    auth: &Auth,
    update: PolicyUpdate,
) -> Result<PolicyRevision, ApiError> {
    require_operator(auth)?;
    checked(&update.policy)?;
    store(state, auth, update.base_revision, update.policy).await
}

/// Saves `policy` over `base` and audits it.
async fn store(
    state: &AppState,
    auth: &Auth,
    base: i64,
    policy: Policy,
) -> Result<PolicyRevision, ApiError> {
    let before = state.records.policy(&auth.workspace.id).await?;
    match state
        .records
        .save_policy(&auth.workspace.id, base, &policy, &auth.user.email)
        .await?
    {
        Saved::New(saved) => {
            state
                .records
                .audit(NewEntry {
                    workspace_id: Some(auth.workspace.id.clone()),
                    user_id: Some(auth.user.id.clone()),
                    action: "policy.update",
                    resource_type: "policy",
                    resource_id: Some(saved.revision.to_string()),
                    before_state: Some(json!(before.policy)),
                    after_state: Some(json!(saved.policy)),
                    metadata: json!({ "revision": saved.revision, "baseRevision": base }),
                    ..NewEntry::default()
                })
                .await?;
            Ok(saved)
        }
        Saved::Stale(current) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "the policy changed since you opened it: revision {} is in force, saved by {}; reload and edit again",
                current.revision, current.created_by
            ),
        )),
    }
}

/// POST /api/policies/dry-run — what `policy` would have done to the workspace's last 100
/// gated calls.
pub async fn dry_run(state: &AppState, auth: &Auth, policy: Policy) -> Result<DryRun, ApiError> {
    let compiled = checked(&policy)?;
    let agents = state.records.agents(&auth.workspace.id).await?;
    let name_of = |id: &str| {
        agents
            .iter()
            .find(|agent| agent.id == id)
            .map_or("", |agent| agent.name.as_str())
    };
    let recorded = state
        .records
        .recent_calls(&auth.workspace.id, DRY_RUN_CALLS)
        .await?;
    let calls: Vec<DryRunCall> = recorded
        .into_iter()
        .map(|recorded| {
            let verdict = compiled.decide(&Call {
                agent: name_of(&recorded.call.agent_id),
                server: &recorded.call.server,
                tool: &recorded.call.tool,
                arguments: &recorded.arguments,
                hints: recorded.hints,
            });
            DryRunCall {
                call: recorded.call,
                would: verdict.effect,
                would_rule: verdict.rule,
            }
        })
        .collect();
    let changed = calls.iter().filter(|c| c.would != c.call.effect).count();
    Ok(DryRun { calls, changed })
}

/// POST /api/approvals/{id}/always-allow — from an approval the gateway asked for: a rule,
/// first in the policy, that allows that tool of that server for that agent from now on.
pub async fn always_allow_from_approval(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<PolicyRevision, ApiError> {
    require_operator(auth)?;
    let approval = state
        .records
        .approval(&auth.workspace.id, id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no such approval"))?;
    let gate = approval.gate.ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "this approval was not asked for by the MCP gateway: there is no server and tool to allow",
        )
    })?;
    let current = state.records.policy(&auth.workspace.id).await?;
    let rule = Rule {
        agent: Some(glob_literal(&approval.agent_name)),
        server: glob_literal(&gate.server),
        tool: glob_literal(&gate.tool),
        argument: None,
        hint: None,
        effect: Effect::Allow,
        note: format!("always allowed from approval {id}"),
    };
    let mut policy = current.policy.clone();
    policy.rules.insert(0, rule);
    checked(&policy)?;
    store(state, auth, current.revision, policy).await
}

/// `name` as a glob that matches only itself.
fn glob_literal(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policies::decide::Hints;

    #[test]
    fn a_literal_glob_matches_only_its_name() {
        let name = "odd*name[1]";
        let policy = Policy {
            rules: vec![Rule {
                agent: None,
                server: glob_literal(name),
                tool: "*".into(),
                argument: None,
                hint: None,
                effect: Effect::Deny,
                note: String::new(),
            }],
            default: Effect::Allow,
        };
        let compiled = Compiled::new(&policy).unwrap();
        let args = json!({});
        let decide = |server| {
            compiled
                .decide(&Call {
                    agent: "a",
                    server,
                    tool: "t",
                    arguments: &args,
                    hints: Hints::default(),
                })
                .effect
        };
        assert_eq!(decide(name), Effect::Deny);
        assert_eq!(decide("oddXname1"), Effect::Allow);
        assert_eq!(decide("odd*name1"), Effect::Allow);
    }
}
