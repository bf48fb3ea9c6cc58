-- 0013_vendor_version (issue 13): counts the Applies of a vendor; an Apply computed
-- from an older version fails with a conflict (upstat.VendorChange.Base).

ALTER TABLE vendors ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
