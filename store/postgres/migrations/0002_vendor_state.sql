-- 0002_vendor_state: vendors, their sources and components, incidents with
-- their updates, and the event log: the same tables and semantics as
-- SQLite's (store/sqlite/migrations 0001..0007). Severities are INTEGER
-- on upstat's scale (-1 unknown .. 4 major_outage); times are TIMESTAMPTZ
-- with millisecond precision (the store truncates, as SQLite's INTEGER
-- milliseconds do).

CREATE TABLE vendors (
	id                TEXT PRIMARY KEY,
	name              TEXT NOT NULL DEFAULT '',
	labels            JSONB NOT NULL DEFAULT '{}',
	status            INTEGER NOT NULL DEFAULT -1,
	stale             BOOLEAN NOT NULL DEFAULT false,
	last_checked_at   TIMESTAMPTZ,
	last_success_at   TIMESTAMPTZ,
	last_error        TEXT NOT NULL DEFAULT '',
	status_changed_at TIMESTAMPTZ,
	failing_since     TIMESTAMPTZ,
	first_success_at  TIMESTAMPTZ,
	version           BIGINT NOT NULL DEFAULT 0 -- counts Applies: a change computed from an older one conflicts
);

CREATE TABLE sources (
	vendor_id       TEXT NOT NULL REFERENCES vendors(id) ON DELETE CASCADE,
	idx             INTEGER NOT NULL,
	kind            TEXT NOT NULL,
	url             TEXT NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	last_checked_at TIMESTAMPTZ,
	last_success_at TIMESTAMPTZ,
	failing_since   TIMESTAMPTZ,
	indicator       INTEGER, -- page-level status of the last snapshot, if any
	PRIMARY KEY (vendor_id, idx)
);

CREATE TABLE components (
	vendor_id  TEXT NOT NULL REFERENCES vendors(id) ON DELETE CASCADE,
	grp        TEXT NOT NULL DEFAULT '',
	name       TEXT NOT NULL,
	status     INTEGER NOT NULL,
	hidden     BOOLEAN NOT NULL DEFAULT false,
	updated_at TIMESTAMPTZ,
	source_idx INTEGER NOT NULL DEFAULT 0, -- the source that last reported it
	pos        INTEGER NOT NULL DEFAULT 0, -- its position on that source's page
	PRIMARY KEY (vendor_id, grp, name)
);

CREATE TABLE incidents (
	id              TEXT PRIMARY KEY, -- upstat.IncidentID: "<vendor>:<source id>"
	vendor_id       TEXT NOT NULL REFERENCES vendors(id) ON DELETE CASCADE,
	kind            TEXT NOT NULL,
	title           TEXT NOT NULL DEFAULT '',
	url             TEXT NOT NULL DEFAULT '',
	severity        INTEGER NOT NULL,
	status          TEXT NOT NULL,
	components      JSONB NOT NULL DEFAULT '[]', -- names
	started_at      TIMESTAMPTZ NOT NULL,
	updated_at      TIMESTAMPTZ,
	resolved_at     TIMESTAMPTZ,
	scheduled_for   TIMESTAMPTZ,
	scheduled_until TIMESTAMPTZ,
	hash            TEXT NOT NULL DEFAULT '', -- of everything stored
	notice_hash     TEXT NOT NULL DEFAULT '', -- of what an incident.updated event reports
	source_ref      TEXT NOT NULL DEFAULT '', -- the source's id when not path-safe
	closed_by       TEXT NOT NULL DEFAULT '', -- 'vendor' or 'upstat' once closed
	severity_source TEXT NOT NULL DEFAULT ''  -- 'vendor' or 'text' (guessed)
);

CREATE INDEX incidents_vendor_started ON incidents (vendor_id, started_at DESC, id DESC);
CREATE INDEX incidents_started ON incidents (started_at DESC, id DESC);
CREATE INDEX incidents_status ON incidents (status, started_at DESC, id DESC);

CREATE TABLE updates (
	incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	update_key  TEXT NOT NULL,
	at          TIMESTAMPTZ NOT NULL,
	status      TEXT NOT NULL DEFAULT '',
	body        TEXT NOT NULL DEFAULT '',
	ord         BIGINT GENERATED ALWAYS AS IDENTITY, -- insertion order, for updates at the same time
	PRIMARY KEY (incident_id, update_key)
);

-- seq is allocated and committed in order: Apply takes the events lock
-- before inserting (see postgres.appendEvents), so a reader that has seen
-- seq n never later sees a new event at or below n.
CREATE TABLE events (
	seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at          TIMESTAMPTZ NOT NULL,
	type        TEXT NOT NULL,
	vendor_id   TEXT NOT NULL,
	incident_id TEXT NOT NULL DEFAULT '',
	component   TEXT NOT NULL DEFAULT '',
	from_sev    INTEGER NOT NULL DEFAULT 0,
	to_sev      INTEGER NOT NULL DEFAULT 0,
	backfill    BOOLEAN NOT NULL DEFAULT false,
	service     TEXT NOT NULL DEFAULT '' -- service.status_changed: the team's service it moved
);

CREATE INDEX events_vendor_at ON events (vendor_id, at);
CREATE INDEX events_at ON events (at);
