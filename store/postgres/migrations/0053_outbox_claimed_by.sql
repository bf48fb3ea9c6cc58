-- 0053_outbox_claimed_by: a claim names the replica that made it
-- (cluster_replicas.id). A claim whose replica is no longer live (its
-- registration expired: killed, cut off) can be taken at once rather than
-- when claimed_until comes (4 x the notifier timeout + 30 s), so the
-- notifications queued behind it for the same alert are not held up.

ALTER TABLE alert_outbox ADD COLUMN claimed_by TEXT;
