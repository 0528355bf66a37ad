//! Integration tests: the real server binary on a loopback port 0, driven over HTTP (and the
//! source's layout, read from `src/`).

mod analytics;
mod approvals;
mod assets;
mod attack;
mod audit;
mod clients;
mod contract;
mod fleet;
mod gateway;
mod gateway_inspector;
mod helpers;
mod layout;
mod lifecycle;
mod live;
mod mcp;
mod metrics;
mod openapi_fuzz;
mod otel;
mod pages;
mod sync;
mod typed_ui;
