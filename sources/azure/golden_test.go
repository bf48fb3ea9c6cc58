package azure

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
	goldentest.EachState(t, goldentest.Fixtures(t, "testdata", ".xml", 4), *update, func(t *testing.T, path string) (*upstat.Snapshot, error) {
		return decodeNormalize(nil, fixedNow, goldentest.Read(t, path))
	})
}

// TestGoldenPoll serves each fixture and polls the adapter: the snapshot
// must match the same golden.
func TestGoldenPoll(t *testing.T) {
	goldentest.EachState(t, goldentest.Fixtures(t, "testdata", ".xml", 4), false, func(t *testing.T, path string) (*upstat.Snapshot, error) {
		body := goldentest.Read(t, path)
		return newSource(t, serve(t, "application/rss+xml; charset=utf-8", &body).URL).Poll(t.Context())
	})
}

// serve answers every request with *body (read at each request).
func serve(t *testing.T, ctype string, body *[]byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(*body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newSource(t testing.TB, u string) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: u, Vendor: "azure"}, goldentest.Env(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
