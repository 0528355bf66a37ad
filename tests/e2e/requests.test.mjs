// End-to-end: the requests the browser makes, counted from the page's own network events. A
// signed-in dashboard load asks for each URL once, and only for what the live topics may have
// changed since the server rendered the page with its data (the dashboard state and the live
// topics share the tab's one socket), and a bulk approve of a hundred pending
// approvals is one decision request, its progress counted from the live events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, hydrated, signUp, inNewContext } from "./helpers.mjs";

// The hundred asks come from one agent token, past the default burst.
const env = serverAndBrowser({ AGENT_RATE_LIMIT_BURST: "1000", AGENT_RATE_LIMIT_PER_MINUTE: "10000" });

/**
 * Records the page's API requests and its sockets: `api` lists `METHOD path` in order, `settled()`
 * resolves once every subscription a socket asked for is confirmed and no API request has been
 * in flight for half a second (what a page does on subscribing has been asked by then).
 */
function watch(page, origin) {
  const seen = { api: [], sockets: [], stateFrames: {}, asked: 0, confirmed: 0, flying: 0, quietSince: Date.now() };
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/api/`)) return;
    seen.api.push(`${request.method()} ${url.slice(origin.length)}`);
    seen.flying++;
  });
  const landed = (request) => {
    if (!request.url().startsWith(`${origin}/api/`)) return;
    seen.flying--;
    seen.quietSince = Date.now();
  };
  page.on("requestfinished", landed);
  page.on("requestfailed", landed);
  page.on("websocket", (socket) => {
    const path = socket.url().slice(origin.replace(/^http/, "ws").length);
    seen.sockets.push(path);
    seen.stateFrames[path] = 0;
    socket.on("framesent", ({ payload }) => (seen.asked += String(payload).includes('"subscribe"') ? 1 : 0));
    socket.on("framereceived", ({ payload }) => {
      seen.confirmed += String(payload).includes('"subscribed"') ? 1 : 0;
      seen.stateFrames[path] += String(payload).startsWith('{"type":"state:') ? 1 : 0;
    });
  });
  seen.settled = async () => {
    for (;;) {
      if (seen.asked > 0 && seen.confirmed >= seen.asked && seen.flying === 0 && Date.now() - seen.quietSince > 500) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return seen;
}

/** Each entry of `list` that occurs more than once. */
const repeated = (list) => [...new Set(list.filter((entry, i) => list.indexOf(entry) !== i))];

test("a signed-in dashboard load asks for each URL once, over the tab's one socket", async () => {
  await inNewContext(
    env.browser,
    {},
    async (page) => {
      const seen = watch(page, env.server.url);
      await page.goto(env.server.url);
      await hydrated(page);
      await page.waitForSelector('#dashboard-sync[data-status="saved"]', { timeout: 15_000 });
      await page.waitForSelector(".queue-empty");
      await seen.settled();
      const gets = seen.api.filter((line) => line.startsWith("GET "));
      assert.deepEqual(repeated(gets), [], `no URL is asked for twice (asked: ${gets.join(", ")})`);
      assert.deepEqual(
        gets.map((line) => line.replace(/&$/, "")).sort(),
        // The session, the settings and the dashboard's server copy came with the page (the
        // server rendered it with them); what the live topics may have changed since the
        // render is read once their subscriptions are confirmed.
        ["GET /api/approvals?status=pending", "GET /api/fleet"],
        "the dashboard's two reads",
      );
      // One socket per tab: the dashboard state and the live topics the page follows (a tab had
      // a second one for its live topics).
      assert.deepEqual(seen.sockets, ["/api/sync"], "the tab's one socket");
      assert.ok(seen.confirmed >= 2, "the fleet and approvals topics are subscribed on it");
      assert.ok(seen.stateFrames["/api/sync"] >= 1, "and its state:full");

      // Back on the dashboard from another page: the kept answers are reused, the others asked again.
      seen.api.length = 0;
      seen.quietSince = Date.now();
      await page.click('a[href="/settings"]');
      await page.waitForURL(`${env.server.url}/settings`);
      await page.click('a[href="/"]');
      await page.waitForSelector(".queue-empty");
      await seen.settled();
      const again = seen.api.filter((line) => line.startsWith("GET "));
      assert.deepEqual(repeated(again), [], `no URL is asked for twice (asked: ${again.join(", ")})`);
      assert.ok(!again.some((line) => /\/api\/(fleet|approvals)/.test(line)), `the fleet and the queue come from the cache (asked: ${again.join(", ")})`);
    },
    (context) => signUp(context, env.server, "loads@example.com", "Loads"),
  );
});

test("a bulk approve of a hundred pending approvals is one request", async () => {
  await inNewContext(
    env.browser,
    {},
    async (page, context, token) => {
      const ids = [];
      for (let i = 0; i < 100; i++) {
        const response = await context.request.post(`${env.server.url}/api/v1/approvals`, {
          headers: { authorization: `Bearer ${token}` },
          data: { tool: `tool_${i}`, arguments: { n: i }, reason: "bulk", risk: "low" },
        });
        assert.equal(response.status(), 201);
        ids.push((await response.json()).id);
      }
      await page.goto(`${env.server.url}/approvals`);
      await hydrated(page);
      await page.locator(`li.approval[data-id="${ids[99]}"]`).waitFor();
      const seen = watch(page, env.server.url);
      await page.check("#select-all");
      assert.match(await page.textContent("#bulk-approve"), /\(100\)/);
      await page.click("#bulk-approve");
      await page.click("#bulk-confirm-yes");
      await page.waitForSelector('#bulk-status[data-done="100"]', { timeout: 30_000 });
      assert.match(await page.textContent("#bulk-status"), /Done: 100 of 100 decided/);
      await page.waitForSelector("#approvals-empty");
      const writes = seen.api.filter((line) => !line.startsWith("GET "));
      assert.deepEqual(writes, ["POST /api/approvals/bulk"], "one decision request");
      const pending = await (await context.request.get(`${env.server.url}/api/approvals?status=pending`)).json();
      assert.deepEqual(pending, []);
    },
    async (context) => {
      await signUp(context, env.server, "bulk100@example.com", "Bulk");
      const registered = await context.request.post(`${env.server.url}/api/agents`, { data: { name: "asker", role: "pulse" } });
      assert.equal(registered.status(), 201);
      return (await registered.json()).token;
    },
  );
});
