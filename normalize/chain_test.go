package normalize

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// post builds a chain entry: "id kind title" at hour h of 2025-03-01,
// resolving when closed is set.
func post(id string, kind upstat.Kind, title string, h int, closed bool) Entry {
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour)
	st := upstat.StateInvestigating
	switch {
	case kind == upstat.KindMaintenance && closed:
		st = upstat.StateCompleted
	case kind == upstat.KindMaintenance:
		st = upstat.StateInProgress
	case closed:
		st = upstat.StateResolved
	}
	inc := upstat.Incident{ID: id, Kind: kind, Title: title, Severity: upstat.Degraded,
		Updates: []upstat.Update{{At: at, Status: st, Body: title}}}
	Finish(&inc, at)
	inc.Updates[0].ID = "post"
	return Entry{Incident: inc}
}

// describe renders incidents as "id:status@resolved_hour[update ids]".
func describe(incs []upstat.Incident) []string {
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var out []string
	for _, inc := range incs {
		res := "-"
		if inc.ResolvedAt != nil {
			res = fmt.Sprint(int(inc.ResolvedAt.Sub(base).Hours()))
		}
		var ups []string
		for _, u := range inc.Updates {
			ups = append(ups, u.ID)
		}
		out = append(out, fmt.Sprintf("%s:%s@%s[%s]", inc.ID, inc.Status, res, strings.Join(ups, " ")))
	}
	return out
}

func closesOnly(e Entry) Entry { e.ClosesOnly = true; return e }

func TestChain(t *testing.T) {
	const inc, maint = upstat.KindIncident, upstat.KindMaintenance
	for _, tc := range []struct {
		name       string
		entries    []Entry // in feed order
		nowHour    int
		want       []string
		wantExpiry int // hour; -1 for none
	}{
		{"a resolving entry resolves the open incident before it",
			[]Entry{post("b", inc, "All good again", 3, true), post("a", inc, "API down", 1, false)}, 10,
			[]string{"a:resolved@3[post b]"}, -1},
		{"a resolving entry with nothing open is its own incident",
			[]Entry{post("a", inc, "Outage over", 1, true)}, 10,
			[]string{"a:resolved@1[post]"}, -1},
		{"a closes-only entry resolves the open incident",
			[]Entry{closesOnly(post("b", inc, "All systems operational", 3, true)), post("a", inc, "API down", 1, false)}, 10,
			[]string{"a:resolved@3[post b]"}, -1},
		{"a closes-only entry with nothing open is dropped",
			[]Entry{closesOnly(post("a", inc, "All systems operational", 1, true))}, 10,
			[]string{}, -1},
		{"a newer problem supersedes the open one",
			[]Entry{post("b", inc, "Login errors", 5, false), post("a", inc, "API down", 1, false)}, 10,
			[]string{"b:investigating@-[post]", "a:resolved@5[post]"}, 29},
		{"a newer entry whose title extends the open one's continues it",
			[]Entry{post("c", inc, "API down - resolved", 6, true), post("b", inc, "API down: update", 4, false), post("a", inc, "API down", 1, false)}, 10,
			[]string{"a:resolved@6[post b c]"}, -1},
		{"the open incident ages out before the next entry",
			[]Entry{post("b", inc, "Fixed", 40, true), post("a", inc, "API down", 1, false)}, 50,
			[]string{"b:resolved@40[post]", "a:resolved@25[post]"}, -1},
		{"activity is measured from the latest entry",
			[]Entry{post("b", inc, "API down again", 20, false), post("a", inc, "API down", 1, false)}, 30,
			[]string{"a:investigating@-[post b]"}, 44},
		{"past active_for now",
			[]Entry{post("a", inc, "API down", 1, false)}, 25,
			[]string{"a:resolved@25[post]"}, -1},
		{"incidents and maintenances chain apart",
			[]Entry{post("d", maint, "Maintenance done", 4, true), post("c", inc, "Slow API", 3, false),
				post("b", maint, "Database maintenance", 2, false), post("a", inc, "API down", 1, false)}, 10,
			[]string{"c:investigating@-[post]", "b:completed@4[post d]", "a:resolved@3[post]"}, 27},
		{"entries with a lifecycle of their own are not chained",
			[]Entry{{Incident: post("b", inc, "Fixed", 3, true).Incident, Own: true}, post("a", inc, "API down", 1, false)}, 10,
			[]string{"b:resolved@3[post]", "a:investigating@-[post]"}, 25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2025, 3, 1, tc.nowHour, 0, 0, 0, time.UTC)
			incs, expiry := Chain(tc.entries, 24*time.Hour, now)
			if got := describe(incs); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			want := time.Time{}
			if tc.wantExpiry >= 0 {
				want = time.Date(2025, 3, 1, tc.wantExpiry, 0, 0, 0, time.UTC)
			}
			if !expiry.Equal(want) {
				t.Errorf("expiry %s, want %s", expiry, want)
			}
		})
	}
}

// TestChainKeepsOpeningFields: the chained incident keeps the opening
// entry's id, title and start, takes the worse severity of its problem
// entries and the latest update or edit time, and a resolving entry does
// not change its severity.
func TestChainKeepsOpeningFields(t *testing.T) {
	a := post("a", upstat.KindIncident, "API down", 1, false)
	b := post("b", upstat.KindIncident, "API down: update", 2, false)
	b.Severity = upstat.MajorOutage
	b.UpdatedAt = b.UpdatedAt.Add(3 * time.Hour) // edited later
	c := post("c", upstat.KindIncident, "Resolved", 4, true)
	c.Severity = upstat.PartialOutage
	incs, _ := Chain([]Entry{c, b, a}, 24*time.Hour, a.StartedAt.Add(48*time.Hour))
	if len(incs) != 1 {
		t.Fatalf("%d incidents, want 1", len(incs))
	}
	got := incs[0]
	if got.ID != "a" || got.Title != "API down" || !got.StartedAt.Equal(a.StartedAt) {
		t.Errorf("id %q title %q started %s, want the opening entry's", got.ID, got.Title, got.StartedAt)
	}
	if got.Severity != upstat.MajorOutage {
		t.Errorf("severity %s, want major_outage (the worse problem entry)", got.Severity)
	}
	if !got.UpdatedAt.Equal(b.UpdatedAt) || got.ResolvedAt == nil || !got.ResolvedAt.Equal(c.StartedAt) {
		t.Errorf("updated %s resolved %v, want %s and %s", got.UpdatedAt, got.ResolvedAt, b.UpdatedAt, c.StartedAt)
	}
}

func TestContinues(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"Service interruption", "Service Interruption Update", true},
		{"Login outage: update", "Login outage", true},
		{"Login outage", "Login outage", true},
		{"Login outage", "Logins outage", false},
		{"API errors", "Elevated API errors", false},
		{"", "Anything", false},
	} {
		if got := continues(tc.a, tc.b); got != tc.want {
			t.Errorf("continues(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
