package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

func open(t *testing.T, dsn string) *DB {
	t.Helper()
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestAlertStore(t *testing.T) {
	alerttest.StoreSuite(t, func(t *testing.T) (alert.Store, func() alert.Store) {
		dsn := pgtest.Schema(t)
		return open(t, dsn).Alerts(), func() alert.Store { return open(t, dsn).Alerts() }
	})
}

// Replicas starting together migrate once: the advisory lock serialises
// them and the second finds every migration applied.
func TestConcurrentMigrations(t *testing.T) {
	dsn := pgtest.Schema(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(context.Background(), dsn)
			if err == nil {
				_ = db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
	}
	db := open(t, dsn)
	ms, _ := migrations()
	var n int
	if err := db.pool.QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d", n, len(ms))
	}
}

func TestOpenRefusesBadDSNWithoutEchoingIt(t *testing.T) {
	_, err := Open(context.Background(), "postgres://user:s3cr3t@[::1")
	if !errors.Is(err, upstat.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	if err != nil && strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("error echoes the password: %v", err)
	}
}
