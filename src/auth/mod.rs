//! Accounts: users, workspaces and the role a user holds in each. The request and answer shapes
//! of `/api/auth/*` live here, shared by the server and the browser, with the checks that turn
//! raw input into values the rest of the code can trust (an [`Email`], a [`NewPassword`]).

#[cfg(feature = "server")]
pub mod api;
#[cfg(feature = "server")]
pub mod backoff;
#[cfg(feature = "server")]
pub(crate) mod password;
#[cfg(feature = "server")]
pub mod seed;
pub mod server_fns;
#[cfg(feature = "server")]
pub mod sessions;
#[cfg(feature = "server")]
mod signup;
#[cfg(feature = "server")]
pub mod store;
mod ui;

pub(crate) use ui::set_language;
#[cfg(feature = "web")]
pub(crate) use ui::{leaving, load_page};
pub use ui::{
    use_session_provider, Invite, Login, SessionContext, Setup, UserMenu, WorkspaceSwitcher,
};

use serde::{Deserialize, Serialize};

/// What a member may do in a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including who belongs to the workspace.
    Admin,
    /// Runs the fleet: decides approvals, changes shared settings.
    Operator,
    /// Looks: cannot decide approvals or change anything shared.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Operator, Role::Viewer];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }

    /// Reads the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Whether it may change what the whole workspace shares (workspace settings, approvals).
    pub fn can_change_shared(self) -> bool {
        matches!(self, Role::Admin | Role::Operator)
    }

    /// Whether it may add members or change their roles.
    pub fn can_manage_members(self) -> bool {
        self == Role::Admin
    }
}

/// A user, as others may see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Stable id.
    pub id: String,
    /// Sign-in address.
    pub email: String,
}

/// A workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A workspace the user belongs to, with their role in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceRole {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The user's role there.
    pub role: Role,
}

/// `GET /api/auth/me` (and the answer to signup, login and switch): who is signed in, where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    /// The user.
    pub user: User,
    /// The current workspace.
    pub workspace: Workspace,
    /// The user's role in it.
    pub role: Role,
    /// Every workspace the user belongs to.
    pub workspaces: Vec<WorkspaceRole>,
}

/// `POST /api/auth/signup`: a new user with a new workspace they administer.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// Sign-in address.
    pub email: String,
    /// At least [`MIN_PASSWORD_CHARS`] characters.
    pub password: String,
    /// The new workspace's name.
    pub workspace: String,
}

/// `POST /api/auth/login`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Sign-in address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /api/auth/workspace`: switch the session to another of the user's workspaces.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SwitchWorkspace {
    /// Where to go.
    pub workspace_id: String,
}

/// Who may create an account (`FLIGHTDECK_SIGNUP`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignupMode {
    /// Only through an admin's invitation (the default).
    #[default]
    Invite,
    /// Anyone who reaches the server, each with a workspace of their own.
    Open,
    /// Nobody new: existing accounts only (they may still accept invitations).
    Closed,
}

impl SignupMode {
    /// The variable's value for this mode.
    pub fn as_str(self) -> &'static str {
        match self {
            SignupMode::Invite => "invite",
            SignupMode::Open => "open",
            SignupMode::Closed => "closed",
        }
    }
}

/// `GET /api/auth/options`: what the sign-in page offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthOptions {
    /// Who may create an account.
    pub signup: SignupMode,
}

/// `POST /api/auth/signup` answer with `FLIGHTDECK_SIGNUP=open` (202): the same whether the
/// email was free or taken, so sign-up does not tell who has an account; sign in next.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignupAccepted {
    /// What happens next.
    pub message: String,
}

/// Fewest characters a new password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Most characters a password may have (hashing cost stays bounded).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Why account input was refused: each names the field, for a 400 answer.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum InputError {
    /// The email is not an address.
    #[error("email must be an address such as ada@example.com")]
    Email,
    /// The password is too short or too long.
    #[error("password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")]
    Password,
    /// The workspace name is empty or too long.
    #[error("workspace must be a name of 1 to 80 characters")]
    WorkspaceName,
}

impl InputError {
    /// The field it is about.
    pub fn field(&self) -> &'static str {
        match self {
            InputError::Email => "email",
            InputError::Password => "password",
            InputError::WorkspaceName => "workspace",
        }
    }
}

/// A normalised (trimmed, lower-case) email address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Checks the shape of an address: one `@` with text on both sides, a dot in the domain,
    /// no spaces, at most 254 characters.
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let email = raw.trim().to_lowercase();
        let ok = email.len() <= 254
            && !email.chars().any(char::is_whitespace)
            && matches!(email.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.contains('@') && domain.contains('.')
                    && !domain.starts_with('.') && !domain.ends_with('.'));
        if ok {
            Ok(Self(email))
        } else {
            Err(InputError::Email)
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password acceptable for a new account.
pub struct NewPassword(String);

impl NewPassword {
    /// Checks its length in characters.
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let chars = raw.chars().count();
        if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InputError::Password)
        }
    }

    /// The password.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A workspace name: trimmed, 1 to 80 characters.
pub fn parse_workspace_name(raw: &str) -> Result<String, InputError> {
    let name = raw.trim();
    if (1..=80).contains(&name.chars().count()) {
        Ok(name.to_owned())
    } else {
        Err(InputError::WorkspaceName)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a b@x.io",
            "a@@x.io",
            "a@x.io.",
        ] {
            assert_eq!(Email::parse(bad), Err(InputError::Email), "{bad:?}");
        }
    }

    #[test]
    fn passwords_are_counted_in_characters() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("ééééééé").is_err());
        assert!(NewPassword::parse("éééééééé").is_ok());
        assert!(NewPassword::parse(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }

    #[test]
    fn roles_say_what_they_may_do() {
        assert!(Role::Admin.can_manage_members() && Role::Admin.can_change_shared());
        assert!(Role::Operator.can_change_shared() && !Role::Operator.can_manage_members());
        assert!(!Role::Viewer.can_change_shared() && !Role::Viewer.can_manage_members());
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn workspace_names_are_trimmed_and_bounded() {
        assert_eq!(parse_workspace_name("  Ops ").unwrap(), "Ops");
        assert!(parse_workspace_name("   ").is_err());
        assert!(parse_workspace_name(&"w".repeat(81)).is_err());
    }
}
