//! The audit log's reads as Dioxus server functions, on the JSON API's own paths (the CSV export
//! stays a plain route: it is a streamed download). Each body is one call of a service in
//! `api.rs`.

#[cfg(feature = "server")]
use super::api;
use super::{AuditEntry, AuditFacets, AuditPage, ChainReport, Params, RecentQuery};
#[cfg(feature = "server")]
use crate::auth::api::Auth;
use crate::http::QueryParams;
#[cfg(feature = "server")]
use crate::state::AppState;

crate::server_fns! {
    #[get("/api/audit-logs", auth: Auth, state: AppState)]
    /// GET /api/audit-logs — one page of the filter, newest first, by offset or cursor; 400
    /// naming the first bad parameter.
    pub async fn page(filter: QueryParams<Params>) -> AuditPage {
        api::page(&state, &auth, filter.0).await
    }

    #[get("/api/audit-logs/facets", auth: Auth, state: AppState)]
    /// GET /api/audit-logs/facets — the users, resource types and actions the filters offer.
    pub async fn facets() -> AuditFacets {
        api::facets(&state, &auth).await
    }

    #[get("/api/audit-logs/{id}", auth: Auth, state: AppState)]
    /// GET /api/audit-logs/{id} — one entry of the workspace; 404 for any other.
    pub async fn one(id: String) -> AuditEntry {
        api::one(&state, &auth, id).await
    }

    #[get("/api/audit/verify", auth: Auth, state: AppState)]
    /// GET /api/audit/verify — whether the workspace's hash chain is intact, and where not.
    pub async fn verify() -> ChainReport {
        api::verify(&state, &auth).await
    }

    #[get("/api/audit", auth: Auth, state: AppState)]
    /// GET /api/audit?limit= — the newest entries (1 to 500, default 100; kept for earlier
    /// clients).
    pub async fn recent(query: QueryParams<RecentQuery>) -> Vec<AuditEntry> {
        api::recent(&state, &auth, query.0).await
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn every_read_of_the_audit_log_is_a_server_function() {
        crate::http::sf::assert_server_functions(&[
            "GET /api/audit-logs",
            "GET /api/audit-logs/facets",
            "GET /api/audit-logs/{id}",
            "GET /api/audit/verify",
            "GET /api/audit",
        ]);
    }
}
