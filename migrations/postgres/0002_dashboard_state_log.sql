-- The recent one-path edits of each dashboard state, as the `state:sync` frames that announced
-- them, so that a client coming back after a short absence gets what it missed instead of the
-- whole state. Capped per state by the server; a whole-state save starts it again.
CREATE TABLE dashboard_state_log (
    user_id      TEXT    NOT NULL,
    workspace_id TEXT    NOT NULL,
    version      BIGINT  NOT NULL,
    frame        TEXT    NOT NULL,
    PRIMARY KEY (user_id, workspace_id, version)
);
