// Package pgtest gives each test its own PostgreSQL schema on the server
// named by UPSTAT_TEST_POSTGRES (e.g.
// postgres://root@127.0.0.1:5432/test?sslmode=disable). Without the
// variable a test skips, unless CI is set: there a missing database is a
// failure, so PostgreSQL tests can never pass by not running.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the server the PostgreSQL tests use.
const EnvVar = "UPSTAT_TEST_POSTGRES"

// DSN returns the server's URL, or skips the test (fails it under CI)
// when none is configured.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvVar)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set under CI: the PostgreSQL tests must run (.ci/run sets it)", EnvVar)
		}
		t.Skipf("%s not set: PostgreSQL tests skipped (see README: Tests)", EnvVar)
	}
	return dsn
}

// Schema creates a fresh schema for this test and returns a DSN whose
// connections use it (search_path), dropping it when the test ends.
// Several Opens of the returned DSN see the same data, as replicas do.
func Schema(t testing.TB) string {
	t.Helper()
	base := DSN(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+name+" CASCADE")
			_ = c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvVar, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
