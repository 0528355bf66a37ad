//! The record store: users, workspaces, settings, audit entries (and, on the embedded default,
//! dashboard states) in SQL. One SQLite file in the data directory unless `DATABASE_URL` names a
//! PostgreSQL database. Each domain's `store.rs` writes its queries once, in the SQL both accept
//! (`$1` placeholders, `ON CONFLICT`), and runs them on either pool through [`on_pool!`].

use crate::config::Config;
use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// A connection pool to the records database.
#[derive(Clone, Debug)]
pub enum Records {
    /// The embedded default: `FLIGHTDECK_DATA_DIR/flightdeck.db`.
    Sqlite(SqlitePool),
    /// `DATABASE_URL`.
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool `$records` holds. The body is written once
/// and type-checked against both databases.
#[macro_export]
macro_rules! on_pool {
    ($records:expr, |$pool:ident| $body:expr) => {
        match $records {
            $crate::records::Records::Sqlite($pool) => $body,
            $crate::records::Records::Postgres($pool) => $body,
        }
    };
}

impl Records {
    /// Connects as the configuration says and brings the schema up to date.
    pub async fn connect(config: &Config) -> anyhow::Result<Self> {
        let records = match &config.database_url {
            Some(url) => Self::connect_postgres(url).await?,
            None => Self::open_sqlite(&config.data_dir.join("flightdeck.db")).await?,
        };
        records.migrate().await?;
        Ok(records)
    }

    /// Opens (creating it if needed) a SQLite file, in WAL mode so readers never wait for writers.
    pub async fn open_sqlite(path: &std::path::Path) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
        Ok(Self::Sqlite(pool))
    }

    /// Connects to PostgreSQL.
    pub async fn connect_postgres(url: &str) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .context("DATABASE_URL is not a usable PostgreSQL URL")?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .context("cannot connect to PostgreSQL at DATABASE_URL")?;
        Ok(Self::Postgres(pool))
    }

    /// Applies the migrations in `migrations/<dialect>` that have not run yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Self::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await,
            Self::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        }
        .context("cannot bring the records database schema up to date")
    }

    /// `sqlite` or `postgres`, for logs and readiness.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), String> {
        on_pool!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|_| ()))
        .map_err(|err| err.to_string())
    }
}

/// Milliseconds since the Unix epoch, the one time format of every table.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// A new random id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
