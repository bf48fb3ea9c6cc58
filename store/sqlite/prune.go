package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/upstat/upstat"
)

// Pruned says what one Prune deleted.
type Pruned struct {
	Incidents int // closed incidents, with their updates
	Events    int
}

// Prune deletes the closed incidents (resolved, completed)
// whose last time (resolved, else updated, else started) is before
// cutoff, with their updates, and the events before cutoff. It deletes
// at most batch rows per transaction, so the single writer is never held
// for long, and stops when nothing is left or ctx ends. Open incidents
// are never pruned, however old.
func (db *DB) Prune(ctx context.Context, cutoff time.Time, batch int) (Pruned, error) {
	var p Pruned
	incidents := `DELETE FROM incidents WHERE id IN (SELECT id FROM incidents WHERE ` +
		stateSet(upstat.IncidentState.Closed) +
		` AND COALESCE(resolved_at, updated_at, started_at) < ? LIMIT ?)`
	const events = `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE at < ? ORDER BY seq LIMIT ?)`
	for _, step := range []struct {
		query string
		n     *int
	}{{incidents, &p.Incidents}, {events, &p.Events}} {
		for {
			if err := ctx.Err(); err != nil {
				return p, fmt.Errorf("sqlite: prune: %w", err)
			}
			var n int64
			err := db.write(ctx, func(tx *sql.Tx) error {
				res, err := tx.ExecContext(ctx, step.query, millis(cutoff), batch)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return p, fmt.Errorf("sqlite: prune: %w", err)
			}
			*step.n += int(n)
			if n < int64(batch) {
				break
			}
		}
	}
	return p, nil
}
