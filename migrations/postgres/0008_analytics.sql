-- Usage analytics: the events agents report (kept as sent), and their hourly and daily rollups,
-- which every report reads instead of the events.
CREATE TABLE usage_events (
    seq             BIGSERIAL PRIMARY KEY,
    workspace_id    TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('call', 'message')),
    at              BIGINT NOT NULL,
    model           TEXT NOT NULL DEFAULT '',
    tokens          BIGINT NOT NULL DEFAULT 0,
    latency_ms      BIGINT,
    error           BOOLEAN NOT NULL DEFAULT FALSE,
    conversation_id TEXT,
    received_at     BIGINT NOT NULL
);
CREATE INDEX usage_events_by_time ON usage_events (workspace_id, at);

-- Conversations seen, so each is counted once, in the hour its first event arrived for.
CREATE TABLE usage_conversations (
    workspace_id    TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    started_at      BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, conversation_id)
);

-- The rollups: counts per workspace, agent, model ('' for tool runs and heartbeats) and UTC hour
-- or UTC day, added to in the same transaction that stores the events. `up_hours` is 1 in an hour
-- with a heartbeat, and in a day the number of such hours.
CREATE TABLE usage_hourly (
    workspace_id  TEXT NOT NULL,
    agent_id      TEXT NOT NULL,
    model         TEXT NOT NULL,
    hour          BIGINT NOT NULL,
    calls         BIGINT NOT NULL DEFAULT 0,
    errors        BIGINT NOT NULL DEFAULT 0,
    latency_sum   BIGINT NOT NULL DEFAULT 0,
    latency_n     BIGINT NOT NULL DEFAULT 0,
    messages      BIGINT NOT NULL DEFAULT 0,
    conversations BIGINT NOT NULL DEFAULT 0,
    tokens        BIGINT NOT NULL DEFAULT 0,
    tool_runs     BIGINT NOT NULL DEFAULT 0,
    approved      BIGINT NOT NULL DEFAULT 0,
    rejected      BIGINT NOT NULL DEFAULT 0,
    up_hours      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, hour, agent_id, model)
);

CREATE TABLE usage_daily (
    workspace_id  TEXT NOT NULL,
    agent_id      TEXT NOT NULL,
    model         TEXT NOT NULL,
    day           BIGINT NOT NULL,
    calls         BIGINT NOT NULL DEFAULT 0,
    errors        BIGINT NOT NULL DEFAULT 0,
    latency_sum   BIGINT NOT NULL DEFAULT 0,
    latency_n     BIGINT NOT NULL DEFAULT 0,
    messages      BIGINT NOT NULL DEFAULT 0,
    conversations BIGINT NOT NULL DEFAULT 0,
    tokens        BIGINT NOT NULL DEFAULT 0,
    tool_runs     BIGINT NOT NULL DEFAULT 0,
    approved      BIGINT NOT NULL DEFAULT 0,
    rejected      BIGINT NOT NULL DEFAULT 0,
    up_hours      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, day, agent_id, model)
);

-- Reports produced on the workspace's export schedule, one per period and format.
CREATE TABLE analytics_exports (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    schedule     TEXT NOT NULL CHECK (schedule IN ('daily', 'weekly')),
    day_from     TEXT NOT NULL,
    day_to       TEXT NOT NULL,
    format       TEXT NOT NULL CHECK (format IN ('csv', 'json')),
    created_at   BIGINT NOT NULL,
    content      TEXT NOT NULL,
    UNIQUE (workspace_id, schedule, day_from, format)
);
CREATE INDEX analytics_exports_by_time ON analytics_exports (workspace_id, created_at);
