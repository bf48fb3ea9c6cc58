-- 0006_vendor_first_success: when upstat first read the vendor
-- successfully. Days before it are "no data" on the dashboard, never
-- green. A vendor already read gets the time of its first status change
-- (from unknown: its first success) when the event log still has it, else
-- its last success.

ALTER TABLE vendors ADD COLUMN first_success_at INTEGER;
UPDATE vendors SET first_success_at = COALESCE(
	(SELECT min(at) FROM events WHERE events.vendor_id = vendors.id AND events.type = 'vendor.status_changed'),
	last_success_at)
WHERE last_success_at IS NOT NULL;
