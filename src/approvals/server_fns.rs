//! The operators' approval calls as Dioxus server functions, on the JSON API's own paths: the
//! pages call them as typed functions, scripts call the paths. Each body is one call of a
//! service in `api.rs`.

#[cfg(feature = "server")]
use super::api;
#[cfg(feature = "server")]
use super::Verdict;
use super::{Approval, Bulk, BulkAnswer, CancelQuery, Decision, ListQuery, Withdrawn};
#[cfg(feature = "server")]
use crate::auth::api::Auth;
use crate::http::{JsonBody, MaybeJson, QueryParams};
#[cfg(feature = "server")]
use crate::state::AppState;

crate::server_fns! {
    #[get("/api/approvals", auth: Auth, state: AppState)]
    /// GET /api/approvals?status=&limit= — pending first, oldest first.
    pub async fn list(query: QueryParams<ListQuery>) -> Vec<Approval> {
        api::list(&state, &auth, query.0).await
    }

    #[get("/api/approvals/{id}", auth: Auth, state: AppState)]
    /// GET /api/approvals/{id}.
    pub async fn one(id: String) -> Approval {
        api::one(&state, &auth, &id).await
    }

    #[post("/api/approvals/{id}/approve", auth: Auth, state: AppState)]
    /// POST /api/approvals/{id}/approve `{comment?, arguments?}` (or no body): the approval;
    /// 409 with it when another ending came first.
    pub async fn approve(id: String, decision: MaybeJson<Decision>) -> Approval {
        api::decide(&state, &auth, &id, Verdict::Approve, decision.0).await
    }

    #[post("/api/approvals/{id}/reject", auth: Auth, state: AppState)]
    /// POST /api/approvals/{id}/reject `{comment?}` (or no body).
    pub async fn reject(id: String, decision: MaybeJson<Decision>) -> Approval {
        api::decide(&state, &auth, &id, Verdict::Reject, decision.0).await
    }

    #[delete("/api/approvals/{id}", auth: Auth, state: AppState)]
    /// DELETE /api/approvals/{id}?reason= — `{success, cancelledAt, approval}`; the waiting
    /// agent gets `approval:cancelled` with the reason.
    pub async fn cancel(id: String, query: QueryParams<CancelQuery>) -> Withdrawn {
        api::cancel(&state, &auth, &id, query.0).await
    }

    #[post("/api/approvals/bulk", auth: Auth, state: AppState)]
    /// POST /api/approvals/bulk `{ids, decision, comment?}` — a result per id, in order; one
    /// failing never stops the others.
    pub async fn bulk(request: JsonBody<Bulk>) -> BulkAnswer {
        api::bulk(&state, &auth, request.0).await
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn every_operator_route_of_approvals_is_a_server_function() {
        crate::http::sf::assert_server_functions(&[
            "GET /api/approvals",
            "GET /api/approvals/{id}",
            "POST /api/approvals/{id}/approve",
            "POST /api/approvals/{id}/reject",
            "DELETE /api/approvals/{id}",
            "POST /api/approvals/bulk",
        ]);
    }
}
