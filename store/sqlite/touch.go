package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/upstat/upstat/store/internal/touchq"
)

// DefaultTouchDelay is how long DB.Touch holds poll times before they are
// written (with every other touch queued meanwhile, in one transaction).
const DefaultTouchDelay = touchq.DefaultDelay

// ErrClosed is wrapped by the error of DB.Touch on a closed DB.
var ErrClosed = touchq.ErrClosed

// Touch queues the poll times of ch (LastCheckedAt and LastSuccessAt of
// ch.Vendor and of each of ch.Sources, nothing else) to be written within
// about a second, in one transaction with every other touch: a poll that
// changed nothing else costs no transaction of its own. A queued time never
// replaces a later one already stored (an Apply in between wins). A crash
// loses at most the last second of poll times; Close writes what is
// queued. Use Apply for anything else: it commits at once.
func (db *DB) Touch(ch *Change) error {
	if err := db.touches.Add(ch); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// SetTouchDelay sets how long Touch holds poll times (default
// DefaultTouchDelay); it applies from the next batch.
func (db *DB) SetTouchDelay(d time.Duration) { db.touches.SetDelay(d) }

// FlushTouches writes every queued poll time now, in one transaction. On
// error the times stay queued.
func (db *DB) FlushTouches(ctx context.Context) error {
	if err := db.touches.Flush(ctx); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// latestTime sets a time column to the later of its value and the
// parameter param (as "?1"): a NULL parameter changes nothing.
func latestTime(col, param string) string {
	return col + ` = CASE WHEN ` + param + ` IS NOT NULL AND (` + col + ` IS NULL OR ` + col + ` < ` + param +
		`) THEN ` + param + ` ELSE ` + col + ` END`
}

func (db *DB) writeTouches(ctx context.Context, vendors map[string]*touchq.Times, sources map[touchq.SourceKey]*touchq.Times) error {
	var rows int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		ts := newTxStmts(ctx, tx)
		for id, p := range vendors {
			if _, err := ts.exec(db.stmts.touchVendor, nullMillis(p.Checked), nullMillis(p.Success), id); err != nil {
				return fmt.Errorf("vendor %s: %w", id, err)
			}
		}
		for k, p := range sources {
			if _, err := ts.exec(db.stmts.touchSource, nullMillis(p.Checked), nullMillis(p.Success), k.Vendor, k.Idx); err != nil {
				return fmt.Errorf("source %s/%d: %w", k.Vendor, k.Idx, err)
			}
		}
		rows = ts.rows
		return nil
	})
	if err == nil {
		db.rowsWritten.Add(rows)
	}
	return err
}
