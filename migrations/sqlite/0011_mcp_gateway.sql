-- The MCP gateway. Each workspace's policy is a list of revisions (the newest is in force); every
-- call through the gateway is kept (the newest 1,000 per workspace) for the policy dry run; an
-- approval the gateway asked for says which server, rule and revision asked and the SHA-256 of
-- its canonical arguments; a tool run's life after the decision (running, succeeded, failed) is
-- its own row, since a decided approval never changes.
CREATE TABLE policy_revisions (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    revision     BIGINT NOT NULL,
    policy       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, revision)
);

CREATE TABLE gated_calls (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    agent_id     TEXT NOT NULL,
    server       TEXT NOT NULL,
    tool         TEXT NOT NULL,
    arguments    TEXT NOT NULL,
    hints        TEXT NOT NULL,
    effect       TEXT NOT NULL CHECK (effect IN ('allow', 'ask', 'deny')),
    rule_index   BIGINT,
    revision     BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX gated_calls_recent ON gated_calls (workspace_id, created_at);

ALTER TABLE approvals ADD COLUMN arguments_sha256 TEXT;
ALTER TABLE approvals ADD COLUMN gate TEXT;

CREATE TABLE tool_runs (
    approval_id  TEXT PRIMARY KEY REFERENCES approvals (id),
    workspace_id TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    progress     BIGINT,
    message      TEXT,
    result       TEXT,
    updated_at   BIGINT NOT NULL
);
