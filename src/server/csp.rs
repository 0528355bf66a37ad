//! The Content-Security-Policy of a rendered page: scripts only from this origin, the wasm
//! allowed to compile (`'wasm-unsafe-eval'`), and each inline script of that very page (the
//! pre-paint theme script, Dioxus's streaming bootstrap and its hydration data) by its SHA-256,
//! so an injected script never runs. No `'unsafe-eval'`: nothing may build code from strings.

use base64::Engine;
use sha2::{Digest, Sha256};

/// The policy of a page whose HTML is `html`.
pub fn page_policy(html: &str) -> String {
    let hashes: String = inline_scripts(html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The text of every `<script>` without a `src`, exactly as it stands between its tags (what
/// a browser hashes).
pub fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || loop {
        let start = rest.find("<script")?;
        let after_name = &rest[start + "<script".len()..];
        // `<scripts>` or `<script-x>` is another element.
        if !after_name.starts_with(['>', ' ', '\t', '\n', '\r', '/']) {
            rest = after_name;
            continue;
        }
        let tag_end = after_name.find('>')?;
        let attributes = &after_name[..tag_end];
        let body = &after_name[tag_end + 1..];
        let close = body.find("</script>")?;
        rest = &body[close + "</script>".len()..];
        if !has_src(attributes) {
            return Some(&body[..close]);
        }
    })
}

fn has_src(attributes: &str) -> bool {
    attributes
        .split(|c: char| c.is_ascii_whitespace())
        .any(|part| part.to_ascii_lowercase().starts_with("src="))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_inline_script_is_found_and_external_ones_are_not() {
        let html = r#"<head><script>var a = 1;</script><script type="module" src="/x.js"></script>
            <script type="module">import("/y.js")</script></head><body><noscript>x</noscript>
            <scripts>not one</scripts><script>window.d="&lt;/b&gt;";</script></body>"#;
        let found: Vec<&str> = inline_scripts(html).collect();
        assert_eq!(
            found,
            [
                "var a = 1;",
                r#"import("/y.js")"#,
                r#"window.d="&lt;/b&gt;";"#
            ]
        );
        assert_eq!(inline_scripts("<p>no scripts</p>").count(), 0);
        assert_eq!(inline_scripts("<script>unclosed").count(), 0);
    }

    #[test]
    fn the_policy_names_each_inline_script_by_its_hash() {
        // The hash a browser reports for `alert(1)` (echo -n 'alert(1)' | openssl sha256 -binary | base64).
        let policy = page_policy("<script>alert(1)</script>");
        assert!(
            policy.contains("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"),
            "{policy}"
        );
        assert!(policy.contains("'wasm-unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("'unsafe-eval'"));
        assert!(!policy.contains("script-src 'self' 'unsafe-inline'"));
    }
}
