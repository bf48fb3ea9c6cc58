package web

import (
	"strings"
	"testing"
)

// TestGuessedSeverityMarked: a severity upstat guessed from words is
// marked with an icon and words on the incident page and in the vendor's
// incident rows; the vendor's own severity is not.
func TestGuessedSeverityMarked(t *testing.T) {
	h := newTestDashboard(t, demoStore(demoNow), nil).Handler()
	const mark = `<span class="guessed"`
	for _, tc := range []struct {
		target string
		want   int // marks on the page
	}{
		{"/incidents/github:pages", 1},   // guessed
		{"/incidents/github:actions", 0}, // the vendor's
		{"/vendors/github", 1},           // its history lists github:pages once
		{"/vendors/newrelic", 2},         // an active guessed incident: its row and its history line
	} {
		t.Run(tc.target, func(t *testing.T) {
			resp, body := get(t, h, tc.target)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if n := strings.Count(body, mark); n != tc.want {
				t.Errorf("%d guessed marks, want %d", n, tc.want)
			}
			if tc.want > 0 && !strings.Contains(body, `aria-hidden="true">≈</span> guessed from the text</span>`) {
				t.Error("the mark lacks its icon and words")
			}
		})
	}
}
