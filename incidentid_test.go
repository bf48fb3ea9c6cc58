package upstat

import (
	"net/url"
	"strings"
	"testing"
)

// TestIncidentID: ids a URL path takes as they are stay; others (feed
// links and guids) become a stable hash, the original kept as source_ref.
func TestIncidentID(t *testing.T) {
	for _, tc := range []struct {
		src, wantID, wantRef string
	}{
		{"r7k2m9p4x1qd", "gh:r7k2m9p4x1qd", ""},
		{"2023-07-10T1208Z", "gh:2023-07-10T1208Z", ""},
		{"http://127.0.0.1/incidents/42", "", "http://127.0.0.1/incidents/42"},
		{"tag:github.com,2008:Incident/42", "", "tag:github.com,2008:Incident/42"},
		{"a b", "", "a b"},
		{"..", "", ".."},
		{strings.Repeat("x", 101), "", strings.Repeat("x", 101)},
	} {
		id, ref := IncidentID("gh", tc.src)
		if ref != tc.wantRef || (tc.wantID != "" && id != tc.wantID) {
			t.Errorf("IncidentID(%q) = %q, %q; want %q, %q", tc.src, id, ref, tc.wantID, tc.wantRef)
		}
		if tc.wantID == "" && (!strings.HasPrefix(id, "gh:f-") || len(id) != len("gh:f-")+16) {
			t.Errorf("IncidentID(%q) = %q, want gh:f-<16 hex>", tc.src, id)
		}
		if again, _ := IncidentID("gh", tc.src); again != id {
			t.Errorf("IncidentID(%q) not stable: %q then %q", tc.src, id, again)
		}
		if url.PathEscape(id) != id {
			t.Errorf("IncidentID(%q) = %q needs escaping in a path", tc.src, id)
		}
	}
	a, _ := IncidentID("gh", "http://x/1")
	b, _ := IncidentID("gh", "http://x/2")
	if a == b {
		t.Errorf("two links share id %q", a)
	}
}
