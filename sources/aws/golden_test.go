package aws

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

var fixedNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// TestGolden runs decode+normalise on each fixture and compares the
// snapshot with its golden file.
func TestGolden(t *testing.T) {
	for _, path := range kindtest.Fixtures(t, "testdata", ".json", 4) {
		t.Run(path, func(t *testing.T) {
			snap, err := decodeNormalize(nil, filter{}, kindtest.Read(t, path))
			if err != nil {
				t.Fatal(err)
			}
			kindtest.Compare(t, path, snap, *update)
		})
	}
}

// TestGoldenPoll serves each fixture as AWS does (UTF-16 content type)
// and polls the adapter: the snapshot must match the same golden.
func TestGoldenPoll(t *testing.T) {
	for _, path := range kindtest.Fixtures(t, "testdata", ".json", 4) {
		t.Run(path, func(t *testing.T) {
			srv := serve(t, kindtest.Read(t, path))
			snap, err := newSource(t, srv.URL, nil).Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			kindtest.Compare(t, path, snap, false)
		})
	}
}

// TestGoldenFeed runs each RSS fixture through the feed reader, and
// through a poll of a .rss URL: both must match its golden file.
func TestGoldenFeed(t *testing.T) {
	for _, path := range kindtest.Fixtures(t, "testdata", ".rss", 2) {
		t.Run(path, func(t *testing.T) {
			body := kindtest.Read(t, path)
			snap, err := buildFeed(nil, filter{}, body)
			if err != nil {
				t.Fatal(err)
			}
			kindtest.Compare(t, path, snap, *update)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			if snap, err = newSource(t, srv.URL+"/rss/feed.rss", nil).Poll(t.Context()); err != nil {
				t.Fatal(err)
			}
			kindtest.Compare(t, path, snap, false)
		})
	}
}

// serve answers /public/currentevents with body, as AWS does (UTF-16
// content type).
func serve(t *testing.T, body []byte) *httptest.Server {
	return kindtest.Serve(t, "application/json;charset=utf-16", map[string][]byte{"/public/currentevents": body})
}

func newSource(t testing.TB, base string, decode func(any) error) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: base, Vendor: "aws", Decode: decode}, kindtest.Env(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
