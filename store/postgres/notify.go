package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/upstat/upstat"
)

// changesChannel is the NOTIFY channel of committed vendor changes. Its
// payload is "<writer>/<vendor id>": writer is the random id of the DB
// that wrote, so a replica ignores its own changes.
const changesChannel = "upstat_changes"

var _ upstat.ChangeFeed = (*DB)(nil)

// newWriterID returns a random id for this DB's notifications.
func newWriterID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// notifyChange queues, in tx, the notification of a change of vendor: it
// is delivered when (and only if) tx commits.
func (db *DB) notifyChange(ctx context.Context, tx pgx.Tx, vendor string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changesChannel, db.writer+"/"+vendor); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// WatchChanges implements upstat.ChangeFeed with LISTEN on a connection
// of its own (taken from the pool and closed when it returns).
func (db *DB) WatchChanges(ctx context.Context, f func(vendorID string)) error {
	pooled, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: listen: %w", err)
	}
	// The connection holds LISTEN: it is closed, never returned to the pool.
	conn := pooled.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+changesChannel); err != nil {
		return fmt.Errorf("postgres: listen: %w", err)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("postgres: listen: %w", err)
		}
		writer, vendor, ok := strings.Cut(n.Payload, "/")
		if ok && writer != db.writer {
			f(vendor)
		}
	}
}
