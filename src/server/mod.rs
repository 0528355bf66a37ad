//! The server process: configuration, logging, the router (health, static files, server
//! functions, server-side rendering) and a graceful shutdown on SIGINT or SIGTERM.

mod assets;
mod csp;
pub mod edge;
mod health;
pub mod metrics;

pub use assets::is_content_hashed;

use crate::app::App;
use crate::auth::sessions::{SessionAuth, AUTH_KEY};
use crate::config::Config;
use crate::http::ssr::PageApi;
use crate::http::ApiError;
use crate::state::AppState;
use crate::theme::CLIENT_HINT;
use anyhow::Context;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{HeaderName, CACHE_CONTROL, VARY};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::response::Response;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, get, MethodRouter};
use axum::{middleware, Extension, Router};
use dioxus::server::{FullstackState, ServeConfig};
use std::io::IsTerminal;
use std::process::ExitCode;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::Session;

/// Runs the server until it is told to stop; the exit code says how it ended.
pub fn run() -> ExitCode {
    init_tracing();
    let config = match Config::from_env() {
        // `--demo` runs the demo fleet whatever the environment says.
        Ok(config) if std::env::args().any(|arg| arg == "--demo") => Config {
            demo: true,
            ..config
        },
        Ok(config) => config,
        Err(err) => {
            tracing::error!("invalid configuration: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        // The audit key is configuration the operator must fix, like a bad variable.
        Err(err)
            if err
                .chain()
                .any(|cause| cause.is::<crate::audit::key::KeyError>()) =>
        {
            tracing::error!("invalid configuration: {err:#}");
            ExitCode::from(2)
        }
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Binds, serves, and returns once a shutdown signal has been handled.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let addr = config.addr;
    let grace = config.shutdown_grace;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (set by IP and PORT)"))?;
    let local = listener.local_addr()?;
    // From here on the configuration holds the port actually bound (PORT=0 picks one): the
    // edge allows writes from pages of this very origin.
    let state = AppState::connect(Config {
        addr: local,
        ..config
    })
    .await?;
    tokio::spawn(crate::approvals::deadlines::run(state.clone()));
    tokio::spawn(crate::agents::health::run(state.clone()));
    tokio::spawn(crate::analytics::schedule::run(state.clone()));
    // Every MCP server connects in its own task: none of them holds up the start.
    let servers = state.mcp.start(&state.records).await?;
    if servers > 0 {
        tracing::info!(servers, "connecting to MCP servers");
    }
    crate::auth::seed::ensure_first_admin(&state, &format!("http://{local}")).await?;
    state.sessions.spawn_cleanup();
    tracing::info!("Flightdeck listening on http://{local}");

    let (stop, stopped) = watch::channel(false);
    if state.config.demo {
        // The demo agents call this server over HTTP, as real agents do.
        let (records, stop) = (state.records.clone(), stopped.clone());
        let egress = state.egress.clone();
        tokio::spawn(async move {
            if let Err(err) = crate::fleet::demo::start(records, local, stop, egress).await {
                tracing::warn!("the demo fleet did not start: {err:#}");
            }
        });
    }
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing open requests (up to {grace:?})");
        let _ = stop.send(true);
    });

    // With each connection's peer address, for the per-address rate limits.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    // Without Nagle: a live-sync frame leaves at once instead of waiting for the ACK of the one
    // before it (which the client may delay up to 40 ms).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!("cannot set TCP_NODELAY on a connection: {err}");
        }
    });
    let server = axum::serve(listener, app).with_graceful_shutdown(wait_for_stop(stopped.clone()));
    tokio::select! {
        result = server => result.context("server failed")?,
        () = async { wait_for_stop(stopped).await; tokio::time::sleep(grace).await } => {
            tracing::warn!("connections still open after {grace:?}; closing them");
        }
    }
    tracing::info!("Flightdeck stopped");
    Ok(())
}

