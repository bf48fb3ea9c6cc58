package gcp

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/internal/kindtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testURL is the document URL the goldens are written against.
const testURL = "https://status.cloud.google.com/incidents.json"

// TestGolden runs decode+normalise on each fixture in testdata and
// compares the snapshot with its golden file.
func TestGolden(t *testing.T) {
	for _, path := range kindtest.Fixtures(t, "testdata", ".json", 5) {
		t.Run(path, func(t *testing.T) {
			snap, err := decodeNormalize(testURL, nil, filter{}, kindtest.Read(t, path))
			if err != nil {
				t.Fatal(err)
			}
			kindtest.Compare(t, path, snap, *update)
		})
	}
}

// TestGoldenPoll serves each fixture through httptest and polls the
// adapter: the snapshot must match the same golden.
func TestGoldenPoll(t *testing.T) {
	for _, path := range kindtest.Fixtures(t, "testdata", ".json", 5) {
		t.Run(path, func(t *testing.T) {
			body := kindtest.Read(t, path)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/incidents.json" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			src := newSource(t, srv.URL, nil)
			snap, err := src.Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			// The goldens carry the real host's incident URLs.
			for i := range snap.Incidents {
				snap.Incidents[i].URL = testURL[:len(testURL)-len("incidents.json")] + snap.Incidents[i].URL[len(srv.URL)+1:]
			}
			kindtest.Compare(t, path, snap, false)
		})
	}
}

func newSource(t testing.TB, base string, decode func(any) error) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: base, Vendor: "gcp", Decode: decode}, kindtest.Env(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
