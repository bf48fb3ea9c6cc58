package cachet

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
)

func TestNewOptions(t *testing.T) {
	s, err := New(sources.Spec{Kind: Kind, URL: "https://status.example.com/api/v1/"}, sources.Env{})
	if err != nil || s.base != "https://status.example.com" || s.zone.String() != "UTC" {
		t.Fatalf("New: %+v, %v", s, err)
	}
	for _, c := range []struct {
		url    string
		decode func(any) error
		want   string
	}{
		{"https://status.example.com", zoneOption("Mars/Olympus"), `zone: "Mars/Olympus"`},
		{"status.example.com", nil, "url:"},
		{"https://status.example.com", func(any) error { return errors.New(`c.yaml:4: zome: unknown key "zome" (known: zone)`) }, "c.yaml:4"},
	} {
		if _, err := New(sources.Spec{Kind: Kind, URL: c.url, Decode: c.decode}, sources.Env{}); !errors.Is(err, upstat.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q): %v, want %q", c.url, err, c.want)
		}
	}
}

// TestZone: Cachet's zone-less times are read in the configured zone.
func TestZone(t *testing.T) {
	docs := instanceNamed(t, "v24").docs
	for zone, want := range map[string]string{"": "2026-03-03T09:10:00Z", "America/New_York": "2026-03-03T14:10:00Z"} {
		srv := serveInstance(t, docs)
		var decode func(any) error
		if zone != "" {
			decode = zoneOption(zone)
		}
		snap, err := newSource(t, srv.URL, decode).Poll(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(snap.Incidents, func(inc upstat.Incident) bool { return inc.ID == "41" })
		if i < 0 {
			t.Fatalf("zone %q: no incident 41 in %+v", zone, snap.Incidents)
		}
		if got := snap.Incidents[i].StartedAt.Format(time.RFC3339); got != want {
			t.Errorf("zone %q: incident 41 started %s, want %s", zone, got, want)
		}
	}
}

// TestWrongPayload: a body that is not a Cachet v1 list fails the poll
// and says what it is.
func TestWrongPayload(t *testing.T) {
	for body, want := range map[string]string{
		`{"data":[{"id":"1","type":"components","attributes":{"name":"API"}}]}`: `a JSON:API document (Cachet 3?) with data of type "components"`,
		`{"message":"API disabled"}`:                       "no data array",
		`[{"id":1}]`:                                       "not a JSON object",
		`{"data":[{"id":1,"status":"broken"}]}`:            `"broken" is not a number`,
		`{"data":[{"id":1,"updated_at":"yesterday-ish"}]}`: "decode: time",
	} {
		docs := instances(t)[0].docs
		docs.components = [][]byte{[]byte(body)}
		srv := serveInstance(t, docs)
		if snap, err := newSource(t, srv.URL, nil).Poll(t.Context()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: Poll = %+v, %v; want %q", body, snap, err, want)
		}
	}
	docs := instances(t)[0].docs
	docs.incidents = nil // incidents are required: a 404 fails the poll
	srv := serveInstance(t, docs)
	if _, err := newSource(t, srv.URL, nil).Poll(t.Context()); err == nil || !strings.Contains(err.Error(), "incidents: http 404") {
		t.Errorf("incidents 404: %v", err)
	}
}

// TestConditional: nothing is remembered before the commit; after it,
// 304s are NotModified; a change to one document rebuilds from the
// others as recorded.
func TestConditional(t *testing.T) {
	srv := serveInstance(t, instanceNamed(t, "v24").docs)
	s := newSource(t, srv.URL, zoneOption("Europe/Berlin"))
	first, err := s.Poll(t.Context())
	if err != nil || first.NotModified {
		t.Fatalf("first: %+v, %v", first, err)
	}
	again, err := s.Poll(t.Context())
	if err != nil || again.NotModified {
		t.Fatalf("uncommitted: %+v, %v", again, err)
	}
	again.Commit()
	same, err := s.Poll(t.Context())
	if err != nil || !same.NotModified {
		t.Fatalf("committed: %+v, %v", same, err)
	}
	same.Commit()
	srv.set(func(d *documents) { d.schedules = []byte(`{"data":[]}`) })
	changed, err := s.Poll(t.Context())
	if err != nil || changed.NotModified || len(changed.Components) != 5 || len(changed.Incidents) != 2 {
		t.Fatalf("schedules changed: %+v, %v; want 5 components and the 2 incidents kept", changed, err)
	}
}

func instanceNamed(t testing.TB, name string) instance {
	t.Helper()
	for _, in := range instances(t) {
		if in.name == name {
			return in
		}
	}
	t.Fatalf("no instance %q", name)
	return instance{}
}

// TestOptionalGoneAndBack: a recorded poll whose schedules answered 404
// is built without them; when the same schedules answer again (with the
// ETag recorded before), the page is rebuilt rather than read as
// unchanged.
func TestOptionalGoneAndBack(t *testing.T) {
	in := instanceNamed(t, "v24")
	srv := serveInstance(t, in.docs)
	s := newSource(t, srv.URL, zoneOption("Europe/Berlin"))
	poll := func(what string) {
		t.Helper()
		snap, err := s.Poll(t.Context())
		if err != nil || snap.NotModified {
			t.Fatalf("%s: %+v, %v; want a full snapshot", what, snap, err)
		}
		snap.Commit()
	}
	poll("first")
	srv.set(func(d *documents) { d.schedules = nil })
	poll("schedules gone")
	srv.set(func(d *documents) { d.schedules = in.docs.schedules })
	poll("schedules back")
	if snap, err := s.Poll(t.Context()); err != nil || !snap.NotModified {
		t.Fatalf("then: %+v, %v; want NotModified", snap, err)
	}
}
