-- 0004_incident_source_ref: an incident whose source id is not usable in a
-- URL path (a feed's link or guid) is stored as "<vendor>:f-<hash>" with
-- the source's id kept here (upstat.IncidentID). Existing rows are
-- re-keyed by DB.rekeyIncidents after the migrations.

ALTER TABLE incidents ADD COLUMN source_ref TEXT NOT NULL DEFAULT '';
