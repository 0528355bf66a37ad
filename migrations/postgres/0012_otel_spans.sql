-- Usage events from OpenTelemetry spans keep the span's trace and span id (hex, `trace:span`), so
-- an exporter's retry of a batch is stored and counted once. NULL for events posted to
-- /api/v1/usage (NULLs are distinct in a unique index, in both dialects).
ALTER TABLE usage_events ADD COLUMN span_key TEXT;
CREATE UNIQUE INDEX usage_events_by_span ON usage_events (workspace_id, span_key);
