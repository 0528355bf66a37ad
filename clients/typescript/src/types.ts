/** TypeScript types of the Flightdeck agent API, generated from /api/v1/schema by scripts/clients.sh (json-schema-to-typescript): do not edit. */

/**
 * How risky the tool run is, as the agent sees it.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Risk".
 */
export type Risk = "low" | "medium" | "high";
/**
 * Where a tool run stands after its approval.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "RunStatus".
 */
export type RunStatus = "running" | "succeeded" | "failed";
/**
 * Where an approval stands.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Status".
 */
export type Status = "pending" | "approved" | "rejected" | "cancelled" | "expired";
/**
 * How urgent an alert is.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Severity".
 */
export type Severity = "info" | "warning" | "critical";
/**
 * What an agent is doing, by its own account.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "AgentStatus".
 */
export type AgentStatus = "idle" | "working" | "error";
/**
 * How a project is going.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "ProjectHealth".
 */
export type ProjectHealth = "on_track" | "at_risk" | "blocked";
/**
 * Where a task stands.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "TaskStatus".
 */
export type TaskStatus = "todo" | "in_progress" | "blocked" | "done";
/**
 * What a usage event counts.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "UsageKind".
 */
export type UsageKind = "call" | "message";

/**
 * What agents send to and receive from /api/v1, generated from the server's Rust types. `models` names each endpoint's body, `answers` each endpoint's successful answer and `error` the body of every error answer; the definitions are under `$defs`.
 */
export interface FlightdeckAgentModels {
  /**
   * Each endpoint's body.
   */
  models: {
    "GET /api/v1/approvals/{id}": Approval;
    "GET /api/v1/events": AgentEvent;
    "POST /api/v1/activity": ActivityReport;
    "POST /api/v1/alerts": AlertReport;
    "POST /api/v1/approvals": NewApproval;
    "POST /api/v1/approvals/{id}/run": RunReport;
    "POST /api/v1/heartbeat": Heartbeat;
    "POST /api/v1/metrics": MetricReport;
    "POST /api/v1/projects": ProjectReport;
    "POST /api/v1/tasks": TaskReport;
    "POST /api/v1/usage": UsageEvent | UsageBatch;
  };
  /**
   * Each endpoint's successful answer.
   */
  answers: {
    "DELETE /api/v1/approvals/{id}": Withdrawn;
    "GET /api/v1/approvals/{id}": Approval;
    "GET /api/v1/approvals/{id}/wait": Approval;
    "POST /api/v1/activity": Accepted;
    "POST /api/v1/alerts": Accepted;
    "POST /api/v1/approvals": Approval;
    "POST /api/v1/approvals/{id}/run": Approval;
    "POST /api/v1/heartbeat": Accepted;
    "POST /api/v1/metrics": Accepted;
    "POST /api/v1/projects": Accepted;
    "POST /api/v1/tasks": Accepted;
    "POST /api/v1/usage": Recorded;
  };
  error: ErrorBody;
}
/**
 * A tool run waiting for (or past) a human decision.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Approval".
 */
export interface Approval {
  /**
   * The agent that asked.
   */
  agentId: string;
  /**
   * Its name.
   */
  agentName: string;
  /**
   * Whether the agent may run the tool (none while pending).
   */
  allowed?: boolean | null;
  /**
   * The arguments it would run it with.
   */
  arguments: unknown;
  /**
   * SHA-256 (hex) of the arguments in RFC 8785 canonical JSON: what was approved is what runs.
   */
  argumentsSha256?: string | null;
  /**
   * The decider's comment, or the cancellation's reason.
   */
  comment?: string | null;
  /**
   * When it was asked (ms since the Unix epoch).
   */
  createdAt: number;
  /**
   * When it expires unless decided.
   */
  deadlineAt?: number | null;
  /**
   * When it left `pending`.
   */
  decidedAt?: number | null;
  /**
   * Who ended it: a user's email, `agent:<name>`, or `system` (expiry).
   */
  decidedBy?: string | null;
  /**
   * When the MCP gateway asked: which server, tool, rule and policy revision.
   */
  gate?: Gate | null;
  /**
   * Its id.
   */
  id: string;
  /**
   * Why, in the agent's words.
   */
  reason: string;
  /**
   * How risky.
   */
  risk: Risk;
  /**
   * The tool run after the decision, once it started.
   */
  run?: ToolRun | null;
  /**
   * Where it stands.
   */
  status: Status;
  /**
   * The tool it wants to run.
   */
  tool: string;
}
/**
 * Why the MCP gateway asked for an approval.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Gate".
 */
