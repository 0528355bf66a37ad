/** The thin `fetch` client of the Flightdeck agent API: approvals, their events, heartbeats, fleet reports and usage. */

import type {
  Accepted,
  AgentEvent,
  AlertReport,
  Approval,
  ErrorBody,
  FlightdeckAgentModels,
  Heartbeat,
  MetricReport,
  ProjectReport,
  Recorded,
  Risk,
  RunReport,
  TaskReport,
  UsageBatch,
  UsageEvent,
  Withdrawn,
} from "./types.js";

export type * from "./types.js";

/** Each endpoint's body, as the schema names it (`"POST /api/v1/heartbeat"`). */
type Bodies = FlightdeckAgentModels["models"];
/** Each endpoint's successful answer. */
type Answers = FlightdeckAgentModels["answers"];
type Endpoint = keyof Answers;
/** What an endpoint takes: its model for a POST, nothing otherwise. */
type Body<E extends Endpoint> = E extends `POST ${string}`
  ? E extends keyof Bodies
    ? Bodies[E]
    : never
  : undefined;

/** The longest long-poll the server holds (`GET /api/v1/approvals/{id}/wait?timeout=`), in seconds. */
export const MAX_WAIT_SECONDS = 120;
/** One long-poll's length while waiting without a deadline: under common proxies' idle limits. */
export const LONG_POLL_SECONDS = 55;

/** Flightdeck refused a call: the HTTP status and the server's `{error, field}` body. */
export class FlightdeckError extends Error {
  /** The HTTP status: 400 a field is wrong, 401 the token, 403 another agent's, 404 no such
   * approval, 409 decided otherwise or a finished run, 413 over a limit, 429 too many or too fast. */
  readonly status: number;
  /** The server's sentence: what was wrong. */
  readonly error: string;
  /** The input field it is about, when it is about one (`tasks[2].status`). */
  readonly field: string | undefined;
  /** Seconds to wait before trying again (429 with `Retry-After`). */
  readonly retryAfter: number | undefined;

  constructor(status: number, body: ErrorBody, retryAfter?: number) {
    super(`${status}: ${body.error}${body.field ? ` (${body.field})` : ""}`);
    this.name = "FlightdeckError";
    this.status = status;
    this.error = body.error;
    this.field = body.field ?? undefined;
    this.retryAfter = retryAfter;
  }
}

/** `waitForApproval` gave up: nobody decided within its `timeoutMs`. */
export class ApprovalTimeoutError extends Error {
  /** The approval as it stood at the timeout (`pending`). */
  readonly approval: Approval;

  constructor(approval: Approval) {
    super(`approval ${approval.id} still pending`);
    this.name = "ApprovalTimeoutError";
    this.approval = approval;
  }
}

/** How to ask (`ask(tool, arguments, options)`). */
export interface AskOptions {
  /** Why, in the agent's words. */
  reason?: string;
  /** How risky (`medium` unless said). */
  risk?: Risk;
  /** When it expires unless decided (ms since the Unix epoch). */
  deadline?: number;
}

/** The client's options. */
export interface ClientOptions {
  /** The `fetch` to use (the global one unless given). */
  fetch?: typeof fetch;
}

/** An agent's connection to Flightdeck, authenticated by its token (`fd_…`). */
export class FlightdeckClient {
  readonly #base: string;
  readonly #authorization: string;
  readonly #fetch: typeof fetch;

  /** A client of the server at `baseUrl` (`http://127.0.0.1:8080`) with the agent's `token`. */
  constructor(baseUrl: string, token: string, options: ClientOptions = {}) {
    this.#base = baseUrl.replace(/\/+$/, "");
    this.#authorization = `Bearer ${token}`;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Calls `endpoint` (its `{id}` filled in) with its body; answers its typed answer. */
  async #call<E extends Endpoint>(
    endpoint: E,
    body: Body<E>,
    options: { id?: string; query?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Answers[E]> {
    const [method, template] = endpoint.split(" ", 2) as [string, string];
    const path = template.replace("{id}", encodeURIComponent(options.id ?? ""));
    const query = options.query ? `?${new URLSearchParams(options.query)}` : "";
    const headers: Record<string, string> = { authorization: this.#authorization };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await this.#fetch(`${this.#base}${path}${query}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    });
    if (!response.ok) throw await refusal(response);
    return (await response.json()) as Answers[E];
  }

  /** `POST /api/v1/approvals`: asks an operator before running `tool` with `args`; the
   * answer is `pending`: wait for the decision with `waitForApproval(approval.id)`. */
  ask(tool: string, args: unknown = null, options: AskOptions = {}): Promise<Approval> {
    return this.#call("POST /api/v1/approvals", {
      tool,
      arguments: args,
      reason: options.reason ?? "",
      risk: options.risk ?? "medium",
      deadline: options.deadline ?? null,
    });
  }

  /** `GET /api/v1/approvals/{id}`: the approval as it is now. */
  approval(id: string): Promise<Approval> {
    return this.#call("GET /api/v1/approvals/{id}", undefined, { id });
  }

  /**
   * Waits until the approval is decided (or cancelled, or expired) and answers it.
   *
   * Event-driven: long-polls of `GET /api/v1/approvals/{id}/wait`, which the server answers the
   * moment a decision lands; a poll that ends still pending is asked again. With `timeoutMs`,
   * throws `ApprovalTimeoutError` once it passes; `signal` aborts the wait.
   */
  async waitForApproval(
    id: string,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<Approval> {
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    for (;;) {
      let seconds = LONG_POLL_SECONDS;
      if (deadline !== undefined) {
        const left = Math.ceil((deadline - Date.now()) / 1000);
        seconds = Math.max(1, Math.min(MAX_WAIT_SECONDS, left));
      }
      const approval = await this.#call("GET /api/v1/approvals/{id}/wait", undefined, {
        id,
        query: { timeout: String(seconds) },
        signal: options.signal,
      });
      if (approval.status !== "pending") return approval;
      if (deadline !== undefined && Date.now() >= deadline) {
        throw new ApprovalTimeoutError(approval);
      }
    }
  }

