//! Flightdeck: the control room for fleets of AI agents.
//! One crate built twice by dx: the browser bundle (`web`) hydrates what the server (`server`) renders.
//!
//! # Layout
//!
//! One folder per domain (`agents`, `approvals`, `fleet`, `sync`, …), and in each, one kind of
//! thing per file name: `mod.rs` the shared models (both builds), `api.rs` the HTTP handlers,
//! `server_fns.rs` the browser's calls as Dioxus server functions (both builds; `http/sf.rs`;
//! each `GET` also as the `load::` a page's `use_api` takes), `store.rs` where its data is
//! kept, `service.rs` what handlers and background jobs both do (jobs call services, never
//! handlers), `ui.rs` the pages. `state.rs` holds the stores every
//! handler shares and imports nothing that imports it; `server/` composes the router. The
//! README's layout map names every folder; `tests/server/layout.rs` checks the two rules.

pub mod agents;
pub mod analytics;
pub mod app;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod dashboard;
pub mod fleet;
pub mod http;
pub mod icons;
pub mod log;
pub mod mcp;
pub mod members;
pub mod notifications;
pub mod pages;
pub mod policies;
pub mod settings;
pub mod shell;
pub mod shortcuts;
pub mod sync;
pub mod theme;
pub mod ui;
pub mod widgets;

#[cfg(feature = "server")]
pub mod config;
#[cfg(feature = "server")]
pub mod egress;
#[cfg(feature = "server")]
pub mod hot;
#[cfg(feature = "server")]
pub mod otel;
#[cfg(feature = "server")]
pub mod quota;
#[cfg(feature = "server")]
pub mod records;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod state;
