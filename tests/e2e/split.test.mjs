// End-to-end smoke of the route-split build (scripts/build.sh --split: one wasm chunk per page).
// Run it on that build: FLIGHTDECK_DIST=dist-split node --test tests/e2e/split.test.mjs. On the
// default build (no page chunks in dist/) it is skipped. Each page must hydrate on a first visit,
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
const skip = isSplit ? false : `${DIST} is not a route-split build (scripts/build.sh --split)`;

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

test("a click to a page whose chunk is not loaded yet fetches it and shows the page", { skip }, async () => {
  await inNewContext(
    env.browser,
    {},
    async (page) => {
      const fetched = chunksFetched(page);
      await page.goto(env.server.url);
      await hydrated(page);
      await page.evaluate(() => (window.__sameDocument = true));
      await page.click('#sidebar a:has-text("Audit log")');
      await page.waitForURL(`${env.server.url}/audit`);
      await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Audit log");
      await page.click('#sidebar a:has-text("Dashboard")');
      await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Dashboard");
      assert.deepEqual(fetched, ["Dashboard", "Audit"], "each chunk fetched once");
      assert.equal(await page.locator("h1").count(), 1);
      assert.equal(await page.evaluate(() => window.__sameDocument), true, "no full reload");
    },
    (context) => signIn(context, env.server),
  );
});
