-- 0002_alerts: the alert engine's state (one row per pending or firing
-- alert; deleted when it resolves) and its notification outbox (kept:
-- failed deliveries stay visible; sent ones are pruned after a week).
-- Times are INTEGER unix milliseconds, UTC.

CREATE TABLE alert_states (
	key         TEXT PRIMARY KEY, -- alert.AlertKey(rule, vendor, component)
	rule        TEXT NOT NULL,
	vendor_id   TEXT NOT NULL,    -- no foreign key: an alert outlives its vendor until resolved
	component   TEXT NOT NULL DEFAULT '',
	phase       TEXT NOT NULL,    -- pending, firing, resolving
	severity    INTEGER NOT NULL,
	since       INTEGER NOT NULL,
	fired_at    INTEGER,
	clear_since INTEGER,
	notified_at INTEGER,
	labels      TEXT NOT NULL DEFAULT '{}', -- JSON object
	notify      TEXT NOT NULL DEFAULT '[]'  -- JSON array of notifier ids
);

CREATE TABLE alert_outbox (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	notifier        TEXT NOT NULL,
	alert_key       TEXT NOT NULL,
	notification    TEXT NOT NULL, -- JSON alert.Notification
	state           TEXT NOT NULL, -- pending, sent, failed
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	refresh         INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);

CREATE INDEX alert_outbox_pending ON alert_outbox (notifier, alert_key, id) WHERE state = 'pending';
CREATE INDEX alert_outbox_state ON alert_outbox (state, updated_at);
