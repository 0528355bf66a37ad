//! The state every handler shares. Today it holds the configuration and the prepared data
//! directory; the record store, the hot state store and the sync hub join it as they are built.

use crate::config::Config;
use anyhow::{bail, Context};
use std::path::Path;
use std::sync::Arc;

/// Shared, cheaply cloned server state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The validated configuration.
    pub config: Arc<Config>,
}

impl AppState {
    /// Prepares what the configuration points at (creating the data directory) and wraps it.
    pub fn new(config: Config) -> anyhow::Result<Self> {
        prepare_data_dir(&config.data_dir)?;
        Ok(Self {
            config: Arc::new(config),
        })
    }
}

fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!(
            "FLIGHTDECK_DATA_DIR={} is a file, not a directory",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create FLIGHTDECK_DATA_DIR={}", dir.display()))
}
