package statuspage

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files in fixtures/statuspage")

// testBase is the page base URL the goldens are written against.
const testBase = "https://status.example.com"

const fixtureDir = "../../fixtures/statuspage"

// fixture is one payload file; its name says which endpoint it imitates.
type fixture struct {
	name string // file name without .json
	path string
	kind docKind
}

func (f fixture) goldenPath() string { return filepath.Join(fixtureDir, f.name+".golden.json") }

// endpoint returns the API path the fixture is served at.
func (k docKind) endpoint() string {
	switch k {
	case docIncidents:
		return incidentsPath
	case docMaintenances:
		return maintenancesPath
	}
	return summaryPath
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []fixture
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		if strings.HasSuffix(name, ".golden") {
			continue
		}
		f := fixture{name: name, path: p}
		switch {
		case strings.HasSuffix(name, "-summary"):
			f.kind = docSummary
		case strings.HasSuffix(name, "-scheduled-maintenances"):
			f.kind = docMaintenances
		case strings.HasSuffix(name, "-incidents"):
			f.kind = docIncidents
		default:
			t.Fatalf("fixture %s: name must end in -summary, -incidents or -scheduled-maintenances", p)
		}
		out = append(out, f)
	}
	if len(out) < 6 {
		t.Fatalf("found only %d fixtures in %s", len(out), fixtureDir)
	}
	return out
}

// golden is the Snapshot as written to a golden file: it also shows what
// the API hides (Hidden, update ids), because the aggregator relies on it.
type golden struct {
	HasComponents bool              `json:"has_components"`
	Indicator     *upstat.Severity  `json:"indicator"`
	NotModified   bool              `json:"not_modified,omitempty"`
	Components    []goldenComponent `json:"components"`
	Incidents     []goldenIncident  `json:"incidents"`
}

type goldenComponent struct {
	upstat.Component
	Hidden bool `json:"hidden"`
}

type goldenIncident struct {
	upstat.Incident
	Updates []goldenUpdate `json:"updates"`
}

type goldenUpdate struct {
	ID string `json:"id"`
	upstat.Update
}

func goldenJSON(t testing.TB, s *upstat.Snapshot) []byte {
	t.Helper()
	g := golden{HasComponents: s.HasComponents, Indicator: s.Indicator, NotModified: s.NotModified}
	for _, c := range s.Components {
		g.Components = append(g.Components, goldenComponent{Component: c, Hidden: c.Hidden})
	}
	for _, inc := range s.Incidents {
		gi := goldenIncident{Incident: inc}
		gi.Incident.Updates = nil
		for _, u := range inc.Updates {
			gi.Updates = append(gi.Updates, goldenUpdate{ID: u.ID, Update: u})
		}
		g.Incidents = append(g.Incidents, gi)
	}
	b, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func compareGolden(t *testing.T, f fixture, got []byte) {
	t.Helper()
	goldentest.Compare(t, f.goldenPath(), got, *update)
}

// TestGoldenDecodeNormalize runs the pure decode+normalise step on each
// fixture and compares the result with its golden file.
func TestGoldenDecodeNormalize(t *testing.T) {
	for _, f := range loadFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			snap, err := decodeNormalize(testBase, nil, f.kind, goldentest.Read(t, f.path))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			compareGolden(t, f, goldenJSON(t, snap))
		})
	}
}

// minimal are the smallest valid documents of each endpoint, served at the
// endpoints a fixture does not cover.
var minimal = map[docKind]string{
	docSummary:      `{"page":{"id":"pg0000000001","name":"Test"}}`,
	docIncidents:    `{"page":{"id":"pg0000000001","name":"Test"},"incidents":[]}`,
	docMaintenances: `{"page":{"id":"pg0000000001","name":"Test"},"scheduled_maintenances":[]}`,
}

// TestGoldenAdapter serves each fixture at its API path through httptest
// and polls the full adapter: the Snapshot must match the same golden.
func TestGoldenAdapter(t *testing.T) {
	for _, f := range loadFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			if *update {
				t.Skip("goldens are written by TestGoldenDecodeNormalize")
			}
			body := goldentest.Read(t, f.path)
			mux := http.NewServeMux()
			for kind, doc := range minimal {
				payload := []byte(doc)
				if kind == f.kind {
					payload = body
				}
				mux.HandleFunc("GET "+kind.endpoint(), func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json; charset=utf-8")
					_, _ = w.Write(payload)
				})
			}
			srv := httptest.NewServer(mux)
			defer srv.Close()

			src := newTestSource(t, srv.URL, nil, fixedClock(time.Date(2026, 3, 4, 16, 45, 0, 0, time.UTC)))
			snap, err := src.Poll(t.Context())
			if err != nil {
				t.Fatalf("poll: %v", err)
			}
			got := bytes.ReplaceAll(goldenJSON(t, snap), []byte(srv.URL), []byte(testBase))
			compareGolden(t, f, got)
		})
	}
}

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// newTestSource builds a Source against a local server with retries off.
func newTestSource(t testing.TB, base string, decodeOpts func(any) error, now func() time.Time) *Source {
	t.Helper()
	env := goldentest.NoClockEnv()
	env.Now = now
	s, err := New(sources.Spec{Kind: Kind, URL: base, Vendor: "test", Decode: decodeOpts}, env)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	return s
}
