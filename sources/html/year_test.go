package html

import (
	"fmt"
	"testing"
)

// TestYearFromPageDates: year-less stamps take their year from the page's
// own dates (the latest not in the future), else from the clock, with the
// year rolled back for a stamp that would lie after the anchor.
func TestYearFromPageDates(t *testing.T) {
	page := func(footer, stamp string) []byte {
		return []byte(fmt.Sprintf(`<html><body><h1>Notices</h1>
		<div class="notice"><h3>API errors</h3><span class="when">%s</span><p>Elevated API errors.</p></div>
		<footer>%s</footer></body></html>`, stamp, footer))
	}
	opts := Options{Selectors: &Selectors{Item: ".notice", Time: ".when"}, AllowEmpty: true}
	for _, tc := range []struct {
		name, footer, stamp, want string
	}{
		{"page last updated in 2021", "Last updated: Mar 3, 2021", "Feb 20, 10:00 UTC", "2021-02-20T10:00:00Z"},
		{"rolled back from the page's date", "Last updated: 3 March 2021", "Dec 30, 10:00 UTC", "2020-12-30T10:00:00Z"},
		{"a <time> element", `<time datetime="2022-08-01T09:00:00Z">1 Aug</time>`, "Jul 14, 08:30 UTC", "2022-07-14T08:30:00Z"},
		{"no page dates: the clock", "Contact us", "Feb 20, 10:00 UTC", "2026-02-20T10:00:00Z"},
		{"a future page date is not an anchor", "Maintenance on Dec 24, 2026", "Feb 20, 10:00 UTC", "2026-02-20T10:00:00Z"},
		{"no page dates: roll back", "Contact us", "Dec 30, 10:00 UTC", "2025-12-30T10:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := parseAt(t, page(tc.footer, tc.stamp), opts, "2026-05-01T00:00:00Z")
			if len(res.Snapshot.Incidents) != 1 {
				t.Fatalf("%d incidents, want 1", len(res.Snapshot.Incidents))
			}
			if got := res.Snapshot.Incidents[0].StartedAt; !got.Equal(mustTime(t, tc.want)) {
				t.Errorf("started %s, want %s", got.UTC().Format("2006-01-02T15:04:05Z"), tc.want)
			}
		})
	}
}
