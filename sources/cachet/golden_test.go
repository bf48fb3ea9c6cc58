package cachet

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const testBase = "https://status.acme.example"

// testZone is the instance zone the goldens are read in.
var testZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// instance is one fixture set: testdata/<name>-components.json (and
// -components-2.json for a second page), -groups.json, -incidents.json,
// -schedules.json; a missing groups or schedules file is a 404.
type instance struct {
	name string
	docs documents
}

func instances(t testing.TB) []instance {
	t.Helper()
	paths, _ := filepath.Glob("testdata/*-incidents.json")
	if len(paths) < 3 {
		t.Fatalf("found only %d instances", len(paths))
	}
	var out []instance
	for _, p := range paths {
		prefix := strings.TrimSuffix(p, "-incidents.json")
		read := func(suffix string) []byte {
			b, err := os.ReadFile(prefix + suffix)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			return b
		}
		in := instance{name: filepath.Base(prefix)}
		for _, page := range []string{"-components.json", "-components-2.json"} {
			if b := read(page); b != nil {
				in.docs.components = append(in.docs.components, b)
			}
		}
		in.docs.groups, in.docs.incidents, in.docs.schedules = read("-groups.json"), read("-incidents.json"), read("-schedules.json")
		out = append(out, in)
	}
	return out
}

func (in instance) golden() string { return filepath.Join("testdata", in.name+".golden.json") }

func TestGolden(t *testing.T) {
	for _, in := range instances(t) {
		t.Run(in.name, func(t *testing.T) {
			snap, err := decodeNormalize(testBase, testZone, nil, in.docs)
			if err != nil {
				t.Fatal(err)
			}
			goldentest.Compare(t, in.golden(), goldentest.Marshal("", snap), *update)
		})
	}
}

// TestGoldenAdapter serves each instance's documents at the API paths
// (404 for a missing one; a second components page where the first one's
// next_page link, written for another host, points) and polls the
// adapter with zone Europe/Berlin.
func TestGoldenAdapter(t *testing.T) {
	for _, in := range instances(t) {
		t.Run(in.name, func(t *testing.T) {
			srv := serveInstance(t, in.docs)
			snap, err := newSource(t, srv.URL, zoneOption("Europe/Berlin")).Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			got := bytes.ReplaceAll(goldentest.Marshal("", snap), []byte(srv.URL), []byte(testBase))
			goldentest.Compare(t, in.golden(), got, false)
		})
	}
}

// cachetServer serves documents as a Cachet instance does, with an ETag
// per document, counting requests per path and query.
type cachetServer struct {
	*httptest.Server
	mu    sync.Mutex
	docs  documents
	calls map[string]int
}

func serveInstance(t testing.TB, docs documents) *cachetServer {
	s := &cachetServer{docs: docs, calls: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls[r.URL.RequestURI()]++
		var body []byte
		switch r.URL.Path {
		case "/api/v1/components":
			if page := r.URL.Query().Get("page"); page == "" || page == "1" {
				body = s.docs.components[0]
			} else if page == "2" && len(s.docs.components) > 1 {
				body = s.docs.components[1]
			}
		case "/api/v1/components/groups":
			body = s.docs.groups
		case "/api/v1/incidents":
			body = s.docs.incidents
		case "/api/v1/schedules":
			body = s.docs.schedules
		}
		if body == nil {
			http.NotFound(w, r)
			return
		}
		etag := `"` + r.URL.Path + "-" + string(rune('a'+len(body)%26)) + `"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache, private")
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *cachetServer) set(f func(*documents)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.docs)
}

func zoneOption(zone string) func(any) error {
	return func(v any) error {
		v.(*options).Zone = zone
		return nil
	}
}

func newSource(t testing.TB, u string, decode func(any) error) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: u, Vendor: "acme", Decode: decode}, goldentest.NoClockEnv())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
