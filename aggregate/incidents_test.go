package aggregate

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// benchSnapshot is a Statuspage-sized snapshot: n components in eight
// groups and k incidents of three updates each, the first one active.
func benchSnapshot(n, k int) *upstat.Snapshot {
	snap := &upstat.Snapshot{HasComponents: true, Indicator: ptr(upstat.Degraded)}
	for i := range n {
		snap.Components = append(snap.Components, upstat.Component{
			Name: fmt.Sprintf("component-%03d", i), Group: fmt.Sprintf("group-%d", i%8),
			Status: upstat.Operational, UpdatedAt: at(-i), Hidden: i%50 == 0,
		})
	}
	for i := range k {
		st := upstat.StateResolved
		if i == 0 {
			st = upstat.StateInvestigating
		}
		inc := upstat.Incident{
			ID: fmt.Sprintf("inc%d", i), Kind: upstat.KindIncident, Title: fmt.Sprintf("Incident %d", i),
			URL: fmt.Sprintf("https://status.example/incidents/inc%d", i), Severity: upstat.Degraded, Status: st,
			Components: []string{"component-001", "component-002"}, StartedAt: at(-100 * i), UpdatedAt: at(-100*i + 30),
		}
		for j, s := range []upstat.IncidentState{upstat.StateInvestigating, upstat.StateIdentified, st} {
			inc.Updates = append(inc.Updates, upstat.Update{
				ID: fmt.Sprintf("inc%d-u%d", i, j), At: at(-100*i + 10*j), Status: s,
				Body: fmt.Sprintf("We are working on incident %d, step %d.", i, j),
			})
		}
		snap.Incidents = append(snap.Incidents, inc)
	}
	return snap
}

// filterFixture records 23 incidents across two vendors, several sharing a
// start time, and returns them as stored.
func filterFixture(t *testing.T) (*env, []upstat.Incident) {
	e := newEnv(t, oneVendor("a"), oneVendor("b"))
	var stored []upstat.Incident
	snaps := map[string]*upstat.Snapshot{"a": {}, "b": {}}
	for i := range 23 {
		vendor := "a"
		if i%2 == 1 {
			vendor = "b"
		}
		inc := upstat.Incident{
			ID: fmt.Sprintf("i%02d", i), Kind: upstat.KindIncident, Severity: upstat.Severities[i%5],
			Status: upstat.StateInvestigating, StartedAt: at(i / 3), Components: []string{},
		}
		switch {
		case i%4 == 3:
			inc.Kind, inc.Status = upstat.KindMaintenance, upstat.StateScheduled
			inc.ScheduledFor = ptr(at(20 + i))
		case i%3 == 0:
			inc.Status, inc.ResolvedAt = upstat.StateResolved, ptr(at(i/3+1))
		}
		snaps[vendor].Incidents = append(snaps[vendor].Incidents, inc)
		inc.ID, inc.Vendor = vendor+":"+inc.ID, vendor
		if inc.Status.Closed() {
			inc.ClosedBy = upstat.ClosedByVendor
		}
		stored = append(stored, inc)
	}
	e.record("a", 0, snaps["a"], nil)
	e.record("b", 0, snaps["b"], nil)
	sort.Slice(stored, func(i, j int) bool { return newerFirst(&stored[i], &stored[j]) })
	return e, stored
}

func TestIncidentsFiltersAndPages(t *testing.T) {
	e, all := filterFixture(t)
	since, until := at(3), at(6)
	for _, tc := range []struct {
		name string
		f    upstat.IncidentFilter
		keep func(*upstat.Incident) bool
	}{
		{"all", upstat.IncidentFilter{State: "all"}, func(*upstat.Incident) bool { return true }},
		{"vendor", upstat.IncidentFilter{Vendor: "a"}, func(i *upstat.Incident) bool { return i.Vendor == "a" }},
		{"active", upstat.IncidentFilter{State: "active"}, func(i *upstat.Incident) bool { return i.Status.Active() }},
		{"resolved", upstat.IncidentFilter{State: "resolved"}, func(i *upstat.Incident) bool { return i.Status.Closed() }},
		{"min severity", upstat.IncidentFilter{MinSeverity: upstat.PartialOutage, HasMinSev: true},
			func(i *upstat.Incident) bool { return i.Severity >= upstat.PartialOutage }},
		{"since and until", upstat.IncidentFilter{Since: &since, Until: &until},
			func(i *upstat.Incident) bool {
				started := !i.StartedAt.Before(since) ||
					(i.Kind == upstat.KindMaintenance && !i.ScheduledFor.Before(since))
				return started && i.StartedAt.Before(until)
			}},
		{"combined", upstat.IncidentFilter{Vendor: "b", State: "active", MinSeverity: upstat.Degraded, HasMinSev: true},
			func(i *upstat.Incident) bool {
				return i.Vendor == "b" && i.Status.Active() && i.Severity >= upstat.Degraded
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for i := range all {
				if tc.keep(&all[i]) {
					want = append(want, all[i].ID)
				}
			}
			if len(want) == 0 {
				t.Fatal("filter matches nothing: the fixture does not exercise it")
			}
			f := tc.f
			f.Limit = 500
			if got := ids(e.incidents(f)); !reflect.DeepEqual(got, want) {
				t.Errorf("one page = %q, want %q", got, want)
			}
			f.Limit = 4
			var paged []string
			for pages := 0; ; pages++ {
				if pages > len(want) {
					t.Fatal("pagination does not end")
				}
				list, next, err := e.svc.Incidents(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, ids(list)...)
				if next == nil {
					break
				}
				f.After = next
			}
			if !reflect.DeepEqual(paged, want) {
				t.Errorf("pages = %q, want %q", paged, want)
			}
		})
	}
}

func TestIncidentsStoredAsSent(t *testing.T) {
	e, all := filterFixture(t)
	got := e.incidents(upstat.IncidentFilter{Limit: 100})
	if !reflect.DeepEqual(got, all) {
		t.Errorf("stored incidents differ from what was recorded:\n%+v\nwant\n%+v", got, all)
	}
}

func ids(list []upstat.Incident) []string {
	var out []string
	for _, i := range list {
		out = append(out, i.ID)
	}
	return out
}

func BenchmarkRecordUnchanged(b *testing.B) {
	e := newEnv(b, oneVendor("cf"))
	snap := benchSnapshot(470, 8)
	e.record("cf", 0, snap, nil)
	for b.Loop() {
		e.clock.Advance(time.Second)
		e.record("cf", 0, snap, nil)
	}
}

func BenchmarkRecordChanged(b *testing.B) {
	e := newEnv(b, oneVendor("cf"))
	snap := benchSnapshot(470, 8)
	e.record("cf", 0, snap, nil)
	i := 0
	for b.Loop() {
		i++
		e.clock.Advance(time.Second)
		// Ten components flip status and the active incident's last update
		// is edited.
		for j := range 10 {
			c := &snap.Components[(i*10+j)%len(snap.Components)]
			c.Status = upstat.Severities[(i+j)%3]
			c.UpdatedAt = e.clock.Now()
		}
		snap.Incidents[0].Updates[2].Body = fmt.Sprintf("Still investigating (%d).", i)
		e.record("cf", 0, snap, nil)
	}
}