  /** `DELETE /api/v1/approvals/{id}`: withdraws one's own request (it becomes `cancelled`). */
  withdraw(id: string): Promise<Withdrawn> {
    return this.#call("DELETE /api/v1/approvals/{id}", undefined, { id });
  }

  /** `POST /api/v1/approvals/{id}/run`: an approved tool run's progress (`running`, as often as
   * it moves) or outcome (`succeeded` or `failed`, once). Operators see it live. */
  reportRun(id: string, report: RunReport): Promise<Approval> {
    return this.#call("POST /api/v1/approvals/{id}/run", report, { id });
  }

  /**
   * `GET /api/v1/events`: every decision, cancellation and expiry of this agent's approvals.
   *
   * Resolves once the stream is open (no event is missed from then on) to an iterator of each
   * `AgentEvent` as it happens, until `signal` aborts or the caller stops iterating:
   *
   * ```ts
   * const events = await fd.events();
   * const asked = await fd.ask("deploy");
   * for await (const event of events) if (event.approvalId === asked.id) break;
   * ```
   *
   * Iterating throws a 401 `FlightdeckError` when the token is revoked (the server's last event).
   */
  async events(options: { signal?: AbortSignal } = {}): Promise<AsyncGenerator<AgentEvent>> {
    const response = await this.#fetch(`${this.#base}/api/v1/events`, {
      headers: { authorization: this.#authorization, accept: "text/event-stream" },
      signal: options.signal,
    });
    if (!response.ok || !response.body) throw await refusal(response);
    return agentEvents(response.body);
  }

  /** `POST /api/v1/heartbeat`: the agent is alive, its status and vitals. */
  heartbeat(beat: Heartbeat): Promise<Accepted> {
    return this.#call("POST /api/v1/heartbeat", beat);
  }

  /** `POST /api/v1/projects`: projects' status (each replaces the one with its id). */
  projects(projects: ProjectReport["projects"]): Promise<Accepted> {
    return this.#call("POST /api/v1/projects", { projects });
  }

  /** `POST /api/v1/tasks`: tasks (each replaces the one with its id). */
  tasks(tasks: TaskReport["tasks"]): Promise<Accepted> {
    return this.#call("POST /api/v1/tasks", { tasks });
  }

  /** `POST /api/v1/metrics`: KPI readings. */
  metrics(metrics: MetricReport["metrics"]): Promise<Accepted> {
    return this.#call("POST /api/v1/metrics", { metrics });
  }

  /** `POST /api/v1/alerts`: alerts raised or resolved. */
  alerts(alerts: AlertReport["alerts"]): Promise<Accepted> {
    return this.#call("POST /api/v1/alerts", { alerts });
  }

  /** `POST /api/v1/activity`: one line of the activity feed. */
  activity(text: string): Promise<Accepted> {
    return this.#call("POST /api/v1/activity", { text });
  }

  /** `POST /api/v1/usage`: calls and messages (1 to 1,000), stored as one batch. */
  usage(events: UsageEvent | UsageBatch["events"]): Promise<Recorded> {
    return this.#call("POST /api/v1/usage", Array.isArray(events) ? { events } : events);
  }
}

/** The typed error of a refused call, from its status, JSON body and `Retry-After`. */
async function refusal(response: Response): Promise<FlightdeckError> {
  const text = await response.text();
  let body: ErrorBody = { error: text || response.statusText };
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      body = parsed as ErrorBody;
    }
  } catch {
    // Not JSON (a proxy's page): its text is the error.
  }
  const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
  return new FlightdeckError(response.status, body, Number.isNaN(retryAfter) ? undefined : retryAfter);
}

/** The `approval:*` events of an open `/api/v1/events` stream, decoded. */
async function* agentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<AgentEvent> {
  for await (const [kind, data] of serverSentEvents(body)) {
    if (kind === "revoked") throw new FlightdeckError(401, { error: "the token was revoked" });
    if (kind.startsWith("approval:")) yield JSON.parse(data) as AgentEvent;
  }
}

/** Server-sent events (the WHATWG event-stream format) as `[type, data]`: `type` from `event:`
 * (`message` without one), `data` the `data:` lines joined by newlines; comments, `id:` and
 * `retry:` skipped. */
async function* serverSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<[string, string]> {
  let kind = "";
  let data: string[] = [];
  let rest = "";
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const lines = (rest + decoder.decode(value, { stream: true })).split(/\r\n|\r|\n/);
      rest = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "") {
          if (data.length > 0) yield [kind || "message", data.join("\n")];
          kind = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const name = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (name === "event") kind = value;
        else if (name === "data") data.push(value);
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
