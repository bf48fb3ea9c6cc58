package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// A replica restarting with the configuration the others run writes
// nothing: it does not wait for (or lock) the rows the others are
// writing. Before, it upserted every vendor in one transaction, so at
// 10,000 vendors it waited on the others' writes, held them up, and a
// touch batch locking in another order deadlocked it (the start failed).
func TestConfigureUnchangedTakesNoLocks(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Schema(t)
	db := open(t, dsn)
	cfg := []upstat.VendorState{
		{VendorRecord: upstat.VendorRecord{ID: "acme", Name: "Acme", Labels: map[string]string{"team": "core"}},
			Sources: []upstat.SourceRecord{{Kind: "statuspage", URL: "https://status.acme.example"}}},
		{VendorRecord: upstat.VendorRecord{ID: "beta", Name: "Beta"},
			Sources: []upstat.SourceRecord{{Kind: "feed", URL: "https://beta.example/feed"}, {Kind: "html", URL: "https://beta.example/status"}}},
	}
	if err := db.Configure(ctx, cfg); err != nil {
		t.Fatal(err)
	}

	// Another replica is writing acme: its row is locked until it commits.
	other := open(t, dsn)
	tx, err := other.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `UPDATE vendors SET last_checked_at = now() WHERE id = 'acme'`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE sources SET last_checked_at = now() WHERE vendor_id = 'acme'`); err != nil {
		t.Fatal(err)
	}

	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := db.Configure(short, cfg); err != nil {
		t.Fatalf("configure with the stored configuration while another writer holds a vendor: %v", err)
	}

	// A change is still written: beta loses its second source, acme is
	// renamed once the other writer is done.
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	changed := []upstat.VendorState{cfg[0], cfg[1]}
	changed[0].Name = "Acme Corp"
	changed[1].Sources = changed[1].Sources[:1]
	if err := db.Configure(ctx, changed); err != nil {
		t.Fatal(err)
	}
	a, err := db.LoadVendor(ctx, "acme")
	if err != nil || a.Name != "Acme Corp" || a.Labels["team"] != "core" {
		t.Fatalf("acme after the change: %+v, %v", a, err)
	}
	b, err := db.LoadVendor(ctx, "beta")
	if err != nil || len(b.Sources) != 1 || b.Sources[0].Kind != "feed" {
		t.Fatalf("beta after the change: %+v, %v", b, err)
	}
}
