package postgres

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
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

// touchLock is the advisory lock key a touch batch holds to its commit
// ("tchs" in ASCII): the batches of all replicas commit one at a time, so
// their touch_seq stamps become visible in order and a follower reading
// after the last stamp it saw misses none (as eventsLock does for event
// seqs).
const touchLock = 0x74636873

func (db *DB) writeTouches(ctx context.Context, vendors map[string]*touchq.Times, sources map[touchq.SourceKey]*touchq.Times) error {
	touched := make([]string, 0, len(vendors))
	for id := range vendors {
		touched = append(touched, id)
	}
	for k := range sources {
		if vendors[k.Vendor] == nil {
			touched = append(touched, k.Vendor)
		}
	}
	slices.Sort(touched)
	touched = slices.Compact(touched)
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// First, before any row lock: a batch waiting for the lock holds
		// none another batch could wait for.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, touchLock); err != nil {
			return fmt.Errorf("touch lock: %w", err)
		}
		// Rows are locked in id order, as every multi-vendor write does
		// (Configure): two such writes never wait for each other in a
		// cycle.
		for _, id := range touched {
			p := vendors[id]
			if p == nil {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE vendors SET last_checked_at = GREATEST(last_checked_at, $1),
				last_success_at = GREATEST(last_success_at, $2) WHERE id = $3`,
				msPtr(p.Checked), msPtr(p.Success), id); err != nil {
				return fmt.Errorf("vendor %s: %w", id, err)
			}
		}
		keys := slices.SortedFunc(maps.Keys(sources), func(a, b touchq.SourceKey) int {
			return cmp.Or(cmp.Compare(a.Vendor, b.Vendor), cmp.Compare(a.Idx, b.Idx))
		})
		for _, k := range keys {
			p := sources[k]
			if _, err := tx.Exec(ctx, `UPDATE sources SET last_checked_at = GREATEST(last_checked_at, $1),
				last_success_at = GREATEST(last_success_at, $2) WHERE vendor_id = $3 AND idx = $4`,
				msPtr(p.Checked), msPtr(p.Success), k.Vendor, k.Idx); err != nil {
				return fmt.Errorf("source %s/%d: %w", k.Vendor, k.Idx, err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE vendors SET touch_seq = nextval('touch_seq') WHERE id = ANY($1)`, touched); err != nil {
			return fmt.Errorf("touch seq: %w", err)
		}
		return nil
	})
}

// TouchesSince implements aggregate.TouchFeed: the poll times of the
// vendors whose touch batch committed after cursor (one indexed query),
// each as a VendorChange with the vendor's and its sources' last check and
// last success, oldest stamp first, and the cursor to pass next.
func (db *DB) TouchesSince(ctx context.Context, cursor int64) ([]upstat.VendorChange, int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT v.id, v.touch_seq, v.last_checked_at, v.last_success_at,
		s.idx, s.last_checked_at, s.last_success_at
		FROM vendors v LEFT JOIN sources s ON s.vendor_id = v.id
		WHERE v.touch_seq > $1 ORDER BY v.touch_seq, s.idx`, cursor)
	if err != nil {
		return nil, cursor, fmt.Errorf("postgres: touches: %w", err)
	}
	defer rows.Close()
	var out []upstat.VendorChange
	next := cursor
	for rows.Next() {
		var id string
		var seq int64
		var checked, success, sChecked, sSuccess *time.Time
		var idx *int
		if err := rows.Scan(&id, &seq, &checked, &success, &idx, &sChecked, &sSuccess); err != nil {
			return nil, cursor, fmt.Errorf("postgres: touches: %w", err)
		}
		if seq != next {
			out = append(out, upstat.VendorChange{VendorID: id,
				Vendor: &upstat.VendorRecord{ID: id, LastCheckedAt: utcPtr(checked), LastSuccessAt: utcPtr(success)}})
			next = seq
		}
		if idx != nil {
			ch := &out[len(out)-1]
			ch.Sources = append(ch.Sources, upstat.SourceRecord{Idx: *idx, LastCheckedAt: utcPtr(sChecked), LastSuccessAt: utcPtr(sSuccess)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, cursor, fmt.Errorf("postgres: touches: %w", err)
	}
	return out, next, nil
}
