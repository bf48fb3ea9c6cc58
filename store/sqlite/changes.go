package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// StatusChanges returns the vendor.status_changed and
// component.status_changed events of vendor at or after since, oldest
// first: the states upstat observed over time (each change carries the
// state before it in From).
func (db *DB) StatusChanges(ctx context.Context, vendor string, since time.Time) ([]upstat.Event, error) {
	return db.vendorEvents(ctx, "status changes", vendor, since, upstat.EventVendorStatusChanged, upstat.EventComponentStatusChanged)
}

// vendorEvents returns the events of the given types of vendor at or
// after since, oldest first; what names the read in errors.
func (db *DB) vendorEvents(ctx context.Context, what, vendor string, since time.Time, types ...upstat.EventType) ([]upstat.Event, error) {
	args := []any{vendor, millis(since)}
	for _, t := range types {
		args = append(args, string(t))
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(types)), ", ")
	rows, err := db.db.QueryContext(ctx, `SELECT `+eventColumns+` FROM events
		WHERE vendor_id = ? AND at >= ? AND type IN (`+marks+`) ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return out, nil
}
