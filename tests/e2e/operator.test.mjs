// End-to-end: the operator pages in Chromium. The audit log is filtered, searched, shows a diff
// and exports the current filter as CSV; list filters (audit, approvals, agents) come back after
// a reload; keyboard shortcuts navigate, open the help, stay out of fields and can be moved in
// Settings with conflicts refused; a new approval request raises a toast and lands in the
// notification centre, which a reload keeps, and the user's settings silence a type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { serverAndBrowser, hydrated, signUp, openPage } from "./helpers.mjs";

const env = serverAndBrowser();

/** Signs up an operator and registers an agent; returns the agent's token and an `ask` function. */
async function fleet(context, email) {
  await signUp(context, env.server, email, "Operators");
  const registered = await context.request.post(`${env.server.url}/api/agents`, { data: { name: "deployer", role: "pulse" } });
  assert.equal(registered.status(), 201);
  const { token } = await registered.json();
  const ask = async (tool) => {
    const response = await context.request.post(`${env.server.url}/api/v1/approvals`, {
      headers: { authorization: `Bearer ${token}` },
      data: { tool, arguments: { target: "prod" }, reason: `run ${tool}`, risk: "high" },
    });
    assert.equal(response.status(), 201);
    return (await response.json()).id;
  };
  return { token, ask };
}

const open = (context, path) => openPage(context, env.server, path);

const actions = (page) => page.locator("li.audit-entry").evaluateAll((rows) => rows.map((r) => r.dataset.action));

