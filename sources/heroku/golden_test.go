package heroku

import (
	"flag"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var fixedNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// Minimal documents, served where a fixture does not cover an endpoint.
const (
	greenCurrent  = `{"status":[{"system":"Apps","status":"green"},{"system":"Data","status":"green"},{"system":"Tools","status":"green"}],"incidents":[],"scheduled":[]}`
	emptyHistory  = `[]`
	incidentsPath = "/api/v4/incidents"
)

// docs returns the current-status and incidents bodies a fixture stands
// for: its name ends in -current or -incidents.
func docs(t testing.TB, path string) (current, history []byte) {
	body := goldentest.Read(t, path)
	if strings.HasSuffix(path, "-incidents.json") {
		return []byte(greenCurrent), body
	}
	if !strings.HasSuffix(path, "-current.json") {
		t.Fatalf("fixture %s: name must end in -current.json or -incidents.json", path)
	}
	return body, []byte(emptyHistory)
}

// TestGolden runs decode+normalise on each fixture and compares the
// snapshot with its golden file.
func TestGolden(t *testing.T) {
	goldentest.EachState(t, goldentest.Fixtures(t, "testdata", ".json", 5), *update, func(t *testing.T, path string) (*upstat.Snapshot, error) {
		cur, hist := docs(t, path)
		return decodeNormalize(nil, fixedNow, cur, hist)
	})
}

// TestGoldenPoll serves each fixture at current-status and polls the
// adapter: the snapshot must match the same golden.
func TestGoldenPoll(t *testing.T) {
	goldentest.EachState(t, goldentest.Fixtures(t, "testdata", ".json", 5), false, func(t *testing.T, path string) (*upstat.Snapshot, error) {
		cur, hist := docs(t, path)
		return newSource(t, serve(t, map[string][]byte{currentPath: cur, incidentsPath: hist}).URL, nil).Poll(t.Context())
	})
}

// serve answers each path with its body (a nil body is a 500).
func serve(t *testing.T, bodies map[string][]byte) *httptest.Server {
	return goldentest.Serve(t, "application/json; charset=utf-8", bodies)
}

func newSource(t testing.TB, base string, decode func(any) error) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: base, Vendor: "heroku", Decode: decode}, goldentest.Env(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
