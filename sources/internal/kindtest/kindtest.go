// Package kindtest holds what the tests of the structured source kinds
// (gcp, aws, azure, slack, heroku) share: a golden rendering of a
// snapshot that, unlike the API's, shows update ids and ListsAllOpen, the
// compare-or-rewrite step, fixture discovery and a fetcher for httptest.
package kindtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
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
	HasComponents bool               `json:"has_components"`
	ListsAllOpen  bool               `json:"lists_all_open"`
	HistoryErr    string             `json:"history_err,omitempty"`
	Indicator     *upstat.Severity   `json:"indicator"`
	Components    []upstat.Component `json:"components"`
	Incidents     []incident         `json:"incidents"`
}

// Marshal renders s as indented JSON with update ids.
func Marshal(s *upstat.Snapshot) []byte {
	g := snapshot{HasComponents: s.HasComponents, ListsAllOpen: s.ListsAllOpen, HistoryErr: s.HistoryErr,
		Indicator: s.Indicator, Components: s.Components, Incidents: []incident{}}
	if g.Components == nil {
		g.Components = []upstat.Component{}
	}
	for _, inc := range s.Incidents {
		gi := incident{Incident: inc, Updates: []update{}}
		gi.Incident.Updates = nil
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

// GoldenPath returns the golden file beside a fixture: name.golden.json
// for name.ext.
func GoldenPath(fixture string) string {
	return strings.TrimSuffix(fixture, filepath.Ext(fixture)) + ".golden.json"
}

// Compare fails t when the golden rendering of s differs from the golden
// file beside fixture; with rewrite it first writes it there.
func Compare(t *testing.T, fixture string, s *upstat.Snapshot, rewrite bool) {
	t.Helper()
	got, path := Marshal(s), GoldenPath(fixture)
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

// Env returns an adapter environment for tests against httptest: a
// fetcher without retries, default severity tables, a fixed clock.
func Env(now time.Time) sources.Env {
	return sources.Env{
		Fetcher: sources.NewFetcher(sources.FetchOptions{Retries: -1, Timeout: 5 * time.Second}),
		Now:     func() time.Time { return now },
	}
}

// Options returns a spec Decode function that decodes the JSON object js
// strictly (an unknown field is an error), as config's YAML decoding is.
func Options(js string) func(any) error {
	return func(v any) error {
		d := json.NewDecoder(strings.NewReader(js))
		d.DisallowUnknownFields()
		return d.Decode(v)
	}
}

// Serve starts an httptest server answering each path of bodies with its
// body and content type ctype; a nil body is a 500, another path a 404.
// It is closed when t ends.
func Serve(t testing.TB, ctype string, bodies map[string][]byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if b == nil {
			http.Error(w, "oops", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}
