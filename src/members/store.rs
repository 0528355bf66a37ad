//! Memberships and invitations in the records database. Changes that could leave a workspace
//! without an admin take turns per workspace (PostgreSQL: an advisory lock across instances;
//! SQLite, one process: a lock in the process), so two admins demoting each other at once
//! cannot both succeed.

use super::{check_change, Invite, Member, MembershipError, INVITE_DAYS};
use crate::auth::store::Place;
use crate::auth::{Role, User, Workspace};
use crate::on_pool;
use crate::records::{new_id, new_secret, now_ms, Pool, Records};
use anyhow::Context;

/// Marks a pending invitation used inside `$tx`: whether this use won (it may have been used,
/// revoked or expired meanwhile; only one use can win).
macro_rules! use_invite {
    ($tx:expr, $id:expr, $now:expr) => {
        sqlx::query(
            "UPDATE invites SET used_at = $2 WHERE id = $1 AND used_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind($id)
        .bind($now)
        .execute(&mut *$tx)
        .await
        .map(|done| done.rows_affected() == 1)
    };
}

/// Most pending invitations a workspace may hold.
pub const MAX_PENDING_INVITES: i64 = 100;

/// SQLite's membership changes take turns in the process.
static SQLITE_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Why a membership could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The user is not a member of this workspace.
    #[error("no such member in this workspace")]
    NotMember,
    /// The rule the change breaks.
    #[error(transparent)]
    Refused(#[from] MembershipError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// Why an invitation could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    /// Unknown, used, revoked or expired: said alike.
    #[error(
        "this invitation link is not valid: it was used, revoked or has expired; ask for a new one"
    )]
    NotValid,
    /// Signed in as someone else than the invitee.
    #[error("this invitation is for another email address; sign in as the invitee")]
    OtherEmail,
    /// An account with the invitee's email exists: they sign in and accept.
    #[error("an account with this email exists: sign in, then open the link again")]
    AccountExists,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// A pending invitation with its workspace, found by its token.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Pending {
    /// Its id.
    pub id: String,
    /// The workspace.
    pub workspace_id: String,
    /// The workspace's name.
    pub workspace_name: String,
    /// The invitee.
    pub email: String,
    /// The role offered (stored form).
    pub role: String,
    /// When it expires.
    pub expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct InviteRow {
    id: String,
    email: String,
    role: String,
    token: String,
    created_at: i64,
    expires_at: i64,
}

fn role_of(text: &str) -> anyhow::Result<Role> {
    Role::parse(text).with_context(|| format!("unknown role {text:?} in the database"))
}

