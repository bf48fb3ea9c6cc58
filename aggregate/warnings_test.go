package aggregate

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/upstat/upstat"
)

// TestSourceWarnings: a snapshot's warnings show on its source until the
// source's next full snapshot; "unchanged" and a failed poll keep them.
func TestSourceWarnings(t *testing.T) {
	e := newEnv(t, oneVendor("v"))
	warn := []string{`component "API": unrecognised status "MAJOROUTAGE"`}
	comps := []upstat.Component{{Name: "API", Status: upstat.Unknown}}
	changed, err := e.svc.RecordChange(context.Background(), "v", 0, &upstat.Snapshot{HasComponents: true, Components: comps, Warnings: warn}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !changed {
		t.Error("a first snapshot with warnings: changed false")
	}
	check := func(step string, want []string) {
		t.Helper()
		if got := e.vendor("v").Sources[0].Warnings; !slices.Equal(got, want) {
			t.Errorf("%s: warnings %q, want %q", step, got, want)
		}
	}
	check("after the snapshot", warn)
	e.clock.Advance(60e9)
	e.record("v", 0, &upstat.Snapshot{NotModified: true}, nil)
	check("after unchanged", warn)
	e.record("v", 0, nil, errors.New("http 503"))
	check("after a failed poll", warn)
	changed, err = e.svc.RecordChange(context.Background(), "v", 0, &upstat.Snapshot{HasComponents: true, Components: comps}, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("after a clean snapshot", nil)
	if !changed {
		t.Error("warnings cleared: changed false")
	}
}
