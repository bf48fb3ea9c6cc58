package aggregate

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// What the state keeps per component between polls (at 10,000 vendors
// there are ~420,000), strings included: a compact record, the names in
// one string per vendor.
func TestStateComponentMemory(t *testing.T) {
	const vendors, perVendor = 200, 100
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	states := make([]*upstat.VendorState, vendors)
	for i := range states {
		st := &upstat.VendorState{VendorRecord: upstat.VendorRecord{ID: fmt.Sprintf("v%d", i)}, Sources: []upstat.SourceRecord{{}}}
		for c := range perVendor {
			// Freshly allocated strings, as a decoded page gives them.
			name, group := fmt.Sprintf("Component %d of %d", c, i), fmt.Sprintf("Region %d", c/20)
			st.Components = append(st.Components, upstat.ComponentRecord{
				Component: upstat.Component{Name: name, Group: group, Status: upstat.Operational, UpdatedAt: at}, Pos: c})
		}
		states[i] = st
	}
	kept := make([]*vendorState, vendors)
	for i, st := range states {
		kept[i] = newVendorState(st)
	}
	states = nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / (vendors * perVendor)
	// 32 bytes of record, plus the name's bytes (each unique here); a
	// group kept once (126 bytes with a Component and a place each, 73
	// with a 40-byte record holding the group's offsets).
	if per > 64 {
		t.Errorf("the state holds %d bytes per component, want <= 64", per)
	}
	t.Logf("%d bytes per component", per)

	// And the components read back as they were given.
	got := kept[3].component(42)
	if got.Name != "Component 42 of 3" || got.Group != "Region 2" || !got.UpdatedAt.Equal(at) || got.Pos != 42 {
		t.Errorf("component(42) = %+v", got)
	}
}

// EachComponent lists a vendor's components in display order without
// copying them (/metrics calls it for every vendor at each scrape).
func TestEachComponent(t *testing.T) {
	e := newEnv(t, oneVendor("acme"))
	grouped := comp("Pushes", upstat.PartialOutage)
	grouped.Group = "Git"
	e.record("acme", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Operational), grouped}}, nil)
	ctx := context.Background()
	var got []string
	list := func(group, name string, status upstat.Severity) {
		got = append(got, fmt.Sprintf("%s|%s|%d", group, name, status))
	}
	if err := e.svc.EachComponent(ctx, "acme", list); err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("|API|%d", upstat.Operational), fmt.Sprintf("Git|Pushes|%d", upstat.PartialOutage)}
	if !slices.Equal(got, want) {
		t.Errorf("EachComponent = %q, want %q", got, want)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		_ = e.svc.EachComponent(ctx, "acme", func(string, string, upstat.Severity) {})
	}); allocs > 0 {
		t.Errorf("EachComponent allocated %.0f times, want 0", allocs)
	}
	if err := e.svc.EachComponent(ctx, "nope", list); !errors.Is(err, upstat.ErrNotFound) {
		t.Errorf("unknown vendor: %v, want ErrNotFound", err)
	}
}
