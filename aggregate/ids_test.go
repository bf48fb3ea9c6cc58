package aggregate

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/upstat/upstat"
)

// TestIncidentIDsArePathSafe: an incident a feed names by its link gets an
// id usable in a URL path as returned, the link kept as source_ref, and
// its id of before still finds it.
func TestIncidentIDsArePathSafe(t *testing.T) {
	e := newEnv(t, oneVendor("inkwell"))
	const link = "http://127.0.0.1:8080/incidents/42"
	e.record("inkwell", 0, &upstat.Snapshot{Incidents: []upstat.Incident{{ID: link, Title: "Down",
		Severity: upstat.MajorOutage, Status: upstat.StateInvestigating, StartedAt: at(0)}}}, nil)
	v := e.vendor("inkwell")
	if len(v.Incidents) != 1 {
		t.Fatalf("%d incidents", len(v.Incidents))
	}
	inc := v.Incidents[0]
	if !strings.HasPrefix(inc.ID, "inkwell:f-") || url.PathEscape(inc.ID) != inc.ID || inc.SourceRef != link {
		t.Errorf("id %q, source_ref %q; want inkwell:f-<hash>, path-safe, and the link", inc.ID, inc.SourceRef)
	}
	for _, id := range []string{inc.ID, "inkwell:" + link} {
		got, err := e.svc.Incident(context.Background(), id)
		if err != nil || got.ID != inc.ID || got.SourceRef != link {
			t.Errorf("Incident(%q) = %+v, %v", id, got, err)
		}
	}
}
