//! The source's layout, read from `src/`: `state.rs` imports no file that imports it back (the
//! shared state is what the handlers hang from, not a knot they are tied into), and background
//! jobs call domain services, never handler modules (`api.rs`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

/// Every non-test `.rs` file under `src/`, relative to it, with its text up to its unit tests.
fn sources() -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|ext| ext == "rs")
                && !path.to_string_lossy().ends_with("tests.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text
                    .split("#[cfg(test)]\nmod tests")
                    .next()
                    .unwrap_or_default();
                out.insert(path.strip_prefix(root).unwrap().to_owned(), code.to_owned());
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The module a file is (`fleet/api.rs` → `fleet::api`, `fleet/mod.rs` → `fleet`).
fn module_of(file: &Path) -> Vec<String> {
    let mut parts: Vec<String> = file
        .with_extension("")
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        parts.pop();
    }
    parts
}

/// The file a path names: the deepest `a/b.rs` or `a/b/mod.rs` along it that exists.
fn file_of(files: &BTreeMap<PathBuf, String>, parts: &[String]) -> Option<PathBuf> {
    let mut found = None;
    for end in 1..=parts.len() {
        let dir: PathBuf = parts[..end].iter().collect();
        let (flat, nested) = (dir.with_extension("rs"), dir.join("mod.rs"));
        match [flat, nested].into_iter().find(|f| files.contains_key(f)) {
            Some(file) => found = Some(file),
            None => break,
        }
    }
    found
}

/// The paths `code` names from `crate::`, `super::` or `self::`, a `{…}` group expanded one level.
fn paths(code: &str) -> Vec<(String, Vec<String>)> {
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let mut found = Vec::new();
    for start in ["crate::", "super::", "self::"] {
        for (at, _) in code.match_indices(start) {
            if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &code[at..];
            let head: String = rest.chars().take_while(|c| ident(*c)).collect();
            let mut entries = vec![head.trim_end_matches(':').to_owned()];
            if let Some(group) = rest[head.len()..].strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                for entry in group.split(',') {
                    let entry: String = entry.trim().chars().take_while(|c| ident(*c)).collect();
                    if !entry.is_empty() {
                        entries.push(format!("{head}{entry}"));
                    }
                }
            }
            for entry in entries {
                let mut parts = entry.split("::").map(str::to_owned);
                let anchor = parts.next().unwrap();
                found.push((anchor, parts.filter(|p| !p.is_empty()).collect()));
            }
        }
    }
    found
}

/// Each file and the other files it imports.
fn imports() -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let files = sources();
    let mut graph = BTreeMap::new();
    for (file, code) in &files {
        let here = module_of(file);
        let mut deps = BTreeSet::new();
        for (anchor, rest) in paths(code) {
            let mut base = match anchor.as_str() {
                "crate" => Vec::new(),
                "super" => here[..here.len().saturating_sub(1)].to_vec(),
                _ => here.clone(),
            };
            base.extend(rest);
            if let Some(dep) = file_of(&files, &base).filter(|dep| dep != file) {
                deps.insert(dep);
            }
        }
        graph.insert(file.clone(), deps);
    }
    graph
}

/// A chain of imports from `from` to `to`, when there is one.
fn chain(
    graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
    from: &Path,
    to: &Path,
) -> Option<Vec<PathBuf>> {
    let mut came_from: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    let mut queue = VecDeque::from([from.to_owned()]);
    while let Some(file) = queue.pop_front() {
        for dep in graph.get(&file).into_iter().flatten() {
            if dep == to {
                let mut path = vec![dep.clone(), file.clone()];
                while let Some(prev) = came_from.get(path.last().unwrap()) {
                    path.push(prev.clone());
                }
                path.reverse();
                return Some(path);
            }
            if dep != from && !came_from.contains_key(dep) {
                came_from.insert(dep.clone(), file.clone());
                queue.push_back(dep.clone());
            }
        }
    }
    None
}

#[test]
fn the_shared_state_imports_nothing_that_imports_it() {
    let graph = imports();
    let state = Path::new("state.rs");
    assert!(
        graph[state].len() > 5,
        "state.rs's imports were read: {:?}",
        graph[state]
    );
    let knots: Vec<String> = graph[state]
        .iter()
        .filter_map(|dep| chain(&graph, dep, state))
        .map(|path| {
            path.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" → ")
        })
        .collect();
    assert!(
        knots.is_empty(),
        "state.rs → {}",
        knots.join("\nstate.rs → ")
    );
}

#[test]
fn background_jobs_call_services_not_handlers() {
    let graph = imports();
    // What `server::serve` spawns beside the listener.
    for job in [
        "agents/health.rs",
        "analytics/schedule.rs",
        "approvals/deadlines.rs",
    ] {
        let handlers: Vec<_> = graph[Path::new(job)]
            .iter()
            .filter(|dep| dep.file_name().is_some_and(|name| name == "api.rs"))
            .collect();
        assert!(
            handlers.is_empty(),
            "{job} imports handler modules: {handlers:?}"
        );
    }
}
