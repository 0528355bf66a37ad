//! The UI kit: the looks every page shares (buttons, fields, cards, badges), so a page names
//! what it shows and a change of style is made once. Plain class strings, which Tailwind finds
//! here (`tailwind.config.js` scans `src/**/*.rs`) and which cost the wasm nothing per use.

/// A secondary button (or a link styled as one).
pub const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800";

/// A secondary button in a dense row (a table, a toolbar).
pub const BUTTON_SMALL: &str = "rounded-md border border-slate-300 px-2.5 py-1 text-sm font-medium hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-600 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800";

/// The one main action of a form, full width.
pub const PRIMARY: &str = "inline-flex w-full justify-center rounded-md bg-sky-700 px-4 py-2 text-sm font-medium text-white hover:bg-sky-800 disabled:opacity-60 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600";

/// A text field or select on its own line, under its label.
pub const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";

/// A text field or select inline in a row of controls.
pub const FIELD: &str = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-950";

/// A bordered panel: a settings section, a sign-in card.
pub const CARD: &str = "rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900";

/// Secondary text.
pub const MUTED: &str = "text-slate-500 dark:text-slate-400";

/// A small label: add its colours (`{BADGE} bg-amber-100 text-amber-900`).
pub const BADGE: &str = "rounded px-1.5 py-0.5 text-xs font-medium";

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The `for` loops in `rsx!` whose body is a block (`for … { { let …; rsx! {…} } }`), as
    /// `file:line`, in every file under `dir` that uses `rsx!`.
    fn block_bodied_loops(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                block_bodied_loops(&path, found);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if path.extension().is_none_or(|ext| ext != "rs") || !text.contains("rsx!") {
                continue;
            }
            let lines: Vec<&str> = text.lines().map(str::trim).collect();
            for (i, pair) in lines.windows(2).enumerate() {
                if pair[0].starts_with("for ") && pair[0].ends_with('{') && pair[1] == "{" {
                    found.push(format!("{}:{}", path.display(), i + 1));
                }
            }
        }
    }

    #[test]
    fn list_loops_are_keyed_by_their_rows() {
        // A loop whose body is a block makes each row an unkeyed wrapper around the keyed element:
        // Dioxus then compares the rows by position and rebuilds each one whose key moved
        // (docs/decisions.md, "Rows that re-render keep their elements"). Compute the row's values
        // in helpers or in the iterator, and make the keyed element the loop's body.
        let mut found = Vec::new();
        block_bodied_loops(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(found.is_empty(), "block-bodied rsx loops: {found:?}");
    }
}
