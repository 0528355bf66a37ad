//! The UI's shape. It decodes answers through the shared models, never by walking
//! `serde_json::Value` by hand: no `.get("field")`, `["field"]`, `.as_i64()`, `Value::as_str`… in
//! the pages (`src/**/ui.rs`, `src/**/ui/`), the widgets' views and the analytics view. Pages
//! call the API only through server functions (loads through the one loader hook, given a
//! server function's typed load), and their components and hooks stay small. A reader by hand
//! may live only in one named module ([`READER`], none today), beside round-trip tests against
//! its model.

use std::path::{Path, PathBuf};

/// The one module allowed to read JSON by hand (relative to `src/`), when the browser's bytes
/// force one; none today.
const READER: Option<&str> = None;

/// The UI's files besides the pages' `ui.rs`.
const UI_FILES: [&str; 1] = ["widgets/views.rs"];
/// The UI's folders (every file in them).
const UI_FOLDERS: [&str; 1] = ["analytics/view"];

/// What reads a `Value` by hand: its accessors and the fleet item's raw data.
const READS: [&str; 16] = [
    "Value::as_",
    "Value::is_",
    "Value::get",
    "Value::pointer",
    ".as_i64(",
    ".as_u64(",
    ".as_f64(",
    ".as_bool(",
    ".as_array(",
    ".as_object(",
    ".as_null(",
    ".is_null(",
    ".pointer(",
    ".data.get(",
    ".data[",
    "from_value::<Value>",
];

/// Whether `line` indexes by a string key (`now["servers"]`) or gets one (`v.get("id")`), other
/// than from a saved filter's `values` (a map of strings, not JSON).
fn keyed(line: &str) -> bool {
    let bytes = line.as_bytes();
    let indexed = line.match_indices("[\"").any(|(at, _)| {
        let after = &line[at + 2..];
        let closes = after
            .find('"')
            .is_some_and(|end| after[end + 1..].starts_with(']'));
        let on_something = at > 0
            && (bytes[at - 1].is_ascii_alphanumeric()
                || matches!(bytes[at - 1], b'_' | b')' | b']'));
        closes && on_something
    });
    let got = line
        .match_indices(".get(\"")
        .any(|(at, _)| !line[..at].ends_with("values"));
    indexed || got
}

/// The hand reads in `code` (a file's text): line number and line.
pub fn hand_reads(code: &str) -> Vec<(usize, String)> {
    // Unit tests may build and read JSON as they like.
    let code = code.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim_start();
            !line.starts_with("//") && (READS.iter().any(|read| line.contains(read)) || keyed(line))
        })
        .map(|(n, line)| (n + 1, line.trim().to_owned()))
        .collect()
}

/// The UI's files under `src`, relative to it.
fn ui_files(src: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut all = Vec::new();
    walk(src, &mut all);
    let mut files: Vec<PathBuf> = all
        .into_iter()
        .map(|path| path.strip_prefix(src).unwrap().to_owned())
        .filter(|file| {
            let name = file.to_string_lossy().replace('\\', "/");
            name.ends_with("/ui.rs")
                || name.contains("/ui/")
                || UI_FILES.contains(&name.as_str())
                || UI_FOLDERS
                    .iter()
                    .any(|folder| name.starts_with(&format!("{folder}/")))
        })
        .filter(|file| READER.is_none_or(|reader| file != Path::new(reader)))
        .collect();
    files.sort();
    files
}

#[test]
fn the_ui_reads_no_json_by_hand() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = ui_files(&src);
    assert!(
        files.len() > 10 && files.iter().any(|f| f.ends_with("widgets/views.rs")),
        "{files:?}"
    );
    let found: Vec<String> = files
        .iter()
        .flat_map(|file| {
            let code = std::fs::read_to_string(src.join(file)).unwrap();
            hand_reads(&code)
                .into_iter()
                .map(move |(n, line)| format!("src/{}:{n}: {line}", file.display()))
        })
        .collect();
    assert!(
        found.is_empty(),
        "serde_json::Value read by hand in UI code (decode through the shared model: \
         a server function's typed answer, `FleetItem::data::<T>()`):\n{}",
        found.join("\n")
    );
}

