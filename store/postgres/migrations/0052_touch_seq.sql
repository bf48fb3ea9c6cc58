-- 0052_touch_seq: the other replicas follow the poll times a replica
-- writes in its touch batches (which change nothing else, so send no
-- change notification). Each batch stamps the vendors it touched with the
-- next values of touch_seq, under an advisory lock held to its commit, so
-- stamps become visible in order; a follower reads the vendors stamped
-- after the last stamp it read (an index range scan: what changed since).

CREATE SEQUENCE touch_seq;
ALTER TABLE vendors ADD COLUMN touch_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX vendors_touch_seq ON vendors (touch_seq);
