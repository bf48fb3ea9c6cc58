package betterstack

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var testNow = time.Date(2026, 3, 4, 16, 45, 0, 0, time.UTC)

const testPage = "https://status.acme.example"

// pages returns each fixture by file name.
func pages(t testing.TB) map[string][]byte { return goldentest.ReadAll(t, "testdata", ".json", 3) }

func TestGolden(t *testing.T) {
	for name, body := range pages(t) {
		t.Run(name, func(t *testing.T) {
			snap, err := decodeNormalize(testPage, nil, testNow, body)
			if err != nil {
				t.Fatal(err)
			}
			goldentest.Compare(t, goldentest.Path("testdata", name), goldentest.Marshal("", snap), *update)
		})
	}
}

// TestGoldenAdapter serves each fixture as the page's index.json (behind
// an HTML shell that answers every other path, as Better Stack's does)
// and polls the adapter: the snapshot matches the golden.
func TestGoldenAdapter(t *testing.T) {
	for name, body := range pages(t) {
		t.Run(name, func(t *testing.T) {
			var b atomic.Value
			b.Store(body)
			srv := servePage(t, &b)
			snap, err := newSource(t, srv.URL+"/").Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			got := bytes.ReplaceAll(goldentest.Marshal("", snap), []byte(srv.URL), []byte(testPage))
			goldentest.Compare(t, goldentest.Path("testdata", name), got, false)
		})
	}
}

// servePage serves the body held in b at /index.json with an ETag of its
// length, and an HTML shell with 200 at every other path.
func servePage(t testing.TB, b *atomic.Value) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/index.json" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(`<!DOCTYPE html><html><div id="app"></div></html>`))
			return
		}
		body := b.Load().([]byte)
		etag := `"` + string(rune('a'+len(body)%26)) + `"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/vnd.api+json; charset=utf-8")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newSource(t testing.TB, u string) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: u, Vendor: "acme"}, goldentest.Env(testNow))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
