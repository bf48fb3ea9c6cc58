package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

func openTemp(t testing.TB) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "upstat.db")
	db, err := Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db, path
}

func TestOpenDSNForms(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, dsn, journal string
	}{
		{"prefixed path", "sqlite:" + filepath.Join(dir, "a.db"), "wal"},
		{"plain path", filepath.Join(dir, "b.db"), "wal"},
		{"memory", ":memory:", "memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := Open(ctx, tc.dsn)
			if err != nil {
				t.Fatalf("open %q: %v", tc.dsn, err)
			}
			defer db.Close()
			// Hold one pooled connection so the checks run on another one:
			// every connection must get the pragmas and see the schema.
			held, err := db.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer held.Close()
			var journal string
			var fk, timeout, versions int
			if err := db.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
				t.Fatal(err)
			}
			if err := db.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
				t.Fatal(err)
			}
			if err := db.db.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout); err != nil {
				t.Fatal(err)
			}
			if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&versions); err != nil {
				t.Fatal(err)
			}
			if journal != tc.journal || fk != 1 || timeout != 5000 {
				t.Errorf("journal_mode=%s foreign_keys=%d busy_timeout=%d, want %s 1 5000", journal, fk, timeout, tc.journal)
			}
			ms, err := migrations()
			if err != nil {
				t.Fatal(err)
			}
			if versions != len(ms) {
				t.Errorf("schema_migrations has %d rows, want %d", versions, len(ms))
			}
		})
	}
	if _, err := Open(context.Background(), "sqlite:"); !errors.Is(err, upstat.ErrInvalid) {
		t.Errorf("empty path: err = %v, want ErrInvalid", err)
	}
}

func TestMigrationsAppliedOnce(t *testing.T) {
	db, path := openTemp(t)
	ctx := context.Background()
	if err := db.Configure(ctx, []VendorState{{VendorRecord: Vendor{ID: "x"}, Sources: []Source{{Kind: "feed", URL: "u"}}}}); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer again.Close()
	var n int
	if err := again.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	ms, _ := migrations()
	if n != len(ms) {
		t.Errorf("schema_migrations rows = %d after reopen, want %d", n, len(ms))
	}
	if _, err := again.LoadVendor(ctx, "x"); err != nil {
		t.Errorf("vendor lost on reopen: %v", err)
	}
}

func ts(min int) time.Time { return time.Date(2024, 5, 1, 12, min, 0, 0, time.UTC) }

func tp(min int) *time.Time { t := ts(min); return &t }

