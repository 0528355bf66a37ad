// End-to-end: a newcomer's first screen. The demo fleet (on by default on the embedded store; the
// tests turn it on explicitly) fills the dashboard's widgets within seconds through the agent
// API, keeps them moving live, and shows a failing health check on the Agents page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, signIn, openPage } from "./helpers.mjs";

const env = {};
before(async () => {
  // The demo's own admin: no first admin from the environment.
  env.server = await startServer({ FLIGHTDECK_DEMO: "1", HEALTH_CHECK_INTERVAL_SECS: "2", FLIGHTDECK_ADMIN_EMAIL: "", FLIGHTDECK_ADMIN_PASSWORD: "" });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
});

const open = (context, path) => openPage(context, env.server, path);

test("the demo fleet fills the dashboard live and shows a failing health check", async () => {
  const context = await env.browser.newContext();
  try {
    await signIn(context, env.server);
    const page = await open(context, "/");
    const widget = (kind) => page.locator(`#widget-grid article[data-kind="${kind}"]`);
    await widget("tasks").locator("li.task").first().waitFor({ timeout: 20_000 });
    await widget("metrics").locator(".metric-value").first().waitFor();
    await widget("vitals").locator("li.vital").first().waitFor();
    await widget("activity").locator("li.event").first().waitFor();
    await widget("alerts").locator("li.alert").first().waitFor();
    await widget("project_status").locator("li.project").first().waitFor();
    await widget("approval_queue").locator(".queue-item").first().waitFor({ timeout: 20_000 });
    assert.match(await widget("vitals").textContent(), /pulse-1/);
    assert.ok((await widget("metrics").locator("svg.sparkline polyline").count()) >= 1);

    // Live: herald-1 posts activity every 4 s; it arrives without a reload.
    const before = await widget("activity").locator("li.event").count();
    await page.waitForFunction(
      (n) => document.querySelectorAll('#widget-grid article[data-kind="activity"] li.event').length > n,
      before,
      { timeout: 15_000 },
    );

    // herald-1's health URL answers nothing: the Agents page says so, by the role's name.
    const agents = await open(context, "/agents");
    const herald = agents.locator('li.agent:has-text("herald-1")');
    await herald.locator('.health[data-state="unreachable"]').waitFor({ timeout: 20_000 });
    assert.match(await herald.locator(".role").textContent(), /Activity/);
    assert.deepEqual([...page.errors, ...agents.errors], []);
  } finally {
    await context.close();
  }
});
