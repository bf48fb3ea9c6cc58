// Package goldentest holds what the source adapters' tests share: a
// golden JSON rendering of what a source found that, unlike the API's,
// shows update ids, the compare-or-rewrite step, fixture discovery, and
// an environment, options and a server for polling an adapter against
// httptest.
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
	ListsAllOpen  *bool              `json:"lists_all_open,omitempty"`
	HistoryErr    string             `json:"history_err,omitempty"`
	Indicator     *upstat.Severity   `json:"indicator"`
	Components    []upstat.Component `json:"components"`
	Incidents     []incident         `json:"incidents"`
}

// Marshal renders a snapshot (and, for feeds, the format it was read as)
// as indented JSON with update ids.
func Marshal(format string, s *upstat.Snapshot) []byte {
	return render(snapshot{Format: format}, s)
}

// MarshalState renders a snapshot as Marshal does, and also what it says
// of its own completeness: ListsAllOpen (always) and HistoryErr (when
// set). The kinds that read separate current and history documents
// (gcp, aws, azure, slack, heroku) write their goldens with it.
func MarshalState(s *upstat.Snapshot) []byte {
	all := s.ListsAllOpen
	return render(snapshot{ListsAllOpen: &all, HistoryErr: s.HistoryErr}, s)
}

func render(g snapshot, s *upstat.Snapshot) []byte {
	g.HasComponents, g.Indicator, g.Components, g.Incidents = s.HasComponents, s.Indicator, s.Components, []incident{}
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
// dir/name.ext (dir may be empty when fixture holds it).
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
		t.Errorf("differs from %s (run with -update and review the diff):\n%s", path, got)
	}
}

// CompareState fails t when the MarshalState rendering of s differs from
// the golden file beside fixture; with rewrite it first writes it there.
func CompareState(t *testing.T, fixture string, s *upstat.Snapshot, rewrite bool) {
	t.Helper()
	Compare(t, Path("", fixture), MarshalState(s), rewrite)
}

// Fixtures lists the fixture files of dir with extension ext (".json"),
// golden files excluded, and fails t when there are fewer than min.
func Fixtures(t testing.TB, dir, ext string, min int) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range paths {
		if !strings.HasSuffix(p, ".golden.json") {
			out = append(out, p)
		}
	}
	if len(out) < min {
		t.Fatalf("found %d fixtures in %s, want at least %d", len(out), dir, min)
	}
	return out
}

// Read returns the content of path or fails t.
func Read(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ReadAll returns the content of each of Fixtures(t, dir, ext, min) by
// file name.
func ReadAll(t testing.TB, dir, ext string, min int) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range Fixtures(t, dir, ext, min) {
		out[filepath.Base(p)] = Read(t, p)
	}
	return out
}

// EachState runs one subtest per fixture path: build returns the
// fixture's snapshot, whose MarshalState rendering must match the golden
// file beside it (CompareState; with rewrite it is written there first).
// An error of build fails the subtest.
func EachState(t *testing.T, paths []string, rewrite bool, build func(t *testing.T, path string) (*upstat.Snapshot, error)) {
	t.Helper()
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			snap, err := build(t, path)
			if err != nil {
				t.Fatal(err)
			}
			CompareState(t, path, snap, rewrite)
		})
	}
}
