// End-to-end: the MCP gateway in Chromium. An agent speaking MCP (the official TypeScript SDK's
// client, over streamable HTTP with its bearer token) calls server-everything's echo through
// Flightdeck; the call waits on the Approvals page with its server, tool, rule and arguments; the
// operator edits an argument and approves; the waiting client gets the edited result and the card
// shows the run going to succeeded; "always allow" adds a rule the next call passes without
// asking; the Policies page shows it and the Agents page lists the connected client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ROOT, serverAndBrowser, openPage, signUp } from "./helpers.mjs";

const operatorFile = join(mkdtempSync(join(tmpdir(), "flightdeck-mcp-")), "mcp.json");
writeFileSync(
  operatorFile,
  JSON.stringify({
    mcpServers: {
      everything: {
        command: "node",
        args: [join(ROOT, "node_modules/@modelcontextprotocol/server-everything/dist/index.js"), "stdio"],
      },
    },
  }),
);
const env = serverAndBrowser({ FLIGHTDECK_MCP_CONFIG: operatorFile });

/** An operator's workspace with server-everything connected and an agent: the agent's token. */
async function workspace(context) {
  await signUp(context, env.server, "gateway@example.com", "Gateway");
  const added = await context.request.post(`${env.server.url}/api/mcp/servers`, {
    data: { name: "everything", transport: { kind: "operator", server: "everything" } },
  });
  assert.equal(added.status(), 201);
  const registered = await context.request.post(`${env.server.url}/api/agents`, { data: { name: "coder", role: "coder" } });
  assert.equal(registered.status(), 201);
  const deadline = Date.now() + 40_000;
  while ((await (await context.request.get(`${env.server.url}/api/mcp/servers`)).json()).health.connected !== 1) {
    assert.ok(Date.now() < deadline, "server-everything did not connect");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return (await registered.json()).token;
}

async function mcpClient(token) {
  const client = new Client({ name: "e2e-agent", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${env.server.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

const text = (result) => result.content.map((block) => block.text).join("");

test("an MCP call waits on the Approvals page, is edited and approved, runs, and is always allowed after", async () => {
  const context = await env.browser.newContext();
  const client = await mcpClient(await workspace(context)).catch((err) => {
    throw new Error(`${err}\n${env.server.log()}`);
  });
  try {
    const page = await openPage(context, env.server, "/approvals");

    const waiting = client.callTool({ name: "everything__echo", arguments: { message: "from the agent" } });
    const card = page.locator("li.approval").first();
    await card.waitFor();
    assert.match(await card.locator(".approval-gate").textContent(), /everything \/ echo.*default ask.*policy revision 0/s);
    assert.match(await card.locator("pre").textContent(), /"message": "from the agent"/);

    await card.locator("button.edit").click();
    await card.locator("textarea.edit-arguments").fill('{ "message": "edited in the browser" }');
    await card.locator("button.approve-edited").click();
    const result = await waiting;
    assert.equal(text(result), "Echo: edited in the browser");
    await card.locator('.approval-run[data-run="succeeded"]').waitFor();
    assert.match(await card.locator(".run-result").textContent(), /Echo: edited in the browser/);
    assert.match(await card.locator(".approval-gate").textContent(), /arguments edited/);

    await card.locator("button.always-allow").click();
    await page.waitForSelector('[role="alert"]:has-text("revision 1")');
    const direct = await client.callTool({ name: "everything__echo", arguments: { message: "no need to ask" } });
    assert.equal(text(direct), "Echo: no need to ask");
    const pending = await (await context.request.get(`${env.server.url}/api/approvals?status=pending`)).json();
    assert.deepEqual(pending, [], "the allowed call made no approval");

    await page.click('#sidebar a:has-text("Policies")');
    await page.waitForSelector("#policy-rules tr.policy-rule");
    assert.equal(await page.getAttribute("#policy-revision", "data-revision"), "1");
    assert.match(await page.locator("tr.policy-rule").first().textContent(), /coder.*everything.*echo.*allow/s);

    await page.click('#sidebar a:has-text("Agents")');
    await page.waitForSelector('#mcp-client-list li.mcp-client[data-agent="coder"]');
    assert.match(await page.locator("li.mcp-client").first().textContent(), /e2e-agent 1\.0\.0/);
    assert.deepEqual(page.errors, []);
  } finally {
    await client.close();
    await context.close();
  }
});

test("an operator writes a rule on the Policies page, tries it on the last calls, and saves it", async () => {
  const context = await env.browser.newContext();
  try {
    const signedUp = await context.request.post(`${env.server.url}/api/auth/login`, {
      data: { email: "gateway@example.com", password: "correct horse battery" },
    });
    assert.equal(signedUp.status(), 200);
    const page = await openPage(context, env.server, "/policies");
    await page.waitForSelector("#policy-rules");
    await page.fill("#rule-server", "everything");
    await page.fill("#rule-tool", "echo");
    await page.selectOption("#rule-effect", "deny");
    await page.click("#rule-add");
    // Moved first, it would deny the calls the first test made.
    await page.locator("tr.policy-rule").nth(1).locator('button[aria-label="Move rule 2 up"]').click();
    await page.click("#policy-dry-run");
    await page.waitForSelector("#policy-dry-run-result");
    assert.equal(await page.getAttribute("#policy-dry-run-result", "data-changed"), "2");
    await page.click("#policy-save");
    await page.waitForSelector('#policy-message:has-text("revision 2")');
    const saved = await (await context.request.get(`${env.server.url}/api/policies`)).json();
    assert.deepEqual(
      saved.policy.rules.map((rule) => rule.effect),
      ["deny", "allow"],
    );
  } finally {
    await context.close();
  }
});
