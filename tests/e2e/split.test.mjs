// End-to-end smoke of the route-split build (scripts/build.sh: one wasm chunk per page). On the
// one-wasm build (scripts/build.sh --whole, no page chunks) it is skipped. Each page must hydrate on a first visit,
// fetching its own chunk, and a page whose chunk is not loaded yet must still open on a click
// (DioxusLabs/dioxus#4631, patches/README.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DIST, serverAndBrowser, signIn, hydrated, inNewContext } from "./helpers.mjs";

const assets = join(DIST, "public", "assets");
/** dx names a page's chunk `module_<n>_route<Page><hash>-dxh<hash>.wasm`. */
const pageChunk = /^module_\d+_route([A-Z][A-Za-z]*?)[0-9a-f]{32}(?=[-.])/;
const isSplit = existsSync(assets) && readdirSync(assets).some((name) => pageChunk.test(name));
const skip = isSplit ? false : `${DIST} is not a route-split build (scripts/build.sh --whole)`;

const env = isSplit ? serverAndBrowser() : {};

/** The pages whose chunks `page` fetched, in order. */
function chunksFetched(page) {
  const pages = [];
  page.on("request", (request) => {
    const match = new URL(request.url()).pathname.split("/").pop().match(pageChunk);
    if (match) pages.push(match[1]);
  });
  return pages;
}

/** Opens `path` fresh and checks it hydrated having fetched only the chunk of `chunk`. */
async function firstVisit(page, path, chunk) {
  const fetched = chunksFetched(page);
  await page.goto(`${env.server.url}${path}`);
  await hydrated(page);
  assert.deepEqual(fetched, [chunk], `${path} fetched only its own page's chunk`);
}

test("signed out, /login hydrates from its own chunk and the form signs in", { skip }, async () => {
  await inNewContext(env.browser, {}, async (page) => {
    await firstVisit(page, "/login", "Login");
    const { email, password } = env.server.demo();
    await page.fill("#email", email);
    await page.fill("#password", password);
    await page.click("#login-submit");
    await page.waitForURL(`${env.server.url}/`);
    await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Dashboard");
  });
});

for (const [path, chunk, heading] of [
  ["/", "Dashboard", "Dashboard"],
  ["/approvals", "Approvals", "Approvals"],
  ["/agents", "Agents", "Agents"],
  ["/audit", "Audit", "Audit log"],
  ["/analytics", "Analytics", "Analytics"],
  ["/settings", "Settings", "Settings"],
]) {
  test(`signed in, ${path} hydrates from its own chunk and responds to clicks`, { skip }, async () => {
    await inNewContext(
      env.browser,
      { colorScheme: "light" },
      async (page) => {
        await firstVisit(page, path, chunk);
        assert.equal(await page.textContent("h1"), heading);
        assert.equal(await page.locator("h1").count(), 1, "the page is not shown twice");
        const before = await page.getAttribute("#theme-toggle", "data-choice");
        await page.click("#theme-toggle");
        assert.notEqual(await page.getAttribute("#theme-toggle", "data-choice"), before);
      },
      (context) => signIn(context, env.server),
    );
  });
}

test("a click to a page whose chunk is not loaded yet keeps the shell, shows progress, then the page, and a shortcut pressed meanwhile applies to it", { skip }, async () => {
  await inNewContext(
    env.browser,
    // Once the service worker claims the page it fetches the chunks itself, where `page.route`
    // cannot hold them (the test then passed only when the chunk was slower than the check).
    { serviceWorkers: "block" },
    async (page) => {
      const fetched = chunksFetched(page);
      // Every other page's chunk is held back until released: long enough to see what the user
      // sees meanwhile, and the background fetch (which may start first on a slow machine) waits
      // on its first chunk instead of loading Audit's.
      let release;
      const held = new Promise((resolve) => (release = resolve));
      let holding = 0;
      await page.route(/module_\d+_route(?!Dashboard)/, async (route) => {
        holding += 1;
        await held;
        await route.continue();
      });
      await page.goto(env.server.url);
      await hydrated(page);
      await page.evaluate(() => (window.__sameDocument = true));
      await page.click('#sidebar a:has-text("Audit log")');
      await page.waitForURL(`${env.server.url}/audit`);
      await page.waitForSelector("#page-loading");
      assert.ok(holding > 0, "the page's chunk is held back");
      assert.ok(await page.isVisible('#sidebar a:has-text("Dashboard")'), "the shell stays while the page loads");
      assert.ok(await page.isVisible("#theme-toggle"), "the top bar stays while the page loads");
      // `s` pressed before the page is there puts the cursor in its search box once it is.
      await page.keyboard.press("s");
      release();
      await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Audit log");
      await page.waitForFunction(() => document.activeElement?.dataset.shortcut === "search", null, { timeout: 5_000 });
      assert.equal(await page.locator("#page-loading").count(), 0);
      await page.click('#sidebar a:has-text("Dashboard")');
      await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Dashboard");
      assert.equal(fetched[0], "Dashboard", "the page's own chunk first");
      assert.equal(fetched.filter((name) => name === "Audit").length, 1, "each chunk fetched once");
      assert.equal(await page.locator("h1").count(), 1);
      assert.equal(await page.evaluate(() => window.__sameDocument), true, "no full reload");
    },
    (context) => signIn(context, env.server),
  );
});

test("once the first page is up, every page's chunk arrives in the background and pages then open at once", { skip }, async () => {
  await inNewContext(
    env.browser,
    {},
    async (page) => {
      const fetched = chunksFetched(page);
      await page.goto(env.server.url);
      await hydrated(page);
      const pages = ["Dashboard", "Approvals", "Policies", "Agents", "Audit", "Analytics", "Settings"];
      const deadline = Date.now() + 20_000;
      while (!pages.every((name) => fetched.includes(name)) && Date.now() < deadline) await page.waitForTimeout(100);
      assert.deepEqual([...fetched].sort(), [...pages].sort(), "every page's chunk, each once");
      const before = fetched.length;
      await page.keyboard.press("g");
      await page.keyboard.press("a");
      await page.waitForURL(`${env.server.url}/approvals`);
      // The page is there at once: no progress shown, no chunk fetched.
      assert.equal(await page.locator("#page-loading").count(), 0);
      await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Approvals", null, { timeout: 1_000 });
      assert.equal(fetched.length, before);
    },
    (context) => signIn(context, env.server),
  );
});
