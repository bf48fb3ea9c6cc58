package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

// calendarReader is fixtureReader plus maintenances in every state the
// calendar distinguishes.
func calendarReader() *apitest.Reader {
	r := fixtureReader()
	at := func(s string) *time.Time { return ptr(apitest.Time(s).In(paris)) }
	r.AddIncident(upstat.Incident{ // scheduled, in the future
		ID: "github:m1", Vendor: "github", Kind: upstat.KindMaintenance, Title: "Git storage, migration; phase 2",
		URL: "https://www.githubstatus.com/incidents/m1", Severity: upstat.Maintenance, Status: upstat.StateScheduled,
		Components: []string{"Git Operations", "Pushes"},
		StartedAt:  *at("2024-05-01T09:00:00Z"), UpdatedAt: *at("2024-05-01T09:00:00Z"),
		ScheduledFor: at("2024-05-04T01:00:00Z"), ScheduledUntil: at("2024-05-04T03:00:00Z"),
	})
	r.AddIncident(upstat.Incident{ // in progress
		ID: "stripe:m/2", Vendor: "stripe", Kind: upstat.KindMaintenance, Title: "Card network upgrade",
		Severity: upstat.Maintenance, Status: upstat.StateInProgress,
		StartedAt: *at("2024-05-02T11:00:00Z"), UpdatedAt: *at("2024-05-02T11:00:00Z"),
		ScheduledFor: at("2024-05-02T11:00:00Z"), ScheduledUntil: at("2024-05-02T13:00:00Z"),
	})
	r.AddIncident(upstat.Incident{ // cancelled: completed before its window began
		ID: "github:m3", Vendor: "github", Kind: upstat.KindMaintenance, Title: "Pages rebuild",
		Severity: upstat.Maintenance, Status: upstat.StateCompleted,
		StartedAt: *at("2024-04-30T08:00:00Z"), UpdatedAt: *at("2024-05-01T08:00:00Z"), ResolvedAt: at("2024-05-01T08:00:00Z"),
		ScheduledFor: at("2024-05-06T01:00:00Z"), ScheduledUntil: at("2024-05-06T02:00:00Z"),
	})
	r.AddIncident(upstat.Incident{ // scheduled long before the window: out of the calendar
		ID: "github:ancient", Vendor: "github", Kind: upstat.KindMaintenance, Title: "Long ago",
		Severity: upstat.Maintenance, Status: upstat.StateScheduled,
		StartedAt: *at("2023-01-01T00:00:00Z"), UpdatedAt: *at("2023-01-01T00:00:00Z"),
		ScheduledFor: at("2023-01-02T00:00:00Z"),
	})
	return r
}

// getCalendar fetches target and parses it with an independent iCalendar
// parser, failing unless the answer is a 200 calendar.
func getCalendar(t *testing.T, h http.Handler, target string) (*ics.Calendar, string) {
	t.Helper()
	rec := do(h, http.MethodGet, target, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200; body %s", target, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Fatalf("Content-Type = %q, want text/calendar; charset=utf-8", ct)
	}
	body := rec.Body.String()
	for i, l := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(l) > 75 || strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d %q: longer than 75 octets or not CRLF-separated", i+1, l)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse calendar: %v\n%s", err, body)
	}
	return cal, body
}

// eventsByUID indexes the parsed events.
func eventsByUID(t *testing.T, cal *ics.Calendar) map[string]*ics.VEvent {
	t.Helper()
	out := map[string]*ics.VEvent{}
	for _, ev := range cal.Events() {
		if _, dup := out[ev.Id()]; dup {
			t.Fatalf("UID %q appears twice", ev.Id())
		}
		out[ev.Id()] = ev
	}
	return out
}