impl Records {
    /// The members of a workspace, by email.
    pub async fn members(&self, workspace_id: &str) -> anyhow::Result<Vec<Member>> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, (String, String, String)>(
                "SELECT u.id, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.workspace_id = $1 ORDER BY u.email",
            )
            .bind(workspace_id)
            .fetch_all(pool)
            .await
        })
        .context("listing members")?;
        rows.into_iter()
            .map(|(user_id, email, role)| {
                Ok(Member {
                    user_id,
                    email,
                    role: role_of(&role)?,
                })
            })
            .collect()
    }

    /// Changes a member's role (`Some`) or removes them (`None`), unless that leaves the
    /// workspace without an admin; returns the member as they were.
    pub async fn change_membership(
        &self,
        workspace_id: &str,
        user_id: &str,
        next: Option<Role>,
    ) -> Result<Member, ChangeError> {
        macro_rules! change {
            ($tx:expr) => {{
                let rows = sqlx::query_as::<_, (String, String, String)>(
                    "SELECT m.user_id, u.email, m.role FROM memberships m \
                     JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1",
                )
                .bind(workspace_id)
                .fetch_all(&mut *$tx)
                .await
                .context("reading memberships")?;
                let admins = rows.iter().filter(|(_, _, role)| role == "admin").count();
                let (_, email, role) = rows
                    .into_iter()
                    .find(|(id, _, _)| id == user_id)
                    .ok_or(ChangeError::NotMember)?;
                let current = role_of(&role)?;
                check_change(current, next, admins)?;
                match next {
                    Some(role) => sqlx::query(
                        "UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND user_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(user_id)
                    .bind(role.as_str()),
                    None => sqlx::query(
                        "DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(user_id),
                }
                .execute(&mut *$tx)
                .await
                .context("changing a membership")?;
                Member {
                    user_id: user_id.to_owned(),
                    email,
                    role: current,
                }
            }};
        }
        match self.pool() {
            Pool::Sqlite(pool) => {
                let _turn = SQLITE_TURN.lock().await;
                let mut tx = pool.begin().await.context("starting a transaction")?;
                let before = change!(tx);
                tx.commit()
                    .await
                    .context("committing a membership change")?;
                Ok(before)
            }
            Pool::Postgres(pool) => {
                let mut tx = pool.begin().await.context("starting a transaction")?;
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(format!("members:{workspace_id}"))
                    .execute(&mut *tx)
                    .await
                    .context("taking the membership lock")?;
                let before = change!(tx);
                tx.commit()
                    .await
                    .context("committing a membership change")?;
                Ok(before)
            }
        }
    }

    /// Invites `email` to the workspace as `role`; `None` when the workspace already holds
    /// [`MAX_PENDING_INVITES`] pending ones.
    pub async fn create_invite(
        &self,
        workspace_id: &str,
        email: &str,
        role: Role,
        by: &str,
    ) -> anyhow::Result<Option<Invite>> {
        let pending = self.invites(workspace_id).await?;
        if pending.len() as i64 >= MAX_PENDING_INVITES {
            return Ok(None);
        }
        let now = now_ms();
        let row = InviteRow {
            id: new_id(),
            email: email.to_owned(),
            role: role.as_str().to_owned(),
            token: new_secret(),
            created_at: now,
            expires_at: now + INVITE_DAYS * 24 * 3600 * 1000,
        };
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO invites (id, workspace_id, email, role, token, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&row.id)
            .bind(workspace_id)
            .bind(&row.email)
            .bind(&row.role)
            .bind(&row.token)
            .bind(by)
            .bind(row.created_at)
            .bind(row.expires_at)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .context("creating an invitation")?;
        Ok(Some(row.invite()?))
    }

    /// The workspace's pending invitations, newest first.
    pub async fn invites(&self, workspace_id: &str) -> anyhow::Result<Vec<Invite>> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, InviteRow>(
                "SELECT id, email, role, token, created_at, expires_at FROM invites \
                 WHERE workspace_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
                 ORDER BY created_at DESC",
            )
            .bind(workspace_id)
            .bind(now_ms())
            .fetch_all(pool)
            .await
        })
        .context("listing invitations")?;
        rows.into_iter().map(InviteRow::invite).collect()
    }

    /// Revokes a pending invitation of the workspace; whether there was one.
    pub async fn revoke_invite(&self, workspace_id: &str, id: &str) -> anyhow::Result<bool> {
        let done = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE invites SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 \
                 AND used_at IS NULL AND revoked_at IS NULL",
            )
            .bind(workspace_id)
            .bind(id)
            .bind(now_ms())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .context("revoking an invitation")?;
        Ok(done == 1)
    }

    /// The pending invitation a link's token names.
    pub async fn pending_invite(&self, token: &str) -> anyhow::Result<Option<Pending>> {
        on_pool!(self, |pool| {
            sqlx::query_as::<_, Pending>(
                "SELECT i.id, i.workspace_id, w.name AS workspace_name, i.email, i.role, i.expires_at \
                 FROM invites i JOIN workspaces w ON w.id = i.workspace_id \
                 WHERE i.token = $1 AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2",
            )
            .bind(token)
            .bind(now_ms())
            .fetch_optional(pool)
            .await
        })
        .context("reading an invitation")
    }

    /// Uses the invitation: `user` (an existing account with the invitee's email) joins with
    /// the role offered (a member already keeps the higher of the two roles).
    pub async fn accept_invite(&self, token: &str, user: &User) -> Result<Place, AcceptError> {
        let pending = self
            .pending_invite(token)
            .await?
            .ok_or(AcceptError::NotValid)?;
        if pending.email != user.email {
            return Err(AcceptError::OtherEmail);
        }
        let offered = role_of(&pending.role)?;
        // A member's role is raised to the one offered, never lowered; decided by the upsert
        // itself, so a role changed meanwhile is not written back.
        let mut weaker = Role::ALL
            .into_iter()
            .filter(|r| rank(*r) > rank(offered))
            .map(Role::as_str);
        let (weaker1, weaker2) = (weaker.next().unwrap_or(""), weaker.next().unwrap_or(""));
        let now = now_ms();
        let joined: Result<Option<String>, sqlx::Error> = on_pool!(self, |pool| {
            async {
            let mut tx = pool.begin().await?;
            if !use_invite!(tx, &pending.id, now)? {
                return Ok(None);
            }
            sqlx::query(
                "INSERT INTO memberships (user_id, workspace_id, role, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (user_id, workspace_id) DO UPDATE SET role = excluded.role \
                 WHERE memberships.role IN ($5, $6)",
            )
            .bind(&user.id)
            .bind(&pending.workspace_id)
            .bind(offered.as_str())
            .bind(now)
            .bind(weaker1)
            .bind(weaker2)
            .execute(&mut *tx)
            .await?;
            let role: String = sqlx::query_scalar(
                "SELECT role FROM memberships WHERE user_id = $1 AND workspace_id = $2",
            )
            .bind(&user.id)
            .bind(&pending.workspace_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(role))
        }
        .await
        });
        let Some(role) = joined.context("accepting an invitation")? else {
            return Err(AcceptError::NotValid);
        };
        let role = role_of(&role)?;
        Ok(Place {
            user: user.clone(),
            workspace: Workspace {
                id: pending.workspace_id,
                name: pending.workspace_name,
            },
            role,
        })
    }

    /// Uses the invitation to create the invitee's account (with `password_hash`) as a member
    /// of the workspace, in one transaction.
    pub async fn join_by_invite(
        &self,
        pending: &Pending,
        password_hash: &str,
    ) -> Result<Place, AcceptError> {
        let (user_id, now) = (new_id(), now_ms());
        let role = role_of(&pending.role)?;
        let result: Result<bool, sqlx::Error> = on_pool!(self, |pool| {
            async {
            let mut tx = pool.begin().await?;
            let used = use_invite!(tx, &pending.id, now)?;
            if used {
                sqlx::query("INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&user_id)
                    .bind(&pending.email)
                    .bind(password_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO memberships (user_id, workspace_id, role, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&user_id)
                    .bind(&pending.workspace_id)
                    .bind(role.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(used)
        }
        .await
        });
        match result {
            Ok(true) => Ok(Place {
                user: User {
                    id: user_id,
                    email: pending.email.clone(),
                },
                workspace: Workspace {
                    id: pending.workspace_id.clone(),
                    name: pending.workspace_name.clone(),
                },
                role,
            }),
            Ok(false) => Err(AcceptError::NotValid),
            Err(err)
                if err
                    .as_database_error()
                    .is_some_and(|db| db.is_unique_violation()) =>
            {
                Err(AcceptError::AccountExists)
            }
            Err(err) => Err(AcceptError::Store(
                anyhow::Error::new(err).context("joining by invitation"),
            )),
        }
    }
}

/// Roles by power, most first.
fn rank(role: Role) -> usize {
    Role::ALL
        .iter()
        .position(|r| *r == role)
        .unwrap_or(usize::MAX)
}

impl InviteRow {
    fn invite(self) -> anyhow::Result<Invite> {
        Ok(Invite {
            role: role_of(&self.role)?,
            id: self.id,
            email: self.email,
            path: format!("/invite/{}", self.token),
            created_at: self.created_at,
            expires_at: self.expires_at,
        })
    }
}
