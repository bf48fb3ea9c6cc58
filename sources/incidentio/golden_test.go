package incidentio

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testNow is the clock of the goldens: during the fixtures' incidents.
var testNow = time.Date(2026, 3, 4, 16, 45, 0, 0, time.UTC)

// testPage is the page address the goldens are written against.
const testPage = "https://status.acme.example"

func fixtures(t testing.TB) []string { return goldentest.Fixtures(t, "testdata", ".json", 4) }

// TestGolden runs decode + normalise on each fixture and compares the
// snapshot with the golden file beside it.
func TestGolden(t *testing.T) {
	for _, p := range fixtures(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			snap, err := decodeNormalize(testPage, nil, testNow, goldentest.Read(t, p))
			if err != nil {
				t.Fatal(err)
			}
			goldentest.Compare(t, goldentest.Path("testdata", filepath.Base(p)), goldentest.Marshal("", snap), *update)
		})
	}
}

// TestGoldenAdapter polls each fixture through the whole adapter, served
// where the page serves it, and expects the same golden snapshot.
func TestGoldenAdapter(t *testing.T) {
	for _, p := range fixtures(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			body := goldentest.Read(t, p)
			widget := strings.HasPrefix(filepath.Base(p), "widget")
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if (widget && r.URL.Path != "/api/v1/summary") || (!widget && r.URL.Path != "/proxy/127.0.0.1") {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			u := srv.URL
			if widget {
				u += "/api/v1/summary"
			}
			snap, err := newSource(t, u, nil).Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			got := bytes.ReplaceAll(goldentest.Marshal("", snap), []byte(srv.URL), []byte(testPage))
			goldentest.Compare(t, goldentest.Path("testdata", filepath.Base(p)), got, false)
		})
	}
}

// newSource builds a Source with retries off and the test clock.
func newSource(t testing.TB, u string, decode func(any) error) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: u, Vendor: "acme", Decode: decode}, goldentest.Env(testNow))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
