// Shared by the end-to-end tests and the size report: starts the release server (dist/server) on
// a free loopback port with its own data folder, and launches Debian's headless Chromium.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { before, after } from "node:test";
import assert from "node:assert/strict";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DIST = join(ROOT, "dist");
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

/** Starts dist/server on 127.0.0.1:0; resolves once it logs its address. */
export async function startServer(env = {}) {
  const server = join(DIST, "server");
  if (!existsSync(server)) throw new Error(`${server} is missing: run scripts/build.sh first`);
  const dataDir = mkdtempSync(join(tmpdir(), "flightdeck-e2e-"));
  const child = spawn(server, [], {
    cwd: DIST,
    env: { PATH: process.env.PATH, IP: "127.0.0.1", PORT: "0", FLIGHTDECK_DATA_DIR: dataDir, FLIGHTDECK_DEMO: "0", RUST_LOG: "info", ...env },
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
    /** The demo admin's credentials, as printed once in the log on the first start. */
    demo() {
      const match = log.match(/as (\S+@\S+) with password (\S+)/);
      if (!match) throw new Error(`no demo credentials in the log:\n${log}`);
      return { email: match[1], password: match[2] };
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

/** Signs a browser context in (its cookie jar gets the session), as the demo admin by default. */
export async function signIn(context, server, credentials = server.demo()) {
  const response = await context.request.post(`${server.url}/api/auth/login`, { data: credentials });
  if (response.status() !== 200) throw new Error(`sign-in as ${credentials.email}: ${response.status()} ${await response.text()}`);
  return response.json();
}

/** Creates an account with its own workspace through the API, signed in on `context`. */
export async function signUp(context, server, email, workspace, password = "correct horse battery") {
  const response = await context.request.post(`${server.url}/api/auth/signup`, { data: { email, password, workspace } });
  if (response.status() !== 201) throw new Error(`sign-up as ${email}: ${response.status()} ${await response.text()}`);
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

/** Launches headless Chromium; its contexts are incognito. */
export function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
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
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  return context;
}

/** Waits until the browser has hydrated the server's HTML. */
/** Opens `path` in a new page of `context` and waits for hydration; `page.errors` collects the page's uncaught errors. */
export async function openPage(context, server, path) {
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(err.message));
  await page.goto(`${server.url}${path}`);
  await hydrated(page);
  return page;
}

export async function hydrated(page) {
  await page.waitForSelector('#app[data-hydrated="true"]', { timeout: 30_000 });
}

/** For one test file: starts the server and a browser before its tests and stops them after. */
export function serverAndBrowser() {
  const shared = {};
  before(async () => {
    shared.server = await startServer();
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.stop();
  });
  return shared;
}
