// Size report for the release build in dist/: every wasm, JS and CSS asset raw, gzip -9 and
// brotli q11; where the wasm's bytes go, by crate and by Flightdeck module; what the server
// actually sends for the first load of /login and of the signed-in dashboard (and with which
// encoding and caching); and Lighthouse mobile runs of both. Prints the performance issue's
// targets with the gap to each, and fails past the budgets (which only go down).
// Run after scripts/build.sh:  node scripts/size-report.mjs   (--no-lighthouse skips Lighthouse)
import { copyFileSync, readdirSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import http from "node:http";
import zlib from "node:zlib";
import net from "node:net";
import { DIST, ROOT, CHROMIUM, CHROMIUM_ARGS, startServer, launchBrowser, launchPersistent, signIn, hydrated } from "../tests/e2e/helpers.mjs";
import { breakdown, printBreakdown } from "./wasm-breakdown.mjs";

// The performance issue's targets. The seed's 500 KB raw / 150 KB gzip first load is further off:
// the note on the issue says what stands in the way (docs/decisions.md, "Route splitting").
const TARGETS = { firstLoadBrotli: 340 * 1024, wasmRaw: 1100 * 1024, performance: 95, lcpMs: 1500 };
// What the report fails past: the measured figures with a little room, lowered as the build shrinks
// and never raised to let a regression through. Where a budget is above its target, the report says
// so; the history is in docs/decisions.md ("Bytes of the first load").
// Lighthouse's score moves by several points between runs of one build (its TBT is observed CPU time).
// The signed-in dashboard renders its widgets only once the wasm runs and their data arrives (the
// structure issue renders pages with their data on the server): its LCP waits for the wasm.
const BUDGET = {
  // 398.7 KB measured after the nightly build; the browser's request sharing, cache and one live
  // socket per tab then cost 6.8 KB (405.5 KB). The route-split build took the signed-in / to
  // 333.3 KB (989.2 KB raw wasm), and typed decoding in the pages to 345.9 (1,027.0 raw).
  // Raised once, knowingly, by the structure issue (which spends this issue's headroom): pages
  // rendered with their data and one loader hook took / from 348.0 to 358.5 KB (1,065.2 raw), the
  // split into small components to 362.2 (1,074.6 raw). Lower it again as bytes are won back.
  // anyhow's backtrace printer left out of the wasm (patches/anyhow): 364.8 -> 356.2 KB.
  firstLoadBrotli: 360 * 1024,
  // One page loader for all routes in place of one per route (patches/dioxus-router-macro): the
  // main wasm 876.8 -> 838.3 KB raw, the first load 1,077.1 -> 1,038.9 KB raw; patches/anyhow:
  // 1,042.4 -> 1,017.7 KB raw.
  wasmRaw: 1030 * 1024,
  // /login's simulated LCP was 1.1-1.2 s in five runs and 3.2 s in one (docs/decisions.md): loose
  // until the cause of the late run is found.
  "/login": { performance: 80, lcpMs: 4000 },
  "/ (signed in)": { performance: 55, lcpMs: 4500 },
};
const KB = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(10);

const gzip = (buf) => zlib.gzipSync(buf, { level: 9 }).length;
const brotli = (buf) =>
  zlib.brotliCompressSync(buf, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
  }).length;

/** GET without decompressing: the bytes on the wire and the headers. */
function rawGet(url, encoding, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { "accept-encoding": encoding, ...headers } }, (res) => {
        let bytes = 0;
        const chunks = [];
        res.on("data", (chunk) => {
          bytes += chunk.length;
          chunks.push(chunk);
        });
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, bytes, body: Buffer.concat(chunks) }));
      })
      .on("error", reject);
  });
}

function bundleTable() {
  const dir = join(DIST, "public", "assets");
  const rows = readdirSync(dir)
    .filter((name) => /\.(wasm|js|css)$/.test(name))
    .map((name) => {
      const buf = readFileSync(join(dir, name));
      return { name, raw: buf.length, gzip: gzip(buf), brotli: brotli(buf) };
    });
  console.log("\nRelease bundle (dist/public/assets)");
  console.log(`${"file".padEnd(48)}${"raw".padStart(10)}${"gzip -9".padStart(10)}${"br q11".padStart(10)}`);
  for (const row of rows) console.log(`${row.name.padEnd(48)}${KB(row.raw)}${KB(row.gzip)}${KB(row.brotli)}`);
  return rows;
}

/** A free loopback port (for Chromium's remote debugging, which Lighthouse drives). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

/**
 * Chromium on a fresh profile with the demo's admin signed in (the session cookie in its jar, so
 * the page's own requests and socket carry it), open to Lighthouse on `port`.
 */
async function signedInBrowser(server) {
  const port = await freePort();
  const context = await launchPersistent({ args: [...CHROMIUM_ARGS, `--remote-debugging-port=${port}`] });
  await signIn(context, server);
  const cookie = (await context.cookies(server.url)).map((c) => `${c.name}=${c.value}`).join("; ");
  return { context, port, cookie };
}

