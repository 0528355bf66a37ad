// End-to-end: the dashboard state kept in the browser. Preferences survive a reload, a state past
// 50 KB is stored compressed (lz-string) and reloads intact, an old v1 state is migrated on load,
// and one that cannot be read is set aside with a notice instead of being lost.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, serverAndBrowser, hydrated } from "./helpers.mjs";

const KEY = "flightdeck:dashboard";
const env = serverAndBrowser();

async function withPage(body) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  try {
    await page.goto(env.server.url);
    await hydrated(page);
    await body(page);
  } finally {
    await context.close();
  }
  assert.deepEqual(errors, [], "no uncaught errors in the page");
}

const fixture = (name) => readFileSync(join(ROOT, "tests/fixtures/dashboard", name), "utf8");
const widgetCount = (page, n) => page.waitForFunction((n) => document.querySelectorAll("#widget-grid article").length === n, n);
const stored = (page) =>
  page.evaluate((key) => ({ value: localStorage.getItem(key), flag: localStorage.getItem(`${key}:compressed`) }), KEY);

async function seedAndReload(page, value) {
  await page.evaluate(([key, value]) => {
    localStorage.clear();
    localStorage.setItem(key, value);
  }, [KEY, value]);
  await page.reload();
  await hydrated(page);
}

test("a dashboard preference is kept in this browser across a reload", async () => {
  await withPage(async (page) => {
    await widgetCount(page, 7);
    assert.equal(await page.getAttribute("#widget-grid", "data-density"), "comfortable");
    await page.click("#density-toggle");
    assert.equal(await page.getAttribute("#widget-grid", "data-density"), "compact");
    const saved = JSON.parse((await stored(page)).value);
    assert.equal(saved.version, 3);
    assert.equal(saved.preferences.density, "compact");

    await page.reload();
    await hydrated(page);
    await page.waitForSelector('#widget-grid[data-density="compact"]');
    assert.equal(await page.getAttribute("#density-toggle", "aria-pressed"), "true");
  });
});

test("a state over 50 KB is stored compressed and reloads intact", async () => {
  await withPage(async (page) => {
    const state = JSON.parse(fixture("v3-operator.json"));
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
    await seedAndReload(page, json);
    await widgetCount(page, 403);

    // A change saves it: now compressed, and flagged as such.
    await page.click("#density-toggle");
    const { value, flag } = await stored(page);
    assert.equal(flag, "1");
    assert.ok(!value.startsWith("{"), "not JSON any more");
    assert.ok(value.length < json.length / 5, `${value.length} UTF-16 units for ${json.length}`);

    await page.reload();
    await hydrated(page);
    await widgetCount(page, 403);
    await page.waitForSelector('#widget-grid[data-density="compact"]');
    assert.equal(await page.locator('#widget-grid article[data-kind="approval_queue"]').count(), 1);
  });
});

test("an old v1 state is migrated on load", async () => {
  await withPage(async (page) => {
    await seedAndReload(page, fixture("v1-operator.json"));
    await widgetCount(page, 3);
    const kinds = await page.$$eval("#widget-grid article", (cards) => cards.map((c) => c.dataset.kind));
    assert.deepEqual(kinds, ["metrics", "approval_queue", "activity"]);
    assert.equal(await page.$("#dashboard-notice"), null);
  });
});

test("a state that cannot be read is set aside with a notice, never lost", async () => {
  await withPage(async (page) => {
    for (const original of [fixture("v1-broken.json"), "{ this is not json"]) {
      await seedAndReload(page, original);
      await widgetCount(page, 7);
      await page.waitForSelector("#dashboard-notice");
      assert.match(await page.textContent("#dashboard-notice"), /could not be loaded .* old copy is kept/);
      const backup = await page.evaluate((key) => localStorage.getItem(`${key}:backup`), KEY);
      if (original.startsWith("{ this")) assert.equal(backup, original);
      else assert.deepEqual(JSON.parse(backup), JSON.parse(original));
    }
  });
});
