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
use std::sync::Arc;
use std::time::Duration;

/// The records database, and what signs its audit log (see [`crate::audit::append`]).
#[derive(Clone, Debug)]
pub struct Records {
    pool: Pool,
    /// The audit key and chain heads; set by [`Records::connect`] (or [`Records::with_audit`]).
    audit: Option<Arc<crate::audit::append::Chain>>,
}

/// A connection pool to the records database.
#[derive(Clone, Debug)]
pub enum Pool {
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
        match $records.pool() {
            $crate::records::Pool::Sqlite($pool) => $body,
            $crate::records::Pool::Postgres($pool) => $body,
        }
    };
}

impl Records {
    /// Connects as the configuration says, brings the schema up to date and readies the audit
    /// chain: its key (a missing or exposed one stops the start, see [`crate::audit::key`]),
    /// its heads (in Redis when `hot` is given) and, at the first start with a key, the seal
    /// of the entries written before it.
    pub async fn connect(config: &Config, hot: Option<&crate::hot::Hot>) -> anyhow::Result<Self> {
        let chain = crate::audit::append::Chain::open(config, hot)?;
        let records = match &config.database_url {
            Some(url) => Self::connect_postgres(url).await?,
            None => Self::open_sqlite(&config.data_dir.join("flightdeck.db")).await?,
        };
        records.migrate().await?;
        let records = records.with_audit(chain);
        records.seal_legacy_chains().await?;
        Ok(records)
    }

    /// These records with `chain` signing their audit log.
    pub fn with_audit(self, chain: crate::audit::append::Chain) -> Self {
        Self {
            audit: Some(Arc::new(chain)),
            ..self
        }
    }

    /// What signs the audit log; an error when these records were opened without it.
    pub fn audit_chain(&self) -> anyhow::Result<&crate::audit::append::Chain> {
        self.audit
            .as_deref()
            .context("the audit log has no key: open the records with Records::connect")
    }

    /// The connection pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    fn of(pool: Pool) -> Self {
        Self { pool, audit: None }
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
        Ok(Self::of(Pool::Sqlite(pool)))
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
        Ok(Self::of(Pool::Postgres(pool)))
    }

    /// Applies the migrations in `migrations/<dialect>` that have not run yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await,
            Pool::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        }
        .context("cannot bring the records database schema up to date")
    }

    /// `sqlite` or `postgres`, for logs and readiness.
    pub fn kind(&self) -> &'static str {
        match &self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
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

/// A new secret (a token, a link's key): 244 random bits as 64 hex digits.
pub fn new_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A secret's SHA-256 in hex: what the tables keep of tokens instead of the tokens.
pub fn digest(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}
