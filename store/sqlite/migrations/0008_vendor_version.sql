-- 0008_vendor_version: counts the Applies of a vendor; an Apply computed
-- from an older version fails with a conflict (upstat.VendorChange.Version).

ALTER TABLE vendors ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
