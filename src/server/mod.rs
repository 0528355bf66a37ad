//! The server process: configuration, logging, the router (health, static files, server
//! functions, server-side rendering) and a graceful shutdown on SIGINT or SIGTERM.

mod assets;
mod health;

pub use assets::is_content_hashed;

use crate::app::App;
use crate::config::Config;
use crate::state::AppState;
use crate::theme::CLIENT_HINT;
use anyhow::Context;
use axum::extract::{Request, State};
use axum::http::header::{HeaderName, CACHE_CONTROL, VARY};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use dioxus::server::{DioxusRouterExt, FullstackState, ServeConfig};
use std::io::IsTerminal;
use std::process::ExitCode;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// Runs the server until it is told to stop; the exit code says how it ended.
pub fn run() -> ExitCode {
    init_tracing();
    let config = match Config::from_env() {
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
    let state = AppState::new(config)?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (set by IP and PORT)"))?;
    tracing::info!("Flightdeck listening on http://{}", listener.local_addr()?);

    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing open requests (up to {grace:?})");
        let _ = stop.send(true);
    });

    let server =
        axum::serve(listener, router(state)).with_graceful_shutdown(wait_for_stop(stopped.clone()));
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
    let ops = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(state);
    let app = Router::<FullstackState>::new()
        .register_server_functions()
        .merge(assets::routes(&public_dir))
        .fallback(get(render_page))
        .with_state(FullstackState::new(ServeConfig::new(), App));
    ops.merge(app)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Renders a page. Its HTML depends on the theme cookies and the colour-scheme client hint, so
/// the response asks Chromium for that hint on later requests and tells caches what it varies
/// on. (Not `Critical-CH`: it would restart every first navigation, measured +0.2 s LCP in
/// Lighthouse; the pre-paint script in index.html covers first visits instead.)
async fn render_page(state: State<FullstackState>, request: Request) -> Response {
    let mut response = FullstackState::render_handler(state, request).await;
    let headers = response.headers_mut();
    let hint = HeaderValue::from_static("Sec-CH-Prefers-Color-Scheme");
    headers.insert(HeaderName::from_static("accept-ch"), hint);
    headers.append(VARY, HeaderValue::from_static("Cookie"));
    headers.append(VARY, HeaderValue::from_static(CLIENT_HINT));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
