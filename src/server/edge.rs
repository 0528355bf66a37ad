//! The edge every request passes: the Host allowlist against DNS rebinding (421), cross-origin
//! protection of unsafe methods the way Go 1.25's `CrossOriginProtection` decides (403), and the
//! security headers of every answer (pages get their own script hashes, see [`super::csp`]).

use crate::config::Config;
use crate::http::ApiError;
use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, UPGRADE,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;
use std::sync::Arc;

/// The CSP of everything but pages and scripts (JSON, files): nothing may load from it or frame it.
const NOT_A_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// The CSP of a script, which matters when it runs as a worker (the service worker fetches
/// from this origin).
const SCRIPT_CSP: &str = "default-src 'self'; frame-ancestors 'none'";
/// What the app never uses, denied to every page.
const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), usb=(), payment=(), display-capture=()";

/// Who may reach the server and whose pages may write to it.
#[derive(Clone, Debug)]
pub struct Edge {
    /// `host` or `host:port`, lower-case: the public URL's and `FLIGHTDECK_ALLOWED_HOSTS`.
    hosts: Vec<String>,
    /// Origins whose pages may send unsafe requests besides the server's own.
    origins: Vec<String>,
    /// HTTPS only: send HSTS.
    hsts: bool,
}

impl Edge {
    /// The edge of a server configured by `config`, listening on `config.addr` (the bound port).
    pub fn new(config: &Config) -> Self {
        let security = &config.security;
        let mut hosts = security.allowed_hosts.clone();
        let mut origins = Vec::new();
        if let Some(origin) = &security.public_origin {
            if let Some((_, authority)) = origin.split_once("://") {
                hosts.push(authority.to_owned());
            }
            origins.push(origin.clone());
        }
        let port = config.addr.port();
        for name in ["localhost", "127.0.0.1", "[::1]"] {
            origins.push(format!("http://{name}:{port}"));
        }
        Self {
            hosts,
            origins,
            hsts: config.secure_cookies,
        }
    }

    /// Whether a request's `Host` may be answered: loopback names and IP literals (a rebinding
    /// page always reaches us under a name of its own), the public URL's host and the allowed
    /// hosts. An entry without a port allows any port.
    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let name = strip_port(&host);
        if name == "localhost" || is_ip_literal(name) {
            return true;
        }
        self.hosts
            .iter()
            .any(|allowed| allowed == &host || (!has_port(allowed) && allowed == name))
    }

    /// Whether an unsafe request may go on: not a browser's cross-origin one. A WebSocket
    /// handshake counts as unsafe (a page of another site must not drive a signed-in user's
    /// socket). Requests carrying `Authorization` (agents' bearer tokens; a browser cannot add
    /// one cross-origin without a preflight this server never grants) pass.
    pub fn write_allowed(&self, method: &Method, headers: &HeaderMap) -> bool {
        let websocket = headers
            .get(UPGRADE)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) && !websocket {
            return true;
        }
        if headers.contains_key(axum::http::header::AUTHORIZATION) {
            return true;
        }
        let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
        let trusted = |origin: Option<&str>| {
            origin.is_some_and(|origin| {
                let origin = origin.to_ascii_lowercase();
                self.origins.contains(&origin) || same_as_host(&origin, headers)
            })
        };
        match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
            Some("same-origin" | "none") => true,
            Some(_) => trusted(origin),
            // No Sec-Fetch-Site: an old browser or not a browser. Without Origin it is not a
            // browser's cross-origin request.
            None => origin.is_none() || trusted(origin),
        }
    }
}

/// Whether `origin` (`scheme://authority`) names the host the request was sent to.
fn same_as_host(origin: &str, headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    authority.is_some_and(|authority| authority == host.to_ascii_lowercase())
}

fn has_port(host: &str) -> bool {
    strip_port(host) != host
}

/// `host` without `:port` (brackets of an IPv6 literal kept).
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

fn is_ip_literal(name: &str) -> bool {
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().is_ok()
}

/// Paths a load balancer probes by the instance's address: answered whatever the Host.
fn is_probe(path: &str) -> bool {
    path == "/healthz" || path == "/readyz"
}

