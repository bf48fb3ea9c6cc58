package web

import (
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// now is the injected "now" of the constructed histories: noon UTC.
var testNow = time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)

// at is an instant relative to midnight of testNow's day.
func at(dayOffset int, hour, minute int) time.Time {
	return time.Date(2024, 3, 10+dayOffset, hour, minute, 0, 0, time.UTC)
}

func ptr[T any](v T) *T { return &v }

// closed builds a resolved incident.
func closed(id string, sev upstat.Severity, from, to time.Time) upstat.Incident {
	return upstat.Incident{ID: id, Title: "incident " + id, Kind: upstat.KindIncident, Severity: sev,
		Status: upstat.StateResolved, StartedAt: from, UpdatedAt: to, ResolvedAt: ptr(to)}
}

// maint builds a completed maintenance.
func maint(id string, from, to time.Time) upstat.Incident {
	return upstat.Incident{ID: id, Title: "maintenance " + id, Kind: upstat.KindMaintenance, Severity: upstat.Maintenance,
		Status: upstat.StateCompleted, StartedAt: from, UpdatedAt: to, ScheduledFor: ptr(from), ScheduledUntil: ptr(to)}
}

func TestComputeUptime(t *testing.T) {
	day := 24 * time.Hour
	from, to := at(0, 0, 0), at(0, 12, 0) // a 12h window ending at testNow
	tests := []struct {
		name                      string
		incs                      []upstat.Incident
		down, degraded, maintTime time.Duration
		percent                   string
	}{
		{name: "empty", percent: "100%"},
		{
			name:    "one partial outage",
			incs:    []upstat.Incident{closed("a", upstat.PartialOutage, at(0, 1, 0), at(0, 4, 0))},
			down:    3 * time.Hour,
			percent: "75%",
		},
		{
			name: "overlapping incidents count once",
			incs: []upstat.Incident{
				closed("a", upstat.MajorOutage, at(0, 1, 0), at(0, 3, 0)),
				closed("b", upstat.PartialOutage, at(0, 2, 0), at(0, 4, 0)),
				closed("c", upstat.MajorOutage, at(0, 2, 30), at(0, 2, 45)),
			},
			down:    3 * time.Hour,
			percent: "75%",
		},
		{
			name: "maintenance is excluded",
			incs: []upstat.Incident{
				maint("m", at(0, 0, 0), at(0, 4, 0)),
				closed("a", upstat.MajorOutage, at(0, 2, 0), at(0, 6, 0)),
			},
			down:      2 * time.Hour,
			maintTime: 4 * time.Hour,
			percent:   "75%", // 2h down of 8h measured
		},
		{
			name: "degraded is counted apart and does not lower uptime",
			incs: []upstat.Incident{
				closed("d", upstat.Degraded, at(0, 1, 0), at(0, 5, 0)),
				closed("a", upstat.MajorOutage, at(0, 2, 0), at(0, 3, 0)),
			},
			down:     time.Hour,
			degraded: 3 * time.Hour,
			percent:  "91.66%", // rounded down, never up
		},
		{
			name:    "informational incidents are not downtime",
			incs:    []upstat.Incident{closed("i", upstat.Operational, at(0, 1, 0), at(0, 9, 0))},
			percent: "100%",
		},
		{
			name: "an incident from before the window is clipped",
			incs: []upstat.Incident{
				closed("old", upstat.MajorOutage, from.Add(-3*day), at(0, 6, 0)),
			},
			down:    6 * time.Hour,
			percent: "50%",
		},
		{
			name: "an open incident counts until now",
			incs: []upstat.Incident{{ID: "open", Kind: upstat.KindIncident, Severity: upstat.MajorOutage,
				Status: upstat.StateIdentified, StartedAt: at(0, 9, 0), UpdatedAt: at(0, 10, 0)}},
			down:    3 * time.Hour,
			percent: "75%",
		},
		{
			name: "scheduled maintenance in the future covers nothing",
			incs: []upstat.Incident{{ID: "future", Kind: upstat.KindMaintenance, Severity: upstat.Maintenance,
				Status: upstat.StateScheduled, ScheduledFor: ptr(at(1, 2, 0)), ScheduledUntil: ptr(at(1, 4, 0))}},
			percent: "100%",
		},
		{
			name: "all down",
			incs: []upstat.Incident{
				closed("a", upstat.MajorOutage, from.Add(-time.Hour), to.Add(time.Hour)),
			},
			down:    12 * time.Hour,
			percent: "0%",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := ComputeUptime(tt.incs, from, to)
			if u.Down != tt.down || u.Degraded != tt.degraded || u.Maintenance != tt.maintTime {
				t.Errorf("down/degraded/maintenance = %v/%v/%v, want %v/%v/%v",
					u.Down, u.Degraded, u.Maintenance, tt.down, tt.degraded, tt.maintTime)
			}
			if u.Measured != 12*time.Hour-tt.maintTime {
				t.Errorf("measured = %v, want %v", u.Measured, 12*time.Hour-tt.maintTime)
			}
			if got := u.Percent(); got != tt.percent {
				t.Errorf("percent = %q, want %q", got, tt.percent)
			}
		})
	}
}

