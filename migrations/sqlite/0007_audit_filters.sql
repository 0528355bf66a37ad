-- The audit page's filters: each index serves one equality filter with a date range, newest
-- first by (timestamp, seq) — the order pages and cursors use.
CREATE INDEX audit_log_by_time ON audit_log (workspace_id, timestamp, seq);
CREATE INDEX audit_log_by_action ON audit_log (workspace_id, action, timestamp, seq);
CREATE INDEX audit_log_by_user ON audit_log (workspace_id, user_id, timestamp, seq);
CREATE INDEX audit_log_by_resource_type ON audit_log (workspace_id, resource_type, timestamp, seq);