/// The middleware: 421 for a Host this server does not answer to, 403 for a cross-origin write,
/// and the security headers on every answer.
pub async fn guard(State(edge): State<Arc<Edge>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let mut response = if !is_probe(request.uri().path()) && !edge.host_allowed(&host) {
        tracing::debug!(%host, "refused a request for another host");
        ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "this server does not answer to that host name; its operator can add it with FLIGHTDECK_PUBLIC_URL or FLIGHTDECK_ALLOWED_HOSTS",
        )
        .into_response()
    } else if !edge.write_allowed(request.method(), request.headers()) {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "cross-origin request refused: changes are only accepted from this site's own pages",
        )
        .into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    let is_script = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|kind| kind.contains("javascript"));
    let policy = if is_script {
        SCRIPT_CSP
    } else {
        NOT_A_PAGE_CSP
    };
    set(headers, CONTENT_SECURITY_POLICY, policy);
    set(headers, X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, X_FRAME_OPTIONS, "DENY");
    set(headers, REFERRER_POLICY, "same-origin");
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    );
    if edge.hsts {
        set(headers, STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn edge(vars: &[(&str, &str)]) -> Edge {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        let mut config = Config::from_lookup(|name| map.get(name).map(|v| v.to_string())).unwrap();
        config.addr.set_port(8080);
        Edge::new(&config)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn loopback_names_ip_literals_and_configured_hosts_are_answered() {
        let edge = edge(&[
            ("FLIGHTDECK_PUBLIC_URL", "https://ops.example.com"),
            ("FLIGHTDECK_ALLOWED_HOSTS", "internal:9000"),
        ]);
        for host in [
            "localhost:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
            "10.0.0.5:8080",
            "ops.example.com",
            "OPS.example.com:443",
            "internal:9000",
        ] {
            assert!(edge.host_allowed(host), "{host}");
        }
        for host in [
            "evil.example",
            "rebind.evil.example:8080",
            "internal:9001",
            "ops.example.com.evil.example",
            "",
            "localhost.evil.example",
        ] {
            assert!(!edge.host_allowed(host), "{host}");
        }
    }

    #[test]
    fn cross_origin_writes_are_refused_as_go_decides() {
        let edge = edge(&[("FLIGHTDECK_PUBLIC_URL", "https://ops.example.com")]);
        let post = Method::POST;
        let allowed = |pairs: &[(&'static str, &str)]| edge.write_allowed(&post, &headers(pairs));
        // Safe methods and non-browser clients pass.
        assert!(edge.write_allowed(&Method::GET, &headers(&[("sec-fetch-site", "cross-site")])));
        assert!(allowed(&[]));
        assert!(allowed(&[
            ("authorization", "Bearer t"),
            ("sec-fetch-site", "cross-site")
        ]));
        // The browser says where the request comes from.
        assert!(allowed(&[("sec-fetch-site", "same-origin")]));
        assert!(allowed(&[("sec-fetch-site", "none")]));
        assert!(!allowed(&[("sec-fetch-site", "cross-site")]));
        assert!(!allowed(&[
            ("sec-fetch-site", "same-site"),
            ("origin", "https://sibling.example.com")
        ]));
        assert!(allowed(&[
            ("sec-fetch-site", "same-site"),
            ("origin", "https://ops.example.com")
        ]));
        // Older browsers: by Origin against the allowed set and the request's own Host.
        assert!(allowed(&[("origin", "http://127.0.0.1:8080")]));
        assert!(allowed(&[
            ("origin", "http://10.0.0.5:8080"),
            ("host", "10.0.0.5:8080")
        ]));
        assert!(!allowed(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:8080")
        ]));
        assert!(!allowed(&[("origin", "null"), ("host", "127.0.0.1:8080")]));
        // A WebSocket handshake is a GET held to the same rule.
        let socket = |pairs: &[(&'static str, &str)]| {
            let mut pairs = pairs.to_vec();
            pairs.push(("upgrade", "websocket"));
            edge.write_allowed(&Method::GET, &headers(&pairs))
        };
        assert!(socket(&[("origin", "http://127.0.0.1:8080")]));
        assert!(socket(&[]), "not a browser");
        assert!(!socket(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:8080")
        ]));
        assert!(!socket(&[
            ("origin", "http://127.0.0.1:8080.evil.example"),
            ("host", "127.0.0.1:8080")
        ]));
        assert!(!socket(&[("sec-fetch-site", "cross-site")]));
    }
}
