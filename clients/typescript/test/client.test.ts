/** The TypeScript client against a real Flightdeck (tests/server/clients.rs bundles and runs it, playing the operator). */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ApprovalTimeoutError,
  FlightdeckClient,
  FlightdeckError,
  type AgentEvent,
} from "../src/client.js";

// Set by tests/server/clients.rs: the server (loopback), this agent's token, and the operator
// who decides every approval whose arguments say `decide` (and leaves the others pending).
const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: tests/server/clients.rs runs these tests`);
  return value;
};
const URL = need("FLIGHTDECK_URL");
const TOKEN = need("FLIGHTDECK_TOKEN");
const OPERATOR = need("FLIGHTDECK_OPERATOR");
const AGENT = need("FLIGHTDECK_AGENT");
const fd = new FlightdeckClient(URL, TOKEN);

/** The FlightdeckError `promise` rejects with. */
async function refusal(promise: Promise<unknown>): Promise<FlightdeckError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FlightdeckError, `not a FlightdeckError: ${error}`);
    return error;
  }
  assert.fail("it succeeded");
}

test("asks, waits and gets the operator's approval, then reports its run", async () => {
  const asked = await fd.ask(
    "deploy",
    { service: "api", decide: "approve", comment: "ship it" },
    { reason: "release 1.4", risk: "high" },
  );
  assert.equal(asked.status, "pending");
  assert.deepEqual([asked.tool, asked.risk, asked.reason], ["deploy", "high", "release 1.4"]);
  assert.equal(asked.agentName, AGENT);

  const decided = await fd.waitForApproval(asked.id, { timeoutMs: 60_000 });
  assert.equal(decided.id, asked.id);
  assert.equal(decided.status, "approved");
  assert.equal(decided.allowed, true);
  assert.equal(decided.comment, "ship it");
  assert.equal(decided.decidedBy, OPERATOR);
  assert.equal((await fd.approval(asked.id)).status, "approved");

  const running = await fd.reportRun(asked.id, {
    status: "running",
    progress: 40,
    message: "rolling out",
  });
  assert.deepEqual([running.run?.status, running.run?.progress], ["running", 40]);
  const done = await fd.reportRun(asked.id, { status: "succeeded", result: "3 of 3 pods" });
  assert.deepEqual([done.run?.status, done.run?.result], ["succeeded", "3 of 3 pods"]);
  // A finished run does not change again.
  const again = await refusal(fd.reportRun(asked.id, { status: "failed" }));
  assert.equal(again.status, 409);
});

test("a rejection comes back with the operator's comment", async () => {
  const asked = await fd.ask(
    "drop_table",
    { table: "users", decide: "reject", comment: "not in production" },
    { reason: "cleanup", risk: "high" },
  );
  const decided = await fd.waitForApproval(asked.id, { timeoutMs: 60_000 });
  assert.equal(decided.status, "rejected");
  assert.equal(decided.allowed, false);
  assert.equal(decided.comment, "not in production");
  assert.equal(decided.decidedBy, OPERATOR);
  // A rejected tool does not run.
  assert.equal((await refusal(fd.reportRun(asked.id, { status: "running" }))).status, 409);
});

test("the event stream carries the decision", async () => {
  const stop = new AbortController();
  const events = await fd.events({ signal: stop.signal });
  const asked = await fd.ask("restart", { decide: "approve", comment: "go" }, { reason: "stuck" });
  let event: AgentEvent | undefined;
  for await (const next of events) {
    if (next.approvalId === asked.id) {
      event = next;
      break;
    }
  }
  stop.abort();
  assert.equal(event?.type, "approval:approved");
  assert.equal(event?.reason, "go");
  assert.equal(event?.approval.status, "approved");
  assert.equal(event?.approval.decidedBy, OPERATOR);
});

test("an undecided wait times out and a withdrawn request is cancelled", async () => {
  const asked = await fd.ask("rotate_keys", { decide: "nobody" }, { reason: "monthly" });
  const started = Date.now();
  await assert.rejects(fd.waitForApproval(asked.id, { timeoutMs: 1_000 }), (error) => {
    assert.ok(error instanceof ApprovalTimeoutError);
    assert.equal(error.approval.status, "pending");
    return true;
  });
  assert.ok(Date.now() - started >= 1_000);

  const withdrawn = await fd.withdraw(asked.id);
  assert.equal(withdrawn.success, true);
  assert.equal(withdrawn.approval.status, "cancelled");
  assert.equal(typeof withdrawn.cancelledAt, "number");
  assert.equal(withdrawn.approval.decidedBy, `agent:${AGENT}`);
  // Waiting on a finished approval answers at once.
  assert.equal((await fd.waitForApproval(asked.id)).status, "cancelled");
});

test("refusals are typed errors with the server's message and field", async () => {
  const stranger = new FlightdeckClient(URL, "fd_not-a-real-token");
  const unknown = await refusal(stranger.activity("hello"));
  assert.equal(unknown.status, 401);
  assert.ok(unknown.error.length > 0);

  // The schema cannot say "in the future": the server names the field.
  const late = await refusal(fd.ask("deploy", null, { reason: "late", deadline: 1_000 }));
  assert.equal(late.status, 400);
  assert.equal(late.field, "deadline");
  assert.match(late.error, /future/);
  const old = await refusal(fd.usage([{ kind: "call" }, { kind: "call", at: 1_000 }]));
  assert.equal(old.field, "events[1].at");

  const missing = await refusal(fd.approval("no-such-approval"));
  assert.equal(missing.status, 404);
});

test("heartbeat and fleet reports are accepted", async () => {
  const beat = await fd.heartbeat({
    status: "working",
    vitals: { cpuPercent: 12.5, memoryMb: 256, queueDepth: 3 },
    message: "from typescript",
  });
  assert.equal(beat.accepted, 1);
  assert.ok(beat.receivedAt > 0);
  const project = { id: `${AGENT}-project`, name: "TS client", progress: 70, health: "on_track" } as const;
  assert.equal((await fd.projects([project])).accepted, 1);
  const tasks = await fd.tasks([
    { id: `${AGENT}-task-1`, title: "Generate the types", status: "done" },
    { id: `${AGENT}-task-2`, title: "Write the client", status: "in_progress" },
  ]);
  assert.equal(tasks.accepted, 2);
  const metric = { key: `${AGENT}-latency`, label: "Latency", value: 42, unit: "ms" };
  assert.equal((await fd.metrics([metric])).accepted, 1);
  const alert = { id: `${AGENT}-alert`, severity: "warning", title: "TypeScript says hi" } as const;
  assert.equal((await fd.alerts([alert])).accepted, 1);
  assert.equal((await fd.activity(`${AGENT} reporting`)).accepted, 1);
  const usage = await fd.usage([
    { kind: "call", model: "gpt-4o", tokens: 120, latencyMs: 300 },
    { kind: "message", conversationId: `${AGENT}-conversation` },
  ]);
  assert.equal(usage.accepted, 2);
  assert.equal((await fd.usage({ kind: "call", tokens: 5 })).accepted, 1);
});
