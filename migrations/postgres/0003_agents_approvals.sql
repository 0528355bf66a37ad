-- Agents registered per workspace (their tokens kept only as SHA-256 digests), the approvals they
-- ask for, and the audit log's hash chain and acting agent.
CREATE TABLE agents (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    health_url   TEXT,
    token_digest TEXT,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    UNIQUE (workspace_id, name)
);
CREATE UNIQUE INDEX agents_by_token ON agents (token_digest);

CREATE TABLE approvals (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    agent_id     TEXT NOT NULL REFERENCES agents (id),
    tool         TEXT NOT NULL,
    arguments    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    risk         TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled', 'expired')),
    created_at   BIGINT NOT NULL,
    deadline_at  BIGINT,
    decided_at   BIGINT,
    decided_by   TEXT,
    comment      TEXT,
    -- Whether the agent may run the tool: approved yes, rejected and cancelled no, expired as the
    -- workspace's setting said at the time.
    allowed      BOOLEAN
);
CREATE INDEX approvals_by_status ON approvals (workspace_id, status, created_at);
CREATE INDEX approvals_pending_deadlines ON approvals (deadline_at) WHERE status = 'pending';

-- A decided approval never changes again.
CREATE FUNCTION approvals_terminal() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a decided approval never changes';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER approvals_terminal BEFORE UPDATE ON approvals
    FOR EACH ROW WHEN (OLD.status <> 'pending') EXECUTE FUNCTION approvals_terminal();

ALTER TABLE audit_log ADD COLUMN agent_id TEXT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