func prop(ev *ics.VEvent, p ics.ComponentProperty) string {
	if v := ev.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func TestMaintenanceCalendar(t *testing.T) {
	s, _ := newTestServer(t, calendarReader(), nil)
	cal, _ := getCalendar(t, s.Handler(), "/api/v1/maintenance.ics")
	evs := eventsByUID(t, cal)
	uids := slices.Sorted(func(yield func(string) bool) {
		for k := range evs {
			if !yield(k) {
				return
			}
		}
	})
	// The completed stripe:m/1 (over) and github:ancient (out of the
	// window) are left out; incidents are not maintenances.
	if want := []string{"github:m1@upstat", "github:m3@upstat", "stripe:m/2@upstat"}; !slices.Equal(uids, want) {
		t.Fatalf("UIDs = %v, want %v", uids, want)
	}
	m1 := evs["github:m1@upstat"]
	for p, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertySummary:     "GitHub: Git storage, migration; phase 2",
		ics.ComponentPropertyDescription: "Status: scheduled\nComponents: Git Operations, Pushes",
		ics.ComponentPropertyStatus:      "CONFIRMED",
		ics.ComponentPropertyUrl:         "https://www.githubstatus.com/incidents/m1",
		ics.ComponentPropertyCategories:  "github",
	} {
		if got := prop(m1, p); got != want {
			t.Errorf("m1 %s = %q, want %q", p, got, want)
		}
	}
	start, err1 := m1.GetStartAt()
	end, err2 := m1.GetEndAt()
	if err1 != nil || err2 != nil || !start.Equal(apitest.Time("2024-05-04T01:00:00Z")) || !end.Equal(apitest.Time("2024-05-04T03:00:00Z")) {
		t.Errorf("m1 window = %v (%v) .. %v (%v), want the scheduled window", start, err1, end, err2)
	}
	if got := prop(evs["github:m3@upstat"], ics.ComponentPropertyStatus); got != "CANCELLED" {
		t.Errorf("cancelled maintenance STATUS = %q, want CANCELLED", got)
	}
	if got := prop(evs["stripe:m/2@upstat"], ics.ComponentPropertyStatus); got != "CONFIRMED" {
		t.Errorf("in-progress maintenance STATUS = %q, want CONFIRMED", got)
	}
	if got := prop(m1, ics.ComponentPropertyDtstamp); got != "20240502T120000Z" {
		t.Errorf("DTSTAMP = %q, want the server clock in UTC", got)
	}
}

func TestMaintenanceCalendarVendorFilter(t *testing.T) {
	s, _ := newTestServer(t, calendarReader(), nil)
	cal, _ := getCalendar(t, s.Handler(), "/api/v1/maintenance.ics?vendor=stripe")
	if evs := eventsByUID(t, cal); len(evs) != 1 || evs["stripe:m/2@upstat"] == nil {
		t.Fatalf("?vendor=stripe events = %v, want only stripe:m/2", evs)
	}
	cal, _ = getCalendar(t, s.Handler(), "/api/v1/maintenance.ics?vendor=newrelic")
	if n := len(cal.Events()); n != 0 {
		t.Fatalf("?vendor=newrelic has %d events, want 0 (an empty calendar)", n)
	}
	wantError(t, do(s.Handler(), http.MethodGet, "/api/v1/maintenance.ics?vendor=nope", nil),
		http.StatusNotFound, "not_found", `unknown vendor "nope"`)
	wantError(t, do(s.Handler(), http.MethodGet, "/api/v1/maintenance.ics?vendor=Bad!", nil),
		http.StatusBadRequest, "bad_request", `"vendor"`)
}

// TestMaintenanceCalendarUIDStable: a maintenance that is rescheduled and
// renamed keeps its UID, so a subscribed calendar moves the event instead
// of adding a second one.
func TestMaintenanceCalendarUIDStable(t *testing.T) {
	r := calendarReader()
	s, _ := newTestServer(t, r, nil)
	before := eventsByUID(t, must(getCalendar(t, s.Handler(), "/api/v1/maintenance.ics")))
	moved := apitest.Time("2024-05-05T01:00:00Z")
	r.AddIncident(upstat.Incident{
		ID: "github:m1", Vendor: "github", Kind: upstat.KindMaintenance, Title: "Git storage migration (moved)",
		Severity: upstat.Maintenance, Status: upstat.StateScheduled,
		StartedAt: apitest.Time("2024-05-01T09:00:00Z"), UpdatedAt: apitest.Time("2024-05-02T11:00:00Z"),
		ScheduledFor: &moved,
	})
	after := eventsByUID(t, must(getCalendar(t, s.Handler(), "/api/v1/maintenance.ics")))
	if len(after) != len(before) {
		t.Fatalf("events %d after the change, %d before: the change added an event", len(after), len(before))
	}
	ev := after["github:m1@upstat"]
	if ev == nil {
		t.Fatalf("the changed maintenance lost its UID; UIDs now %v", after)
	}
	if start, err := ev.GetStartAt(); err != nil || !start.Equal(moved) {
		t.Errorf("DTSTART = %v (%v), want the new window %v", start, err, moved)
	}
	if got := prop(ev, ics.ComponentPropertyLastModified); got != "20240502T110000Z" {
		t.Errorf("LAST-MODIFIED = %q, want the update time", got)
	}
}

func must[T any](v T, _ string) T { return v }

func TestMaintenanceCalendarToken(t *testing.T) {
	s, _ := newTestServer(t, calendarReader(), func(o *Options) { o.ReadToken = "r3ad" })
	if rec := do(s.Handler(), http.MethodGet, "/api/v1/maintenance.ics", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("without the read token: %d, want 401", rec.Code)
	}
	cal, _ := getCalendar(t, s.Handler(), "/api/v1/maintenance.ics?token=r3ad")
	if len(cal.Events()) != 3 {
		t.Fatalf("with ?token=: %d events, want 3", len(cal.Events()))
	}
}
