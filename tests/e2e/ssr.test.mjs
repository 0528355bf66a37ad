// End-to-end: pages render with their data. A signed-in visit with JavaScript off gets each
// page's content in the HTML as sent (the server loads it while rendering: `http::use_api`):
// the dashboard's layout and widgets, the pending approval's tool, the agents' names, the newest
// audit entry, the analytics cards and the user's settings. With JavaScript on, the page hydrates
// with that same content and never shows a loading state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, inNewContext, openPage, signUp } from "./helpers.mjs";

const env = serverAndBrowser();
let fleet;

/** One workspace with an agent that asked for an approval, pushed a task and reported usage: the cookies of its user. */
async function setUp() {
  const context = await env.browser.newContext();
  await signUp(context, env.server, "rendered@example.com", "Rendered");
  const post = async (path, data, headers = {}) => {
    const response = await context.request.post(`${env.server.url}${path}`, { data, headers });
    assert.ok(response.ok(), `${path}: ${response.status()} ${await response.text()}`);
    return response.json();
  };
  const { token } = await post("/api/agents", { name: "cartographer", role: "pulse" });
  const agent = { authorization: `Bearer ${token}` };
  await post("/api/v1/approvals", { tool: "redraw_the_map", arguments: { scale: 3 }, reason: "new roads", risk: "low" }, agent);
  await post("/api/v1/tasks", { tasks: [{ id: "t1", title: "Survey the coast", status: "todo" }] }, agent);
  await post("/api/v1/usage", { events: [{ kind: "call", at: Date.now() - 60_000, model: "gpt-4o", tokens: 900, latencyMs: 120, error: false }] }, agent);
  // The dashboard's server copy: compact, as this user left it on another device.
  const first = await openPage(context, env.server, "/");
  await first.click("#density-toggle");
  await first.waitForSelector('#widget-grid[data-density="compact"]');
  await first.waitForSelector('#dashboard-sync[data-status="saved"]', { timeout: 15_000 });
  const stored = await (await context.request.get(`${env.server.url}/api/dashboard/state`)).json();
  assert.equal(stored.state.preferences.density, "compact");
  await first.close();
  const cookies = await context.cookies();
  await context.close();
  return cookies;
}

/** A page of a context signed in as the fleet's user. */
const signedIn = (options, body) =>
  inNewContext(env.browser, options, body, async (context) => context.addCookies(await (fleet ??= setUp())));

const PAGES = [
  ["/", "#widget-grid[data-density=compact] article[data-kind=tasks]", /Survey the coast/],
  ["/", "#widget-grid article[data-kind=approval_queue]", /redraw_the_map/],
  ["/approvals", "#approval-list li.approval", /redraw_the_map.*by cartographer/s],
  ["/agents", "#agent-list li.agent", /cartographer/],
  ["/audit", "#audit-entries li.audit-entry", /rendered@example.com.*dashboard\.update/],
  ["/analytics", '#analytics-cards .metric-card[data-metric="agent-calls"] .metric-value', /^\s*1\s*$/],
  ["/settings", "#user-settings #timezone", /./],
];

test("with JavaScript off, a signed-in visit gets each page with its data in the HTML", async () => {
  await signedIn({ javaScriptEnabled: false }, async (page) => {
    for (const [path, selector, content] of PAGES) {
      const response = await page.goto(`${env.server.url}${path}`);
      assert.equal(response.status(), 200, path);
      const html = await response.text();
      assert.doesNotMatch(html, /Loading (agents|the queue|entries|the report|your settings)…/, `${path} was sent loading`);
      const text = selector.endsWith("#timezone")
        ? await page.locator(selector).inputValue()
        : await page.locator(selector).first().textContent();
      assert.match(text, content, `${path}: ${selector}`);
    }
    // The top bar knows who is signed in.
    assert.match(await page.content(), /rendered@example\.com/);
  });
});

test("hydrating a rendered page never shows it loading", async () => {
  await signedIn({}, async (page) => {
    // From the first byte on, every "Loading…" status the document ever holds is noted.
    await page.context().addInitScript(() => {
      window.loadingSeen = [];
      const look = () =>
        document.querySelectorAll('[role="status"]').forEach((el) => /^Loading/.test(el.textContent.trim()) && window.loadingSeen.push(el.textContent));
      new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true });
    });
    for (const [path, selector, content] of PAGES.slice(2, 6)) {
      const opened = await openPage(page.context(), env.server, path);
      await opened.waitForTimeout(500);
      assert.deepEqual(await opened.evaluate(() => window.loadingSeen), [], `${path} showed a loading state`);
      assert.match(await opened.locator(selector).first().textContent(), content, path);
      assert.deepEqual(opened.errors, []);
      await opened.close();
    }
  });
});
