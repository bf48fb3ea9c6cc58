package instatus

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testCase is one fixture pair: testdata/<name>-summary.json and, when
// the page has components, testdata/<name>-components.json.
type testCase struct {
	name                string
	summary, components []byte // components nil: none (a 404)
}

func (c testCase) golden() string { return filepath.Join("testdata", c.name+".golden.json") }

func cases(t testing.TB) []testCase {
	t.Helper()
	paths, _ := filepath.Glob("testdata/*-summary.json")
	if len(paths) < 4 {
		t.Fatalf("found only %d summaries", len(paths))
	}
	var out []testCase
	for _, p := range paths {
		c := testCase{name: strings.TrimSuffix(filepath.Base(p), "-summary.json")}
		var err error
		if c.summary, err = os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
		c.components, err = os.ReadFile(strings.TrimSuffix(p, "-summary.json") + "-components.json")
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func TestGolden(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			snap, err := decodeNormalize(nil, c.summary, c.components)
			if err != nil {
				t.Fatal(err)
			}
			goldentest.Compare(t, c.golden(), goldentest.Marshal("", snap), *update)
		})
	}
}

// TestGoldenAdapter serves each pair where Instatus serves them (the
// components endpoint answering 404 when the pair has none) and polls
// the adapter: the snapshot must match the same golden.
func TestGoldenAdapter(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			srv := serve(t, map[string][]byte{"/summary.json": c.summary, "/v2/components.json": c.components})
			snap, err := newSource(t, srv.URL).Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			goldentest.Compare(t, c.golden(), goldentest.Marshal("", snap), false)
		})
	}
}

// page is a simulated Instatus page: each path answers its body (404
// for a nil body or any other path), with its digest as ETag, or the
// status set for it.
type page struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string][]byte
	status map[string]int
}

func serve(t testing.TB, bodies map[string][]byte) *page {
	p := &page{bodies: bodies, status: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if code := p.status[r.URL.Path]; code != 0 {
			w.WriteHeader(code)
			return
		}
		b := p.bodies[r.URL.Path]
		if b == nil {
			http.NotFound(w, r)
			return
		}
		etag := fmt.Sprintf(`"%x"`, sha256.Sum256(b))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bytes.Clone(b))
	}))
	t.Cleanup(p.Close)
	return p
}

// set makes path answer body (nil: 404) and, when code is not 0, code
// instead.
func (p *page) set(path string, body []byte, code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bodies[path], p.status[path] = body, code
}

func newSource(t testing.TB, u string) *Source {
	t.Helper()
	s, err := New(sources.Spec{Kind: Kind, URL: u, Vendor: "northwind"}, goldentest.NoClockEnv())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
