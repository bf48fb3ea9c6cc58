-- 0050_cluster: the replicas of a cluster and their leases on vendors
-- (cluster.Leased). Leases are rows with an expiry rather than advisory
-- locks: an advisory lock lives as long as one connection, so a replica
-- whose connection broke would lose its lease without knowing it (and a
-- pooled connection would keep a dead process's lock); a row carries a
-- holder, an expiry every replica can read (GET /api/v1/cluster), and a
-- generation number for fencing.

CREATE TABLE cluster_replicas (
	id           TEXT PRIMARY KEY,
	started_at   TIMESTAMPTZ NOT NULL,
	heartbeat_at TIMESTAMPTZ NOT NULL,
	expires_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE cluster_leases (
	key        TEXT PRIMARY KEY,      -- a vendor id
	replica    TEXT NOT NULL,         -- holder (no foreign key: a dead replica's row is pruned)
	generation BIGINT NOT NULL,       -- +1 each time the key changes hands
	expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX cluster_leases_replica ON cluster_leases (replica, expires_at);