func TestDailyBar(t *testing.T) {
	incs := []upstat.Incident{
		// Spans the midnight between day -3 and day -2.
		closed("midnight", upstat.PartialOutage, at(-3, 22, 0), at(-2, 2, 0)),
		// Day -2 also has a minor incident: the worst wins.
		closed("minor", upstat.Degraded, at(-2, 8, 0), at(-2, 9, 0)),
		// Day -1: maintenance only, shown as maintenance.
		maint("window", at(-1, 1, 0), at(-1, 3, 0)),
		// Today: an incident still open.
		{ID: "open", Title: "open", Kind: upstat.KindIncident, Severity: upstat.MajorOutage,
			Status: upstat.StateInvestigating, StartedAt: at(0, 6, 0), UpdatedAt: at(0, 7, 0)},
		// Far outside the 5-day bar.
		closed("ancient", upstat.MajorOutage, at(-40, 1, 0), at(-40, 2, 0)),
	}
	bar := DailyBar(incs, ptr(at(-100, 0, 0)), testNow, 5) // watched for long
	type want struct {
		date   time.Time
		worst  upstat.Severity
		ids    []string
		uptime string
	}
	wants := []want{
		{at(-4, 0, 0), upstat.Operational, nil, "100%"},
		{at(-3, 0, 0), upstat.PartialOutage, []string{"midnight"}, "91.66%"}, // 2h of 24h
		{at(-2, 0, 0), upstat.PartialOutage, []string{"midnight", "minor"}, "91.66%"},
		{at(-1, 0, 0), upstat.Maintenance, []string{"window"}, "100%"},
		{at(0, 0, 0), upstat.MajorOutage, []string{"open"}, "50%"}, // 6h of the 12h so far
	}
	if len(bar) != len(wants) {
		t.Fatalf("got %d days, want %d", len(bar), len(wants))
	}
	for i, w := range wants {
		d := bar[i]
		if !d.Date.Equal(w.date) || d.Worst != w.worst || d.Uptime.Percent() != w.uptime {
			t.Errorf("day %d = %s %v %s, want %s %v %s", i, d.Date.Format(time.DateOnly), d.Worst,
				d.Uptime.Percent(), w.date.Format(time.DateOnly), w.worst, w.uptime)
		}
		var ids []string
		for _, inc := range d.Incidents {
			ids = append(ids, inc.ID)
		}
		if len(ids) != len(w.ids) {
			t.Errorf("day %d incidents = %v, want %v", i, ids, w.ids)
			continue
		}
		for j := range ids {
			if ids[j] != w.ids[j] {
				t.Errorf("day %d incidents = %v, want %v", i, ids, w.ids)
			}
		}
	}
}

// TestNoDataBeforeFirstRead: days before upstat first read the vendor
// are "no data", never operational, and do not count in uptime; a vendor
// never read shows no uptime at all, never "100%".
func TestNoDataBeforeFirstRead(t *testing.T) {
	past := closed("imported", upstat.MajorOutage, at(-4, 10, 0), at(-4, 11, 0))
	first := at(-2, 12, 0) // upstat started watching at noon, two days ago
	bar := DailyBar([]upstat.Incident{past}, &first, testNow, 5)
	for i, w := range []struct {
		noData bool
		worst  upstat.Severity
		uptime string
	}{
		{true, upstat.MajorOutage, "no data"}, // day -4: checked below
		{true, upstat.Operational, "no data"}, // day -3: before upstat watched
		{false, upstat.Operational, "100%"},   // day -2: watched from noon
		{false, upstat.Operational, "100%"},   // day -1
		{false, upstat.Operational, "100%"},   // today
	} {
		d := bar[i]
		if i == 0 {
			// The vendor reported an outage that day: it shows, but
			// upstat did not observe the day (no uptime).
			if !d.NoData || d.Worst != upstat.MajorOutage || d.Uptime.Percent() != "no data" {
				t.Errorf("day -4: nodata %v worst %s uptime %s; want no data, major_outage shown", d.NoData, d.Worst, d.Uptime.Percent())
			}
			continue
		}
		if d.NoData != w.noData || d.Worst != w.worst || d.Uptime.Percent() != w.uptime {
			t.Errorf("day %d: nodata %v worst %s uptime %s; want %v %s %s", i-4, d.NoData, d.Worst, d.Uptime.Percent(), w.noData, w.worst, w.uptime)
		}
	}
	if got := ObservedUptime([]upstat.Incident{past}, &first, testNow.Add(-90*24*time.Hour), testNow); got.Percent() != "100%" || got.Window != testNow.Sub(first) {
		t.Errorf("90-day uptime %s over %s, want 100%% over the %s observed", got.Percent(), got.Window, testNow.Sub(first))
	}
	for _, since := range []*time.Time{nil, ptr(testNow.Add(time.Hour))} {
		if got := ObservedUptime(nil, since, testNow.Add(-30*24*time.Hour), testNow); got.Percent() != "no data" {
			t.Errorf("never read (since %v): uptime %s, want no data", since, got.Percent())
		}
	}
	never := DailyBar(nil, nil, testNow, 3)
	for i, d := range never {
		if !d.NoData {
			t.Errorf("never read: day %d has data", i)
		}
	}
}

