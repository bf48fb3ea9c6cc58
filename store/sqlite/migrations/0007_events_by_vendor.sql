-- 0007_events_by_vendor: the status changes of one vendor over a window
-- (observed uptime on the dashboard) without scanning the whole log.

CREATE INDEX events_vendor_at ON events (vendor_id, at);