/**
 * The wasm, JS and CSS a browser in `context` fetches to show `path` until it has hydrated: the
 * main wasm and, in the route-split build, the page's own chunk (not the chunks fetched later, in
 * the background, for the other pages).
 */
async function fetchedUntilHydrated(context, url, path) {
  const page = await context.newPage();
  const fetched = [];
  page.on("request", (request) => {
    const { pathname } = new URL(request.url());
    if (/^\/assets\/.+\.(?:wasm|js|css)$/.test(pathname)) fetched.push(pathname);
  });
  try {
    await page.goto(`${url}${path}`);
    await hydrated(page);
    return fetched;
  } finally {
    await page.close();
  }
}

/**
 * What the server sends for a first visit to `path`: the page, every asset it names, and every
 * asset the browser fetched until it hydrated. Returns the brotli bytes and the raw wasm bytes.
 */
async function firstLoad(url, path, headers, context, problems) {
  const page = await rawGet(`${url}${path}`, "identity", headers);
  if (page.status !== 200) throw new Error(`size report: ${path} answered ${page.status}`);
  const html = page.body.toString("utf8");
  const named = [...html.matchAll(/(?:(?:src|href)="|import\(")(\/(?:\.\/)?assets\/[^"]+\.(?:wasm|js|css))"/g)];
  const assets = [...new Set([...named.map((m) => new URL(m[1], url).pathname), ...(await fetchedUntilHydrated(context, url, path))])];
  if (!assets.some((a) => a.endsWith(".wasm"))) problems.push(`${path} fetched no wasm before it hydrated`);
  let wasmRaw = 0;
  const htmlBr = await rawGet(`${url}${path}`, "br, gzip", headers);
  console.log(`\nFirst load of ${path}${headers.cookie ? " (signed in)" : ""} as sent by the server (Accept-Encoding: br, gzip)`);
  console.log(`${"resource".padEnd(48)}${"sent".padStart(10)}  encoding  cache-control`);
  console.log(`${`${path} (HTML)`.padEnd(48)}${KB(htmlBr.bytes)}  ${String(htmlBr.headers["content-encoding"] ?? "none").padEnd(8)}  ${htmlBr.headers["cache-control"]}`);
  let total = 0;
  for (const asset of assets) {
    const res = await rawGet(`${url}${asset}`, "br, gzip");
    if (res.status !== 200) problems.push(`${asset} answered ${res.status}`);
    total += res.bytes;
    if (asset.endsWith(".wasm")) wasmRaw += readFileSync(join(DIST, "public", asset)).length;
    const encoding = res.headers["content-encoding"] ?? "none";
    console.log(`${asset.padEnd(48)}${KB(res.bytes)}  ${encoding.padEnd(8)}  ${res.headers["cache-control"]}`);
    if (encoding !== "br") problems.push(`${asset} was sent ${encoding}, not brotli`);
    if (!/immutable/.test(res.headers["cache-control"] ?? "")) problems.push(`${asset} is not cached as immutable`);
  }
  console.log(`${"initial download: wasm + JS + CSS".padEnd(48)}${KB(total)}`);
  console.log(`${"of which wasm, raw".padEnd(48)}${KB(wasmRaw)}`);
  if (!assets.some((a) => a.endsWith(".js"))) problems.push(`${path} names no JS file`);
  return { total, wasmRaw };
}

/**
 * A Lighthouse mobile run (simulated throttling) of `url`, in its own Chromium or, signed in, in
 * the one on `browser.port` (keeping its cookies); its performance score and LCP in ms.
 */
async function lighthouse(url, browser) {
  const own = [`--chrome-flags=--headless=new ${CHROMIUM_ARGS.join(" ")}`];
  const signedIn = [`--port=${browser?.port}`, "--disable-storage-reset"];
  const out = mkdtempSync(join(tmpdir(), "flightdeck-lh-"));
  const report = join(out, "report.json");
  try {
    // Not execFileSync: Playwright holds the signed-in browser and must go on answering it (a new
    // tab waits for its debugger), so this process's event loop keeps running during the run.
    await promisify(execFile)(
      join(ROOT, "node_modules", ".bin", "lighthouse"),
      [
        url,
        "--quiet",
        "--output=json",
        `--output-path=${report}`,
        "--only-categories=performance,accessibility,best-practices",
        ...(browser ? signedIn : own),
      ],
      { env: { ...process.env, CHROME_PATH: CHROMIUM }, timeout: 180_000 },
    );
    // FLIGHTDECK_LH_KEEP=<dir>: keep each run's whole report there (long tasks, bootup time).
    if (process.env.FLIGHTDECK_LH_KEEP) {
      copyFileSync(report, join(process.env.FLIGHTDECK_LH_KEEP, `lighthouse-${browser ? "signed-in" : "signed-out"}.json`));
    }
    const lhr = JSON.parse(readFileSync(report, "utf8"));
    if (lhr.runtimeError) throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.message}`);
    const score = (id) => Math.round(lhr.categories[id].score * 100);
    const metric = (id) => lhr.audits[id].displayValue;
    console.log(`\nLighthouse ${lhr.lighthouseVersion} (mobile, simulated throttling) on ${url}${browser ? " (signed in)" : ""}`);
    console.log(`performance ${score("performance")}  accessibility ${score("accessibility")}  best practices ${score("best-practices")}`);
    console.log(
      `FCP ${metric("first-contentful-paint")}  LCP ${metric("largest-contentful-paint")}  TBT ${metric("total-blocking-time")}  CLS ${metric("cumulative-layout-shift")}  Speed Index ${metric("speed-index")}`,
    );
    // What this run saw without throttling (the simulated figures above are Lighthouse's estimate).
    const seen = lhr.audits.metrics?.details?.items?.[0];
    if (seen) {
      console.log(
        `observed, unthrottled: first paint ${seen.observedFirstPaint} ms, FCP ${seen.observedFirstContentfulPaint} ms, LCP ${seen.observedLargestContentfulPaint} ms, load ${seen.observedLoad} ms`,
      );
    }
    const failing = Object.values(lhr.audits)
      .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode === "binary")
      .map((a) => a.id);
    if (failing.length) console.log(`audits not passed: ${failing.join(", ")}`);
    return { performance: score("performance"), lcpMs: lhr.audits["largest-contentful-paint"].numericValue };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** One row of the targets table; a figure past its budget is a problem. */
function check(label, value, target, budget, show, lowerIsBetter, problems) {
  const meets = (limit) => (lowerIsBetter ? value <= limit : value >= limit);
  const verdict = meets(target) ? "target met" : `target missed by ${show(Math.abs(value - target)).trim()}`;
  console.log(`${label.padEnd(40)}${show(value)}  target ${show(target).trim().padEnd(10)} budget ${show(budget).trim().padEnd(10)} ${verdict}`);
  if (!meets(budget)) problems.push(`${label} ${show(value).trim()} is past its budget of ${show(budget).trim()}`);
}

const server = await startServer({ FLIGHTDECK_DEMO: "1" });
const problems = [];
const figures = {};
let browser;
let signedOut;
try {
  const rows = bundleTable();
  const wasm = rows.filter((row) => row.name.endsWith(".wasm"));
  const owners = breakdown();
  printBreakdown(owners, wasm.reduce((sum, row) => sum + row.raw, 0));
  // Every KB has an owner: a report without them is not a report (it once skipped them unnoticed).
  if (!owners) problems.push("no breakdown of the wasm: the build's rustc output is missing");
  browser = await signedInBrowser(server);
  signedOut = await launchBrowser();
  const login = await firstLoad(server.url, "/login", {}, await signedOut.newContext(), problems);
  // A context of its own with the session's cookie: the signed-in browser's cache stays cold for
  // Lighthouse.
  const signedInContext = await signedOut.newContext();
  await signedInContext.addCookies(await browser.context.cookies(server.url));
  const dashboard = await firstLoad(server.url, "/", { cookie: browser.cookie }, signedInContext, problems);
  figures.login = login.total;
  figures.dashboard = dashboard.total;
  figures.wasmRaw = Math.max(login.wasmRaw, dashboard.wasmRaw);
  if (!process.argv.includes("--no-lighthouse")) {
    figures.lhLogin = await lighthouse(`${server.url}/login`);
    figures.lhDashboard = await lighthouse(`${server.url}/`, browser);
  }
} finally {
  await browser?.context.close();
  await signedOut?.close();
  await server.stop();
}

console.log("\nTargets (the performance issue) and budgets (what fails this report)");
const ms = (n) => `${Math.round(n)} ms`.padStart(10);
const points = (n) => `${Math.round(n)}`.padStart(10);
check("first-load wasm (larger of the two), raw", figures.wasmRaw, TARGETS.wasmRaw, BUDGET.wasmRaw, KB, true, problems);
check("first load of /login, brotli", figures.login, TARGETS.firstLoadBrotli, BUDGET.firstLoadBrotli, KB, true, problems);
check("first load of / (signed in), brotli", figures.dashboard, TARGETS.firstLoadBrotli, BUDGET.firstLoadBrotli, KB, true, problems);
for (const [name, result] of [["/login", figures.lhLogin], ["/ (signed in)", figures.lhDashboard]]) {
  if (!result) continue;
  check(`Lighthouse performance, ${name}`, result.performance, TARGETS.performance, BUDGET[name].performance, points, false, problems);
  check(`LCP (simulated), ${name}`, result.lcpMs, TARGETS.lcpMs, BUDGET[name].lcpMs, ms, true, problems);
}
if (problems.length) {
  console.error(`\nsize report: ${problems.length} problem(s):\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log("\nsize report: within budget");
