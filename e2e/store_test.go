package e2e

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
)

// TestStoreBusyRecovers: while another connection holds the database
// (SQLITE_BUSY), a vendor's change cannot be stored: the vendor shows
// "store: …" and its last stored state, never the change as if it were
// kept, nor "operational". Once the lock is released the change shows
// within about one interval: the snapshot that failed to record was not
// committed, so the next poll fetched it in full instead of a 304.
func TestStoreBusyRecovers(t *testing.T) {
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	addGood(sim, "acme")
	path := filepath.Join(t.TempDir(), "busy.db")
	cfg := &config.Config{
		Listen:  "127.0.0.1:0",
		Storage: "sqlite:" + path + "?_pragma=busy_timeout(50)",
		Poll:    config.Poll{Interval: time.Second, Timeout: pollTimout, StaleAfter: time.Minute, AllowPrivateNetworks: true},
		Vendors: []config.Vendor{{ID: "acme", Name: "acme", Sources: []config.Source{{Kind: "statuspage", URL: sim.URL("acme")}}}},
	}
	if err := cfg.Complete(); err != nil {
		t.Fatal(err)
	}
	cfg.Vendors[0].Sources[0].Interval = pollEvery
	app := startApp(t, cfg)
	defer app.stop(t)
	waitFor(t, caseWithin, "good data first", func() bool {
		v := app.vendor(t, "acme")
		return v.Status == "partial_outage" && v.LastError == ""
	})

	ctx := context.Background()
	locker, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	conn, err := locker.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	must(t, sim.SetComponent("acme", "web", fixtures.Major))
	waitFor(t, caseWithin, `last_error "store: …"`, func() bool {
		return strings.Contains(app.vendor(t, "acme").LastError, "store: ")
	})
	// Several failed records in a row (polls every 150ms).
	waitFor(t, caseWithin, "more failed records", func() bool {
		return strings.Contains(app.vendor(t, "acme").LastError, "SQLITE_BUSY")
	})
	if v := app.vendor(t, "acme"); v.Status != "partial_outage" {
		t.Errorf("while the store fails: status %q, want the last stored partial_outage", v.Status)
	}

	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	released := time.Now()
	waitFor(t, caseWithin, "the change shown after the lock is released", func() bool {
		v := app.vendor(t, "acme")
		return v.Status == "major_outage" && v.LastError == ""
	})
	took := time.Since(released)
	t.Logf("major_outage shown %s after the lock was released (interval %s)", took.Round(time.Millisecond), pollEvery)
	if took > 10*pollEvery {
		t.Errorf("change shown %s after the release, want within about one interval (%s)", took, pollEvery)
	}
}
