//! The Content-Security-Policy of a rendered page: scripts only from this origin, the wasm
//! allowed to compile (`'wasm-unsafe-eval'`), and each inline script the server itself wrote
//! into that very page (the template's pre-paint and service-worker scripts, Dioxus's streaming
//! bootstrap and its hydration data) by its SHA-256. A script inside the rendered app (where a
//! `dangerous_inner_html` could have let one through) is not among them, nor one added later,
//! so neither runs. No `'unsafe-eval'`: nothing may build code from strings.

use base64::Engine;
use sha2::{Digest, Sha256};

/// Where Dioxus mounts the app: the template's own HTML comes before it.
const ROOT: &str = r#"<div id="main">"#;
/// The script Dioxus writes right after the app's HTML; the template's own HTML follows it.
const HYDRATION: &str = "<script>window.initial_dioxus_hydration_data=";

/// The policy of a page whose HTML is `html`.
pub fn page_policy(html: &str) -> String {
    let hashes: String = trusted_scripts(html)
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

/// The inline scripts of `html` that the server wrote: those of the template (before the app's
/// root and from Dioxus's hydration data on), and Dioxus's streaming bootstrap, the first thing
/// in the root. Not those in the app's HTML between them. The hydration data is found by its
/// last occurrence: the app's HTML comes before it, so text there cannot move it. A page not
/// built that way (no root) is all the server's.
fn trusted_scripts(html: &str) -> impl Iterator<Item = &str> {
    let app = html.find(ROOT).map(|root| {
        let inside = root + ROOT.len();
        // Dioxus's bootstrap: the root's first child, up to its closing tag.
        let start = match html[inside..].strip_prefix("<script>") {
            Some(rest) => rest.find("</script>").map_or(inside, |close| {
                inside + "<script>".len() + close + "</script>".len()
            }),
            None => inside,
        };
        let end = html
            .rfind(HYDRATION)
            .filter(|end| *end >= start)
            .unwrap_or(html.len());
        (start, end)
    });
    let (before, after) = match app {
        Some((start, end)) => (&html[..start], &html[end..]),
        None => (html, ""),
    };
    inline_scripts(before).chain(inline_scripts(after))
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
    fn scripts_inside_the_rendered_app_are_not_trusted() {
        let html = concat!(
            "<head><script>theme()</script></head><body>",
            r#"<div id="main"><script>window.dx_hydrate=boot</script>"#,
            "<p>an agent's name:</p><script>steal()</script>",
            "<script>window.initial_dioxus_hydration_data=\"fake\";steal()</script>",
            "</div>",
            r#"<script>window.initial_dioxus_hydration_data="AAE=";</script>"#,
            "<script>register_sw()</script></body>",
        );
        let trusted: Vec<&str> = trusted_scripts(html).collect();
        assert_eq!(
            trusted,
            [
                "theme()",
                "window.dx_hydrate=boot",
                r#"window.initial_dioxus_hydration_data="AAE=";"#,
                "register_sw()"
            ]
        );
        let policy = page_policy(html);
        // Neither of the app's scripts is allowed by its hash.
        let steal = Sha256::digest(b"steal()");
        let steal = base64::engine::general_purpose::STANDARD.encode(steal);
        assert!(!policy.contains(&steal), "{policy}");
        // A page without the app's root is all the server's.
        assert_eq!(trusted_scripts("<script>a()</script>").count(), 1);
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
