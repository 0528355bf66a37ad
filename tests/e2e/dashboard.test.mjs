// End-to-end: the dashboard state, kept in the browser and on the server. Preferences survive a
// reload, a state past 50 KB is stored compressed (lz-string) and reloads intact, an old v1 state is
// migrated on load, one that cannot be read is set aside with a notice instead of being lost, and a
// browser whose storage was cleared gets everything back from the server when its user signs in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, serverAndBrowser, hydrated, signOut, signUp, inNewContext } from "./helpers.mjs";

// Room for the 403-widget state below; a copy past it is refused (and kept aside).
const MAX_WIDGETS = 450;
const env = serverAndBrowser({ FLIGHTDECK_MAX_WIDGETS: String(MAX_WIDGETS) });
let accounts = 0;

/** A fresh account per test (its own dashboard), signed in, on the dashboard. */
const withPage = (body) =>
  inNewContext(
    env.browser,
    {},
    async (page, context, me) => {
      await page.goto(env.server.url);
      await hydrated(page);
      await synced(page);
      await body(page, { context, key: `flightdeck:dashboard:${me.workspace.id}:${me.user.id}`, me });
    },
    (context) => signUp(context, env.server, `dash${++accounts}@example.com`, `Dashboards ${accounts}`),
  );

/** Waits until the page says its copy and the server's agree. */
const synced = (page) => page.waitForSelector('#dashboard-sync[data-status="saved"]', { timeout: 15_000 });
const serverState = async (context) => {
  const response = await context.request.get(`${env.server.url}/api/dashboard/state`);
  return response.status() === 404 ? null : (await response.json());
};

const fixture = (name) => readFileSync(join(ROOT, "tests/fixtures/dashboard", name), "utf8");
const widgetCount = (page, n) => page.waitForFunction((n) => document.querySelectorAll("#widget-grid article").length === n, n);
const stored = (page, key) =>
  page.evaluate((key) => ({ value: localStorage.getItem(key), flag: localStorage.getItem(`${key}:compressed`) }), key);

let seeds = 0;
async function seedAndReload(page, key, value) {
  // Written by the reloaded document before the app's code runs, once: written from the old page,
  // its own sync (a late save or echo) could overwrite the seed before the reload.
  const once = `seed-${++seeds}`;
  await page.addInitScript(([key, value, once]) => {
    if (sessionStorage.getItem(once)) return;
    sessionStorage.setItem(once, "done");
    localStorage.clear();
    localStorage.setItem(key, value);
  }, [key, value, once]);
  await page.reload();
  await hydrated(page);
}

test("a dashboard preference is kept in this browser and on the server across a reload", async () => {
  await withPage(async (page, { context, key }) => {
    await widgetCount(page, 7);
    assert.equal(await page.getAttribute("#widget-grid", "data-density"), "comfortable");
    await page.click("#density-toggle");
    assert.equal(await page.getAttribute("#widget-grid", "data-density"), "compact");
    await synced(page);
    const saved = JSON.parse((await stored(page, key)).value);
    assert.equal(saved.version, 4);
    assert.equal(saved.preferences.density, "compact");
    const server = await serverState(context);
    assert.equal(server.state.preferences.density, "compact");
    assert.equal(saved.revision, server.version, "this browser knows the revision the server gave");

    await page.reload();
    await hydrated(page);
    await page.waitForSelector('#widget-grid[data-density="compact"]');
    assert.equal(await page.getAttribute("#density-toggle", "aria-pressed"), "true");
  });
});

test("a browser whose storage was cleared gets the dashboard back from the server on sign-in", async () => {
  await withPage(async (page, { key, me }) => {
    await page.click("#density-toggle");
    await synced(page);
    await signOut(page);
    await page.evaluate(() => localStorage.clear());
    await hydrated(page);
    await page.fill("#email", me.user.email);
    await page.fill("#password", "correct horse battery");
    await page.click("#login-submit");
    await page.waitForURL(`${env.server.url}/`);
    await hydrated(page);
    await synced(page);
    await page.waitForSelector('#widget-grid[data-density="compact"]');
    const restored = JSON.parse((await stored(page, key)).value);
    assert.equal(restored.preferences.density, "compact", "and this browser keeps a copy again");
  });
});

