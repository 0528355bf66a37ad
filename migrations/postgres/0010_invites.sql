-- Invitations: an admin invites an email with a role; the link's token is single-use and
-- expires after 7 days. Kept after use (used_at) or revocation (revoked_at) for the record.
CREATE TABLE invites (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    token        TEXT NOT NULL UNIQUE,
    created_by   TEXT,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX invites_by_workspace ON invites (workspace_id, created_at);

-- Single-use links that create the first admin of an empty store (printed in the log); only
-- their SHA-256 digests are kept.
CREATE TABLE setup_tokens (
    token_digest TEXT PRIMARY KEY,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
