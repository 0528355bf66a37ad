//! Secrets people put in URLs (`https://user:token@host/…`, `?api_key=…`) kept out of the audit
//! log and away from members who are not admins: the credentials and every query value become
//! `***`, the rest stays readable.

/// `url` with its user information, query values and fragment replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let (before_fragment, fragment) = match rest.split_once('#') {
        Some((before, _)) => (before, Some("***")),
        None => (rest, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (before_fragment, None),
    };
    let authority_end = before_query.find('/').unwrap_or(before_query.len());
    let (authority, path) = before_query.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => authority.to_owned(),
    };
    let mut out = match scheme {
        Some(scheme) => format!("{scheme}://{authority}{path}"),
        None => format!("{authority}{path}"),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) => format!("{name}=***"),
                None if pair.is_empty() => String::new(),
                None => "***".to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_query_values_are_hidden() {
        assert_eq!(
            redact_url("https://ada:s3cret@mcp.example.com:8443/mcp?token=abc&x=1#frag"),
            "https://***@mcp.example.com:8443/mcp?token=***&x=***#***"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:9000/health"),
            "http://127.0.0.1:9000/health"
        );
        assert_eq!(redact_url("http://host/p?flag"), "http://host/p?***");
        // An @ in the path is not user information.
        assert_eq!(redact_url("http://host/a@b"), "http://host/a@b");
    }
}
