-- 0001_alerts: the alert engine's state (one row per pending or firing
-- alert; deleted when it resolves) and its notification outbox (kept:
-- failed deliveries stay visible; sent ones are pruned after a week).

CREATE TABLE alert_states (
	key         TEXT PRIMARY KEY, -- alert.AlertKey(rule, vendor, component)
	rule        TEXT NOT NULL,
	vendor_id   TEXT NOT NULL,    -- no foreign key: an alert outlives its vendor until resolved
	component   TEXT NOT NULL DEFAULT '',
	phase       TEXT NOT NULL,    -- pending, firing, resolving
	severity    INTEGER NOT NULL,
	since       TIMESTAMPTZ NOT NULL,
	fired_at    TIMESTAMPTZ,
	clear_since TIMESTAMPTZ,
	notified_at TIMESTAMPTZ,
	labels      JSONB NOT NULL DEFAULT '{}',
	notify      JSONB NOT NULL DEFAULT '[]'
);

CREATE TABLE alert_outbox (
	id              BIGSERIAL PRIMARY KEY,
	notifier        TEXT NOT NULL,
	alert_key       TEXT NOT NULL,
	notification    JSONB NOT NULL, -- alert.Notification
	state           TEXT NOT NULL,  -- pending, sent, failed
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TIMESTAMPTZ NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	refresh         BOOLEAN NOT NULL DEFAULT false,
	created_at      TIMESTAMPTZ NOT NULL,
	updated_at      TIMESTAMPTZ NOT NULL
);

CREATE INDEX alert_outbox_pending ON alert_outbox (notifier, alert_key, id) WHERE state = 'pending';
CREATE INDEX alert_outbox_state ON alert_outbox (state, updated_at);
