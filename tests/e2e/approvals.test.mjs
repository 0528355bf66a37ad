// End-to-end: the Approvals page in Chromium. An operator approves, rejects (with a comment) and
// cancels requests that agents made over the agent API; a request made while the page is open
// appears live; the keyboard decides; a long queue shows its first hundred rows and counts the
// rest; twenty requests are approved in bulk after a confirmation, with the progress bar
// counting to twenty.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, hydrated, openPage, signUp } from "./helpers.mjs";

// The long queue's agent asks 206 times in a few seconds, past the default per-token limit.
const env = serverAndBrowser({ AGENT_RATE_LIMIT_BURST: "1000", AGENT_RATE_LIMIT_PER_MINUTE: "10000" });

/** Signs up an operator and registers an agent; returns a function that asks for approvals. */
async function fleet(context, email) {
  await signUp(context, env.server, email, "Approvals");
  const registered = await context.request.post(`${env.server.url}/api/agents`, { data: { name: "deployer", role: "pulse" } });
  assert.equal(registered.status(), 201);
  const { token } = await registered.json();
  return async (tool, extra = {}) => {
    const response = await context.request.post(`${env.server.url}/api/v1/approvals`, {
      headers: { authorization: `Bearer ${token}` },
      data: { tool, arguments: { target: "prod", replicas: 3 }, reason: `run ${tool}`, risk: "high", ...extra },
    });
    assert.equal(response.status(), 201);
    return (await response.json()).id;
  };
}

async function status(context, id) {
  return (await (await context.request.get(`${env.server.url}/api/approvals/${id}`)).json()).status;
}

const openQueue = (context) => openPage(context, env.server, "/approvals");

const row = (page, id) => page.locator(`li.approval[data-id="${id}"]`);

