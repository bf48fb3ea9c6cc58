package normalize

import (
	"runtime"
	"testing"

	"github.com/upstat/upstat"
)

// Every source has a Mapper: one without overrides must not copy the
// default tables (at 10,000 sources the copies held ~9.5 MB).
func TestMapperWithoutOverridesIsFree(t *testing.T) {
	const n = 1000
	keep := make([]*Mapper, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range keep {
		m, err := NewMapper(nil)
		if err != nil {
			t.Fatal(err)
		}
		keep[i] = m
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	if per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n; per > 64 {
		t.Errorf("a Mapper without overrides holds %d bytes, want <= 64", per)
	}
	// And it maps with the defaults, like a nil Mapper.
	for _, d := range Domains() {
		for word, want := range DefaultTables[d] {
			if got, ok := keep[0].Map(d, word); !ok || got != want {
				t.Errorf("Map(%q, %q) = %v, %v; want %v", d, word, got, ok, want)
			}
		}
	}
}

// Overriding one domain leaves the others at their defaults.
func TestMapperOverrideOneDomain(t *testing.T) {
	m, err := NewMapper(map[string]map[string]upstat.Severity{"component": {"degraded_performance": upstat.MajorOutage}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Map("component", "degraded_performance"); got != upstat.MajorOutage {
		t.Errorf("overridden value: got %v", got)
	}
	if got, _ := m.Map("component", "partial_outage"); got != upstat.PartialOutage {
		t.Errorf("value not overridden: got %v", got)
	}
	for _, d := range Domains() {
		if d == "component" {
			continue
		}
		for word, want := range DefaultTables[d] {
			if got, ok := m.Map(d, word); !ok || got != want {
				t.Errorf("Map(%q, %q) = %v, %v; want %v", d, word, got, ok, want)
			}
		}
	}
}
