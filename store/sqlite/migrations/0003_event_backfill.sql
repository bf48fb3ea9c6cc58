-- 0003_event_backfill: an event of a source's first successful poll (its
-- history imported, not observed as it happened) is marked backfill.

ALTER TABLE events ADD COLUMN backfill INTEGER NOT NULL DEFAULT 0;
