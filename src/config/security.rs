//! The security settings: who may create accounts, where the first admin comes from, which
//! public URL and host names the server answers to, how long sessions live, the audit key, the
//! metrics token and the operator's own MCP servers file.

use super::{parse, ranged, ConfigError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Who may create an account (`FLIGHTDECK_SIGNUP`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignupMode {
    /// Only through an admin's invitation (the default).
    #[default]
    Invite,
    /// Anyone who reaches the server, each with a workspace of their own.
    Open,
    /// Nobody: not even through an invitation (accounts come from the operator alone).
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

/// The security settings (see the README's "Security model").
#[derive(Clone, Debug, PartialEq)]
pub struct Security {
    /// Who may create an account (`FLIGHTDECK_SIGNUP`: `invite`, the default, `open` or `closed`).
    pub signup: SignupMode,
    /// The first admin of an empty store (`FLIGHTDECK_ADMIN_EMAIL` and
    /// `FLIGHTDECK_ADMIN_PASSWORD`, both or neither).
    pub first_admin: Option<FirstAdmin>,
    /// The origin users reach the server at (`FLIGHTDECK_PUBLIC_URL`, e.g.
    /// `https://ops.example.com`): its host is allowed, and it is the allowed origin of writes.
    pub public_origin: Option<String>,
    /// More host names the server answers to (`FLIGHTDECK_ALLOWED_HOSTS`, comma-separated
    /// `host` or `host:port`), beside the public URL's and the loopback names.
    pub allowed_hosts: Vec<String>,
    /// A session ends this long after sign-in, however active (`FLIGHTDECK_SESSION_MAX_AGE`,
    /// seconds, default 30 days).
    pub session_max_age: Duration,
    /// The audit chain's HMAC key (`FLIGHTDECK_AUDIT_KEY`, at least 32 characters); unset: a
    /// random key kept in [`Security::audit_key_file`], created at first start.
    pub audit_key: Option<String>,
    /// Where the audit key is kept when not given, and the chain heads beside it
    /// (`FLIGHTDECK_AUDIT_KEY_FILE`, default `FLIGHTDECK_DATA_DIR/audit.key`).
    pub audit_key_file: PathBuf,
    /// `GET /metrics` needs `Authorization: Bearer <this>` when set (`FLIGHTDECK_METRICS_TOKEN`).
    pub metrics_token: Option<String>,
    /// The operator's stdio MCP servers, in the `mcpServers` shape (`FLIGHTDECK_MCP_CONFIG`).
    pub mcp_config: Option<PathBuf>,
}

/// The first admin's credentials, from the environment.
#[derive(Clone, PartialEq)]
pub struct FirstAdmin {
    /// Their sign-in address.
    pub email: String,
    /// Their password.
    pub password: String,
}

impl std::fmt::Debug for FirstAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstAdmin")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

const DEFAULT_SESSION_MAX_AGE_SECS: u64 = 30 * 24 * 3600;

impl Security {
    /// Reads the security variables through `get` (empty values already count as unset).
    pub(super) fn from_lookup(
        get: &impl Fn(&str) -> Option<String>,
        data_dir: &Path,
    ) -> Result<Self, ConfigError> {
        let signup = match get("FLIGHTDECK_SIGNUP").as_deref().map(str::trim) {
            None | Some("invite") => SignupMode::Invite,
            Some("open") => SignupMode::Open,
            Some("closed") => SignupMode::Closed,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "FLIGHTDECK_SIGNUP",
                    value: other.to_owned(),
                    expected: "invite (accounts by an admin's invitation), open or closed",
                })
            }
        };
        let first_admin = match (
            get("FLIGHTDECK_ADMIN_EMAIL"),
            get("FLIGHTDECK_ADMIN_PASSWORD"),
        ) {
            (None, None) => None,
            (Some(email), Some(password)) => {
                let email = crate::auth::Email::parse(&email)
                    .map_err(|_| ConfigError::Invalid {
                        var: "FLIGHTDECK_ADMIN_EMAIL",
                        value: email.clone(),
                        expected: "an email address such as ops@example.com",
                    })?
                    .as_str()
                    .to_owned();
                if crate::auth::NewPassword::parse(&password).is_err() {
                    return Err(ConfigError::Invalid {
                        var: "FLIGHTDECK_ADMIN_PASSWORD",
                        value: "<hidden>".into(),
                        expected: "a password of 8 to 256 characters",
                    });
                }
                Some(FirstAdmin { email, password })
            }
            (Some(email), None) => {
                return Err(ConfigError::Invalid {
                    var: "FLIGHTDECK_ADMIN_EMAIL",
                    value: email,
                    expected: "to be set together with FLIGHTDECK_ADMIN_PASSWORD",
                })
            }
            (None, Some(_)) => {
                return Err(ConfigError::Invalid {
                    var: "FLIGHTDECK_ADMIN_PASSWORD",
                    value: "<hidden>".into(),
                    expected: "to be set together with FLIGHTDECK_ADMIN_EMAIL",
                })
            }
        };
        let public_origin = get("FLIGHTDECK_PUBLIC_URL")
            .map(|url| {
                origin_of(url.trim()).ok_or(ConfigError::Invalid {
                    var: "FLIGHTDECK_PUBLIC_URL",
                    value: url,
                    expected: "an http:// or https:// URL such as https://ops.example.com",
                })
            })
            .transpose()?;
        let allowed_hosts = match get("FLIGHTDECK_ALLOWED_HOSTS") {
            None => Vec::new(),
            Some(list) => {
                let hosts: Vec<String> = list
                    .split(',')
                    .map(|host| host.trim().to_ascii_lowercase())
                    .filter(|host| !host.is_empty())
                    .collect();
                if hosts.iter().any(|host| !is_host(host)) {
                    return Err(ConfigError::Invalid {
                        var: "FLIGHTDECK_ALLOWED_HOSTS",
                        value: list,
                        expected: "host names or host:port pairs separated by commas",
                    });
                }
                hosts
            }
        };
        let session_max_age = Duration::from_secs(ranged(
            get,
            "FLIGHTDECK_SESSION_MAX_AGE",
            "a whole number of seconds from 300 to 31536000 (a year)",
            300..=31_536_000,
            DEFAULT_SESSION_MAX_AGE_SECS,
        )?);
        let audit_key = get("FLIGHTDECK_AUDIT_KEY")
            .map(|key| {
                if key.len() >= 32 {
                    Ok(key)
                } else {
                    Err(ConfigError::Invalid {
                        var: "FLIGHTDECK_AUDIT_KEY",
                        value: "<hidden>".into(),
                        expected: "a secret of at least 32 characters (e.g. `openssl rand -hex 32`)",
                    })
                }
            })
            .transpose()?;
        let audit_key_file = get("FLIGHTDECK_AUDIT_KEY_FILE")
            .map_or_else(|| data_dir.join("audit.key"), PathBuf::from);
        let metrics_token = get("FLIGHTDECK_METRICS_TOKEN")
            .map(|token| {
                if token.len() >= 16 && !token.contains(char::is_whitespace) {
                    Ok(token)
                } else {
                    Err(ConfigError::Invalid {
                        var: "FLIGHTDECK_METRICS_TOKEN",
                        value: "<hidden>".into(),
                        expected: "a token of at least 16 characters without spaces",
                    })
                }
            })
            .transpose()?;
        let mcp_config = parse::<PathBuf>(
            get("FLIGHTDECK_MCP_CONFIG"),
            "FLIGHTDECK_MCP_CONFIG",
            "the path of a JSON file with {\"mcpServers\": {…}}",
        )?;
        Ok(Self {
            signup,
            first_admin,
            public_origin,
            allowed_hosts,
            session_max_age,
            audit_key,
            audit_key_file,
            metrics_token,
            mcp_config,
        })
    }
}

