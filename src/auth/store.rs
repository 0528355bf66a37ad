//! Users, workspaces and memberships in the records database.

use super::{Role, User, Workspace, WorkspaceRole};
use crate::on_pool;
use crate::records::{digest, new_id, now_ms, Records};
use anyhow::Context;

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The email belongs to an account already.
    #[error("an account with this email already exists")]
    EmailTaken,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// A signed-in user's place: who, where, as what.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    /// The user.
    pub user: User,
    /// The workspace.
    pub workspace: Workspace,
    /// Their role there.
    pub role: Role,
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    user_id: String,
    email: String,
    workspace_id: String,
    name: String,
    role: String,
}

impl PlaceRow {
    fn into_place(self) -> anyhow::Result<Place> {
        Ok(Place {
            user: User {
                id: self.user_id,
                email: self.email,
            },
            workspace: Workspace {
                id: self.workspace_id,
                name: self.name,
            },
            role: parse_role(&self.role)?,
        })
    }
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    Role::parse(role).with_context(|| format!("unknown role {role:?} in the database"))
}

const PLACE: &str = "SELECT u.id AS user_id, u.email, w.id AS workspace_id, w.name, m.role \
     FROM memberships m JOIN users u ON u.id = m.user_id JOIN workspaces w ON w.id = m.workspace_id";

impl Records {
    /// Creates a user and a workspace they administer, in one transaction.
    pub async fn create_account(
        &self,
        email: &str,
        password_hash: &str,
        workspace_name: &str,
    ) -> Result<Place, CreateError> {
        let (user_id, workspace_id, now) = (new_id(), new_id(), now_ms());
        let result: Result<(), sqlx::Error> = on_pool!(self, |pool| {
            async {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&user_id)
                .bind(email)
                .bind(password_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
                .bind(&workspace_id)
                .bind(workspace_name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO memberships (user_id, workspace_id, role, created_at) VALUES ($1, $2, 'admin', $3)")
                .bind(&user_id)
                .bind(&workspace_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await
        });
        match result {
            Ok(()) => Ok(Place {
                user: User {
                    id: user_id,
                    email: email.to_owned(),
                },
                workspace: Workspace {
                    id: workspace_id,
                    name: workspace_name.to_owned(),
                },
                role: Role::Admin,
            }),
            Err(err)
                if err
                    .as_database_error()
                    .is_some_and(|db| db.is_unique_violation()) =>
            {
                Err(CreateError::EmailTaken)
            }
            Err(err) => Err(CreateError::Store(
                anyhow::Error::new(err).context("creating an account"),
            )),
        }
    }

    /// The id and password hash of the account with this email.
    pub async fn credentials(&self, email: &str) -> anyhow::Result<Option<(String, String)>> {
        on_pool!(self, |pool| {
            sqlx::query_as::<_, (String, String)>(
                "SELECT id, password_hash FROM users WHERE email = $1",
            )
            .bind(email)
            .fetch_optional(pool)
            .await
        })
        .context("reading credentials")
    }

    /// The user's place in one workspace, when they belong to it.
    pub async fn place(&self, user_id: &str, workspace_id: &str) -> anyhow::Result<Option<Place>> {
        let sql = format!("{PLACE} WHERE m.user_id = $1 AND m.workspace_id = $2");
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, PlaceRow>(&sql)
                .bind(user_id)
                .bind(workspace_id)
                .fetch_optional(pool)
                .await
        })
        .context("reading a membership")?;
        row.map(PlaceRow::into_place).transpose()
    }

    /// The workspace a user lands in after signing in: the first they joined.
    pub async fn first_place(&self, user_id: &str) -> anyhow::Result<Option<Place>> {
        let sql = format!("{PLACE} WHERE m.user_id = $1 ORDER BY m.created_at, w.name LIMIT 1");
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, PlaceRow>(&sql)
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })
        .context("reading memberships")?;
        row.map(PlaceRow::into_place).transpose()
    }

    /// Every workspace the user belongs to, by name.
    pub async fn workspaces_of(&self, user_id: &str) -> anyhow::Result<Vec<WorkspaceRole>> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, (String, String, String)>(
                "SELECT w.id, w.name, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
                 WHERE m.user_id = $1 ORDER BY w.name, w.id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        })
        .context("listing workspaces")?;
        rows.into_iter()
            .map(|(id, name, role)| {
                Ok(WorkspaceRole {
                    id,
                    name,
                    role: parse_role(&role)?,
                })
            })
            .collect()
    }

    /// How many accounts exist.
    pub async fn count_users(&self) -> anyhow::Result<i64> {
        on_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
                .fetch_one(pool)
                .await
        })
        .context("counting users")
    }

    /// The account with this email.
    pub async fn user_by_email(&self, email: &str) -> anyhow::Result<Option<User>> {
        on_pool!(self, |pool| {
            sqlx::query_as::<_, (String, String)>("SELECT id, email FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(pool)
                .await
        })
        .map(|row| row.map(|(id, email)| User { id, email }))
        .context("finding a user")
    }

    /// Keeps the digest of a new setup link valid for `valid_ms`, dropping expired ones.
    pub async fn add_setup_token(&self, token: &str, valid_ms: i64) -> anyhow::Result<()> {
        let now = now_ms();
        on_pool!(self, |pool| async {
            sqlx::query("DELETE FROM setup_tokens WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO setup_tokens (token_digest, created_at, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(digest(token))
            .bind(now)
            .bind(now + valid_ms)
            .execute(pool)
            .await
            .map(|_| ())
        }
        .await)
        .context("keeping a setup link")?;
        Ok(())
    }

    /// Whether a setup link can still create the first admin: known, unexpired, and the store
    /// still without accounts.
    pub async fn setup_token_valid(&self, token: &str) -> anyhow::Result<bool> {
        let known: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT expires_at FROM setup_tokens WHERE token_digest = $1 AND expires_at > $2",
            )
            .bind(digest(token))
            .bind(now_ms())
            .fetch_optional(pool)
            .await
        })
        .context("reading a setup link")?;
        Ok(known.is_some() && self.count_users().await? == 0)
    }

    /// Uses a setup link (once) to create the first admin; `None` when it is not valid any
    /// more. Every other setup link ends with it.
    pub async fn create_first_admin(
        &self,
        token: &str,
        email: &str,
        password_hash: &str,
        workspace_name: &str,
    ) -> anyhow::Result<Option<Place>> {
        let used = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM setup_tokens WHERE token_digest = $1 AND expires_at > $2")
                .bind(digest(token))
                .bind(now_ms())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .context("using a setup link")?;
        if used != 1 || self.count_users().await? != 0 {
            return Ok(None);
        }
        let place = match self
            .create_account(email, password_hash, workspace_name)
            .await
        {
            Ok(place) => place,
            Err(CreateError::EmailTaken) => return Ok(None),
            Err(CreateError::Store(err)) => return Err(err),
        };
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM setup_tokens")
                .execute(pool)
                .await
                .map(|_| ())
        })
        .context("ending the other setup links")?;
        Ok(Some(place))
    }
}
