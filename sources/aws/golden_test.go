package aws

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var fixedNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// TestGolden runs decode+normalise on each fixture and compares the
// snapshot with its golden file.
func TestGolden(t *testing.T) {
	goldentest.EachState(t, goldentest.Fixtures(t, "testdata", ".json", 4), *update, func(t *testing.T, path string) (*upstat.Snapshot, error) {
		return decodeNormalize(nil, filter{}, goldentest.Read(t, path))
	})
}

// TestGoldenPoll serves each fixture as AWS does (UTF-16 content type)
// and polls the adapter: the snapshot must match the same golden.
func TestGoldenPoll(t *testing.T) {
	goldentest.EachState(t, goldentest.Fixtures(t, "testdata", ".json", 4), false, func(t *testing.T, path string) (*upstat.Snapshot, error) {
		srv := serve(t, goldentest.Read(t, path))
		return newSource(t, srv.URL, nil).Poll(t.Context())
	})
}

// TestGoldenFeed runs each RSS fixture through the feed reader, and
// through a poll of a .rss URL: both must match its golden file.
func TestGoldenFeed(t *testing.T) {
	for _, path := range goldentest.Fixtures(t, "testdata", ".rss", 2) {
		t.Run(path, func(t *testing.T) {
			body := goldentest.Read(t, path)
			snap, err := buildFeed(nil, filter{}, body)
			if err != nil {
				t.Fatal(err)
			}
			goldentest.CompareState(t, path, snap, *update)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			if snap, err = newSource(t, srv.URL+"/rss/feed.rss", nil).Poll(t.Context()); err != nil {
				t.Fatal(err)
			}
			goldentest.CompareState(t, path, snap, false)
		})
	}
}

// serve answers /public/currentevents with body, as AWS does (UTF-16
// content type).
func serve(t *testing.T, body []byte) *httptest.Server {
	return goldentest.Serve(t, "application/json;charset=utf-16", map[string][]byte{"/public/currentevents": body})
}

func newSource(t testing.TB, base string, decode func(any) error) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: base, Vendor: "aws", Decode: decode}, goldentest.Env(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
