// Shared by the end-to-end tests and the size report: starts the release server (dist/server) on
// a free loopback port with its own data folder, and launches Debian's headless Chromium.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { before, after } from "node:test";
import assert from "node:assert/strict";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The release build under test: dist/ from scripts/build.sh, or FLIGHTDECK_DIST (e.g. dist-whole, the one-wasm build). */
export const DIST = process.env.FLIGHTDECK_DIST ? resolve(ROOT, process.env.FLIGHTDECK_DIST) : join(ROOT, "dist");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

// As root in a sandbox-less container, and without reaching for the (closed) internet.
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** The first admin every e2e server starts with (unless a test unsets it, as the demo's does). */
export const ADMIN = { email: "admin@flightdeck.local", password: "correct horse battery" };

/**
 * Starts dist/server on 127.0.0.1:0; resolves once it logs its address. Sign-up is open and a
 * first admin exists unless `env` says otherwise (an empty value unsets a variable).
 */
export async function startServer(env = {}) {
  const server = join(DIST, "server");
  if (!existsSync(server)) throw new Error(`${server} is missing: run scripts/build.sh first`);
  const dataDir = mkdtempSync(join(tmpdir(), "flightdeck-e2e-"));
  const child = spawn(server, [], {
    cwd: DIST,
    env: {
      PATH: process.env.PATH,
      IP: "127.0.0.1",
      PORT: "0",
      FLIGHTDECK_DATA_DIR: dataDir,
      FLIGHTDECK_DEMO: "0",
      FLIGHTDECK_SIGNUP: "open",
      FLIGHTDECK_ADMIN_EMAIL: ADMIN.email,
      FLIGHTDECK_ADMIN_PASSWORD: ADMIN.password,
      RUST_LOG: "info",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30_000);
    child.stderr.on("data", (chunk) => {
      log += chunk;
      const match = log.match(/listening on (http:\/\/[\d.:]+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  return {
    url,
    log: () => log,
    /** The first admin's credentials: the demo's, as printed once in the log, or [ADMIN]. */
    demo() {
      const match = log.match(/as (\S+@\S+) with password (\S+)/);
      if (match) return { email: match[1], password: match[2] };
      if (log.includes("created the first admin")) return ADMIN;
      throw new Error(`no first admin in the log:\n${log}`);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Posts to an account endpoint as a client should: the suite signs in from one address more often
 * than the per-address limit on sign-in and sign-up allows at once, so a 429 is waited out as its
 * Retry-After says (twice at most) rather than failing the test.
 */
async function postAccount(context, url, data) {
  for (let attempt = 0; ; attempt++) {
    const response = await context.request.post(url, { data });
    if (response.status() !== 429 || attempt === 2) return response;
    const seconds = Number(response.headers()["retry-after"] ?? 1);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

/** Signs a browser context in (its cookie jar gets the session), as the demo admin by default. */
export async function signIn(context, server, credentials = server.demo()) {
  const response = await postAccount(context, `${server.url}/api/auth/login`, credentials);
  if (response.status() !== 200) throw new Error(`sign-in as ${credentials.email}: ${response.status()} ${await response.text()}`);
  return response.json();
}

/** Creates an account with its own workspace through the API (sign-up is open in the tests), signed in on `context`. */
export async function signUp(context, server, email, workspace, password = "correct horse battery") {
  const response = await postAccount(context, `${server.url}/api/auth/signup`, { email, password, workspace });
  if (response.status() !== 202) throw new Error(`sign-up as ${email}: ${response.status()} ${await response.text()}`);
  return signIn(context, server, { email, password });
}

/** Invites `email` to the workspace `admin` (a context) is signed in to, as `role`; the link's path. */
export async function invite(admin, server, email, role) {
  const response = await admin.request.post(`${server.url}/api/workspace/invites`, { data: { email, role } });
  if (response.status() !== 201) throw new Error(`invite ${email}: ${response.status()} ${await response.text()}`);
  return (await response.json()).path;
}

/** Makes the account signed in on `member` a member of `admin`'s workspace as `role`, through an invitation it accepts. */
export async function addMember(admin, member, server, email, role) {
  const path = await invite(admin, server, email, role);
  const token = path.replace("/invite/", "");
  const response = await member.request.post(`${server.url}/api/invites/${token}/accept`, { data: {} });
  if (response.status() !== 200) throw new Error(`accept as ${email}: ${response.status()} ${await response.text()}`);
  return response.json();
}

/**
 * Runs `body(page, context, prepared)` in a fresh context of `browser`, after `prepare(context)`
 * (e.g. signing in), then closes it and checks that the page threw no uncaught error.
 */
export async function inNewContext(browser, options, body, prepare = async () => undefined) {
  const context = await browser.newContext(options);
  const errors = [];
  try {
    const prepared = await prepare(context);
    const page = await context.newPage();
    page.on("pageerror", (err) => errors.push(err.message));
    await body(page, context, prepared);
  } finally {
    await context.close();
  }
  assert.deepEqual(errors, [], "no uncaught errors in the page");
}

/**
 * Every Content-Security-Policy violation any page of this test file reported. The policy is in
 * force in every test; a violation fails the file (the `after` hook below).
 */
export const cspViolations = [];

let cspChecked = false;

/** Reports the context's `securitypolicyviolation` events into `cspViolations`. */
async function watchCsp(context) {
  if (!cspChecked) {
    cspChecked = true;
    after(() => assert.deepEqual(cspViolations, [], "no securitypolicyviolation in any page"));
  }
  await context.exposeBinding("__flightdeckCspViolation", (_source, text) => cspViolations.push(text));
  await context.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (event) =>
      window.__flightdeckCspViolation(`${location.pathname}: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`),
    ),
  );
  return context;
}

/** Launches headless Chromium; its contexts are incognito, each watched for CSP violations. */
export async function launchBrowser(extraArgs = []) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => watchCsp(await newContext(options));
  return browser;
}

/** Launches headless Chromium on a fresh, non-incognito profile (removed on close). */
export async function launchPersistent(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), "flightdeck-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    ...options,
  });
  await watchCsp(context);
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  return context;
}

/**
 * Opens `path` (or a whole URL) of `server` in a new page of `context` and waits for hydration;
 * `page.errors` collects the page's uncaught errors. The one way the tests open a page.
 */
export async function openPage(context, server, path = "/") {
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err.message));
  await page.goto(new URL(path, server.url).href);
  await hydrated(page);
  return page;
}

/** Waits until the browser has hydrated the server's HTML. */
export async function hydrated(page) {
  await page.waitForSelector('#app[data-hydrated="true"]', { timeout: 30_000 });
}

/**
 * Clicks "Sign out" and waits for the sign-in page, with or without `?next=`: the sync socket's
 * sign-out notice may navigate first (keeping where the user was), racing the button's own
 * navigation, and the later one aborts the earlier (net::ERR_ABORTED): then it waits for where
 * the later one lands.
 */
export async function signOut(page) {
  await page.click("#sign-out");
  const onSignIn = (url) => url.pathname === "/login";
  await page.waitForURL(onSignIn).catch((err) => {
    if (!/ERR_ABORTED|detached/.test(String(err))) throw err;
    return page.waitForURL(onSignIn);
  });
}

/** For one test file: starts the server and a browser before its tests and stops them after. */
export function serverAndBrowser(env = {}) {
  const shared = {};
  before(async () => {
    shared.server = await startServer(env);
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.stop();
  });
  return shared;
}
