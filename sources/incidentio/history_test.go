package incidentio

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

const (
	withIncident = `{"summary":{"name":"Acme","components":[{"id":"c1","name":"API"}],"affected_components":[{"component_id":"c1","status":"partial_outage"}],
 "ongoing_incidents":[{"id":"01JQD0000000000000000000X1","name":"API errors","status":"investigating","published_at":"2026-03-04T15:00:00Z",
   "component_impacts":[{"component_id":"c1","status":"partial_outage","start_at":"2026-03-04T15:00:00Z"}],
   "updates":[{"id":"u1","message_string":"Looking into it.","published_at":"2026-03-04T15:00:00Z","to_status":"investigating"}]}]}}`
	withoutIncident  = `{"summary":{"name":"Acme","components":[{"id":"c1","name":"API"}],"affected_components":[],"ongoing_incidents":[]}}`
	resolvedIncident = `{"incident":{"name":"API errors","status":"resolved","published_at":"2026-03-04T15:00:00Z",
 "component_impacts":[{"component_id":"c1","status":"partial_outage","start_at":"2026-03-04T15:00:00Z","end_at":"2026-03-04T15:40:00Z"}],
 "updates":[{"id":"u2","message_string":"Fixed.","published_at":"2026-03-04T15:40:00Z","to_status":"resolved"},
            {"id":"u1","message_string":"Looking into it.","published_at":"2026-03-04T15:00:00Z","to_status":"investigating"}]}}`
)

// page is a simulated incident.io page whose document and incident
// lookup can be changed between polls.
type page struct {
	mu         sync.Mutex
	doc        string
	lookupCode int // status of /incidents/<id>: 200 serves resolvedIncident
	lookups    int
}

func (p *page) set(doc string, code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.doc, p.lookupCode = doc, code
}

func (p *page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case r.URL.Path == "/proxy/127.0.0.1":
		_, _ = w.Write([]byte(p.doc))
	case r.URL.Path == "/proxy/127.0.0.1/incidents/01JQD0000000000000000000X1":
		p.lookups++
		if p.lookupCode != http.StatusOK {
			w.WriteHeader(p.lookupCode)
			return
		}
		_, _ = w.Write([]byte(resolvedIncident))
	default:
		http.NotFound(w, r)
	}
}

// TestVanishedIncidentResolved: an ongoing incident that leaves the
// page's document is looked up; while the lookup fails the snapshot says
// so (HistoryErr) and it is retried on the next polls, even when the
// document does not change; once it answers, the incident comes back
// resolved at its final update.
func TestVanishedIncidentResolved(t *testing.T) {
	p := &page{doc: withIncident, lookupCode: http.StatusOK}
	srv := httptest.NewServer(p)
	defer srv.Close()
	s := newSource(t, srv.URL, nil)

	first, err := s.Poll(t.Context())
	if err != nil || len(first.Incidents) != 1 || !first.ListsAllOpen {
		t.Fatalf("first: %+v, %v", first, err)
	}
	first.Commit()

	p.set(withoutIncident, http.StatusBadGateway)
	for i := range 2 { // the second poll: the first was not recorded, so the vanishing is seen again
		gone, err := s.Poll(t.Context())
		if err != nil || len(gone.Incidents) != 0 || !strings.Contains(gone.HistoryErr, "incident 01JQD0000000000000000000X1: http 502") {
			t.Fatalf("poll %d after vanishing: %+v, %v", i, gone, err)
		}
		if i == 1 {
			gone.Commit()
		}
	}

	p.set(withoutIncident, http.StatusOK)
	retried, err := s.Poll(t.Context()) // document unchanged: only the retried lookup
	if err != nil || retried.NotModified || retried.HasComponents || retried.ListsAllOpen || len(retried.Incidents) != 1 {
		t.Fatalf("retried: %+v, %v", retried, err)
	}
	inc := retried.Incidents[0]
	wantResolved := time.Date(2026, 3, 4, 15, 40, 0, 0, time.UTC)
	if inc.Status != upstat.StateResolved || inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(wantResolved) ||
		len(inc.Updates) != 2 || inc.Updates[1].Body != "Fixed." || inc.Severity != upstat.PartialOutage ||
		len(inc.Components) != 1 || inc.Components[0] != "API" {
		t.Fatalf("resolved incident = %+v", inc)
	}
	retried.Commit()

	quiet, err := s.Poll(t.Context())
	if err != nil || !quiet.NotModified {
		t.Fatalf("after the resolution was recorded: %+v, %v", quiet, err)
	}
	if p.lookups != 3 {
		t.Fatalf("lookups = %d, want 3 (two failed, one answered)", p.lookups)
	}
}

// TestVanishedLookupGivesUp: after maxLookupTries failed lookups the
// incident is no longer pending, so HistoryErr stops holding it open.
func TestVanishedLookupGivesUp(t *testing.T) {
	p := &page{doc: withIncident, lookupCode: http.StatusNotFound}
	srv := httptest.NewServer(p)
	defer srv.Close()
	s := newSource(t, srv.URL, nil)
	first, err := s.Poll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	first.Commit()
	p.set(withoutIncident, http.StatusNotFound)
	for i := range maxLookupTries {
		snap, err := s.Poll(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if held := snap.HistoryErr != ""; held != (i < maxLookupTries-1) {
			t.Fatalf("poll %d: HistoryErr %q", i, snap.HistoryErr)
		}
		snap.Commit()
	}
	if snap, err := s.Poll(t.Context()); err != nil || !snap.NotModified {
		t.Fatalf("after giving up: %+v, %v", snap, err)
	}
}
