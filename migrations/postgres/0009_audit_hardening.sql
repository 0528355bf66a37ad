-- The audit log refuses TRUNCATE too (row triggers do not see it): a statement-level trigger
-- raises like the append-only one. Whoever drops the triggers to rewrite the log is still caught
-- by the chain's signature and the head kept outside the database.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