func TestApplyAndLoad(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	labels := map[string]string{"tier": "critical"}
	if err := db.Configure(ctx, []VendorState{{
		VendorRecord: Vendor{ID: "gh", Name: "GitHub", Labels: labels},
		Sources:      []Source{{Kind: "statuspage", URL: "https://a"}, {Kind: "feed", URL: "https://b"}},
	}}); err != nil {
		t.Fatal(err)
	}
	ind := upstat.Degraded
	inc := Incident{Incident: upstat.Incident{
		ID: "gh:1", Vendor: "gh", Kind: upstat.KindIncident, Title: "Slow", Severity: upstat.Degraded,
		Status: upstat.StateInvestigating, Components: []string{"API"}, StartedAt: ts(0), UpdatedAt: ts(5),
		Updates: []upstat.Update{
			{ID: "u2", At: ts(5), Status: upstat.StateIdentified, Body: "found"},
			{ID: "u1", At: ts(0), Status: upstat.StateInvestigating, Body: "looking"},
		},
	}, Hash: "h1", NoticeHash: "n1"}
	ch := &Change{
		VendorID: "gh",
		Vendor:   &Vendor{ID: "gh", Status: upstat.Degraded, LastCheckedAt: tp(6), LastSuccessAt: tp(6), StatusChangedAt: tp(6)},
		Sources:  []Source{{Idx: 0, LastCheckedAt: tp(6), LastSuccessAt: tp(6), Indicator: &ind}},
		Components: []Component{
			{Component: upstat.Component{Name: "API", Status: upstat.Degraded, UpdatedAt: ts(4)}, Pos: 0},
			{Component: upstat.Component{Name: "Web", Group: "Site", Hidden: true}, Pos: 1},
		},
		Incidents: []Incident{inc},
		Events: []upstat.Event{
			{At: ts(6), Type: upstat.EventIncidentOpened, Vendor: "gh", IncidentID: "gh:1", To: upstat.Degraded},
			{At: ts(6), Type: upstat.EventVendorStatusChanged, Vendor: "gh", From: upstat.Unknown, To: upstat.Degraded},
		},
	}
	if err := db.Apply(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if ch.Events[0].Seq != 1 || ch.Events[1].ID != "2" {
		t.Errorf("event seqs = %d,%q, want 1,\"2\"", ch.Events[0].Seq, ch.Events[1].ID)
	}

	st, err := db.LoadVendor(ctx, "gh")
	if err != nil {
		t.Fatal(err)
	}
	if st.Name != "GitHub" || !reflect.DeepEqual(st.Labels, labels) || st.Status != upstat.Degraded || !st.LastCheckedAt.Equal(ts(6)) {
		t.Errorf("vendor row = %+v", st.VendorRecord)
	}
	if len(st.Sources) != 2 || st.Sources[0].Indicator == nil || *st.Sources[0].Indicator != upstat.Degraded || st.Sources[1].URL != "https://b" {
		t.Errorf("sources = %+v", st.Sources)
	}
	if len(st.Components) != 2 || st.Components[1].Key() != "Site/Web" || !st.Components[1].Hidden || !st.Components[0].UpdatedAt.Equal(ts(4)) {
		t.Errorf("components = %+v", st.Components)
	}
	if len(st.Incidents) != 1 || st.Incidents[0].Hash != "h1" || st.Incidents[0].Updates != nil {
		t.Errorf("incidents = %+v", st.Incidents)
	}

	// An edited update changes in place, a new one is appended.
	inc.Updates = []upstat.Update{
		{ID: "u1", At: ts(0), Status: upstat.StateInvestigating, Body: "looking (edited)"},
		{ID: "u3", At: ts(9), Status: upstat.StateResolved, Body: "fixed"},
	}
	inc.Status, inc.ResolvedAt = upstat.StateResolved, tp(9)
	if err := db.Apply(ctx, &Change{VendorID: "gh", Incidents: []Incident{inc}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Incident(ctx, "gh:1")
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, u := range got.Updates {
		bodies = append(bodies, u.Body)
	}
	if want := []string{"looking (edited)", "found", "fixed"}; !reflect.DeepEqual(bodies, want) {
		t.Errorf("updates = %q, want %q", bodies, want)
	}
	if got.Status != upstat.StateResolved || got.ResolvedAt == nil || !got.ResolvedAt.Equal(ts(9)) || got.ScheduledFor != nil {
		t.Errorf("incident = %+v", got)
	}

	// Removing a component deletes only it.
	if err := db.Apply(ctx, &Change{VendorID: "gh", RemovedComponents: []ComponentKey{{Group: "Site", Name: "Web"}}}); err != nil {
		t.Fatal(err)
	}
	if st, _ = db.LoadVendor(ctx, "gh"); len(st.Components) != 1 {
		t.Errorf("components after removal = %+v", st.Components)
	}
	events, err := db.Events(ctx, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Type != upstat.EventVendorStatusChanged || events[0].From != upstat.Unknown || !events[0].At.Equal(ts(6)) {
		t.Errorf("events after 1 = %+v", events)
	}
}

func TestNotFound(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if _, err := db.LoadVendor(ctx, "nope"); !errors.Is(err, upstat.ErrNotFound) {
		t.Errorf("LoadVendor: err = %v, want ErrNotFound", err)
	}
	if _, err := db.Incident(ctx, "nope:1"); !errors.Is(err, upstat.ErrNotFound) {
		t.Errorf("Incident: err = %v, want ErrNotFound", err)
	}
	if _, _, err := db.Incidents(ctx, upstat.IncidentFilter{State: "open"}); !errors.Is(err, upstat.ErrInvalid) {
		t.Errorf("Incidents bad state: err = %v, want ErrInvalid", err)
	}
}

func TestConfigureDropsRemovedSources(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	two := []Source{{Kind: "statuspage", URL: "a"}, {Kind: "statuspage", URL: "b"}}
	if err := db.Configure(ctx, []VendorState{{VendorRecord: Vendor{ID: "v"}, Sources: two}}); err != nil {
		t.Fatal(err)
	}
	err := db.Apply(ctx, &Change{VendorID: "v",
		Sources: []Source{{Idx: 0, LastError: "http 503", FailingSince: tp(1)}},
		Components: []Component{
			{Component: upstat.Component{Name: "A"}, SourceIdx: 0},
			{Component: upstat.Component{Name: "B"}, SourceIdx: 1},
		}})
	if err != nil {
		t.Fatal(err)
	}
	// Source 0 changes URL (its error no longer applies); source 1 goes.
	if err := db.Configure(ctx, []VendorState{{VendorRecord: Vendor{ID: "v"}, Sources: []Source{{Kind: "statuspage", URL: "c"}}}}); err != nil {
		t.Fatal(err)
	}
	st, err := db.LoadVendor(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Sources) != 1 || st.Sources[0].URL != "c" || st.Sources[0].LastError != "" || st.Sources[0].FailingSince != nil {
		t.Errorf("sources = %+v", st.Sources)
	}
	if len(st.Components) != 1 || st.Components[0].Name != "A" {
		t.Errorf("components = %+v", st.Components)
	}
}

// TestOpenIncidentsLoadedClosedByID: LoadVendor loads only the open
// incidents (active or scheduled); IncidentsByID finds any stored one,
// past the per-query chunk, and leaves unknown ids out.
func TestOpenIncidentsLoadedClosedByID(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if err := db.Configure(ctx, []VendorState{{VendorRecord: Vendor{ID: "v", Name: "V"},
		Sources: []Source{{Kind: "statuspage", URL: "https://v"}}}}); err != nil {
		t.Fatal(err)
	}
	states := map[string]upstat.IncidentState{
		"v:active": upstat.StateMonitoring, "v:scheduled": upstat.StateScheduled,
		"v:resolved": upstat.StateResolved, "v:completed": upstat.StateCompleted,
	}
	ch := &Change{VendorID: "v"}
	for id, st := range states {
		ch.Incidents = append(ch.Incidents, Incident{Incident: upstat.Incident{ID: id, Vendor: "v", Kind: upstat.KindIncident,
			Title: id, Status: st, Components: []string{}, StartedAt: ts(0)}, Hash: "h" + id, NoticeHash: "n" + id})
	}
	if err := db.Apply(ctx, ch); err != nil {
		t.Fatal(err)
	}
	st, err := db.LoadVendor(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	var loaded []string
	for _, inc := range st.Incidents {
		loaded = append(loaded, inc.ID)
	}
	slices.Sort(loaded)
	if want := []string{"v:active", "v:scheduled"}; !slices.Equal(loaded, want) {
		t.Errorf("loaded %q, want %q", loaded, want)
	}
	ids := []string{"v:resolved"}
	for i := range maxIDsPerQuery {
		ids = append(ids, fmt.Sprintf("v:missing-%d", i))
	}
	ids = append(ids, "v:completed")
	got, err := db.IncidentsByID(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["v:resolved"].Hash != "hv:resolved" || got["v:completed"].Status != upstat.StateCompleted {
		t.Errorf("by id: %+v", got)
	}
}
