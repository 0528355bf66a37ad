// End-to-end: the widget dashboard in Chromium. An agent registered by the workspace admin pushes
// tasks, metrics, alerts, a heartbeat, a project and activity through the agent API, and the
// widgets show them without a reload (a second push updates them live), with health checks on the
// Vitals widget and the Agents page; adding, removing, moving and resizing widgets persists across
// a reload and reaches another device; the layout controls hide behind an Edit layout mode that the
// keyboard reaches and Escape leaves; a failed widget retries its own kind and clears on success;
// an ErrorWidget's retry counts to 3 and stops; the gallery shows every widget type in every state;
// the Agents page lists MCP servers with their state, tools and the summary.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { startServer, launchBrowser, hydrated, signUp, ROOT, openPage } from "./helpers.mjs";

const env = {};
before(async () => {
  // Its agents and MCP servers are loopback fixtures, which the egress policy refuses unless allowed.
  env.server = await startServer({ HEALTH_CHECK_INTERVAL_SECS: "1", FLIGHTDECK_EGRESS_ALLOW: "127.0.0.0/8" });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
});

const open = (context, path) => openPage(context, env.server, path);

/** Registers an agent as the signed-in admin; returns a function that pushes as that agent. */
async function register(context, agent) {
  const response = await context.request.post(`${env.server.url}/api/agents`, { data: agent });
  assert.equal(response.status(), 201, await response.text());
  const { token } = await response.json();
  return async (what, data) => {
    const pushed = await fetch(`${env.server.url}/api/v1/${what}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(data),
    });
    assert.ok(pushed.ok, `push ${what}: ${pushed.status} ${await pushed.text()}`);
  };
}

const order = (page) => page.$$eval("#widget-grid article.widget", (els) => els.map((el) => el.dataset.kind));
const orderIs = (page, kinds) =>
  page.waitForFunction(
    (want) => JSON.stringify([...document.querySelectorAll("#widget-grid article.widget")].map((el) => el.dataset.kind)) === want,
    JSON.stringify(kinds),
  );

test("an agent's pushes fill the widgets live, with health checks", async () => {
  const context = await env.browser.newContext();
  try {
    await signUp(context, env.server, "fleet@example.com", "Fleet");
    const pulse = await register(context, { name: "pulse-7", role: "pulse", healthUrl: `${env.server.url}/healthz` });
    const herald = await register(context, { name: "herald-7", role: "herald", healthUrl: "http://127.0.0.1:9/health", healthTimeoutMs: 500 });
    const page = await open(context, "/");
    const widget = (kind) => page.locator(`#widget-grid article[data-kind="${kind}"]`);
    // Nothing reported yet: every fleet widget says so.
    for (const kind of ["project_status", "tasks", "metrics", "alerts", "activity"]) {
      await widget(kind).locator(".widget-empty").waitFor();
    }
    await page.evaluate(() => (window.stillHere = true));

    await pulse("tasks", {
      tasks: [
        { id: "t1", title: "Index the wiki", status: "in_progress", assignee: "pulse-7" },
        { id: "t2", title: "Rotate the keys", status: "todo", assignee: "herald-7" },
      ],
    });
    await pulse("metrics", { metrics: [{ key: "latency", label: "p95 latency", value: 120, unit: "ms" }] });
    await pulse("heartbeat", { status: "working", vitals: { cpuPercent: 42.5, memoryMb: 256, queueDepth: 3, uptimeSecs: 60 } });
    await pulse("projects", { projects: [{ id: "p1", name: "Wiki revamp", progress: 40, health: "at_risk" }] });
    await herald("alerts", {
      alerts: [
        { id: "a1", severity: "warning", title: "Queue is growing" },
        { id: "a2", severity: "critical", title: "Disk full on worker-2" },
        { id: "a3", severity: "critical", title: "Old outage", resolved: true },
      ],
    });
    await herald("activity", { text: "Sent the morning digest" });

    await widget("tasks").locator("li.task").nth(1).waitFor();
    assert.match(await widget("tasks").textContent(), /Index the wiki.*pulse-7.*Rotate the keys.*herald-7/s);
    await widget("metrics").locator(".metric-value", { hasText: "120ms" }).waitFor();
    await widget("vitals").locator('li.vital[data-agent="pulse-7"]').waitFor();
    assert.match(await widget("vitals").textContent(), /pulse-7\s*Vitals\s*working.*CPU 42\.5% · 256 MB · queue 3/s);
    await widget("project_status").locator("li.project", { hasText: "Wiki revamp" }).waitFor();
    assert.match(await widget("project_status").textContent(), /At risk · 40%/);
    await widget("alerts").locator("li.alert").nth(2).waitFor();
    const alerts = await widget("alerts").locator("li.alert").allTextContents();
    assert.deepEqual(
      alerts.map((text) => text.replace(/^(critical|warning)/, "")),
      ["Disk full on worker-2", "Queue is growing", "Old outage"],
      "unresolved first, by severity; the resolved one last",
    );
    await widget("activity").locator("li.event", { hasText: "Sent the morning digest" }).waitFor();
    assert.equal(await widget("activity").locator("li.event .agent").first().getAttribute("title"), "Activity");

    // A second push updates them in place. A second metric first: the one updated moves to the
    // end, and the rows keep their elements through the move (diffed by key, not rebuilt).
    await pulse("metrics", { metrics: [{ key: "errors", label: "Errors", value: 2, unit: "" }] });
    await widget("metrics").locator('li.metric[data-key="errors"]').waitFor();
    const metricRows = () => widget("metrics").locator("li.metric").evaluateAll((rows) => rows.map((row) => [row.dataset.key, row.kept === true]));
    assert.deepEqual(await metricRows(), [["latency", false], ["errors", false]]);
    await widget("metrics").locator("li.metric").evaluateAll((rows) => rows.forEach((row) => (row.kept = true)));
    await pulse("metrics", { metrics: [{ key: "latency", label: "p95 latency", value: 95, unit: "ms" }] });
    await pulse("tasks", { tasks: [{ id: "t2", title: "Rotate the keys", status: "done", assignee: "herald-7" }] });
    await pulse("heartbeat", { status: "idle", vitals: { cpuPercent: 7, memoryMb: 250, queueDepth: 0 } });
    await herald("activity", { text: "Closed 3 tickets" });
    await widget("metrics").locator(".metric-value", { hasText: "95ms" }).waitFor();
    assert.match(await widget("metrics").locator(".metric-delta").textContent(), /▼ 25/);
    assert.equal((await widget("metrics").locator('li.metric[data-key="latency"] svg.sparkline polyline').getAttribute("points")).split(" ").length, 2);
    assert.deepEqual(await metricRows(), [["errors", true], ["latency", true]]);
    await widget("tasks").locator('li.task[data-status="done"]', { hasText: "Rotate the keys" }).waitFor();
    await widget("vitals").locator("li.vital", { hasText: "CPU 7% · 250 MB · queue 0" }).waitFor();
    await page.waitForFunction(() =>
      document.querySelector('#widget-grid article[data-kind="activity"] li.event')?.textContent.includes("Closed 3 tickets"),
    );
    // The task list filters by status and by assignee.
    await widget("tasks").locator("select.task-status").selectOption("done");
    assert.deepEqual(await widget("tasks").locator("li.task").allTextContents(), ["Rotate the keysherald-7"]);
    await widget("tasks").locator("select.task-status").selectOption("");
    await widget("tasks").locator("select.task-assignee").selectOption("pulse-7");
    assert.deepEqual(await widget("tasks").locator("li.task").allTextContents(), ["Index the wikipulse-7"]);
    // The health mesh's checks reach the Vitals widget.
    await widget("vitals").locator('li.vital[data-agent="pulse-7"] .health[data-state="healthy"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.evaluate(() => window.stillHere), true, "no reload happened");

    // The Agents page names roles and shows each agent's last check, live.
    const agents = await open(context, "/agents");
    const row = (name) => agents.locator("li.agent", { hasText: name });
    assert.equal(await row("pulse-7").locator(".role").textContent(), "Vitals");
    assert.equal(await row("herald-7").locator(".role").textContent(), "Activity");
    await row("herald-7").locator('.health[data-state="unreachable"]').waitFor({ timeout: 15_000 });
    await row("pulse-7").locator('.health[data-state="healthy"]').waitFor({ timeout: 15_000 });
    assert.match(await row("pulse-7").locator(".health").textContent(), /Healthy · (<1|\d+) ms/);
    assert.deepEqual([...page.errors, ...agents.errors], []);
  } finally {
    await context.close();
  }
});

test("adding, removing, moving and resizing widgets persists and reaches another device", async () => {
  const email = "layout@example.com";
  const first = await env.browser.newContext();
  const second = await env.browser.newContext();
  try {
    await signUp(first, env.server, email, "Layout");
    const page = await open(first, "/");
    await page.waitForSelector('#dashboard-sync[data-status="saved"]');
    const start = await order(page);
    assert.deepEqual(start, ["project_status", "tasks", "metrics", "alerts", "vitals", "activity", "approval_queue"]);

    await page.click("#layout-edit");
    await page.click('#widget-grid article[data-kind="alerts"] .widget-remove');
    await page.selectOption("#widget-add-kind", "metrics");
    await page.click("#widget-add");
    const expected = ["project_status", "tasks", "metrics", "vitals", "activity", "approval_queue", "metrics"];
    await orderIs(page, expected);
    // Moving with the keyboard: the button keeps the focus, so Enter moves it again.
    await page.focus("#widget-grid article.widget >> nth=0 >> .widget-later");
    await page.keyboard.press("Enter");
    [expected[0], expected[1]] = [expected[1], expected[0]];
    await orderIs(page, expected);
    await page.waitForFunction(() => document.activeElement?.classList.contains("widget-later"));
    await page.keyboard.press("Enter");
    [expected[1], expected[2]] = [expected[2], expected[1]];
    await orderIs(page, expected);
    await page.click("#widget-grid article.widget >> nth=1 >> .widget-earlier");
    [expected[0], expected[1]] = [expected[1], expected[0]];
    await orderIs(page, expected);
    // Resizing: 8 of 12 columns, 4 rows.
    await page.selectOption("#widget-grid article.widget >> nth=0 >> select.widget-width", "8");
    await page.selectOption("#widget-grid article.widget >> nth=0 >> select.widget-height", "4");
    await page.waitForSelector('#widget-grid article.widget[data-size="8x4"]');
    assert.match(await page.getAttribute('#widget-grid article.widget[data-size="8x4"]', "class"), /xl:col-span-8 xl:row-span-4/);
    await page.waitForSelector('#dashboard-sync[data-status="saved"]');

    await page.reload();
    await hydrated(page);
    await page.waitForSelector('#dashboard-sync[data-status="saved"]');
    assert.deepEqual(await order(page), expected, "the layout survives a reload");
    assert.equal(await page.locator("#widget-grid article.widget >> nth=0").getAttribute("data-size"), "8x4");
    assert.equal(await page.getAttribute("#layout-edit", "aria-pressed"), "false", "the mode is not kept across a reload");

    const signedIn = await second.request.post(`${env.server.url}/api/auth/login`, { data: { email, password: "correct horse battery" } });
    assert.equal(signedIn.status(), 200);
    const other = await open(second, "/");
    await orderIs(other, expected);
    // And an edit on the other device arrives here live.
    await other.click("#layout-edit");
    await other.click('#widget-grid article[data-kind="metrics"] .widget-remove >> nth=0');
    await page.waitForFunction(() => document.querySelectorAll('#widget-grid article[data-kind="metrics"]').length === 1);
    assert.deepEqual([...page.errors, ...other.errors], []);
  } finally {
    await first.close();
    await second.close();
  }
});

test("the layout controls hide behind Edit layout, which the keyboard reaches, `e` toggles and Escape leaves", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await signUp(context, env.server, "edit-layout@example.com", "Edit layout");
    const page = await open(context, "/");
    await page.waitForSelector('#dashboard-sync[data-status="saved"]');
    const controls = () => page.locator("#widget-grid .layout-controls").count();
    const pressed = () => page.getAttribute("#layout-edit", "aria-pressed");
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.className);
    // Out of the mode: no control on any card, and every title on one line.
    assert.equal(await controls(), 0);
    assert.equal(await page.locator("#widget-grid .widget-remove, #widget-grid .widget-width").count(), 0);
    assert.equal(await pressed(), "false");
    const tallTitles = await page.$$eval("#widget-grid article.widget h2", (titles) =>
      titles.filter((h2) => h2.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(h2).lineHeight)).map((h2) => h2.textContent),
    );
    assert.deepEqual(tallTitles, [], "no title wraps onto two lines");

    // Tab reaches the toggle (from the page's heading), and Space presses it.
    await page.click("h1");
    for (let i = 0; i < 6 && (await focused()) !== "layout-edit"; i++) await page.keyboard.press("Tab");
    assert.equal(await focused(), "layout-edit", "Tab reaches Edit layout");
    await page.keyboard.press("Space");
    await page.waitForFunction(() => document.querySelectorAll("#widget-grid .layout-controls").length === 7);
    assert.equal(await pressed(), "true");
    await page.locator("#layout-hint").waitFor();

    // A layout change in the mode, by keyboard: the first widget moves later.
    const expected = await order(page);
    await page.focus("#widget-grid article.widget >> nth=0 >> .widget-later");
    await page.keyboard.press("Enter");
    [expected[0], expected[1]] = [expected[1], expected[0]];
    await orderIs(page, expected);
    await page.selectOption("#widget-grid article.widget >> nth=2 >> select.widget-width", "6");
    await page.waitForFunction(() => document.querySelectorAll("#widget-grid article.widget")[2]?.dataset.size.startsWith("6x"));

    // Escape leaves the mode (from a card's control) and puts the focus on the toggle.
    await page.focus("#widget-grid article.widget >> nth=1 >> .widget-earlier");
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => document.querySelectorAll("#widget-grid .layout-controls").length === 0);
    assert.equal(await pressed(), "false");
    assert.equal(await focused(), "layout-edit");
    assert.equal(await page.locator("#layout-hint").count(), 0);
    // Enter turns it on again, a click off; Escape out of the mode does nothing to it.
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelectorAll("#widget-grid .layout-controls").length === 7);
    await page.click("#layout-edit");
    await page.waitForFunction(() => document.querySelectorAll("#widget-grid .layout-controls").length === 0);
    await page.keyboard.press("Escape");
    assert.equal(await pressed(), "false");
    // The `e` shortcut toggles it from anywhere on the page.
    await page.locator("h1").click();
    await page.keyboard.press("e");
    await page.waitForFunction(() => document.querySelectorAll("#widget-grid .layout-controls").length === 7);
    assert.equal(await pressed(), "true");
    await page.keyboard.press("e");
    await page.waitForFunction(() => document.querySelectorAll("#widget-grid .layout-controls").length === 0);
    assert.equal(await pressed(), "false");

    // Nothing of the layout is lost with the mode: it survives a reload, which starts out of it.
    await page.waitForSelector('#dashboard-sync[data-status="saved"]');
    const sizes = await page.$$eval("#widget-grid article.widget", (els) => els.map((el) => el.dataset.size));
    assert.match(sizes[2], /^6x/);
    await page.reload();
    await hydrated(page);
    await page.waitForSelector('#dashboard-sync[data-status="saved"]');
    assert.deepEqual(await order(page), expected, "the order survives a reload");
    assert.deepEqual(await page.$$eval("#widget-grid article.widget", (els) => els.map((el) => el.dataset.size)), sizes);
    assert.equal(await pressed(), "false");
    assert.equal(await controls(), 0);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test("a widget whose data failed retries its own kind, and a success clears the error", async () => {
  const context = await env.browser.newContext();
  try {
    await signUp(context, env.server, "retry@example.com", "Retry");
    const push = await register(context, { name: "navi-7", role: "navi" });
    await push("tasks", { tasks: [{ id: "t1", title: "Plan the sprint", status: "todo" }] });
    const page = await context.newPage();
    page.errors = [];
    page.on("pageerror", (err) => page.errors.push(err.message));
    // The fleet store is down for the first reads.
    const down = { fleet: true, tasks: 1 };
    const fail = (route) =>
      route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: "the fleet store is unavailable" }) });
    await page.route(/\/api\/fleet$/, (route) => (down.fleet ? fail(route) : route.continue()));
    await page.route(/\/api\/fleet\/tasks$/, (route) => (down.tasks-- > 0 ? fail(route) : route.continue()));
    // The server renders a visit to / with the data: the browser reads it itself when it moves
    // to the dashboard from another page.
    await page.goto(`${env.server.url}/settings`);
    await hydrated(page);
    await page.locator("#sidebar a", { hasText: "Dashboard" }).click();
    const tasks = page.locator('#widget-grid article[data-kind="tasks"]');
    await tasks.locator('.widget-error[data-state="error"]').waitFor();
    assert.match(await tasks.textContent(), /could not be loaded: the fleet store is unavailable/);

    await tasks.locator("button.retry").click();
    await tasks.locator('.widget-error[data-attempts="1"][data-state="error"]').waitFor();
    assert.match(await tasks.textContent(), /Attempt 1 of 3/);
    await tasks.locator("button.retry").click();
    await tasks.locator("li.task", { hasText: "Plan the sprint" }).waitFor();
    assert.equal(await tasks.locator(".widget-error").count(), 0, "the error is gone");
    // The other widgets still show their own error.
    assert.equal(await page.locator('#widget-grid article[data-kind="metrics"] .widget-error').count(), 1);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test("an ErrorWidget's retry counts to three and stops", async () => {
  const context = await env.browser.newContext();
  try {
    await signUp(context, env.server, "gallery@example.com", "Gallery");
    const page = await open(context, "/gallery");
    const example = page.locator('article.gallery-example[data-widget="tasks"][data-state="error"]');
    const error = example.locator(".widget-error");
    assert.equal(await error.getAttribute("data-attempts"), "0");
    for (const attempt of [1, 2, 3]) {
      await example.locator("button.retry").click();
      await example.locator(`.widget-error[data-attempts="${attempt}"]:not([data-state="retrying"])`).waitFor();
      assert.match(await error.textContent(), new RegExp(`Attempt ${attempt} of 3`));
    }
    await example.locator(".gave-up").waitFor();
    assert.equal(await error.getAttribute("data-state"), "gave-up");
    assert.equal(await example.locator("button.retry").count(), 0, "no fourth retry");
    assert.match(await example.textContent(), /Gave up after 3 attempts\. Reload the page/);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test("the gallery renders every widget type in every state", async () => {
  const context = await env.browser.newContext();
  try {
    await signUp(context, env.server, "storybook@example.com", "Storybook");
    const page = await open(context, "/gallery");
    const types = ["project_status", "tasks", "metrics", "alerts", "vitals", "activity", "approval_queue"];
    const marks = {
      loading: ".widget-loading",
      empty: ".widget-empty, .queue-empty",
      error: '.widget-error[data-state="error"] button.retry',
      retrying: '.widget-error[data-state="retrying"] .spinner',
      "gave-up": '.widget-error[data-state="gave-up"] .gave-up',
    };
    const content = {
      project_status: ["li.project", /Support copilot.*On track · 64%/s],
      tasks: ["li.task", /Triage new tickets.*navi-1/s],
      metrics: ["li.metric svg.sparkline", /p95 tool latency\s*182\.4ms\s*▼ 12\.5/],
      alerts: ["li.alert", /critical\s*Disk almost full/],
      vitals: ["li.vital .health", /pulse-1\s*Vitals\s*working.*CPU 61\.5%.*Healthy · 4 ms/s],
      activity: ["li.event", /posted the daily digest.*answered 3 customer emails/s],
      approval_queue: [".queue-item", /2 waiting.*deploy/s],
    };
    const examples = await page.locator("article.gallery-example").count();
    assert.equal(examples, types.length * 6);
    for (const type of types) {
      for (const [state, selector] of Object.entries({ ...marks, data: content[type][0] })) {
        const example = page.locator(`article.gallery-example[data-widget="${type}"][data-state="${state}"]`);
        assert.equal(await example.count(), 1, `${type} ${state}`);
        assert.ok((await example.locator(selector).count()) >= 1, `${type} ${state} shows ${selector}`);
      }
      const data = page.locator(`article.gallery-example[data-widget="${type}"][data-state="data"]`);
      assert.match(await data.textContent(), content[type][1], `${type} data`);
    }
    assert.match(
      await page.locator('article.gallery-example[data-widget="metrics"][data-state="retrying"]').textContent(),
      /Attempt 1 of 3.*Retrying…/s,
    );
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test("the Agents page lists MCP servers with their state, tools and summary; admins add and remove them", async () => {
  // A small MCP server over streamable HTTP (it prints its URL once listening).
  const fixture = spawn(process.execPath, [`${ROOT}/tests/fixtures/mcp/http.mjs`], { stdio: ["ignore", "pipe", "inherit"] });
  const context = await env.browser.newContext();
  try {
    const url = await new Promise((resolve, reject) => {
      fixture.stdout.once("data", (chunk) => resolve(String(chunk).trim()));
      fixture.once("exit", (code) => reject(new Error(`the MCP fixture exited with ${code}`)));
    });
    await signUp(context, env.server, "mcp@example.com", "Tools");
    const page = await open(context, "/agents");
    await page.locator("#mcp-empty").waitFor();
    await page.fill("#mcp-name", "fixture");
    await page.fill("#mcp-target", url);
    await page.click("#mcp-add");
    const fixtureRow = page.locator("li.mcp-server", { hasText: "fixture" });
    await fixtureRow.locator('.mcp-state:text-is("connected")').waitFor({ timeout: 15_000 });
    assert.equal(await fixtureRow.locator(".mcp-tools").textContent(), "wait");

    await page.fill("#mcp-name", "nowhere");
    await page.fill("#mcp-target", "http://127.0.0.1:9/mcp");
    await page.click("#mcp-add");
    const nowhere = page.locator("li.mcp-server", { hasText: "nowhere" });
    await nowhere.waitFor();
    await page.waitForFunction(() => document.querySelector("#mcp-health")?.textContent === "1 of 2 connected");
    await nowhere.locator('.mcp-state:text-is("failed")').waitFor({ timeout: 15_000 });

    await nowhere.locator("button.mcp-remove").click();
    await nowhere.waitFor({ state: "detached" });
    await page.waitForFunction(() => document.querySelector("#mcp-health")?.textContent === "1 of 1 connected");
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
    fixture.kill();
  }
});
