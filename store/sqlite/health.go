package sqlite

import (
	"context"
	"time"

	"github.com/upstat/upstat"
)

// HealthChanges returns the vendor.stale and vendor.recovered events of
// vendor at or after since, oldest first: when upstat lost and regained
// sight of it.
func (db *DB) HealthChanges(ctx context.Context, vendor string, since time.Time) ([]upstat.Event, error) {
	return db.vendorEvents(ctx, "health changes", vendor, since, upstat.EventVendorStale, upstat.EventVendorRecovered)
}