export interface Gate {
  /**
   * The arguments as the agent sent them, when an operator edited them.
   */
  originalArguments?: unknown;
  /**
   * The policy revision in force.
   */
  revision: number;
  /**
   * The rule that asked, as written ("ask everything/*"), or `default`.
   */
  rule: string;
  /**
   * The upstream MCP server's name (`flightdeck` for Flightdeck's own tools: Claude Code's
   * permission prompt and `request_approval`).
   */
  server: string;
  /**
   * The tool's name on it.
   */
  tool: string;
}
/**
 * A tool run's life after the decision.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "ToolRun".
 */
export interface ToolRun {
  /**
   * What it is doing, or how it ended.
   */
  message?: string | null;
  /**
   * How far, 0 to 100, when known.
   */
  progress?: number | null;
  /**
   * A short summary of its result.
   */
  result?: string | null;
  /**
   * Where it stands.
   */
  status: RunStatus;
  /**
   * When it last changed (ms since the Unix epoch).
   */
  updatedAt: number;
}
/**
 * The events an agent receives about its approvals (`approval:approved`, `approval:rejected`,
 * `approval:cancelled`, `approval:expired`).
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "AgentEvent".
 */
export interface AgentEvent {
  /**
   * The approval as it is now.
   */
  approval: Approval;
  /**
   * Which approval.
   */
  approvalId: string;
  /**
   * Why it was cancelled or how it was decided (the comment).
   */
  reason?: string | null;
  /**
   * `approval:<status>`.
   */
  type: string;
}
/**
 * `POST /api/v1/activity`: one line for the activity feed.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "ActivityReport".
 */
export interface ActivityReport {
  /**
   * What happened, 1 to 500 characters, not blank.
   */
  text: string;
}
/**
 * `POST /api/v1/alerts`: alerts raised or resolved.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "AlertReport".
 */
export interface AlertReport {
  /**
   * 1 to 100 alerts.
   *
   * @minItems 1
   * @maxItems 100
   */
  alerts: [Alert, ...Alert[]];
}
/**
 * Something that needs an operator's attention.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Alert".
 */
export interface Alert {
  /**
   * More, up to 1000 characters.
   */
  detail?: string | null;
  /**
   * Its id (1 to 64 of letters, digits, `-_.:`); sending it again updates it.
   */
  id: string;
  /**
   * Whether it is over.
   */
  resolved?: boolean;
  /**
   * How urgent.
   */
  severity: Severity;
  /**
   * What, 1 to 200 characters, not blank.
   */
  title: string;
}
/**
 * `POST /api/v1/approvals` body.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "NewApproval".
 */
export interface NewApproval {
  /**
   * Its arguments (any JSON, up to 64 KiB written as compact JSON: a size JSON Schema cannot
   * state, checked by the server).
   */
  arguments?: unknown;
  /**
   * When it expires unless decided, in ms since the Unix epoch. It must be in the future and at
   * most 30 days ahead of the server's clock: rules of the clock, which no schema can state
   * (the schema's bounds only keep it a safe integer).
   */
  deadline?: number | null;
  /**
   * Why (up to 2,000 characters, without NUL).
   */
  reason?: string;
  /**
   * How risky.
   */
  risk: Risk;
  /**
   * The tool to run (1 to 200 characters, not blank, without NUL).
   */
  tool: string;
}
/**
 * `POST /api/v1/approvals/{id}/run` body: an approved tool run's progress or outcome.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "RunReport".
 */
export interface RunReport {
  /**
   * Up to 500 characters, without NUL (U+0000).
   */
  message?: string | null;
  /**
   * 0 to 100.
   */
  progress?: number | null;
  /**
   * Up to 2,000 characters, without NUL (U+0000).
   */
  result?: string | null;
  /**
   * Where it stands now (a finished run does not change again).
   */
  status: RunStatus;
}
/**
 * `POST /api/v1/heartbeat`: the agent is alive, and how it is.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Heartbeat".
 */
export interface Heartbeat {
  /**
   * A line for operators, up to 200 characters.
   */
  message?: string | null;
  /**
   * What it is doing.
   */
  status: AgentStatus;
  /**
   * How it is.
   */
  vitals: Vitals;
}
/**
 * An agent's vital signs.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Vitals".
 */
export interface Vitals {
  /**
   * CPU use, 0 to 100.
   */
  cpuPercent: number;
  /**
   * Resident memory in MiB, 0 to 16,777,216 (16 TiB).
   */
  memoryMb: number;
  /**
   * Jobs waiting, 0 to 4,294,967,295.
   */
  queueDepth?: number;
  /**
   * Seconds since it started, 0 to 3,155,760,000 (100 years).
   */
  uptimeSecs?: number;
}
/**
 * `POST /api/v1/metrics`: KPI readings.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "MetricReport".
 */
export interface MetricReport {
  /**
   * 1 to 100 readings.
   *
   * @minItems 1
   * @maxItems 100
   */
  metrics: [MetricSample, ...MetricSample[]];
}
/**
 * One reading of a KPI.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "MetricSample".
 */
