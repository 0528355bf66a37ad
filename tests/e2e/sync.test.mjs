// End-to-end: live sync in Chromium. Two tabs and a second device of one user see each other's
// dashboard edits without reloading; the connection indicator shows offline, edits made offline
// are kept and reach the other tabs when the connection returns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, hydrated, signIn, signUp } from "./helpers.mjs";

const env = serverAndBrowser();

async function open(context) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(env.server.url);
  await hydrated(page);
  await page.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 });
  page.errors = errors;
  return page;
}

const density = (page, value) => page.waitForSelector(`#widget-grid[data-density="${value}"]`, { timeout: 10_000 });

test("two tabs and another device see each other's edits live", async () => {
  const laptop = await env.browser.newContext();
  const phone = await env.browser.newContext();
  try {
    const me = await signUp(laptop, env.server, "live@example.com", "Live");
    await signIn(phone, env.server, { email: me.user.email, password: "correct horse battery" });
    const [tab1, tab2, device] = [await open(laptop), await open(laptop), await open(phone)];

    await tab1.click("#density-toggle");
    for (const page of [tab1, tab2, device]) await density(page, "compact");

    await device.click("#density-toggle");
    for (const page of [tab1, tab2, device]) await density(page, "comfortable");
    await tab1.waitForSelector('#dashboard-sync[data-status="saved"]');

    const server = await (await laptop.request.get(`${env.server.url}/api/dashboard/state`)).json();
    assert.equal(server.state.preferences.density, "comfortable");
    assert.equal(server.version >= 2, true);
    for (const page of [tab1, tab2, device]) assert.deepEqual(page.errors, []);
  } finally {
    await laptop.close();
    await phone.close();
  }
});

test("offline, the indicator says so and edits wait; back online they reach the other tab", async () => {
  const context = await env.browser.newContext();
  const other = await env.browser.newContext();
  try {
    const me = await signUp(context, env.server, "offline@example.com", "Offline");
    await signIn(other, env.server, { email: me.user.email, password: "correct horse battery" });
    const [page, watcher] = [await open(context), await open(other)];

    await context.setOffline(true);
    await page.waitForSelector('#connection[data-state="offline"]');
    await page.click("#density-toggle");
    await density(page, "compact");
    await page.waitForSelector('#dashboard-sync[data-status="unsaved"]');
    assert.match(await page.textContent("#dashboard-sync"), /1 change will be sent/);
    // Kept in this browser while offline, queue included.
    const queued = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith(":queue")).map((k) => JSON.parse(localStorage.getItem(k)).length));
    assert.deepEqual(queued, [1]);
    await density(watcher, "comfortable");

    await context.setOffline(false);
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 });
    await page.waitForSelector('#dashboard-sync[data-status="saved"]');
    await density(watcher, "compact");
    assert.deepEqual(page.errors, []);
    assert.deepEqual(watcher.errors, []);
  } finally {
    await context.close();
    await other.close();
  }
});
