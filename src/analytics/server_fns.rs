//! The Analytics page's reads and the schedule's run as Dioxus server functions, on the JSON
//! API's own paths (the downloads stay plain routes: they are files). Each body is one call of a
//! service in `api.rs`.

#[cfg(feature = "server")]
use super::api;
use super::model::{ExportInfo, Report, ReportQuery, RunQuery, RunResult};
#[cfg(feature = "server")]
use crate::auth::api::Auth;
use crate::http::QueryParams;
#[cfg(feature = "server")]
use crate::state::AppState;

crate::server_fns! {
    #[get("/api/analytics", auth: Auth, state: AppState)]
    /// GET /api/analytics?period=&from=&to=&tz= — the report of a period (every role); 400
    /// naming the bad parameter.
    pub async fn report(query: QueryParams<ReportQuery>) -> Report {
        api::report(&state, &auth, query.0).await
    }

    #[get("/api/analytics/exports", auth: Auth, state: AppState)]
    /// GET /api/analytics/exports — the newest 100 reports of the export schedule.
    pub async fn exports() -> Vec<ExportInfo> {
        api::exports(&state, &auth).await
    }

    #[post("/api/analytics/exports/run", auth: Auth, state: AppState)]
    /// POST /api/analytics/exports/run?at= — admins: the workspace's due reports now,
    /// `{created}`.
    pub async fn run_exports(query: QueryParams<RunQuery>) -> RunResult {
        api::run_exports(&state, &auth, query.0).await
    }
}

#[cfg(all(test, feature = "server"))]
mod tests {
    #[test]
    fn every_read_of_the_analytics_page_is_a_server_function() {
        crate::http::sf::assert_server_functions(&[
            "GET /api/analytics",
            "GET /api/analytics/exports",
            "POST /api/analytics/exports/run",
        ]);
    }
}
