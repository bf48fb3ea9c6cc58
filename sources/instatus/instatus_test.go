package instatus

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/upstat/upstat"
)

func TestEndpoints(t *testing.T) {
	for _, c := range []struct{ in, summary, components string }{
		{"https://status.example.com", "https://status.example.com/summary.json", "https://status.example.com/v2/components.json"},
		{"https://status.example.com/", "https://status.example.com/summary.json", "https://status.example.com/v2/components.json"},
		{"https://status.example.com/summary.json", "https://status.example.com/summary.json", "https://status.example.com/v2/components.json"},
		{"https://status.example.com/v3/summary.json", "https://status.example.com/v3/summary.json", "https://status.example.com/v3/components.json"},
		{"https://x.instatus.com/v2/summary.json?x=1", "https://x.instatus.com/v2/summary.json", "https://x.instatus.com/v2/components.json"},
	} {
		s, comps, err := endpoints(c.in)
		if err != nil || s != c.summary || comps != c.components {
			t.Errorf("endpoints(%q) = %q, %q, %v", c.in, s, comps, err)
		}
	}
	if _, _, err := endpoints("status.example.com"); !errors.Is(err, upstat.ErrInvalid) {
		t.Errorf("no scheme: %v", err)
	}
}

// TestWrongPayload: anything but an Instatus summary fails the poll and
// says what it got.
func TestWrongPayload(t *testing.T) {
	for name, c := range map[string]struct{ summary, want string }{
		"statuspage": {`{"page":{"id":"abc","name":"X"},"status":{"indicator":"none"}}`, `no page.status): got keys ["page" "status"]`},
		"html":       {`<html>Loading…</html>`, "expected JSON"},
		"array":      {`[{"page":1}]`, "not a JSON object"},
		"error":      {`{"message":"Not found"}`, `got keys ["message"]`},
	} {
		t.Run(name, func(t *testing.T) {
			srv := serve(t, map[string][]byte{"/summary.json": []byte(c.summary)})
			snap, err := newSource(t, srv.URL).Poll(t.Context())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Poll = %+v, %v; want error with %q", snap, err, c.want)
			}
		})
	}
	srv := serve(t, map[string][]byte{"/summary.json": []byte(`{"page":{"status":"UP"}}`), "/v2/components.json": []byte(`{"data":[]}`)})
	if _, err := newSource(t, srv.URL).Poll(t.Context()); err == nil || !strings.Contains(err.Error(), "components: decode: not an Instatus components list") {
		t.Fatalf("wrong components: %v", err)
	}
}

// TestComponentsFailure: a components endpoint that fails (but for 404,
// "no such endpoint") fails the poll rather than dropping the components.
func TestComponentsFailure(t *testing.T) {
	srv := serve(t, map[string][]byte{"/summary.json": []byte(`{"page":{"status":"UP"}}`)})
	srv.set("/v2/components.json", nil, http.StatusForbidden)
	if _, err := newSource(t, srv.URL).Poll(t.Context()); err == nil || !strings.Contains(err.Error(), "components: http 403") {
		t.Fatalf("err = %v", err)
	}
}

// TestConditional: nothing is remembered until the snapshot is recorded;
// then both documents answer 304 and the poll is NotModified; a change in
// one document alone rebuilds from the kept other one.
func TestConditional(t *testing.T) {
	bodies := map[string][]byte{}
	for _, c := range cases(t) {
		if c.name == "incident" {
			bodies["/summary.json"], bodies["/v2/components.json"] = c.summary, c.components
		}
	}
	srv := serve(t, bodies)
	s := newSource(t, srv.URL)
	first, err := s.Poll(t.Context())
	if err != nil || first.NotModified {
		t.Fatalf("first = %+v, %v", first, err)
	}
	if again, err := s.Poll(t.Context()); err != nil || again.NotModified {
		t.Fatalf("uncommitted: %+v, %v; want a full snapshot", again, err)
	} else {
		again.Commit()
	}
	same, err := s.Poll(t.Context())
	if err != nil || !same.NotModified {
		t.Fatalf("after commit: %+v, %v; want NotModified", same, err)
	}
	same.Commit()
	// A new summary (a new ETag) while the components only answer 304:
	// they can only come from the recorded poll.
	srv.set("/summary.json", []byte(`{"page":{"name":"Northwind","status":"UP"}}`), 0)
	srv.set("/v2/components.json", nil, http.StatusNotModified)
	changed, err := s.Poll(t.Context())
	if err != nil || changed.NotModified || len(changed.Components) != 4 || len(changed.Incidents) != 0 {
		t.Fatalf("summary changed: %+v, %v; want the kept 4 components and no incidents", changed, err)
	}
}

// TestComponentsGoneAndBack: a recorded poll whose components answered
// 404 is built without them; when the same components document answers
// again (even with the ETag recorded before), the page is rebuilt with
// them rather than read as unchanged.
func TestComponentsGoneAndBack(t *testing.T) {
	bodies := map[string][]byte{}
	for _, c := range cases(t) {
		if c.name == "incident" {
			bodies["/summary.json"], bodies["/v2/components.json"] = c.summary, c.components
		}
	}
	comps := bodies["/v2/components.json"]
	srv := serve(t, bodies)
	s := newSource(t, srv.URL)
	poll := func(want int) {
		t.Helper()
		snap, err := s.Poll(t.Context())
		if err != nil || snap.NotModified || len(snap.Components) != want {
			t.Fatalf("poll = %+v, %v; want a full snapshot with %d components", snap, err, want)
		}
		snap.Commit()
	}
	poll(4)
	srv.set("/v2/components.json", nil, 0) // 404
	poll(0)
	srv.set("/v2/components.json", comps, 0)
	poll(4)
	if snap, err := s.Poll(t.Context()); err != nil || !snap.NotModified {
		t.Fatalf("then: %+v, %v; want NotModified", snap, err)
	}
}
