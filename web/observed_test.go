package web

import (
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// TestObservedStatesCountInUptime: an outage upstat observed lowers the
// uptime even when the vendor reported no incident; the state before the
// first change is that change's From; with no change the current state
// held throughout.
func TestObservedStatesCountInUptime(t *testing.T) {
	from := at(-2, 0, 0)
	change := func(at time.Time, comp string, a, b upstat.Severity) upstat.Event {
		typ := upstat.EventVendorStatusChanged
		if comp != "" {
			typ = upstat.EventComponentStatusChanged
		}
		return upstat.Event{At: at, Type: typ, Component: comp, From: a, To: b}
	}
	changes := []upstat.Event{
		change(at(-2, 0, 0), "", upstat.Unknown, upstat.Operational),
		change(at(-1, 6, 0), "", upstat.Operational, upstat.MajorOutage),
		change(at(-1, 12, 0), "", upstat.MajorOutage, upstat.Operational),
		change(at(-1, 18, 0), "Europe/CDN", upstat.Degraded, upstat.Operational),
	}
	vendor := ObservedStates(changes, "", upstat.Operational, from, testNow)
	if len(vendor) != 1 || vendor[0].Severity != upstat.MajorOutage || !vendor[0].StartedAt.Equal(at(-1, 6, 0)) || !vendor[0].ResolvedAt.Equal(at(-1, 12, 0)) {
		t.Fatalf("vendor observed %+v, want one major outage 06:00-12:00 yesterday", vendor)
	}
	if u := ObservedUptime(vendor, &from, from, testNow); u.Down != 6*time.Hour || u.Percent() == "100%" {
		t.Errorf("uptime from observed states: down %s (%s), want 6h", u.Down, u.Percent())
	}
	cdn := ObservedStates(changes, "Europe/CDN", upstat.Operational, from, testNow)
	if len(cdn) != 1 || cdn[0].Severity != upstat.Degraded || !cdn[0].StartedAt.Equal(from) || !cdn[0].ResolvedAt.Equal(at(-1, 18, 0)) {
		t.Errorf("component observed %+v, want degraded from the start until 18:00 yesterday", cdn)
	}
	still := ObservedStates(changes, "API", upstat.PartialOutage, from, testNow)
	if len(still) != 1 || !still[0].StartedAt.Equal(from) || !still[0].ResolvedAt.Equal(testNow) {
		t.Errorf("unchanged component observed %+v, want partial outage throughout", still)
	}
	if none := ObservedStates(nil, "", upstat.Unknown, from, testNow); len(none) != 0 {
		t.Errorf("unknown throughout: %+v, want nothing claimed", none)
	}
}