test("approve, reject with a comment and cancel; new requests appear live", async () => {
  const context = await env.browser.newContext();
  try {
    const ask = await fleet(context, "decider@example.com");
    const [first, second, third] = [await ask("deploy", { deadline: Date.now() + 600_000 }), await ask("drop_table"), await ask("send_mail")];
    const page = await openQueue(context);
    await row(page, third).waitFor();
    assert.match(await row(page, first).textContent(), /deploy.*high risk.*by deployer.*min left/s);
    assert.match(await row(page, first).locator("pre").textContent(), /"replicas": 3/);

    await row(page, first).locator("button.approve").click();
    await row(page, first).waitFor({ state: "detached" });
    assert.equal(await status(context, first), "approved");

    await page.fill("#decision-comment", "not on a Friday");
    await row(page, second).locator("button.reject").click();
    await row(page, second).waitFor({ state: "detached" });
    const rejected = await (await context.request.get(`${env.server.url}/api/approvals/${second}`)).json();
    assert.deepEqual([rejected.status, rejected.comment], ["rejected", "not on a Friday"]);

    await page.fill("#decision-comment", "");
    await row(page, third).locator("button.cancel").click();
    await row(page, third).waitFor({ state: "detached" });
    assert.equal(await status(context, third), "cancelled");
    await page.waitForSelector("#approvals-empty");

    // Made while the page is open: it appears without a reload.
    const live = await ask("restart");
    await row(page, live).waitFor({ timeout: 10_000 });
    // Decided elsewhere: it leaves.
    await context.request.post(`${env.server.url}/api/approvals/${live}/reject`);
    await row(page, live).waitFor({ state: "detached", timeout: 10_000 });
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test("the keyboard moves, selects and decides", async () => {
  const context = await env.browser.newContext();
  try {
    const ask = await fleet(context, "keys@example.com");
    const ids = [await ask("one"), await ask("two"), await ask("three")];
    const page = await openQueue(context);
    await row(page, ids[2]).waitFor();
    await page.focus("#approval-list");
    await page.keyboard.press("j");
    await page.waitForSelector(`li.approval[data-id="${ids[1]}"][data-current="true"]`);
    await page.keyboard.press("a");
    await row(page, ids[1]).waitFor({ state: "detached" });
    assert.equal(await status(context, ids[1]), "approved");
    await page.keyboard.press("k");
    await page.keyboard.press("r");
    await row(page, ids[0]).waitFor({ state: "detached" });
    assert.equal(await status(context, ids[0]), "rejected");
    await page.keyboard.press("x");
    await page.waitForSelector("#bulk-approve:not([disabled])");
    assert.match(await page.textContent("#bulk-approve"), /\(1\)/);
  } finally {
    await context.close();
  }
});

test("a long queue shows its first hundred rows and counts the rest; Show more and j reach them", async () => {
  const context = await env.browser.newContext();
  try {
    const ask = await fleet(context, "long-queue@example.com");
    const ids = [];
    for (let i = 0; i < 205; i++) ids.push(await ask(`long_${i}`));
    const page = await openQueue(context);
    await row(page, ids[99]).waitFor();
    const rows = () => page.locator("li.approval").count();
    assert.equal(await rows(), 100);
    assert.equal(await row(page, ids[100]).count(), 0, "the 101st waits behind Show more");
    assert.match(await page.textContent("#approvals-more"), /Showing the first 100 of 205\..*Show 100 more/s);
    // A request made past the rows shown changes the count, not the rows.
    const live = await ask("long_live");
    await page.waitForSelector('#approvals-more[data-total="206"]', { timeout: 10_000 });
    assert.equal(await rows(), 100);
    await page.click("#approvals-more button");
    await row(page, ids[199]).waitFor();
    assert.equal(await rows(), 200);
    assert.match(await page.textContent("#approvals-more"), /Showing the first 200 of 206\..*Show 6 more/s);
    // The keyboard's j past the last row shown shows the rest, and moves onto the next row.
    await page.focus("#approval-list");
    for (let i = 0; i < 200; i++) await page.keyboard.press("j");
    await page.waitForSelector(`li.approval[data-id="${ids[200]}"][data-current="true"]`);
    await row(page, live).waitFor();
    assert.equal(await rows(), 206);
    assert.equal(await page.locator("#approvals-more").count(), 0, "no Show more once every row shows");
    // Select all takes the whole queue loaded, shown or not.
    await page.check("#select-all");
    assert.match(await page.textContent("#bulk-approve"), /\(206\)/);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test("bulk-approve twenty requests with a confirmation and a progress bar", async () => {
  const context = await env.browser.newContext();
  try {
    const ask = await fleet(context, "bulk-ui@example.com");
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await ask(`tool_${i}`));
    const page = await openQueue(context);
    await row(page, ids[19]).waitFor();
    await page.check("#select-all");
    assert.match(await page.textContent("#bulk-approve"), /\(20\)/);
    await page.click("#bulk-approve");
    await page.waitForSelector("#bulk-confirm");
    assert.match(await page.textContent("#bulk-confirm"), /Approve 20 tool runs\?/);
    // The progress bar appears and counts to twenty, chunk by chunk. A MutationObserver records
    // every count the page showed, since a fast server can finish before a poll would look.
    await page.evaluate(() => {
      window.__bulkSeen = [];
      const record = () => {
        const done = document.querySelector("#bulk-status")?.getAttribute("data-done");
        if (done !== undefined && done !== null && window.__bulkSeen.at(-1) !== Number(done)) {
          window.__bulkSeen.push(Number(done));
        }
      };
      new MutationObserver(record).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ["data-done"],
      });
    });
    await page.click("#bulk-confirm-yes");
    await page.waitForSelector("#bulk-progress");
    await page.waitForSelector('#bulk-status[data-done="20"]', { timeout: 20_000 });
    const seen = await page.evaluate(() => window.__bulkSeen);
    assert.equal(await page.getAttribute("#bulk-progress", "value"), "20");
    assert.equal(await page.getAttribute("#bulk-progress", "max"), "20");
    assert.equal(seen[0], 0, `progress starts at 0 (saw ${seen})`);
    assert.equal(seen.at(-1), 20, `progress ends at 20 (saw ${seen})`);
    assert.ok(
      seen.every((n, i) => i === 0 || n > seen[i - 1]),
      `progress only counts up (saw ${seen})`,
    );
    assert.ok(seen.length > 2, `progress shows counts between 0 and 20 (saw ${seen})`);
    assert.match(await page.textContent("#bulk-status"), /Done: 20 of 20 decided/);
    assert.equal(await page.$("#bulk-failures"), null);
    await page.waitForSelector("#approvals-empty");
    const pending = await (await context.request.get(`${env.server.url}/api/approvals?status=pending`)).json();
    assert.deepEqual(pending, []);
    for (const id of ids) assert.equal(await status(context, id), "approved");
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test("an admin registers an agent on the Agents page, sees its token once with snippets to connect it, and revokes it", async () => {
  const context = await env.browser.newContext();
  try {
    await signUp(context, env.server, "registrar@example.com", "Agents");
    const page = await openPage(context, env.server, "/agents");
    await page.waitForSelector("#agents-empty");
    await page.fill("#agent-name", "pulse-1");
    await page.fill("#agent-role", "pulse");
    await page.click("#agent-register");
    await page.waitForSelector("#new-token");
    const token = (await page.textContent("#new-token code")).trim();
    assert.match(token, /^fd_[0-9a-f]{64}$/);
    // "Connect an agent": a snippet per way in, with this server and the token, to copy.
    const snippet = () => page.textContent("#snippet");
    assert.match(await snippet(), new RegExp(`OTEL_EXPORTER_OTLP_ENDPOINT=${env.server.url}\nexport OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20${token}"`));
    await page.click("#connect-agent [data-kind='MCP']");
    assert.equal(await page.getAttribute("#connect-agent [data-kind='MCP']", "aria-selected"), "true");
    assert.equal(JSON.parse(await snippet()).mcpServers.flightdeck.url, `${env.server.url}/mcp`);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.server.url });
    await page.click("#connect-agent [data-kind='curl']");
    await page.click("#snippet-copy");
    await page.waitForSelector("#snippet-copy:has-text('Copied')");
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.ok(copied.startsWith(`curl -X POST ${env.server.url}/api/v1/approvals -H "Authorization: Bearer ${token}"`), copied);
    await page.waitForSelector("li.agent .token-state:has-text('token active')");
    const ask = (t) => context.request.post(`${env.server.url}/api/v1/approvals`, { headers: { authorization: `Bearer ${t}` }, data: { tool: "x", risk: "low" } });
    assert.equal((await ask(token)).status(), 201);
    // Gone after a reload: shown once.
    await page.reload();
    await hydrated(page);
    await page.waitForSelector("li.agent");
    assert.equal(await page.$("#new-token"), null);
    await page.click("li.agent button.revoke");
    await page.waitForSelector("li.agent .token-state:has-text('token revoked')");
    assert.equal((await ask(token)).status(), 401);
  } finally {
    await context.close();
  }
});

test("the dashboard's approval-queue widget counts, decides and follows live", async () => {
  const context = await env.browser.newContext();
  try {
    const ask = await fleet(context, "widget@example.com");
    const first = await ask("deploy");
    const page = await openPage(context, env.server);
    const widget = page.locator('article[data-kind="approval_queue"]');
    await widget.locator('.queue-count[data-count="1"]').waitFor({ timeout: 15_000 });
    const second = await ask("rollback");
    await widget.locator('.queue-count[data-count="2"]').waitFor({ timeout: 10_000 });
    await widget.locator(`.queue-item[data-id="${first}"] button.approve`).click();
    await widget.locator('.queue-count[data-count="1"]').waitFor();
    assert.equal(await status(context, first), "approved");
    await context.request.post(`${env.server.url}/api/approvals/${second}/reject`);
    await widget.locator(".queue-empty").waitFor({ timeout: 10_000 });
  } finally {
    await context.close();
  }
});

// The queue is read again once its live topic is subscribed. A request made after that answer was
// read but before it arrived is shown by its live event, and the older answer must not take it away.
for (const [where, path, count] of [
  ["the dashboard's widget", "/", (page) => page.locator('article[data-kind="approval_queue"] .queue-item').count()],
  ["the Approvals page", "/approvals", (page) => page.locator("li.approval").count()],
]) {
  test(`${where} keeps a request made while its queue is being read again`, async () => {
    const context = await env.browser.newContext({ serviceWorkers: "block" });
    try {
      const ask = await fleet(context, `late-${path.length}@example.com`);
      await ask("deploy");
      let read;
      const answerRead = new Promise((resolve) => (read = resolve));
      let release;
      const held = new Promise((resolve) => (release = resolve));
      const answered = [];
      await context.route(/\/api\/approvals\?(?:.*&)?status=pending/, async (route) => {
        const response = await route.fetch();
        read();
        await held;
        await route.fulfill({ response });
        answered.push(route.request().url());
      });
      const page = await openPage(context, env.server, path);
      await Promise.race([
        answerRead,
        page.waitForTimeout(15_000).then(() => assert.fail("the queue was not read again once its live topic was subscribed")),
      ]);
      await ask("rollback");
      const deadline = Date.now() + 10_000;
      while ((await count(page)) < 2 && Date.now() < deadline) await page.waitForTimeout(50);
      assert.equal(await count(page), 2, "the live event shows the new request");
      release();
      while (answered.length === 0 && Date.now() < deadline + 10_000) await page.waitForTimeout(50);
      assert.equal(answered.length, 1, "the held answer was sent");
      // The answer, read before the request, is applied in the next frames.
      await page.waitForTimeout(500);
      assert.equal(await count(page), 2, "the older answer did not take the new request away");
      assert.deepEqual(page.errors, []);
    } finally {
      await context.close();
    }
  });
}
