// Package goldentest holds the golden-file helpers the feed and html
// adapter tests share: a JSON rendering of what a source found that, unlike
// the API's, shows update ids, and a compare-or-rewrite step.
package goldentest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upstat/upstat"
)

type update struct {
	ID string `json:"id"`
	upstat.Update
}

type incident struct {
	upstat.Incident
	Updates []update `json:"updates"`
}

type snapshot struct {
	Format        string             `json:"format,omitempty"`
	HasComponents bool               `json:"has_components"`
	Indicator     *upstat.Severity   `json:"indicator"`
	Components    []upstat.Component `json:"components"`
	Incidents     []incident         `json:"incidents"`
}

// Marshal renders a snapshot (and, for feeds, the format it was read as)
// as indented JSON with update ids.
func Marshal(format string, s *upstat.Snapshot) []byte {
	g := snapshot{Format: format, HasComponents: s.HasComponents, Indicator: s.Indicator, Components: s.Components, Incidents: []incident{}}
	if g.Components == nil {
		g.Components = []upstat.Component{}
	}
	for _, inc := range s.Incidents {
		gi := incident{Incident: inc, Updates: []update{}}
		for _, u := range inc.Updates {
			gi.Updates = append(gi.Updates, update{ID: u.ID, Update: u})
		}
		g.Incidents = append(g.Incidents, gi)
	}
	b, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		panic(err) // only plain data: cannot fail
	}
	return append(b, '\n')
}

// Path returns the golden file beside a fixture: dir/name.golden.json for
// dir/name.ext.
func Path(dir, fixture string) string {
	return filepath.Join(dir, strings.TrimSuffix(fixture, filepath.Ext(fixture))+".golden.json")
}

// Compare fails t when got differs from the golden file at path; with
// rewrite it first writes got there.
func Compare(t *testing.T, path string, got []byte, rewrite bool) {
	t.Helper()
	if rewrite {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("differs from %s:\n%s", path, got)
	}
}