export interface MetricSample {
  /**
   * Its key (1 to 64 of letters, digits, `-_.:`), the same at every reading.
   */
  key: string;
  /**
   * What people read, 1 to 80 characters, not blank.
   */
  label: string;
  /**
   * Its unit (`ms`, `%`, `$`), up to 16 characters.
   */
  unit?: string | null;
  /**
   * The reading (a finite number).
   */
  value: number;
}
/**
 * `POST /api/v1/projects`: projects' status (each replaces the one with its id).
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "ProjectReport".
 */
export interface ProjectReport {
  /**
   * 1 to 100 projects.
   *
   * @minItems 1
   * @maxItems 100
   */
  projects: [Project, ...Project[]];
}
/**
 * A project's status.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Project".
 */
export interface Project {
  /**
   * How it is going.
   */
  health: ProjectHealth;
  /**
   * Its id (1 to 64 of letters, digits, `-_.:`).
   */
  id: string;
  /**
   * Its name, 1 to 120 characters, not blank.
   */
  name: string;
  /**
   * Percent done, 0 to 100.
   */
  progress: number;
  /**
   * A line of context, up to 500 characters.
   */
  summary?: string | null;
}
/**
 * `POST /api/v1/tasks`: tasks (each replaces the one with its id).
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "TaskReport".
 */
export interface TaskReport {
  /**
   * 1 to 500 tasks.
   *
   * @minItems 1
   * @maxItems 500
   */
  tasks: [Task, ...Task[]];
}
/**
 * A task an agent works on.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Task".
 */
export interface Task {
  /**
   * Who does it (an agent or a person), up to 64 characters.
   */
  assignee?: string | null;
  /**
   * Its id (1 to 64 of letters, digits, `-_.:`).
   */
  id: string;
  /**
   * The project's id (1 to 64 of letters, digits, `-_.:`), when it belongs to one.
   */
  project?: string | null;
  /**
   * Where it stands.
   */
  status: TaskStatus;
  /**
   * What it is, 1 to 200 characters, not blank.
   */
  title: string;
}
/**
 * One usage event, as an agent reports it to `POST /api/v1/usage`. Only a call has a response
 * time or fails: a message with `latencyMs` or `"error": true` is refused.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "UsageEvent".
 */
export interface UsageEvent {
  /**
   * When it happened (ms since the Unix epoch); now when left out. At most 400 days before
   * the server's clock and 5 minutes after it: rules of the clock, which no schema can state
   * (the schema's bounds only keep it a safe integer).
   */
  at?: number | null;
  /**
   * The conversation it belongs to (1 to 200 characters, without NUL); the first event of a
   * conversation starts it.
   */
  conversationId?: string | null;
  /**
   * Whether the call failed (calls only).
   */
  error?: boolean;
  /**
   * A call or a message.
   */
  kind: UsageKind;
  /**
   * How long the agent took to answer a call, in milliseconds (0 to 3,600,000); calls only.
   */
  latencyMs?: number | null;
  /**
   * The model that served it (1 to 100 characters, not blank, without NUL), priced by
   * `MODEL_PRICES`.
   */
  model?: string | null;
  /**
   * Tokens used (prompt and completion together), 0 to 10,000,000.
   */
  tokens?: number;
}
/**
 * A batch of events.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "UsageBatch".
 */
export interface UsageBatch {
  /**
   * 1 to 1,000 events.
   *
   * @minItems 1
   * @maxItems 1000
   */
  events: [UsageEvent, ...UsageEvent[]];
}
/**
 * The answer to a cancellation (an operator's) or a withdrawal (the agent's own).
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Withdrawn".
 */
export interface Withdrawn {
  /**
   * The approval as it is now.
   */
  approval: Approval;
  /**
   * When it was cancelled (ms since the Unix epoch).
   */
  cancelledAt?: number | null;
  /**
   * Always true: it is cancelled (now, or it was already).
   */
  success: boolean;
}
/**
 * A push's answer.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Accepted".
 */
export interface Accepted {
  /**
   * How many items were stored.
   */
  accepted: number;
  /**
   * When (ms since the Unix epoch).
   */
  receivedAt: number;
}
/**
 * A report's answer.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "Recorded".
 */
export interface Recorded {
  /**
   * How many events were stored.
   */
  accepted: number;
  /**
   * When (ms since the Unix epoch).
   */
  receivedAt: number;
}
/**
 * The body of every error answer of `/api/*`.
 *
 * This interface was referenced by `FlightdeckAgentModels`'s JSON-Schema
 * via the `definition` "ErrorBody".
 */
export interface ErrorBody {
  /**
   * A sentence for the user or the script author.
   */
  error: string;
  /**
   * The input field it is about, when it is about one (a JSON path for nested ones).
   */
  field?: string | null;
}
