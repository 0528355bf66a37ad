//! The policy calls as Dioxus server functions, on the JSON API's own paths. Each body is one
//! call of a service in `api.rs`.

#[cfg(feature = "server")]
use super::api;
use super::{DryRun, Policy, PolicyRevision, PolicyUpdate};
#[cfg(feature = "server")]
use crate::auth::api::Auth;
use crate::http::JsonBody;
#[cfg(feature = "server")]
use crate::state::AppState;

crate::server_fns! {
    #[get("/api/policies", auth: Auth, state: AppState)]
    /// GET /api/policies — the policy in force (revision 0: nobody saved one; everything asks).
    pub async fn read() -> PolicyRevision {
        api::read(&state, &auth).await
    }

    #[put("/api/policies", auth: Auth, state: AppState)]
    /// PUT /api/policies — saves the rules as a new revision: 409 when the edit started from an
    /// older one; operators and admins only.
    pub async fn save(update: JsonBody<PolicyUpdate>) -> PolicyRevision {
        api::save(&state, &auth, update.0).await
    }

    #[post("/api/policies/dry-run", auth: Auth, state: AppState)]
    /// POST /api/policies/dry-run — what `policy` would have done to the workspace's last 100
    /// gated calls.
    pub async fn dry_run(policy: JsonBody<Policy>) -> DryRun {
        api::dry_run(&state, &auth, policy.0).await
    }

    #[post("/api/approvals/{id}/always-allow", auth: Auth, state: AppState)]
    /// POST /api/approvals/{id}/always-allow — from an approval the gateway asked for: a rule,
    /// first in the policy, that allows that tool of that server for that agent from now on.
    pub async fn always_allow(id: String) -> PolicyRevision {
        api::always_allow_from_approval(&state, &auth, &id).await
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn every_policy_route_is_a_server_function() {
        crate::http::sf::assert_server_functions(&[
            "GET /api/policies",
            "PUT /api/policies",
            "POST /api/policies/dry-run",
            "POST /api/approvals/{id}/always-allow",
        ]);
    }
}
