package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// VendorEvents returns vendor's events of the given types at or after
// since, oldest first (all types when none are given). It reads the
// events_vendor_at index, not the whole log.
func (db *DB) VendorEvents(ctx context.Context, vendor string, since time.Time, types ...upstat.EventType) ([]upstat.Event, error) {
	q := `SELECT ` + eventColumns + ` FROM events WHERE vendor_id = ? AND at >= ?`
	args := []any{vendor, millis(since)}
	if len(types) > 0 {
		q += ` AND type IN (` + strings.Repeat(", ?", len(types))[2:] + `)`
		for _, t := range types {
			args = append(args, string(t))
		}
	}
	rows, err := db.db.QueryContext(ctx, q+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: vendor events: %w", err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: vendor events: %w", err)
	}
	return out, nil
}
