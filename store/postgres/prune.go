package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/upstat/upstat"
)

// Prune implements upstat.VendorStore: closed incidents (with their
// updates, by cascade) then events, at most batch rows per transaction.
func (db *DB) Prune(ctx context.Context, cutoff time.Time, batch int) (upstat.Pruned, error) {
	var p upstat.Pruned
	closed := states(upstat.IncidentState.Closed)
	for _, step := range []struct {
		query string
		args  []any
		n     *int
	}{
		{`DELETE FROM incidents WHERE id IN (SELECT id FROM incidents WHERE status = ANY($1)
			AND COALESCE(resolved_at, updated_at, started_at) < $2 LIMIT $3)`, []any{closed, ms(cutoff), batch}, &p.Incidents},
		{`DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE at < $1 ORDER BY seq LIMIT $2)`,
			[]any{ms(cutoff), batch}, &p.Events},
	} {
		for {
			if err := ctx.Err(); err != nil {
				return p, fmt.Errorf("postgres: prune: %w", err)
			}
			tag, err := db.pool.Exec(ctx, step.query, step.args...)
			if err != nil {
				return p, fmt.Errorf("postgres: prune: %w", err)
			}
			n := tag.RowsAffected()
			*step.n += int(n)
			if n < int64(batch) {
				break
			}
		}
	}
	return p, nil
}
