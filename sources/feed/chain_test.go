package feed

import (
	"slices"
	"strings"
	"testing"

	"github.com/upstat/upstat"
)

// TestGenericIDsStableAcrossPolls: as posts arrive, the incident a chain
// builds keeps its id and the ids of the updates it already had.
func TestGenericIDsStableAcrossPolls(t *testing.T) {
	full := string(readFixture(t, "ops-blog.rss"))
	// The first poll sees the feed before the five newest posts.
	cut := full
	for range 5 {
		i, j := strings.Index(cut, "<item>"), strings.Index(cut, "</item>")
		cut = cut[:i] + cut[j+len("</item>"):]
	}
	const login = "https://northwind.example/ops/2025/03/09/login-outage"
	var seen [][]string
	for _, tc := range []struct {
		body, now string
		want      upstat.IncidentState
	}{
		{cut, "2025-03-09T11:00:00Z", upstat.StateInvestigating},
		{full, "2025-03-11T12:00:00Z", upstat.StateResolved},
	} {
		res, err := Parse([]byte(tc.body), Config{Now: mustTime(t, tc.now)})
		if err != nil {
			t.Fatal(err)
		}
		inc := find(t, res.Incidents, login)
		if inc.Status != tc.want {
			t.Errorf("at %s: status %s, want %s", tc.now, inc.Status, tc.want)
		}
		var ids []string
		for _, u := range inc.Updates {
			ids = append(ids, u.ID)
		}
		seen = append(seen, ids)
	}
	if len(seen[0]) != 2 || len(seen[1]) != 3 || !slices.Equal(seen[0], seen[1][:2]) {
		t.Errorf("update ids %q then %q, want the first poll's kept and one added", seen[0], seen[1])
	}
}
