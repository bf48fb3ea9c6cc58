package normalize

import (
	"testing"
	"time"

	"github.com/upstat/upstat"
)

func TestVendorStatus(t *testing.T) {
	comp := func(s upstat.Severity) upstat.Component { return upstat.Component{Name: "c", Status: s} }
	inc := func(kind upstat.Kind, sev upstat.Severity, st upstat.IncidentState) upstat.Incident {
		return upstat.Incident{ID: "i", Kind: kind, Severity: sev, Status: st, StartedAt: time.Unix(0, 0)}
	}
	for _, tc := range []struct {
		name       string
		components []upstat.Component
		incidents  []upstat.Incident
		indicators []upstat.Severity
		want       upstat.Severity
	}{
		{"nothing", nil, nil, nil, upstat.Operational},
		{"worst component", []upstat.Component{comp(upstat.Degraded), comp(upstat.MajorOutage), comp(upstat.Operational)}, nil, nil, upstat.MajorOutage},
		{"unknown component loses", []upstat.Component{comp(upstat.Unknown)}, nil, nil, upstat.Operational},
		{"active incident", nil, []upstat.Incident{inc(upstat.KindIncident, upstat.PartialOutage, upstat.StateIdentified)}, nil, upstat.PartialOutage},
		{"resolved incident ignored", nil, []upstat.Incident{inc(upstat.KindIncident, upstat.MajorOutage, upstat.StateResolved)}, nil, upstat.Operational},
		// check.go read this one as operational before: the rule is one.
		{"maintenance in progress counts as maintenance", nil, []upstat.Incident{inc(upstat.KindMaintenance, upstat.Operational, upstat.StateInProgress)}, nil, upstat.Maintenance},
		{"scheduled maintenance not yet active", nil, []upstat.Incident{inc(upstat.KindMaintenance, upstat.Maintenance, upstat.StateScheduled)}, nil, upstat.Operational},
		{"maintenance with worse severity keeps it", nil, []upstat.Incident{inc(upstat.KindMaintenance, upstat.Degraded, upstat.StateInProgress)}, nil, upstat.Degraded},
		{"indicator", []upstat.Component{comp(upstat.Operational)}, nil, []upstat.Severity{upstat.Degraded}, upstat.Degraded},
		{"worst of all", []upstat.Component{comp(upstat.Degraded)}, []upstat.Incident{inc(upstat.KindIncident, upstat.PartialOutage, upstat.StateMonitoring)}, []upstat.Severity{upstat.MajorOutage, upstat.Operational}, upstat.MajorOutage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := VendorStatus(tc.components, tc.incidents, tc.indicators...); got != tc.want {
				t.Errorf("VendorStatus = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestKeyUpdates(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC) }
	ups := []upstat.Update{
		{At: at(3), Status: upstat.StateResolved},
		{ID: "own", At: at(2), Status: upstat.StateMonitoring},
		{At: at(1), Status: upstat.StateInvestigating},
		{At: at(1), Status: upstat.StateIdentified},
	}
	KeyUpdates(ups)
	want := []string{"4-resolved", "own", "1-investigating", "2-identified"}
	for i, u := range ups {
		if u.ID != want[i] {
			t.Errorf("update %d: id %q, want %q", i, u.ID, want[i])
		}
	}
}

// TestStatusWord: a word no table knows goes through the keyword table
// before it is unknown; unknown is never operational.
func TestStatusWord(t *testing.T) {
	m, err := NewMapper(map[string]map[string]upstat.Severity{DomainComponent: {"red": upstat.MajorOutage}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		word string
		want upstat.Severity
		ok   bool
	}{
		{"operational", upstat.Operational, true},
		{"Partial_Outage", upstat.PartialOutage, true},
		{"red", upstat.MajorOutage, true}, // the vendor's override
		{"down", upstat.MajorOutage, true},
		{"outage", upstat.MajorOutage, true},
		{"critical_outage", upstat.MajorOutage, true},
		{"degraded", upstat.Degraded, true},
		{"MAJOROUTAGE", upstat.Unknown, false},
		{"resolved", upstat.Unknown, false},
		{"", upstat.Unknown, false},
	} {
		sev, ok := m.StatusWord(DomainComponent, tc.word)
		if sev != tc.want || ok != tc.ok {
			t.Errorf("StatusWord(%q) = %s, %v; want %s, %v", tc.word, sev, ok, tc.want, tc.ok)
		}
	}
	c := upstat.Component{Name: "API"}
	if got, want := ComponentWarning(c, "MAJOROUTAGE"), `component "API": unrecognised status "MAJOROUTAGE"`; got != want {
		t.Errorf("warning %q, want %q", got, want)
	}
}
