//! Who belongs to a workspace: members and their roles, and invitations. An admin invites an
//! email with a role (a single-use link, valid 7 days); the invitee creates an account through
//! it, or signs in with theirs and accepts. Admins change roles and remove members; the last
//! admin can be neither removed nor demoted.

#[cfg(feature = "server")]
pub mod api;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod store;
mod ui;

pub use ui::MembersSection;

use crate::auth::Role;
use serde::{Deserialize, Serialize};

/// How long an invitation link stays valid.
pub const INVITE_DAYS: i64 = 7;

/// A member of a workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The user's id.
    pub user_id: String,
    /// Their sign-in address.
    pub email: String,
    /// Their role.
    pub role: Role,
}

/// `PATCH /api/workspace/members/{userId}`: a member's new role.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetRole {
    /// Their role from now on.
    pub role: Role,
}

/// `POST /api/workspace/invites`: whom to invite, as what.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// The invitee's address; the account made or accepting through the link must have it.
    pub email: String,
    /// The role they will have.
    pub role: Role,
}

/// A pending invitation, as its workspace's admins see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    /// Its id (for revoking).
    pub id: String,
    /// The invitee's address.
    pub email: String,
    /// The role they will have.
    pub role: Role,
    /// The link's path (`/invite/<token>`); the page prefixes its own origin.
    pub path: String,
    /// When it was made (ms since the Unix epoch).
    pub created_at: i64,
    /// When the link stops working.
    pub expires_at: i64,
}

/// `GET /api/invites/{token}`: what the link offers, for the page that opens it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteOffer {
    /// The workspace's name.
    pub workspace: String,
    /// The invitee's address.
    pub email: String,
    /// The role offered.
    pub role: Role,
    /// When the link stops working.
    pub expires_at: i64,
    /// Whether new accounts may be made through links (`FLIGHTDECK_SIGNUP` is not `closed`).
    pub can_create_account: bool,
}

/// `POST /api/invites/{token}/accept`: signed in, nothing (the session's account accepts);
/// signed out, the password of the account to create.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvite {
    /// The new account's password.
    #[serde(default)]
    pub password: Option<String>,
}

/// The answer to an accepted invitation: `me`, now in the workspace; sent with 201 when the
/// invitation created the invitee's account and 200 when a signed-in account joined. The body is
/// `me` alone: a reader of it gets `created: false` (the status is what says it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Joined {
    /// Who is signed in, now in the invitation's workspace.
    pub me: crate::auth::Me,
    /// Whether the account was made by this invitation.
    #[serde(skip)]
    pub created: bool,
}

/// Why a membership change was refused (a 409).
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum MembershipError {
    /// Removing or demoting the only admin would leave nobody to manage the workspace.
    #[error("the workspace needs at least one admin: make another member admin first")]
    LastAdmin,
}

/// Whether a member may go from `current` to `next` (`None`: removed) when the workspace has
/// `admins` admins (an admin may step down or leave too, unless they are the last).
pub fn check_change(
    current: Role,
    next: Option<Role>,
    admins: usize,
) -> Result<(), MembershipError> {
    let stays_admin = next == Some(Role::Admin);
    if current == Role::Admin && !stays_admin && admins <= 1 {
        return Err(MembershipError::LastAdmin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_admin_can_be_neither_removed_nor_demoted() {
        use Role::*;
        assert_eq!(check_change(Viewer, Some(Operator), 1), Ok(()));
        assert_eq!(check_change(Viewer, None, 1), Ok(()));
        assert_eq!(check_change(Admin, Some(Viewer), 2), Ok(()));
        assert_eq!(check_change(Admin, None, 2), Ok(()));
        assert_eq!(check_change(Admin, Some(Admin), 1), Ok(()));
        assert_eq!(
            check_change(Admin, None, 1),
            Err(MembershipError::LastAdmin)
        );
        assert_eq!(
            check_change(Admin, Some(Operator), 1),
            Err(MembershipError::LastAdmin)
        );
    }
}