/// The check finds what the pages did before they decoded the models, and lets typed code by.
#[test]
fn the_check_tells_hand_reads_from_typed_code() {
    for read in [
        r#"v.get(key).and_then(Value::as_str).unwrap_or_default()"#,
        r#"timestamp: v.get("timestamp").and_then(Value::as_i64),"#,
        r#"let approval = answer.get("approval").cloned().unwrap_or(answer);"#,
        r#"span { "{now["health"]["summary"].as_str().unwrap_or("")}" }"#,
        r#"Some(Ok(now)) if now["servers"].as_array().is_none_or(Vec::is_empty) => rsx! {"#,
        r#"c.data.get("state")"#,
        r#"let resolved = item.data["resolved"].as_bool().unwrap_or(false);"#,
        r#"let delta = data["delta"].as_f64();"#,
        r#"let totals = report.get("totals").cloned().unwrap_or_default();"#,
    ] {
        assert_eq!(hand_reads(read).len(), 1, "not found: {read}");
    }
    for typed in [
        r#"let answer = call::<AuditPage>("GET", &path, None).await;"#,
        r#"let wanted = saved().values.get("health").cloned().unwrap_or_default();"#,
        r#"for (value, label) in [("", "Any health"), ("healthy", "Healthy")] {"#,
        r#"fields.set(["", "", "allow"].map(String::from));"#,
        r#"span { "{now.health.summary}" }"#,
        r#"let check = item.data::<HealthResult>();"#,
        r#"// an old note: v.get("id").and_then(Value::as_str)"#,
        "#[cfg(test)]\nmod tests { fn t() { v[\"x\"].as_i64(); } }",
    ] {
        assert!(hand_reads(typed).is_empty(), "flagged: {typed}");
    }
}

/// What a page must not write itself: the request function, a method and a path, or a load
/// made from a path.
const HAND_REQUESTS: [&str; 4] = ["(\"GET\"", "http::call", "call::<", "Load::new("];

/// The requests by hand in `code`: an API call from a page that is not a server function (its
/// typed call, or its `server_fns::load::…` given to the one loader hook `http::use_api`, which
/// the server answers while it renders the page, so the HTML holds the data, and which drops
/// stale answers and retries).
pub fn hand_loads(code: &str) -> Vec<(usize, String)> {
    let code = code.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim_start();
            !line.starts_with("//") && HAND_REQUESTS.iter().any(|hand| line.contains(hand))
        })
        .map(|(n, line)| (n + 1, line.trim().to_owned()))
        .collect()
}

#[test]
fn the_pages_load_through_the_one_loader_hook() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found: Vec<String> = ui_files(&src)
        .iter()
        .flat_map(|file| {
            let code = std::fs::read_to_string(src.join(file)).unwrap();
            hand_loads(&code)
                .into_iter()
                .map(move |(n, line)| format!("src/{}:{n}: {line}", file.display()))
        })
        .collect();
    assert!(
        found.is_empty(),
        "a page calls the API by hand (call the server function, or give its \
         `server_fns::load::…` to `http::use_api`: the server renders the page with its \
         answer):\n{}",
        found.join("\n")
    );
    assert_eq!(
        hand_loads(r#"let answer = call::<Vec<Agent>>("GET", "/api/agents", None).await;"#).len(),
        1
    );
    for hand in [
        r#"crate::http::call::<Value>("PUT", path, None)"#,
        r#"let agents = use_api(|| Load::new("/api/agents".into()))?;"#,
    ] {
        assert_eq!(hand_loads(hand).len(), 1, "not found: {hand}");
    }
    for typed in [
        r#"let agents = use_api(server_fns::load::list)?;"#,
        r#"let answer = server_fns::approve(id, MaybeJson(decision)).await;"#,
        r#"Some(query) => load::report(QueryParams(query)),"#,
        r#"None => Load::nothing(),"#,
    ] {
        assert!(hand_loads(typed).is_empty(), "flagged: {typed}");
    }
}

/// The longest a page's component or hook may be, in lines from its `fn` to its closing brace.
const LONGEST: usize = 120;

/// The components (`#[component]`) and hooks (`fn use_…`) of `code` at the top level, with their
/// lengths in lines.
pub fn component_lengths(code: &str) -> Vec<(String, usize)> {
    let code = code.split("#[cfg(test)]").next().unwrap_or_default();
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let Some(signature) = ["pub fn ", "pub(crate) fn ", "pub(super) fn ", "fn "]
            .iter()
            .find_map(|start| line.strip_prefix(start))
        else {
            continue;
        };
        let name: String = signature
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let component = at > 0
            && lines[..at]
                .iter()
                .rev()
                .take(3)
                .any(|l| l.trim() == "#[component]");
        if !(component || name.starts_with("use_")) {
            continue;
        }
        if let Some(end) = lines[at..].iter().position(|l| *l == "}") {
            found.push((name, end + 1));
        }
    }
    found
}

#[test]
fn page_components_and_hooks_are_small() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let long: Vec<String> = ui_files(&src)
        .iter()
        .flat_map(|file| {
            let code = std::fs::read_to_string(src.join(file)).unwrap();
            component_lengths(&code)
                .into_iter()
                .filter(|(_, lines)| *lines > LONGEST)
                .map(move |(name, lines)| format!("src/{}: {name} ({lines} lines)", file.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these into named sub-components and hooks (at most {LONGEST} lines each):\n{}",
        long.join("\n")
    );
    let sample = "#[component]\npub fn Page() -> Element {\n    rsx! {}\n}\nfn use_thing() {\n}\nfn helper() {\n}\n#[component]\npub(super) fn Part() -> Element {\n}\n";
    assert_eq!(
        component_lengths(sample),
        [
            ("Page".to_owned(), 3),
            ("use_thing".to_owned(), 2),
            ("Part".to_owned(), 2)
        ]
    );
}