/// `scheme://host[:port]` of an http(s) URL, lower-cased, without path; `None` when it is not one.
pub fn origin_of(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    // Credentials in a public URL make no sense and hide the real host.
    if authority.contains('@') || !is_host(authority) {
        return None;
    }
    Some(format!("{scheme}://{authority}"))
}

/// Whether `text` is `host` or `host:port` (a name, an IPv4 address or a bracketed IPv6 one).
fn is_host(text: &str) -> bool {
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((v6, tail)) => {
                if v6.parse::<std::net::Ipv6Addr>().is_err() {
                    return false;
                }
                (v6, tail.strip_prefix(':'))
            }
            None => return false,
        },
        None => match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        },
    };
    let port_ok = port.is_none_or(|port| port.parse::<u16>().is_ok());
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == ':');
    port_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<Security, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        Security::from_lookup(
            &|name: &str| map.get(name).map(|v| v.to_string()),
            Path::new("data"),
        )
    }

    #[test]
    fn the_defaults_are_closed() {
        let security = read(&[]).unwrap();
        assert_eq!(security.signup, SignupMode::Invite);
        assert_eq!(security.first_admin, None);
        assert_eq!(security.public_origin, None);
        assert_eq!(security.session_max_age, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(security.audit_key_file, PathBuf::from("data/audit.key"));
        assert_eq!(security.metrics_token, None);
    }

    #[test]
    fn every_variable_is_read_and_checked() {
        let security = read(&[
            ("FLIGHTDECK_SIGNUP", "open"),
            ("FLIGHTDECK_ADMIN_EMAIL", "Ops@Example.com"),
            ("FLIGHTDECK_ADMIN_PASSWORD", "correct horse battery"),
            ("FLIGHTDECK_PUBLIC_URL", "https://Ops.Example.com/flightdeck"),
            ("FLIGHTDECK_ALLOWED_HOSTS", "flightdeck.internal, 10.0.0.5:8080"),
            ("FLIGHTDECK_SESSION_MAX_AGE", "3600"),
            ("FLIGHTDECK_AUDIT_KEY", &"k".repeat(32)),
            ("FLIGHTDECK_METRICS_TOKEN", "scrape-me-please-1234"),
            ("FLIGHTDECK_MCP_CONFIG", "/etc/flightdeck/mcp.json"),
        ])
        .unwrap();
        assert_eq!(security.signup, SignupMode::Open);
        assert_eq!(security.first_admin.unwrap().email, "ops@example.com");
        assert_eq!(
            security.public_origin.as_deref(),
            Some("https://ops.example.com")
        );
        assert_eq!(
            security.allowed_hosts,
            ["flightdeck.internal", "10.0.0.5:8080"]
        );
        assert_eq!(security.session_max_age, Duration::from_secs(3600));
        assert!(security.mcp_config.is_some());
        for (vars, named) in [
            (vec![("FLIGHTDECK_SIGNUP", "everyone")], "FLIGHTDECK_SIGNUP"),
            (
                vec![("FLIGHTDECK_ADMIN_EMAIL", "ops@example.com")],
                "FLIGHTDECK_ADMIN_EMAIL",
            ),
            (
                vec![("FLIGHTDECK_ADMIN_PASSWORD", "correct horse")],
                "FLIGHTDECK_ADMIN_PASSWORD",
            ),
            (
                vec![
                    ("FLIGHTDECK_ADMIN_EMAIL", "ops@example.com"),
                    ("FLIGHTDECK_ADMIN_PASSWORD", "short"),
                ],
                "FLIGHTDECK_ADMIN_PASSWORD",
            ),
            (
                vec![("FLIGHTDECK_PUBLIC_URL", "ops.example.com")],
                "FLIGHTDECK_PUBLIC_URL",
            ),
            (
                vec![("FLIGHTDECK_PUBLIC_URL", "https://user@ops.example.com")],
                "FLIGHTDECK_PUBLIC_URL",
            ),
            (
                vec![("FLIGHTDECK_ALLOWED_HOSTS", "a b")],
                "FLIGHTDECK_ALLOWED_HOSTS",
            ),
            (
                vec![("FLIGHTDECK_SESSION_MAX_AGE", "10")],
                "FLIGHTDECK_SESSION_MAX_AGE",
            ),
            (vec![("FLIGHTDECK_AUDIT_KEY", "short")], "FLIGHTDECK_AUDIT_KEY"),
            (
                vec![("FLIGHTDECK_METRICS_TOKEN", "short")],
                "FLIGHTDECK_METRICS_TOKEN",
            ),
        ] {
            let err = read(&vars).unwrap_err();
            assert!(err.to_string().starts_with(&format!("{named}=")), "{err}");
            assert!(
                !err.to_string().contains("correct horse") && !err.to_string().contains("short\""),
                "secrets are not echoed: {err}"
            );
        }
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            origin_of("http://127.0.0.1:8080/x?y").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin_of("https://[::1]:9/").as_deref(),
            Some("https://[::1]:9")
        );
        assert_eq!(origin_of("ftp://x"), None);
        assert_eq!(origin_of("http://"), None);
        assert_eq!(origin_of("http://a b"), None);
    }
}
