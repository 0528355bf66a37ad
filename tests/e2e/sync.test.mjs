// End-to-end: live sync in Chromium. Two tabs and a second device of one user see each other's
// dashboard edits without reloading; the connection indicator shows offline, edits made offline
// are kept and reach the other tabs when the connection returns; tabs keep separate queues and a
// closed tab's queue is sent by another; without WebSockets the page polls; signing out in one
// tab takes the others to the sign-in page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, openPage, signIn, signUp } from "./helpers.mjs";

const env = serverAndBrowser();

async function open(context) {
  const page = await openPage(context, env.server);
  await page.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 });
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
    const queued = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(":queue:")).map((k) => JSON.parse(localStorage.getItem(k)).length));
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

test("tabs queue offline edits separately, and a closed tab's edits are sent by another", async () => {
  const context = await env.browser.newContext();
  try {
    await signUp(context, env.server, "tabs-queue@example.com", "Queues");
    const [closing, staying] = [await open(context), await open(context)];
    const before = await (await context.request.get(`${env.server.url}/api/dashboard/state`)).json();
    await context.setOffline(true);
    await closing.waitForSelector('#connection[data-state="offline"]');
    await staying.waitForSelector('#connection[data-state="offline"]');
    await closing.click("#density-toggle");
    await density(closing, "compact");
    await staying.click("#density-toggle");
    await density(staying, "compact");
    await staying.click("#density-toggle");
    await density(staying, "comfortable");
    // One queue per tab: neither overwrote the other's.
    const queues = await staying.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.includes(":queue:")).map((k) => JSON.parse(localStorage.getItem(k)).length).sort());
    assert.deepEqual(queues, [1, 2]);
    // The first tab is closed with its edit unsent, and has not been seen for a while.
    const closedId = await closing.evaluate(() => sessionStorage.getItem("flightdeck:tab-id"));
    await closing.close();
    await staying.evaluate((id) => localStorage.setItem(`flightdeck:tab-alive:${JSON.parse(id)}`, "0"), closedId);

    await context.setOffline(false);
    await staying.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 });
    // Its two edits, then the closed tab's one, adopted at the next heartbeat (every 5 s).
    await density(staying, "compact");
    await staying.waitForSelector('#dashboard-sync[data-status="saved"]', { timeout: 15_000 });
    const server = await (await context.request.get(`${env.server.url}/api/dashboard/state`)).json();
    assert.equal(server.version, before.version + 3, "both of its edits and the closed tab's");
    assert.equal(server.state.preferences.density, "compact");
    const left = await staying.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(":queue:")));
    assert.deepEqual(left, []);
  } finally {
    await context.close();
  }
});

test("where no WebSocket gets through, the page polls and edits still flow both ways", async () => {
  const blocked = await env.browser.newContext();
  const other = await env.browser.newContext();
  try {
    const me = await signUp(blocked, env.server, "polling@example.com", "Polling");
    await signIn(other, env.server, { email: me.user.email, password: "correct horse battery" });
    // A proxy that accepts the upgrade and hangs up at once, every time.
    await blocked.routeWebSocket(/\/api\/sync/, (ws) => ws.close());
    const page = await openPage(blocked, env.server);
    await page.waitForSelector('#connection[data-state="polling"]', { timeout: 20_000 });
    const watcher = await open(other);

    await page.click("#density-toggle");
    await density(watcher, "compact");
    await page.waitForSelector('#dashboard-sync[data-status="saved"]', { timeout: 15_000 });
    await watcher.click("#density-toggle");
    await density(page, "comfortable");
    assert.match(await page.textContent("#connection"), /polling/i);
    assert.deepEqual(page.errors, []);
  } finally {
    await blocked.close();
    await other.close();
  }
});

test("signing out in one tab takes the other tabs to the sign-in page", async () => {
  const context = await env.browser.newContext();
  try {
    await signUp(context, env.server, "signout-tabs@example.com", "Sign out");
    const [first, second] = [await open(context), await open(context)];
    await second.click("#sign-out");
    await first.waitForURL(/\/login\?next=%2F$/, { timeout: 15_000 });
    assert.deepEqual(first.errors, []);
  } finally {
    await context.close();
  }
});