test("filter and search the audit log, read a diff, export the filter as CSV; the filters survive a reload", async () => {
  const context = await env.browser.newContext({ acceptDownloads: true });
  try {
    const { ask } = await fleet(context, "auditor@example.com");
    await ask("deploy");
    const restarted = await ask("restart");
    const dropped = await ask("drop_table");
    const page = await open(context, "/audit");
    await page.waitForSelector('#audit-chain[data-state="intact"]');
    assert.match(await page.textContent("#audit-chain"), /Hash chain intact: \d+ entries verified/);
    await page.waitForSelector("li.audit-entry");
    const all = await actions(page);
    assert.ok(all.includes("agent.register") && all.includes("auth.signup"), all.join());

    // By action, from the facets.
    await page.selectOption("#audit-action", "approval.request");
    await page.waitForFunction(() => [...document.querySelectorAll("li.audit-entry")].every((r) => r.dataset.action === "approval.request"));
    assert.equal((await actions(page)).length, 3);

    // A search shows its entries in the rows already there: the one entry found (the second
    // row before) is shown by the first row's element, given new text, not built again.
    await page.locator("li.audit-entry").evaluateAll((rows) => rows.forEach((row, i) => (row.position = i)));
    await page.fill("#audit-search", restarted);
    await page.press("#audit-search", "Enter");
    await page.waitForFunction((id) => {
      const rows = document.querySelectorAll("li.audit-entry");
      return rows.length === 1 && rows[0].dataset.id !== undefined && rows[0].textContent.includes(id);
    }, restarted);
    assert.equal(await page.locator("li.audit-entry").evaluate((row) => row.position), 0);

    // Search by resource: the one approval.
    await page.fill("#audit-search", dropped);
    await page.press("#audit-search", "Enter");
    await page.waitForFunction(() => document.querySelectorAll("li.audit-entry").length === 1);
    const entry = page.locator("li.audit-entry");
    assert.match(await entry.locator(".resource").textContent(), new RegExp(`approval ${dropped}`));
    assert.match(await entry.locator(".actor").textContent(), /auditor@example.com|agent/);

    // Its diff: every field of the new request, added.
    await entry.locator("button.diff-toggle").click();
    const tool = entry.locator('tr.change[data-change="added"]', { hasText: "drop_table" });
    await tool.waitFor();
    assert.match(await tool.textContent(), /tool.*drop_table/s);

    // Export exactly this filter.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#audit-export")]);
    assert.match(download.suggestedFilename(), /^flightdeck-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = readFileSync(await download.path(), "utf8").trim().split(/\r?\n/);
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(lines[0], /^id,timestamp,/);
    assert.ok(lines[1].includes(dropped) && lines[1].includes("approval.request"), lines[1]);

    // The filter is kept in the dashboard state: a reload brings it back.
    await page.waitForTimeout(600); // saved once typing pauses (400 ms)
    await page.reload();
    await hydrated(page);
    await page.waitForFunction((id) => document.querySelector("#audit-search")?.value === id, dropped);
    assert.equal(await page.inputValue("#audit-action"), "approval.request");
    await page.waitForFunction(() => document.querySelectorAll("li.audit-entry").length === 1);

    // Cleared, every entry is back.
    await page.click("#audit-clear");
    await page.waitForFunction(() => document.querySelectorAll("li.audit-entry").length > 3);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test("approvals and agents keep their filters across a reload and on another device", async () => {
  const context = await env.browser.newContext();
  try {
    const { ask } = await fleet(context, "filters@example.com");
    await ask("deploy");
    await ask("restart");
    const page = await open(context, "/approvals");
    await page.waitForSelector("li.approval");
    await page.fill("#approvals-search", "resta");
    await page.check("#show-decided");
    await page.waitForFunction(() => document.querySelectorAll("li.approval").length === 1);

    const agents = await open(context, "/agents");
    await agents.waitForSelector("#agent-list li.agent");
    await agents.selectOption("#agents-health", "unchecked");
    await agents.fill("#agents-search", "nobody-by-this-name");
    await agents.waitForSelector("#agents-no-match");
    await page.waitForTimeout(600);

    // Another device of the same user: a fresh context with the same session cookie.
    const other = await env.browser.newContext({ storageState: await context.storageState() });
    try {
      const again = await open(other, "/approvals");
      await again.waitForFunction(() => document.querySelector("#approvals-search")?.value === "resta");
      assert.equal(await again.isChecked("#show-decided"), true);
      await again.waitForFunction(() => document.querySelectorAll("li.approval").length === 1);
      assert.match(await again.textContent("li.approval"), /restart/);
      const agentsAgain = await open(other, "/agents");
      await agentsAgain.waitForFunction(() => document.querySelector("#agents-search")?.value === "nobody-by-this-name");
      assert.equal(await agentsAgain.inputValue("#agents-health"), "unchecked");
      await agentsAgain.click("#agents-no-match button");
      await agentsAgain.waitForSelector("#agent-list li.agent");
      assert.deepEqual([...again.errors, ...agentsAgain.errors], []);
    } finally {
      await other.close();
    }
  } finally {
    await context.close();
  }
});

test("shortcuts navigate and open the help, stay out of fields, and can be moved with conflicts refused", async () => {
  const context = await env.browser.newContext();
  try {
    await signUp(context, env.server, "keys@example.com", "Keys");
    const page = await open(context, "/");
    const at = (path) => page.waitForURL((url) => new URL(url).pathname === path, { timeout: 5_000 });

    await page.keyboard.press("?");
    await page.waitForSelector("#shortcuts-help");
    assert.match(await page.textContent('#shortcuts-help tr[data-action="go.audit"]'), /audit trail.*g.*then.*t/s);
    await page.keyboard.press("Escape");
    await page.waitForSelector("#shortcuts-help", { state: "detached" });

    await page.keyboard.press("g");
    await page.keyboard.press("a");
    await at("/approvals");
    await page.keyboard.press("s");
    await page.waitForFunction(() => document.activeElement?.id === "approvals-search");
    // Typed into the search box, `g d` is text, not a shortcut.
    await page.keyboard.type("gd");
    assert.equal(await page.inputValue("#approvals-search"), "gd");
    assert.equal(new URL(page.url()).pathname, "/approvals");
    await page.fill("#approvals-search", "");
    await page.locator("h1").click();

    await page.keyboard.press("g");
    await page.keyboard.press("t");
    await at("/audit");
    await page.keyboard.press("g");
    await page.keyboard.press("d");
    await at("/");
    await page.keyboard.press("a");
    await page.waitForFunction(() => document.activeElement?.id === "widget-add-kind");

    // Moved in Settings: `g l` goes to the audit trail, `g t` no longer does.
    await page.goto(`${env.server.url}/settings`);
    await hydrated(page);
    await page.fill('input.shortcut-keys[data-action="go.audit"]', "g l");
    await page.press('input.shortcut-keys[data-action="go.audit"]', "Enter");
    await page.waitForFunction(() => document.querySelector("#settings-status")?.textContent.includes("Saved"));
    // A conflict is refused with both actions named, and nothing is saved.
    await page.fill('input.shortcut-keys[data-action="search"]', "?");
    await page.press('input.shortcut-keys[data-action="search"]', "Enter");
    await page.waitForSelector("#shortcut-error");
    assert.match(await page.textContent("#shortcut-error"), /Search this page.*Show these shortcuts|Show these shortcuts.*Search this page/);
    const { user: saved } = await (await context.request.get(`${env.server.url}/api/settings`)).json();
    assert.deepEqual(saved.shortcuts, { "go.audit": "g l" });
    // The server refuses a conflict too.
    const refused = await context.request.put(`${env.server.url}/api/settings/user`, { data: { ...saved, shortcuts: { search: "c" } } });
    assert.equal(refused.status(), 400);
    assert.equal((await refused.json()).field, "shortcuts");

    await page.locator("h1").click();
    await page.keyboard.press("g");
    await page.keyboard.press("l");
    await at("/audit");
    await page.keyboard.press("g");
    await page.keyboard.press("t");
    await page.waitForTimeout(300);
    assert.equal(new URL(page.url()).pathname, "/audit");
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test("a new approval request raises a toast and lands in the notification centre; settings silence a type", async () => {
  const context = await env.browser.newContext();
  try {
    const { token, ask } = await fleet(context, "notified@example.com");
    const page = await open(context, "/");
    await page.waitForSelector('#notifications-button[data-live="true"]');

    await ask("deploy");
    const toast = page.locator('.toast[data-kind="approval"]');
    await toast.waitFor({ timeout: 10_000 });
    assert.match(await toast.textContent(), /deployer asks to run deploy.*high risk/s);
    assert.equal(await page.textContent("#unread-count"), "1");

    // `c` opens the centre; opening marks it read.
    await page.locator("h1").click();
    await page.keyboard.press("c");
    await page.waitForSelector("#notification-centre");
    assert.match(await page.textContent('#notice-list li.notice[data-kind="approval"]'), /deployer asks to run deploy/);
    await page.waitForSelector("#unread-count", { state: "detached" });
    await page.keyboard.press("Escape");
    await page.waitForSelector("#notification-centre", { state: "detached" });

    // Kept across a reload.
    await page.reload();
    await hydrated(page);
    await page.click("#notifications-button");
    await page.waitForSelector('#notice-list li.notice[data-kind="approval"]');
    await page.click("#notifications-button");

    // With approval notices off, a request is silent while an alert still comes through.
    const { user: settings } = await (await context.request.get(`${env.server.url}/api/settings`)).json();
    settings.system.notifications.toolApproval = false;
    assert.equal((await context.request.put(`${env.server.url}/api/settings/user`, { data: settings })).status(), 200);
    await page.reload();
    await hydrated(page);
    await page.waitForSelector('#notifications-button[data-live="true"]');
    await ask("restart");
    const alert = await context.request.post(`${env.server.url}/api/v1/alerts`, {
      headers: { authorization: `Bearer ${token}` },
      data: { alerts: [{ id: "disk", severity: "critical", title: "Disk almost full", detail: "95%", resolved: false }] },
    });
    assert.equal(alert.status(), 200, await alert.text());
    await page.locator('.toast[data-kind="alert"]').waitFor({ timeout: 10_000 });
    assert.match(await page.textContent('.toast[data-kind="alert"]'), /critical alert: Disk almost full/);
    await page.click("#notifications-button");
    const kinds = await page.locator("#notice-list li.notice").evaluateAll((rows) => rows.map((r) => r.dataset.kind));
    assert.deepEqual(kinds, ["alert", "approval"], "the restart request made no notice");
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});