func TestForComponent(t *testing.T) {
	incs := []upstat.Incident{
		{ID: "a", Components: []string{"API"}},
		{ID: "b", Components: []string{"Europe/CDN"}},
		{ID: "c", Components: []string{"Git"}},
	}
	tests := []struct {
		c    upstat.Component
		want string
	}{
		{upstat.Component{Name: "API"}, "a"},
		{upstat.Component{Name: "CDN", Group: "Europe"}, "b"},
		{upstat.Component{Name: "Webhooks"}, ""},
	}
	for _, tt := range tests {
		got := ""
		for _, inc := range ForComponent(incs, tt.c) {
			got += inc.ID
		}
		if got != tt.want {
			t.Errorf("ForComponent(%q) = %q, want %q", tt.c.Key(), got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	durations := []struct {
		d    time.Duration
		want string
	}{
		{at(3, 13, 14).Sub(at(0, 18, 15)), "2d 18h"}, // ThinkLink: Apr 01 18:15 → Apr 04 13:14
		{48 * time.Hour, "2d"},
		{3*time.Hour + 5*time.Minute + 30*time.Second, "3h 5m"},
		{time.Hour, "1h"},
		{12 * time.Minute, "12m"},
		{40 * time.Second, "40s"},
		{-time.Minute, "0s"},
	}
	for _, tt := range durations {
		if got := Duration(tt.d); got != tt.want {
			t.Errorf("Duration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	urls := []struct{ in, want string }{
		{"https://status.example.com/incidents/1", "https://status.example.com/incidents/1"},
		{"HTTP://example.com", "http://example.com"},
		{"javascript:alert(1)", ""},
		{" JavaScript:alert(1)", ""},
		{"data:text/html,<script>", ""},
		{"//example.com/x", ""},
		{"/relative", ""},
		{"", ""},
	}
	for _, tt := range urls {
		if got := safeURL(tt.in); got != tt.want {
			t.Errorf("safeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		body string
		want []Segment
	}{
		{"plain", []Segment{{Text: "plain"}}},
		{"see https://x.example/a. Thanks", []Segment{{Text: "see "}, {Text: "https://x.example/a", URL: "https://x.example/a"}, {Text: ". Thanks"}}},
		{`<a href="javascript:alert(1)">x</a>`, []Segment{{Text: `<a href="javascript:alert(1)">x</a>`}}},
		{"(http://a.example)", []Segment{{Text: "("}, {Text: "http://a.example", URL: "http://a.example"}, {Text: ")"}}},
		{"", nil},
	}
	for _, tt := range tests {
		got := segments(tt.body)
		if len(got) != len(tt.want) {
			t.Errorf("segments(%q) = %+v, want %+v", tt.body, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("segments(%q) = %+v, want %+v", tt.body, got, tt.want)
				break
			}
		}
	}
}

func FuzzSegments(f *testing.F) {
	f.Add("see https://x.example/a. Thanks")
	f.Add(`<a href="javascript:alert(1)">x</a> http://a.example)`)
	f.Add("https://")
	f.Fuzz(func(t *testing.T, body string) {
		var joined string
		for _, s := range segments(body) {
			joined += s.Text
			if s.URL != "" && safeURL(s.URL) != s.URL {
				t.Fatalf("unsafe link %q from %q", s.URL, body)
			}
		}
		if joined != body {
			t.Fatalf("segments lose text: %q became %q", body, joined)
		}
	})
}

func FuzzCursor(f *testing.F) {
	f.Add(encodeCursor(&upstat.IncidentCursor{StartedAt: testNow, ID: "github:abc"}))
	f.Add("%%")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err != nil || c == nil {
			return
		}
		again, err := decodeCursor(encodeCursor(c))
		if err != nil || !again.StartedAt.Equal(c.StartedAt) || again.ID != c.ID {
			t.Fatalf("cursor %q does not round-trip: %v %v", s, again, err)
		}
	})
}
