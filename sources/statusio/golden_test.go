package statusio

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	testHome   = "https://status.acme.example"
	testPageID = "5b36dc6502d06804c0834a07"
)

// payloads returns each fixture by file name.
func payloads(t testing.TB) map[string][]byte { return goldentest.ReadAll(t, "testdata", ".json", 4) }

func TestGolden(t *testing.T) {
	for name, body := range payloads(t) {
		t.Run(name, func(t *testing.T) {
			snap, err := decodeNormalize(testHome, testPageID, nil, body)
			if err != nil {
				t.Fatal(err)
			}
			goldentest.Compare(t, goldentest.Path("testdata", name), goldentest.Marshal("", snap), *update)
		})
	}
}

// TestGoldenAdapter serves each fixture at the API path and polls the
// adapter through its API URL: the snapshot matches the golden but for
// links, which need the page's address.
func TestGoldenAdapter(t *testing.T) {
	for name, body := range payloads(t) {
		t.Run(name, func(t *testing.T) {
			srv := serveStatus(t, body)
			snap, err := newSource(t, srv.URL+"/1.0/status/"+testPageID, nil).Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			want, err := decodeNormalize("", testPageID, nil, body)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := goldentest.Marshal("", snap), goldentest.Marshal("", want); !bytes.Equal(got, want) {
				t.Fatalf("adapter:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// serveStatus serves body at /1.0/status/<testPageID>, with an ETag.
func serveStatus(t testing.TB, body []byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/1.0/status/"+testPageID {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("If-None-Match") == `"s1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"s1"`)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newSource(t testing.TB, u string, decode func(any) error) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: u, Vendor: "acme", Decode: decode}, goldentest.NoClockEnv())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
