package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// TestCheckStatusIsTheVendorStatus: check prints the status the server
// would show (normalize.VendorStatus): a maintenance in progress counts
// at least as maintenance even when the vendor gave it no severity.
func TestCheckStatusIsTheVendorStatus(t *testing.T) {
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	snap := &upstat.Snapshot{HasComponents: true,
		Components: []upstat.Component{{Name: "API", Status: upstat.Operational}},
		Incidents: []upstat.Incident{{ID: "m1", Kind: upstat.KindMaintenance, Severity: upstat.Operational,
			Status: upstat.StateInProgress, Title: "Database upgrade", StartedAt: start, UpdatedAt: start}},
	}
	var out bytes.Buffer
	printResults(&out, []checkResult{{Vendor: "check", Kind: "statuspage", URL: "https://status.example", Snapshot: snap}})
	if !strings.Contains(out.String(), "status: maintenance ") {
		t.Errorf("check printed\n%s\nwant status: maintenance", out.String())
	}
}
