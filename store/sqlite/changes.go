package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/upstat/upstat"
)

// StatusChanges returns the vendor.status_changed and
// component.status_changed events of vendor at or after since, oldest
// first: the states upstat observed over time (each change carries the
// state before it in From).
func (db *DB) StatusChanges(ctx context.Context, vendor string, since time.Time) ([]upstat.Event, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+eventColumns+` FROM events
		WHERE vendor_id = ? AND at >= ? AND type IN (?, ?) ORDER BY seq`,
		vendor, millis(since), string(upstat.EventVendorStatusChanged), string(upstat.EventComponentStatusChanged))
	if err != nil {
		return nil, fmt.Errorf("sqlite: status changes: %w", err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: status changes: %w", err)
	}
	return out, nil
}
