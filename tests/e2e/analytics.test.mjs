// End-to-end: the Analytics page in Chromium. Two agents report usage over the last few days and
// an operator decides two of their tool runs; the page shows the totals as cards, four charts
// with a point per bucket, the top agents and report links for the period. The chart lines keep
// a 3:1 contrast against their panel in the light and the dark theme. A custom period is
// applied, refused when it runs backwards (with a retry), and comes back after a reload; the
// scheduled exports are listed once the schedule has written one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAndBrowser, hydrated, signUp, openPage } from "./helpers.mjs";

const env = serverAndBrowser();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `YYYY-MM-DD` of `days` days ago in UTC (the new user's time zone). */
const utcDay = (days) => new Date(Date.now() - days * DAY).toISOString().slice(0, 10);

async function register(context, name, role) {
  const response = await context.request.post(`${env.server.url}/api/agents`, { data: { name, role } });
  assert.equal(response.status(), 201, await response.text());
  const { id, token } = await response.json();
  return { id, token, auth: { authorization: `Bearer ${token}` } };
}

async function report(context, agent, events) {
  const response = await context.request.post(`${env.server.url}/api/v1/usage`, { headers: agent.auth, data: { events } });
  assert.equal(response.status(), 200, await response.text());
  assert.equal((await response.json()).accepted, events.length);
}

/** `count` calls of one agent, spread 10 hours apart back from now, the first `errors` failed. */
function calls(count, { latencyMs, errors = 0, conversationId }) {
  const now = Date.now() - 60_000;
  return Array.from({ length: count }, (_, i) => ({
    kind: "call",
    at: now - i * 10 * HOUR,
    model: "gpt-4o",
    tokens: 1200,
    latencyMs,
    error: i < errors,
    conversationId,
  }));
}

function messages(count, conversationId) {
  const now = Date.now() - 60_000;
  return Array.from({ length: count }, (_, i) => ({ kind: "message", at: now - i * 7 * HOUR, conversationId, tokens: 50 }));
}

const open = (context, path) => openPage(context, env.server, path);

const card = (page, name) => page.textContent(`#analytics-cards .metric-card[data-metric="${name}"] .metric-value`);
const rows = (page, table) => page.locator(`table#${table} tr.agent-row`).evaluateAll((trs) => trs.map((tr) => tr.dataset.agent));

/** Every chart line's stroke against the first opaque background behind its chart, as WCAG contrast. */
const contrasts = (page) =>
  page.evaluate(() => {
    const parse = (css) => {
      const parts = (css.match(/rgba?\(([^)]*)\)/)?.[1] ?? "0 0 0 0").split(/[\s,/]+/).filter(Boolean).map(Number);
      return { r: parts[0], g: parts[1], b: parts[2], a: parts[3] ?? 1 };
    };
    const luminance = ({ r, g, b }) => {
      const linear = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    };
    const behind = (element) => {
      for (let e = element; e; e = e.parentElement) {
        const css = getComputedStyle(e).backgroundColor;
        if (parse(css).a > 0) return css;
      }
      return "rgb(255, 255, 255)";
    };
    return [...document.querySelectorAll("svg.chart")].flatMap((svg) =>
      [...svg.querySelectorAll("polyline.line")].map((line) => {
        const stroke = getComputedStyle(line).stroke;
        const background = behind(svg);
        const [a, b] = [luminance(parse(stroke)), luminance(parse(background))];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        return { chart: svg.dataset.series, line: line.parentElement.dataset.name, stroke, background, ratio };
      }),
    );
  });

