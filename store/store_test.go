package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/store"
	"github.com/upstat/upstat/store/postgres/pgtest"
	"github.com/upstat/upstat/store/storetest"
)

func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "upstat.db") })
}

func TestConformancePostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) string { return pgtest.Schema(t) })
}

func TestOpenChoosesByScheme(t *testing.T) {
	ctx := context.Background()
	for dsn, kind := range map[string]string{
		"sqlite:" + filepath.Join(t.TempDir(), "a.db"): "sqlite",
		filepath.Join(t.TempDir(), "b.db"):             "sqlite",
		":memory:":                                     "sqlite",
	} {
		s, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
		if s.Kind != kind {
			t.Errorf("%s: kind %q, want %q", dsn, s.Kind, kind)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
	for _, dsn := range []string{"postgres://u:s3cr3t@[::1/db", "mysql://u:s3cr3t@db/upstat"} {
		_, err := store.Open(ctx, dsn)
		if !errors.Is(err, upstat.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", dsn, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: error repeats the password: %v", dsn, err)
		}
	}
}
