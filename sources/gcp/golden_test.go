package gcp

import (
	"flag"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testURL is the document URL the goldens are written against.
const testURL = "https://status.cloud.google.com/incidents.json"

// TestGolden runs decode+normalise on each fixture in testdata and
// compares the snapshot with its golden file.
func TestGolden(t *testing.T) {
	goldentest.EachState(t, goldentest.Fixtures(t, "testdata", ".json", 5), *update, func(t *testing.T, path string) (*upstat.Snapshot, error) {
		return decodeNormalize(testURL, nil, filter{}, goldentest.Read(t, path))
	})
}

// TestGoldenPoll serves each fixture through httptest and polls the
// adapter: the snapshot must match the same golden.
func TestGoldenPoll(t *testing.T) {
	goldentest.EachState(t, goldentest.Fixtures(t, "testdata", ".json", 5), false, func(t *testing.T, path string) (*upstat.Snapshot, error) {
		srv := goldentest.Serve(t, "application/json", map[string][]byte{"/incidents.json": goldentest.Read(t, path)})
		snap, err := newSource(t, srv.URL, nil).Poll(t.Context())
		if err != nil {
			return nil, err
		}
		// The goldens carry the real host's incident URLs.
		for i := range snap.Incidents {
			snap.Incidents[i].URL = testURL[:len(testURL)-len("incidents.json")] + snap.Incidents[i].URL[len(srv.URL)+1:]
		}
		return snap, nil
	})
}

func newSource(t testing.TB, base string, decode func(any) error) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: base, Vendor: "gcp", Decode: decode}, goldentest.Env(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