async fn wait_for_stop(mut stopped: watch::Receiver<bool>) {
    if stopped.wait_for(|stop| *stop).await.is_err() {
        // The signal task is gone without a signal: keep serving.
        std::future::pending::<()>().await;
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for SIGINT: {err}");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(err) => {
                tracing::error!("cannot listen for SIGTERM: {err}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// The whole application: health endpoints, static files, server functions, and server-side
/// rendering of every page, compressed for clients that accept it.
pub fn router(state: AppState) -> Router {
    let public_dir = state.config.public_dir.clone();
    let sessions = state.sessions.layer(state.config.secure_cookies);
    let attempts = crate::auth::api::Attempts::new();
    let fullstack = FullstackState::new(ServeConfig::new(), App);
    let state_limit = DefaultBodyLimit::max(state.config.state_max_bytes);
    let limited = attempts.clone();
    let own_layers = move |path: &str, route: MethodRouter<AppState>| match path {
        crate::dashboard::server_fns::PATH | crate::sync::server_fns::UPDATE_PATH => {
            route.layer(state_limit)
        }
        _ if crate::auth::server_fns::LIMITED_PATHS.contains(&path)
            || path == crate::members::server_fns::ACCEPT_PATH =>
        {
            limited.limit(route)
        }
        _ => route,
    };
    let api = crate::http::sf::mount(Router::new(), &fullstack, own_layers)
        .merge(crate::auth::api::routes(&attempts))
        .merge(crate::audit::api::routes())
        .merge(crate::agents::api::rate_limited(
            Router::new()
                .merge(crate::approvals::agent_api::routes())
                .merge(crate::fleet::api::agent_routes())
                .merge(crate::analytics::api::agent_routes())
                .merge(crate::otel::api::routes())
                .merge(crate::mcp::gateway::routes(&state)),
            state.config.agent_rate,
        ))
        .merge(crate::analytics::api::routes())
        .merge(crate::sync::api::routes())
        .route("/api/{*rest}", any(unknown_api))
        .layer(Extension(state.clone()))
        .layer(sessions.clone())
        .with_state(state.clone());
    let ops = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::api::metrics))
        .with_state(state.clone())
        .merge(api.clone());
    // A page render loads its data from the API in this process (`http::use_api`).
    let pages = Router::<FullstackState>::new()
        .fallback(get(render_page))
        .layer(Extension(PageApi(api)))
        .layer(sessions);
    let app = Router::<FullstackState>::new()
        .merge(assets::routes(&public_dir))
        .merge(pages)
        .with_state(fullstack);
    let edge = std::sync::Arc::new(edge::Edge::new(&state.config));
    ops.merge(app)
        .layer(middleware::from_fn_with_state(edge, edge::guard))
        .layer(middleware::from_fn_with_state(
            state.config.limits.request_timeout,
            crate::quota::timeout::cut,
        ))
        // The counter needs the metrics only, not the whole state.
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::api::count_requests,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Any other `/api/...` path: a JSON 404 rather than a rendered page.
async fn unknown_api() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such API endpoint")
}

/// Whether a page may be shown without signing in: sign-in, the first admin's setup link and
/// invitation links.
fn is_public_page(path: &str) -> bool {
    path == "/login" || path.starts_with("/setup/") || path.starts_with("/invite/")
}

/// Renders a page. Its HTML depends on the theme cookies and the colour-scheme client hint, so
/// the response asks Chromium for that hint on later requests and tells caches what it varies
/// on. (Not `Critical-CH`: it would restart every first navigation, measured +0.2 s LCP in
/// Lighthouse; the pre-paint script in index.html covers first visits instead.)
async fn render_page(state: State<FullstackState>, session: Session, request: Request) -> Response {
    let signed_in = matches!(
        session.get::<SessionAuth>(AUTH_KEY).await,
        Ok(Some(auth)) if auth.is_current()
    );
    let path = request.uri().path().to_owned();
    if !signed_in && !is_public_page(&path) {
        let next = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let target = format!("/login?next={}", urlencode(next));
        return Redirect::to(&target).into_response();
    }
    // An invitation link stays open to a signed-in user: they accept it there.
    if signed_in && is_public_page(&path) && !path.starts_with("/invite/") {
        return Redirect::to("/").into_response();
    }
    let response = FullstackState::render_handler(state, request).await;
    let mut response = with_page_policy(response).await;
    let headers = response.headers_mut();
    let hint = HeaderValue::from_static("Sec-CH-Prefers-Color-Scheme");
    headers.insert(HeaderName::from_static("accept-ch"), hint);
    headers.append(VARY, HeaderValue::from_static("Cookie"));
    headers.append(VARY, HeaderValue::from_static(CLIENT_HINT));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The largest page this server renders; past it the page is refused rather than sent without
/// its script hashes.
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// The page with its own Content-Security-Policy: its inline scripts allowed by their hashes.
async fn with_page_policy(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        Err(err) => return ApiError::internal(format!("rendering a page: {err}")).into_response(),
    };
    let policy = csp::page_policy(&String::from_utf8_lossy(&bytes));
    match HeaderValue::from_str(&policy) {
        Ok(value) => {
            parts
                .headers
                .insert(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
        Err(err) => tracing::error!("page CSP not set: {err}"),
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Percent-encodes a path for a query value (everything but unreserved characters and `/`).
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
