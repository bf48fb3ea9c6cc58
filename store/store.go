// Package store opens upstat's database by the scheme of its storage
// string: "sqlite:PATH" (or a bare path) is store/sqlite, the single-node
// default; "postgres://…" is store/postgres, for several replicas sharing
// one history. Both implement upstat.VendorStore and alert.Store and pass
// the conformance suite store/storetest.
package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/cluster"
	"github.com/upstat/upstat/store/postgres"
	"github.com/upstat/upstat/store/sqlite"
)

// Store is an open database: vendor state for the aggregator and the
// alert engine's states and outbox.
type Store struct {
	// Vendors is the vendor state (aggregate.New).
	Vendors upstat.VendorStore
	// Alerts is the alert engine's store (alert.Options.Store).
	Alerts alert.Store
	// Cluster is where replicas sharing the database register and lease
	// vendors (PostgreSQL); nil for SQLite, whose one process owns all.
	Cluster cluster.Store
	// Kind is "sqlite" or "postgres".
	Kind  string
	close func() error
}

// Close closes the database (SQLite writes its queued poll times first).
func (s *Store) Close() error { return s.close() }

// Open opens the database named by dsn and applies pending migrations:
// "postgres://" or "postgresql://" opens PostgreSQL; "sqlite:PATH", a bare
// PATH or ":memory:" opens SQLite. A malformed dsn is an error wrapping
// upstat.ErrInvalid that never repeats a password.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if postgres.IsDSN(dsn) {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		return &Store{Vendors: db, Alerts: db.Alerts(), Cluster: db.Cluster(), Kind: "postgres", close: db.Close}, nil
	}
	if scheme, _, ok := strings.Cut(dsn, "://"); ok && scheme != "sqlite" && scheme != "file" {
		return nil, fmt.Errorf("store: %w: unknown storage scheme %q (want sqlite:PATH or postgres://…)", upstat.ErrInvalid, scheme)
	}
	db, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &Store{Vendors: db, Alerts: db.Alerts(), Kind: "sqlite", close: db.Close}, nil
}