test("a state over 50 KB is stored compressed and reloads intact", async () => {
  await withPage(async (page, { context, key }) => {
    const state = JSON.parse(fixture("v4-operator.json"));
    for (let i = 0; i < 400; i++) {
      state.widgets[`n${String(i).padStart(4, "0")}`] = {
        kind: "metrics",
        config: { note: `fleet ${i}: ✈️ 🚀 über café, approvals pending` },
        position: { x: 0, y: 10 + i },
        size: { w: 4, h: 3 },
      };
    }
    const json = JSON.stringify(state);
    assert.ok(json.length > 50 * 1024);
    await seedAndReload(page, key, json);
    await widgetCount(page, 403);
    await synced(page);

    // A change saves it: now compressed, and flagged as such.
    await page.click("#density-toggle");
    await synced(page);
    const { value, flag } = await stored(page, key);
    assert.equal(flag, "1");
    assert.ok(!value.startsWith("{"), "not JSON any more");
    assert.ok(value.length < json.length / 5, `${value.length} UTF-16 units for ${json.length}`);

    await page.reload();
    await hydrated(page);
    await widgetCount(page, 403);
    await page.waitForSelector('#widget-grid[data-density="compact"]');
    assert.equal(await page.locator('#widget-grid article[data-kind="approval_queue"]').count(), 1);
    // The server holds the whole of it too.
    assert.equal(Object.keys((await serverState(context)).state.widgets).length, 403);
  });
});

test("a browser copy the server refuses (past its widget limit) is kept aside, and the server's is shown", async () => {
  await withPage(async (page, { context, key }) => {
    await page.click("#density-toggle");
    await synced(page);
    const state = JSON.parse(fixture("v4-operator.json"));
    for (let i = 0; i < MAX_WIDGETS; i++) {
      state.widgets[`n${i}`] = { kind: "metrics", config: {}, position: { x: 0, y: 10 + i }, size: { w: 4, h: 3 } };
    }
    state.revision = 50; // newer than the server's: this browser's copy is the one sent
    const count = Object.keys(state.widgets).length;
    await seedAndReload(page, key, JSON.stringify(state));

    const notice = page.locator("#dashboard-notice");
    await notice.waitFor();
    assert.match(await notice.innerText(), new RegExp(`${count} widgets, more than the ${MAX_WIDGETS}`));
    assert.match(await notice.innerText(), /kept aside/);
    // The server's copy is shown and live; the refused one waits under the backup key.
    await widgetCount(page, 7);
    await page.waitForSelector('#widget-grid[data-density="compact"]');
    await synced(page);
    const backup = await page.evaluate((key) => localStorage.getItem(`${key}:backup`), key);
    assert.equal(Object.keys(JSON.parse(backup).widgets).length, count);
    assert.equal(Object.keys((await serverState(context)).state.widgets).length, 7);
  });
});

test("an old v1 state is migrated on load", async () => {
  await withPage(async (page, { key }) => {
    await seedAndReload(page, key, fixture("v1-operator.json"));
    await widgetCount(page, 3);
    const kinds = await page.$$eval("#widget-grid article", (cards) => cards.map((c) => c.dataset.kind));
    assert.deepEqual(kinds, ["metrics", "approval_queue", "activity"]);
    assert.equal(await page.$("#dashboard-notice"), null);
  });
});

test("a state that cannot be read is set aside with a notice, never lost", async () => {
  await withPage(async (page, { key }) => {
    for (const original of [fixture("v1-broken.json"), "{ this is not json"]) {
      await seedAndReload(page, key, original);
      await widgetCount(page, 7);
      await page.waitForSelector("#dashboard-notice");
      assert.match(await page.textContent("#dashboard-notice"), /could not be loaded .* old copy is kept/);
      const backup = await page.evaluate((key) => localStorage.getItem(`${key}:backup`), key);
      if (original.startsWith("{ this")) assert.equal(backup, original);
      else assert.deepEqual(JSON.parse(backup), JSON.parse(original));
    }
  });
});
