-- 0051_outbox_claims: several replicas share the outbox. A replica claims
-- the deliveries it is about to attempt until claimed_until (rows locked
-- with FOR UPDATE SKIP LOCKED while claiming); storing the outcome ends
-- the claim; a replica that dies mid-delivery leaves its claims to expire,
-- and another replica attempts them then.

ALTER TABLE alert_outbox ADD COLUMN claimed_until TIMESTAMPTZ;
