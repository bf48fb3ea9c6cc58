package slack

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

// Minimal documents, served where a fixture does not cover an endpoint.
const (
	okCurrent    = `{"status":"ok","active_incidents":[],"date_created":"2026-12-01T03:55:12-08:00","date_updated":"2026-12-01T03:55:12-08:00"}`
	emptyHistory = `[]`
)

// docs returns the current and history bodies a fixture stands for: its
// name ends in -current or -history.
func docs(t testing.TB, path string) (current, history []byte) {
	body := goldentest.Read(t, path)
	if strings.HasSuffix(path, "-history.json") {
		return []byte(okCurrent), body
	}
	if !strings.HasSuffix(path, "-current.json") {
		t.Fatalf("fixture %s: name must end in -current.json or -history.json", path)
	}
	return body, []byte(emptyHistory)
}

// TestGolden runs decode+normalise on each fixture and compares the
// snapshot with its golden file.
func TestGolden(t *testing.T) {
	goldentest.EachState(t, goldentest.Fixtures(t, "testdata", ".json", 5), *update, func(t *testing.T, path string) (*upstat.Snapshot, error) {
		cur, hist := docs(t, path)
		return decodeNormalize(nil, cur, hist)
	})
}

// TestGoldenPoll serves each fixture at its API path and polls the
// adapter: the snapshot must match the same golden.
func TestGoldenPoll(t *testing.T) {
	goldentest.EachState(t, goldentest.Fixtures(t, "testdata", ".json", 5), false, func(t *testing.T, path string) (*upstat.Snapshot, error) {
		cur, hist := docs(t, path)
		srv := serve(t, map[string][]byte{currentPath: cur, historyPath: hist})
		return newSource(t, srv.URL).Poll(t.Context())
	})
}

// serve answers each path with its body (a nil body is a 500).
func serve(t *testing.T, bodies map[string][]byte) *httptest.Server {
	return goldentest.Serve(t, "application/json", bodies)
}

func newSource(t testing.TB, base string) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: base, Vendor: "slack"}, goldentest.Env(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
