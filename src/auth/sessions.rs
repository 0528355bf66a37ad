//! Sessions through `tower-sessions`: an HttpOnly, SameSite=Lax cookie holding only a random id;
//! the session itself lives in Redis when `REDIS_URL` is set, else in the records database
//! (`tower-sessions-sqlx-store`). The Redis store is ours: no kept store uses the `redis` 1.x crate.

use crate::hot::Hot;
use crate::records::{Pool, Records};
use async_trait::async_trait;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The session cookie's name.
pub const COOKIE: &str = "flightdeck_session";
/// Its name over HTTPS (`FLIGHTDECK_SECURE_COOKIES=1`): the `__Host-` prefix makes browsers
/// refuse it unless it is Secure, for this host only and for every path, so a sibling
/// subdomain cannot plant one.
pub const SECURE_COOKIE: &str = "__Host-flightdeck_session";
/// The key under which a session holds who is signed in.
pub const AUTH_KEY: &str = "auth";
/// A session ends after this long without a request.
pub const IDLE_TIMEOUT_DAYS: i64 = 14;

/// Who a session belongs to and where they are working.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionAuth {
    /// The signed-in user.
    pub user_id: String,
    /// Their current workspace.
    pub workspace_id: String,
    /// When the session ends however active it is (ms since the Unix epoch): sign-in plus
    /// `FLIGHTDECK_SESSION_MAX_AGE`. Sessions from before this field have 0: ended.
    #[serde(default)]
    pub ends_at: i64,
}

impl SessionAuth {
    /// Whether the session is still within its absolute lifetime.
    pub fn is_current(&self) -> bool {
        crate::records::now_ms() < self.ends_at
    }
}

/// Where sessions are kept.
#[derive(Clone, Debug)]
pub enum Sessions {
    /// The SQLite records file.
    Sqlite(SqliteStore),
    /// The PostgreSQL records database.
    Postgres(PostgresStore),
    /// Redis.
    Redis(RedisSessionStore),
}

impl Sessions {
    /// Picks the store: Redis when configured, else the records database (creating its table).
    pub async fn new(records: &Records, hot: Option<&Hot>) -> anyhow::Result<Self> {
        if let Some(hot) = hot {
            return Ok(Self::Redis(RedisSessionStore { hot: hot.clone() }));
        }
        Ok(match records.pool() {
            Pool::Sqlite(pool) => {
                let store = SqliteStore::new(pool.clone());
                store.migrate().await?;
                Self::Sqlite(store)
            }
            Pool::Postgres(pool) => {
                let store = PostgresStore::new(pool.clone());
                store.migrate().await?;
                Self::Postgres(store)
            }
        })
    }

    /// The layer that loads and saves sessions around every request; `secure` marks the cookie
    /// HTTPS-only.
    pub fn layer(&self, secure: bool) -> SessionManagerLayer<Self> {
        SessionManagerLayer::new(self.clone())
            .with_name(if secure { SECURE_COOKIE } else { COOKIE })
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(secure)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(
                tower_sessions::cookie::time::Duration::days(IDLE_TIMEOUT_DAYS),
            ))
    }

    /// Deletes expired SQL sessions every hour (Redis expires its own keys).
    pub fn spawn_cleanup(&self) {
        let store = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(3600));
            loop {
                every.tick().await;
                let result = match &store {
                    Sessions::Sqlite(store) => store.delete_expired().await,
                    Sessions::Postgres(store) => store.delete_expired().await,
                    Sessions::Redis(_) => return,
                };
                if let Err(err) = result {
                    tracing::warn!("cannot delete expired sessions: {err}");
                }
            }
        });
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(store) => store.create(record).await,
            Sessions::Postgres(store) => store.create(record).await,
            Sessions::Redis(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(store) => store.save(record).await,
            Sessions::Postgres(store) => store.save(record).await,
            Sessions::Redis(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(store) => store.load(id).await,
            Sessions::Postgres(store) => store.load(id).await,
            Sessions::Redis(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(store) => store.delete(id).await,
            Sessions::Postgres(store) => store.delete(id).await,
            Sessions::Redis(store) => store.delete(id).await,
        }
    }
}

/// Sessions as JSON strings under `prefix:session:<id>`, expiring with the session.
#[derive(Clone, Debug)]
pub struct RedisSessionStore {
    hot: Hot,
}

impl RedisSessionStore {
    fn key(&self, id: &Id) -> String {
        self.hot.key(&["session", &id.to_string()])
    }

    /// Writes the record; `only_if_new` makes it a create that fails on an existing id.
    async fn write(&self, record: &Record, only_if_new: bool) -> session_store::Result<bool> {
        let json = serde_json::to_string(record)
            .map_err(|err| session_store::Error::Encode(err.to_string()))?;
        let ttl_ms = (record.expiry_date - tower_sessions::cookie::time::OffsetDateTime::now_utc())
            .whole_milliseconds()
            .max(1) as u64;
        let mut command = redis::cmd("SET");
        command.arg(self.key(&record.id)).arg(json);
        if only_if_new {
            command.arg("NX");
        }
        command.arg("PX").arg(ttl_ms);
        let mut conn = self.hot.conn.clone();
        let reply: Option<String> = command.query_async(&mut conn).await.map_err(backend)?;
        Ok(reply.is_some())
    }
}

fn backend(err: redis::RedisError) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id that happens to exist already gets another one.
        while !self.write(record, true).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record, false).await.map(|_| ())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut conn = self.hot.conn.clone();
        let json: Option<String> = conn.get(self.key(id)).await.map_err(backend)?;
        json.map(|json| {
            serde_json::from_str(&json).map_err(|err| session_store::Error::Decode(err.to_string()))
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let mut conn = self.hot.conn.clone();
        conn.del::<_, ()>(self.key(id)).await.map_err(backend)
    }
}
