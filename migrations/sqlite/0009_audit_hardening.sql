-- Nothing to add on SQLite: it has no TRUNCATE (`DELETE FROM audit_log` is already refused by
-- audit_log_no_delete). Kept so that both dialects number their migrations alike.
SELECT 1;
