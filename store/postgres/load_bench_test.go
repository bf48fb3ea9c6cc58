package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// A replica starting loads every vendor: one round trip each.
func BenchmarkLoadVendor(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.Schema(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	st := upstat.VendorState{VendorRecord: upstat.VendorRecord{ID: "acme", Name: "Acme"}, Sources: []upstat.SourceRecord{{Kind: "statuspage", URL: "https://status.acme.example"}}}
	if err := db.Configure(ctx, []upstat.VendorState{st}); err != nil {
		b.Fatal(err)
	}
	ch := &upstat.VendorChange{VendorID: "acme", Vendor: &upstat.VendorRecord{ID: "acme", Name: "Acme", Version: 0}}
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for i := range 50 {
		ch.Components = append(ch.Components, upstat.ComponentRecord{Component: upstat.Component{Name: fmt.Sprintf("API %d", i), Status: upstat.Operational, UpdatedAt: at}, Pos: i})
	}
	if err := db.Apply(ctx, ch); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := db.LoadVendor(ctx, "acme"); err != nil {
			b.Fatal(err)
		}
	}
}
