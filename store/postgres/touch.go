package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/store/internal/touchq"
)

// Touch implements upstat.VendorStore: the poll times of ch are written
// within about a second, in one transaction with every other touch. A
// queued time never replaces a later stored one (GREATEST ignores NULL).
// Close writes what is queued.
func (db *DB) Touch(ch *upstat.VendorChange) error {
	if err := db.touches.Add(ch); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// SetTouchDelay sets how long Touch holds poll times (default one
// second); it applies from the next batch.
func (db *DB) SetTouchDelay(d time.Duration) { db.touches.SetDelay(d) }

// FlushTouches implements upstat.VendorStore. On error the times stay
// queued.
func (db *DB) FlushTouches(ctx context.Context) error {
	if err := db.touches.Flush(ctx); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

func (db *DB) writeTouches(ctx context.Context, vendors map[string]*touchq.Times, sources map[touchq.SourceKey]*touchq.Times) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for id, p := range vendors {
			if _, err := tx.Exec(ctx, `UPDATE vendors SET last_checked_at = GREATEST(last_checked_at, $1),
				last_success_at = GREATEST(last_success_at, $2) WHERE id = $3`,
				msPtr(p.Checked), msPtr(p.Success), id); err != nil {
				return fmt.Errorf("vendor %s: %w", id, err)
			}
		}
		for k, p := range sources {
			if _, err := tx.Exec(ctx, `UPDATE sources SET last_checked_at = GREATEST(last_checked_at, $1),
				last_success_at = GREATEST(last_success_at, $2) WHERE vendor_id = $3 AND idx = $4`,
				msPtr(p.Checked), msPtr(p.Success), k.Vendor, k.Idx); err != nil {
				return fmt.Errorf("source %s/%d: %w", k.Vendor, k.Idx, err)
			}
		}
		return nil
	})
}
