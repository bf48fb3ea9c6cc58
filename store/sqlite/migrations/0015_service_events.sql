-- Events about the team's own services (service.status_changed) name the
-- service; vendor_id is then the vendor whose change moved it. Numbered
-- after the issue that added it, so migrations added in parallel keep
-- their own numbers (versions need not be consecutive).
ALTER TABLE events ADD COLUMN service TEXT NOT NULL DEFAULT '';
