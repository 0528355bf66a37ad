// Where the bytes of the release wasm go: by crate, and by Flightdeck module, so every KB has an owner.
// The shipped wasm has no name section, so this rebuilds the same one with names: the release
// rustc output (left in the target dir by scripts/build.sh) through wasm-bindgen and wasm-opt -Oz
// as dx does, keeping names (-g), then twiggy lists every function and data segment by size.
// For the route-split build (the default) that is the whole app before dx splits it: every
// function once, whichever chunk it ships in.
// Code monomorphised for a Flightdeck type (a serde derive, a signal of it, its drop glue) is
// counted to the Flightdeck module that owns the type: that is the code the module costs.
// Used by scripts/size-report.mjs; alone:  node scripts/wasm-breakdown.mjs [rustc-output.wasm]
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";

const TARGET = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, ".cache", "flightdeck", "target");
// The default build's profile (`wasm-split`), else the one-wasm build's (`scripts/build.sh --whole`).
const PROFILES = ["wasm-split", "wasm-release"].map((profile) => join(TARGET, "wasm32-unknown-unknown", profile, "flightdeck.wasm"));
export const RUSTC_WASM = PROFILES.find((path) => existsSync(path)) ?? PROFILES[0];

const run = (cmd, args) => execFileSync(cmd, args, { maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "inherit"] });

/** The crate a (demangled) item belongs to, and for Flightdeck items the top-level module. */
export function owner(name) {
  // Anything mentioning a Flightdeck path is Flightdeck's: its own functions, and the generic code
  // instantiated for its types (`<flightdeck::x::T as serde::Serialize>`, `drop_in_place<flightdeck::…>`).
  const ours = name.match(/flightdeck(?:\[[0-9a-f]+\])?::([a-z_0-9]+)/);
  if (ours) return { crate: "flightdeck", module: ours[1] };
  if (/^(data|custom) |^"/.test(name) || name.startsWith("data segment") || name.startsWith("custom section")) {
    return { crate: name.startsWith("data") ? "(data segments)" : "(wasm sections)", module: null };
  }
  // `<A as B>::f` is A's when A is a path, else B's (a blanket impl for `T`, `&T`, `[T]`, ...).
  // v0 names carry a hash after the crate (`core[c5930c85a12de822]::`).
  const impl = name.match(/^<(.+?) as ([a-zA-Z_]\w*)(?:\[[0-9a-f]+\])?::/);
  const path = impl ? (/^&?(?:mut )?(?:dyn )?[a-zA-Z_]\w*(?:\[[0-9a-f]+\])?::/.test(impl[1]) ? impl[1] : `${impl[2]}::`) : name.replace(/^<+/, "");
  const crate = path.match(/^&?(?:mut )?(?:dyn )?([a-zA-Z_]\w*)(?:\[[0-9a-f]+\])?::/)?.[1];
  if (crate === "subsecond") return { crate: "subsecond (event handlers, mostly Flightdeck's)", module: null };
  if (crate) return { crate: ["core", "alloc", "std"].includes(crate) ? "std (core, alloc, std)" : crate, module: null };
  // Primitive impls (`<f64 as Display>`), imports, the table and unnamed glue have no crate path.
  if (/^<(?:[a-z0-9]+|str|\[.*\]|&[a-z0-9]+) as /.test(name)) return { crate: "std (core, alloc, std)", module: null };
  // Imports, the table, exports and wasm-bindgen's own glue have no Rust path.
  return { crate: "(unnamed: glue, imports, tables)", module: null };
}

/** Sums `items` ({name, size}) by crate and by Flightdeck module, biggest first. */
export function group(items) {
  const crates = new Map();
  const modules = new Map();
  for (const { name, size } of items) {
    const { crate, module } = owner(name);
    crates.set(crate, (crates.get(crate) ?? 0) + size);
    if (module) modules.set(module, (modules.get(module) ?? 0) + size);
  }
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]);
  return { crates: sorted(crates), modules: sorted(modules) };
}

/** Builds the named copy of `wasm` and returns its items and total, or null when there is no build. */
export function breakdown(wasm = RUSTC_WASM) {
  if (!existsSync(wasm)) return null;
  const dir = mkdtempSync(join(tmpdir(), "flightdeck-twiggy-"));
  try {
    run("wasm-bindgen", ["--target", "web", "--no-typescript", "--out-dir", dir, "--out-name", "app", wasm]);
    const named = join(dir, "named.wasm");
    run("wasm-opt", ["-Oz", "-g", "--strip-dwarf", join(dir, "app_bg.wasm"), "-o", named]);
    const rows = JSON.parse(run("twiggy", ["top", "-n", "1000000", "--format", "json", named]).toString("utf8"));
    // The name section is there only for this report, and the split build's linker sections
    // (`linking`, `reloc.*`, for dx's splitter) only before splitting: neither is shipped.
    const items = rows
      .filter((row) => !/"function names" subsection|custom section '(name|linking|reloc\.\w+)'|^"(local|module|type|global|data|table|elem|memory|label|field|tag) names"/.test(row.name))
      .map((row) => ({ name: row.name, size: row.shallow_size }));
    const total = items.reduce((sum, item) => sum + item.size, 0);
    return { items, total, built: statSync(wasm).mtime };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const KB = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(10);

/** Prints the tables; `shipped` is the size of the wasm in dist, to show the copy matches it. */
export function printBreakdown(result, shipped) {
  if (!result) {
    console.log(`\nNo release rustc output at ${RUSTC_WASM}: run scripts/build.sh for the breakdown.`);
    return;
  }
  const { crates, modules } = group(result.items);
  // The split build's files add up to more: dx's splitter copies code that several pages share
  // into each of their chunks (docs/decisions.md, "Route splitting").
  console.log(`\nWhere the wasm's bytes go (a copy with names of the whole app, each function once: ${KB(result.total).trim()}; the shipped wasm files: ${KB(shipped).trim()})`);
  console.log(`${"crate".padEnd(40)}${"raw".padStart(10)}${"share".padStart(8)}`);
  const share = (n) => `${((100 * n) / result.total).toFixed(1)}%`.padStart(8);
  const top = crates.slice(0, 24);
  for (const [crate, size] of top) console.log(`${crate.padEnd(40)}${KB(size)}${share(size)}`);
  const rest = crates.slice(24).reduce((sum, [, size]) => sum + size, 0);
  if (rest) console.log(`${`${crates.length - 24} more crates`.padEnd(40)}${KB(rest)}${share(rest)}`);
  console.log(`\nFlightdeck's own code by module (with the generic code instantiated for its types)`);
  for (const [module, size] of modules) console.log(`${`flightdeck::${module}`.padEnd(40)}${KB(size)}${share(size)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const wasm = process.argv[2] ?? RUSTC_WASM;
  const result = breakdown(wasm);
  printBreakdown(result, result?.total ?? 0);
}