test("the report of a week: cards, charts, top agents and downloads; readable in both themes", async () => {
  const context = await env.browser.newContext({ colorScheme: "light" });
  try {
    await signUp(context, env.server, "analyst@example.com", "Analytics");
    const coder = await register(context, "coder-1", "coder");
    const reviewer = await register(context, "reviewer-1", "reviewer");
    // 11 calls (one failed), 8 messages, two conversations, 13,600 tokens (the messages' 400 unpriced).
    await report(context, coder, [...calls(6, { latencyMs: 300, errors: 1, conversationId: "c1" }), ...messages(5, "c1")]);
    await report(context, reviewer, [...calls(5, { latencyMs: 500, conversationId: "c2" }), ...messages(3, "c2")]);
    // Two tool runs: one approved, one rejected.
    for (const decision of ["approve", "reject"]) {
      const asked = await context.request.post(`${env.server.url}/api/v1/approvals`, {
        headers: coder.auth,
        data: { tool: `tool_${decision}`, arguments: {}, reason: "test", risk: "low" },
      });
      assert.equal(asked.status(), 201, await asked.text());
      const { id } = await asked.json();
      assert.equal((await context.request.post(`${env.server.url}/api/approvals/${id}/${decision}`)).status(), 200);
    }

    const page = await open(context, "/analytics");
    await page.selectOption("#analytics-period", "week");
    await page.waitForSelector('#analytics-cards .metric-card[data-metric="agent-calls"]');
    assert.equal(await page.$("#analytics-empty"), null);
    const expected = {
      "agent-calls": "11",
      errors: "1",
      "error-rate": "9.1%",
      "avg-response": "391 ms",
      "tool-runs": "2",
      approved: "1",
      rejected: "1",
      "approval-rate": "50%",
      conversations: "2",
      messages: "8",
      "messages-per-conversation": "4",
      tokens: "13,600",
      cost: "$0.06",
      "tokens-per-conversation": "6,800",
    };
    for (const [name, value] of Object.entries(expected)) {
      assert.equal((await card(page, name)).trim(), value, name);
    }
    assert.equal(await page.locator("#analytics-cards .metric-card").count(), 16);
    assert.match(await card(page, "peak-hour"), /^\d\d:00$/);
    assert.match(await page.textContent("#analytics-unpriced"), /400 tokens/);

    // Four charts, each with a point per day and one above zero; calls by role has a line per role.
    const charts = await page.locator("svg.chart").evaluateAll((svgs) =>
      svgs.map((svg) => ({
        series: svg.dataset.series,
        role: svg.getAttribute("role"),
        label: svg.getAttribute("aria-label"),
        lines: [...svg.querySelectorAll("g.series")].map((g) => g.dataset.name),
        points: [...svg.querySelectorAll("g.series")].map((g) => g.querySelectorAll(".point").length),
        max: Math.max(0, ...[...svg.querySelectorAll(".point")].map((p) => Number(p.dataset.value))),
        titled: [...svg.querySelectorAll(".point")].every((p) => p.querySelector("title")?.textContent.includes(": ")),
      })),
    );
    assert.deepEqual(charts.map((c) => c.series), ["messages", "approvals", "calls-by-role", "error-rate"]);
    for (const chart of charts) {
      assert.ok(chart.max > 0, `${chart.series} has a point above zero`);
      assert.ok(chart.points.every((n) => n === 7), `${chart.series}: a point per day (${chart.points})`);
      assert.equal(chart.role, "img");
      assert.ok(chart.label.length > 10, chart.label);
      assert.ok(chart.titled, `${chart.series}: every point has a title`);
    }
    assert.deepEqual(charts[1].lines, ["approved", "rejected"]);
    assert.deepEqual(charts[2].lines, ["coder", "reviewer"]);
    assert.match(charts[2].label, /coder 6 in all, reviewer 5 in all/);
    // The points add up to the totals.
    const sums = await page.locator("svg.chart g.series").evaluateAll((groups) =>
      Object.fromEntries(
        groups.map((g) => [
          `${g.closest("svg").dataset.series}/${g.dataset.name}`,
          [...g.querySelectorAll(".point")].reduce((sum, p) => sum + Number(p.dataset.value), 0),
        ]),
      ),
    );
    const { "error-rate/error rate": rates, ...counts } = sums;
    assert.ok(rates > 0, JSON.stringify(sums));
    assert.deepEqual(counts, {
      "messages/messages": 8,
      "approvals/approved": 1,
      "approvals/rejected": 1,
      "calls-by-role/coder": 6,
      "calls-by-role/reviewer": 5,
    });

    // The top agents: by use, error rate (1 in 6 beats 0 in 5) and response time (300 ms first).
    assert.deepEqual(await rows(page, "top-most-used"), [coder.id, reviewer.id]);
    assert.equal((await rows(page, "top-error-rate"))[0], coder.id);
    assert.deepEqual(await rows(page, "top-performance"), [coder.id, reviewer.id]);
    assert.match(await page.textContent(`table#top-most-used tr.agent-row[data-agent="${coder.id}"]`), /coder-1.*coder.*6 calls, 5 messages/s);

    // The downloads carry the period and the zone, and answer with the same report.
    const csv = await page.getAttribute("#analytics-export-csv", "href");
    const json = await page.getAttribute("#analytics-export-json", "href");
    for (const href of [csv, json]) {
      assert.match(href, /period=week/);
      assert.match(href, /tz=UTC/);
    }
    assert.notEqual(await page.getAttribute("#analytics-export-csv", "download"), null);
    assert.notEqual(await page.getAttribute("#analytics-export-json", "download"), null);
    assert.match(csv, /^\/api\/analytics\/report\.csv\?/);
    const downloaded = await context.request.get(new URL(json, env.server.url).href);
    assert.equal(downloaded.status(), 200);
    assert.equal((await downloaded.json()).totals.agentCalls, 11);
    const table = await context.request.get(new URL(csv, env.server.url).href);
    assert.equal(table.status(), 200);
    assert.match(table.headers()["content-type"], /text\/csv/);

    // Keyboard: from the picker, Tab reaches the downloads.
    await page.focus("#analytics-period");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "analytics-export-csv");

    // The lines stand out 3:1 from their panel in both themes (the theme is on auto).
    assert.equal(await page.getAttribute("#theme-toggle", "data-choice"), "auto");
    const seen = {};
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForFunction((s) => document.querySelector("#app")?.className === s, scheme);
      const lines = await contrasts(page);
      assert.ok(lines.length >= 5, `${scheme}: ${JSON.stringify(lines)}`);
      for (const line of lines) {
        assert.ok(line.ratio >= 3, `${scheme}: ${line.chart}/${line.line} ${line.stroke} on ${line.background} is ${line.ratio.toFixed(2)}:1`);
      }
      seen[scheme] = lines;
    }
    assert.notEqual(seen.light[0].stroke, seen.dark[0].stroke, "the dark theme has its own line colours");
    assert.notEqual(seen.light[0].background, seen.dark[0].background, "and its own panel");
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test("a custom period: refused backwards with a retry, applied, and kept across a reload", async () => {
  const context = await env.browser.newContext();
  try {
    await signUp(context, env.server, "custom@example.com", "Custom");
    const agent = await register(context, "worker", "coder");
    await report(context, agent, calls(3, { latencyMs: 100, conversationId: "k1" }));
    const page = await open(context, "/analytics");
    await page.waitForSelector("#analytics-cards");
    const asked = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/analytics") asked.push(request.url());
    });

    await page.selectOption("#analytics-period", "custom");
    await page.waitForSelector("#analytics-from");
    assert.equal(await page.isDisabled("#analytics-apply"), true, "Apply waits for both days");

    // Backwards: the server refuses it, naming the field; Retry asks again.
    await page.fill("#analytics-from", utcDay(0));
    await page.fill("#analytics-to", utcDay(3));
    await page.click("#analytics-apply");
    await page.waitForSelector("#analytics-error");
    assert.match(await page.textContent("#analytics-error"), /to: is before from/);
    assert.equal(await page.getAttribute("#analytics-to", "aria-invalid"), "true");
    const before = asked.length;
    const [again] = await Promise.all([
      page.waitForResponse((response) => new URL(response.url()).pathname === "/api/analytics"),
      page.click("#analytics-retry"),
    ]);
    assert.equal(again.status(), 400);
    await page.waitForSelector("#analytics-error");
    assert.ok(asked.length > before, "Retry fetched the report again");

    // The last four days, applied.
    const [from, to] = [utcDay(3), utcDay(0)];
    await page.fill("#analytics-from", from);
    await page.fill("#analytics-to", to);
    await page.click("#analytics-apply");
    await page.waitForFunction((text) => document.querySelector("#analytics-span")?.textContent.startsWith(text), `${from} to ${to}`);
    assert.equal((await card(page, "agent-calls")).trim(), "3");
    const href = await page.getAttribute("#analytics-export-csv", "href");
    const query = (url) => Object.fromEntries(new URL(url, env.server.url).searchParams);
    assert.deepEqual(query(href), { period: "custom", from, to, tz: "UTC" }, href);
    assert.ok(asked.some((url) => query(url).from === from && query(url).to === to), asked.join("\n"));

    // Kept in the dashboard state: a reload brings the period back.
    await page.waitForTimeout(600); // saved once changes pause (400 ms)
    await page.reload();
    await hydrated(page);
    await page.waitForFunction(() => document.querySelector("#analytics-period")?.value === "custom");
    await page.waitForFunction((day) => document.querySelector("#analytics-from")?.value === day, from);
    assert.equal(await page.inputValue("#analytics-to"), to);
    await page.waitForFunction((text) => document.querySelector("#analytics-span")?.textContent.startsWith(text), `${from} to ${to}`);
    assert.equal((await card(page, "agent-calls")).trim(), "3");
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test("a quiet workspace says so; scheduled exports are listed once written", async () => {
  const context = await env.browser.newContext();
  try {
    await signUp(context, env.server, "quiet@example.com", "Quiet");
    const page = await open(context, "/analytics");
    await page.waitForSelector("#analytics-empty");
    assert.equal((await card(page, "agent-calls")).trim(), "0");
    assert.equal((await card(page, "avg-response")).trim(), "—");
    await page.waitForSelector("#analytics-exports-none");
    assert.match(await page.textContent("#analytics-exports"), /automatic export/i);

    // Auto export on, and the schedule run now: yesterday's report is listed and downloads.
    const { workspace } = await (await context.request.get(`${env.server.url}/api/settings`)).json();
    workspace.export = { ...workspace.export, autoExport: true, schedule: "daily", defaultFormat: "csv" };
    const saved = await context.request.put(`${env.server.url}/api/settings/workspace`, { data: workspace });
    assert.equal(saved.status(), 200, await saved.text());
    const run = await context.request.post(`${env.server.url}/api/analytics/exports/run`);
    assert.equal(run.status(), 200, await run.text());
    assert.equal((await run.json()).created, 1);

    await page.reload();
    await hydrated(page);
    const link = page.locator("#analytics-exports a.export-link");
    await link.first().waitFor();
    assert.equal(await link.count(), 1);
    assert.match(await link.textContent(), new RegExp(`${utcDay(1)} to ${utcDay(1)} \\(CSV\\)`));
    const href = await link.getAttribute("href");
    assert.match(href, /^\/api\/analytics\/exports\/[^/]+$/);
    const file = await context.request.get(new URL(href, env.server.url).href);
    assert.equal(file.status(), 200);
    assert.match(file.headers()["content-type"], /text\/csv/);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});
