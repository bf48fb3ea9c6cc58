-- 0001_core: vendors, their sources and components, incidents with their
-- updates, and the event log. Times are INTEGER unix milliseconds, UTC.
-- Severities are INTEGER on upstat's scale (-1 unknown .. 4 major_outage).

CREATE TABLE vendors (
	id                TEXT PRIMARY KEY,
	name              TEXT NOT NULL DEFAULT '',
	labels            TEXT NOT NULL DEFAULT '{}', -- JSON object
	status            INTEGER NOT NULL DEFAULT -1,
	stale             INTEGER NOT NULL DEFAULT 0,
	last_checked_at   INTEGER,
	last_success_at   INTEGER,
	last_error        TEXT NOT NULL DEFAULT '',
	status_changed_at INTEGER,
	failing_since     INTEGER
);

CREATE TABLE sources (
	vendor_id       TEXT NOT NULL REFERENCES vendors(id) ON DELETE CASCADE,
	idx             INTEGER NOT NULL,
	kind            TEXT NOT NULL,
	url             TEXT NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	last_checked_at INTEGER,
	last_success_at INTEGER,
	failing_since   INTEGER,
	indicator       INTEGER, -- page-level status of the last snapshot, if any
	PRIMARY KEY (vendor_id, idx)
);

CREATE TABLE components (
	vendor_id  TEXT NOT NULL REFERENCES vendors(id) ON DELETE CASCADE,
	grp        TEXT NOT NULL DEFAULT '',
	name       TEXT NOT NULL,
	status     INTEGER NOT NULL,
	hidden     INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER,
	source_idx INTEGER NOT NULL DEFAULT 0, -- the source that last reported it
	pos        INTEGER NOT NULL DEFAULT 0, -- its position on that source's page
	PRIMARY KEY (vendor_id, grp, name)
);

CREATE TABLE incidents (
	id              TEXT PRIMARY KEY, -- "<vendor>:<source id>"
	vendor_id       TEXT NOT NULL REFERENCES vendors(id) ON DELETE CASCADE,
	kind            TEXT NOT NULL,
	title           TEXT NOT NULL DEFAULT '',
	url             TEXT NOT NULL DEFAULT '',
	severity        INTEGER NOT NULL,
	status          TEXT NOT NULL,
	components      TEXT NOT NULL DEFAULT '[]', -- JSON array of names
	started_at      INTEGER NOT NULL,
	updated_at      INTEGER,
	resolved_at     INTEGER,
	scheduled_for   INTEGER,
	scheduled_until INTEGER,
	hash            TEXT NOT NULL DEFAULT '', -- of everything stored
	notice_hash     TEXT NOT NULL DEFAULT ''  -- of what an incident.updated event reports
);

CREATE INDEX incidents_vendor_started ON incidents (vendor_id, started_at DESC, id DESC);
CREATE INDEX incidents_started ON incidents (started_at DESC, id DESC);
CREATE INDEX incidents_status ON incidents (status, started_at DESC, id DESC);

CREATE TABLE updates (
	incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	update_key  TEXT NOT NULL,
	at          INTEGER NOT NULL,
	status      TEXT NOT NULL DEFAULT '',
	body        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (incident_id, update_key)
);

CREATE TABLE events (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	at          INTEGER NOT NULL,
	type        TEXT NOT NULL,
	vendor_id   TEXT NOT NULL,
	incident_id TEXT NOT NULL DEFAULT '',
	component   TEXT NOT NULL DEFAULT '',
	from_sev    INTEGER NOT NULL DEFAULT 0,
	to_sev      INTEGER NOT NULL DEFAULT 0
);
