-- 0016_incident_severity_source: where an incident's severity came from:
-- 'vendor' (the platform's own impact or status field) or 'text' (upstat's
-- guess from words, or its default when the vendor states none).
-- Incidents recorded before this migration are '' (not known) until their
-- source is next read in full, which rewrites them.

ALTER TABLE incidents ADD COLUMN severity_source TEXT NOT NULL DEFAULT '';
