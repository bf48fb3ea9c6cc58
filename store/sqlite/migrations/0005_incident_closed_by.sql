-- 0005_incident_closed_by: who closed a closed incident: 'vendor' (it
-- resolved it) or 'upstat' (it stopped listing it); '' while open.
-- Incidents closed before this migration were all closed by their vendor.

ALTER TABLE incidents ADD COLUMN closed_by TEXT NOT NULL DEFAULT '';
UPDATE incidents SET closed_by = 'vendor' WHERE status IN ('resolved', 'completed');
