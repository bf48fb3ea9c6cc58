package aggregate

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/upstat/upstat"
)

// TestPush: a pushed component change and incident reach the state and
// the events at once; what the delivery does not name stays; the same
// delivery twice changes nothing; the source's poll times do not move.
func TestPush(t *testing.T) {
	e := newEnv(t, oneVendor("gh"))
	grouped := comp("Pushes", upstat.Operational)
	grouped.Group = "Git"
	e.record("gh", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{
		comp("API", upstat.Operational), grouped, comp("Pages", upstat.Operational),
	}}, nil)
	checked := e.vendor("gh").Sources[0].LastCheckedAt
	seen := e.events(0)
	e.clock.Advance(30e9)

	push := &upstat.Snapshot{
		// Named without its group, as webhooks name components.
		Components: []upstat.Component{{Name: "Pushes", Status: upstat.MajorOutage, UpdatedAt: at(1)},
			{Name: "Invented", Status: upstat.MajorOutage, UpdatedAt: at(1)}},
		Incidents: []upstat.Incident{{ID: "i1", Title: "Pushes fail", Severity: upstat.MajorOutage,
			Status: upstat.StateInvestigating, StartedAt: at(1), UpdatedAt: at(1)}},
	}
	changed, err := e.svc.Push(context.Background(), "gh", 0, push)
	if err != nil || !changed {
		t.Fatalf("Push = %v, %v; want a change", changed, err)
	}
	v := e.vendor("gh")
	var got []string
	for _, c := range v.Components {
		got = append(got, c.Key()+"="+c.Status.String())
	}
	if want := []string{"API=operational", "Git/Pushes=major_outage", "Pages=operational"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("components = %v, want %v (matched by name, nothing invented, nothing dropped)", got, want)
	}
	if v.Status != upstat.MajorOutage || len(v.Incidents) != 1 || v.Incidents[0].ID != "gh:i1" {
		t.Fatalf("vendor = %s with incidents %+v, want major_outage with gh:i1", v.Status, v.Incidents)
	}
	if !v.Sources[0].LastCheckedAt.Equal(*checked) {
		t.Errorf("last_checked_at moved to %v: a push is not a poll", v.Sources[0].LastCheckedAt)
	}
	evs := types(e.events(seen[len(seen)-1].Seq))
	want := []string{"component.status_changed(Git/Pushesoperational>major_outage)", "incident.opened",
		"vendor.status_changed(operational>major_outage)"}
	if !reflect.DeepEqual(evs, want) {
		t.Fatalf("events = %v, want %v", evs, want)
	}

	before := e.db.RowsWritten()
	changed, err = e.svc.Push(context.Background(), "gh", 0, push)
	if err != nil || changed {
		t.Fatalf("second delivery: Push = %v, %v; want no change", changed, err)
	}
	if n := e.db.RowsWritten() - before; n != 0 {
		t.Errorf("second delivery wrote %d rows, want 0", n)
	}
	if n := len(e.events(seen[len(seen)-1].Seq)); n != len(want) {
		t.Errorf("second delivery: %d events in all, want %d", n, len(want))
	}
}

func TestPushErrors(t *testing.T) {
	e := newEnv(t, oneVendor("gh"))
	ctx := context.Background()
	if _, err := e.svc.Push(ctx, "nope", 0, &upstat.Snapshot{}); !errors.Is(err, upstat.ErrNotFound) {
		t.Errorf("unknown vendor: %v, want ErrNotFound", err)
	}
	if _, err := e.svc.Push(ctx, "gh", 1, &upstat.Snapshot{}); !errors.Is(err, upstat.ErrInvalid) {
		t.Errorf("bad source: %v, want ErrInvalid", err)
	}
	if _, err := e.svc.Push(ctx, "gh", 0, nil); !errors.Is(err, upstat.ErrInvalid) {
		t.Errorf("nil snapshot: %v, want ErrInvalid", err)
	}
}
