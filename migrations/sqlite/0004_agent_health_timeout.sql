-- Each agent's own health-check timeout in milliseconds (NULL: the global HEALTH_CHECK_TIMEOUT_MS).
ALTER TABLE agents ADD COLUMN health_timeout_ms BIGINT;
