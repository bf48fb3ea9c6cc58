package incidentio

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

func TestDocumentURL(t *testing.T) {
	for _, c := range []struct{ in, doc, page string }{
		{"https://status.openai.com", "https://status.openai.com/proxy/status.openai.com", "https://status.openai.com"},
		{"https://status.openai.com/", "https://status.openai.com/proxy/status.openai.com", "https://status.openai.com"},
		{"https://status.openai.com//", "https://status.openai.com/proxy/status.openai.com", "https://status.openai.com"},
		{"https://status.openai.com/proxy/status.openai.com", "https://status.openai.com/proxy/status.openai.com", "https://status.openai.com"},
		{"https://status.neon.tech/us-east-1/api/v1/summary", "https://status.neon.tech/us-east-1/api/v1/summary", "https://status.neon.tech/us-east-1"},
	} {
		doc, page, err := documentURL(c.in)
		if err != nil || doc != c.doc || page != c.page {
			t.Errorf("documentURL(%q) = %q, %q, %v; want %q, %q", c.in, doc, page, err, c.doc, c.page)
		}
	}
	for _, bad := range []string{"", "ftp://x", "status.openai.com"} {
		if _, _, err := documentURL(bad); !errors.Is(err, upstat.ErrInvalid) {
			t.Errorf("documentURL(%q): %v, want ErrInvalid", bad, err)
		}
	}
}

func TestNewRefusesOptions(t *testing.T) {
	_, err := New(sources.Spec{Kind: Kind, URL: "https://status.example.com", Decode: func(any) error {
		return errors.New(`x.yaml:7: vendors[0].sources[0].page_id: unknown key "page_id"`)
	}}, sources.Env{})
	if !errors.Is(err, upstat.ErrInvalid) || !strings.Contains(err.Error(), "x.yaml:7") {
		t.Fatalf("err = %v", err)
	}
}

// TestWrongPayload: a body that is not an incident.io document fails the
// poll, naming what it got; it never becomes an empty operational page.
func TestWrongPayload(t *testing.T) {
	for _, c := range []struct{ name, ctype, body, want string }{
		{"html", "text/html", "<!doctype html><p>Not found</p>", "expected JSON"},
		{"statuspage shim", "application/json", `{"page":{"id":"x","name":"OpenAI"},"status":{"indicator":"none"},"components":[],"incidents":null}`, "Statuspage-compatible"},
		{"other json", "application/json", `{"error":"not found","code":404}`, "keys [code, error]"},
		{"array", "application/json", `[]`, "an array"},
		{"empty object", "application/json", `{}`, "keys []"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.ctype)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			snap, err := newSource(t, srv.URL, nil).Poll(t.Context())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Poll = %+v, %v; want an error containing %q", snap, err, c.want)
			}
		})
	}
}

// TestConditionalGet: validators and the body digest are remembered only
// once the snapshot is committed; then a 304 is NotModified.
func TestConditionalGet(t *testing.T) {
	body := goldentest.Read(t, "testdata/proxy-nulls.json")
	var mu sync.Mutex
	var conditional []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conditional = append(conditional, r.Header.Get("If-None-Match"))
		mu.Unlock()
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	s := newSource(t, srv.URL, nil)
	first, err := s.Poll(t.Context())
	if err != nil || first.NotModified {
		t.Fatalf("first poll = %+v, %v", first, err)
	}
	// Not committed (the record failed): the next poll parses in full.
	again, err := s.Poll(t.Context())
	if err != nil || again.NotModified || len(again.Components) != 2 {
		t.Fatalf("uncommitted poll = %+v, %v; want a full snapshot", again, err)
	}
	again.Commit()
	third, err := s.Poll(t.Context())
	if err != nil || !third.NotModified {
		t.Fatalf("after commit = %+v, %v; want NotModified", third, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"", "", `"v1"`}; strings.Join(conditional, "|") != strings.Join(want, "|") {
		t.Fatalf("If-None-Match sent = %q, want %q", conditional, want)
	}
}

// TestIdenticalBody: a server without validators sending the same body is
// NotModified once the first snapshot was recorded.
func TestIdenticalBody(t *testing.T) {
	body := goldentest.Read(t, "testdata/proxy-outage.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	s := newSource(t, srv.URL, nil)
	first, err := s.Poll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	first.Commit()
	second, err := s.Poll(t.Context())
	if err != nil || !second.NotModified {
		t.Fatalf("second = %+v, %v; want NotModified", second, err)
	}
}

// TestSeverityMapOverride: the kind's vocabulary is a severity_map domain.
func TestSeverityMapOverride(t *testing.T) {
	m, err := normalize.NewMapper(map[string]map[string]upstat.Severity{Kind: {"degraded_performance": upstat.PartialOutage}})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := decodeNormalize(testPage, m, testNow, goldentest.Read(t, "testdata/proxy-outage.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range snap.Components {
		if c.Name == "Webhooks" && c.Status != upstat.PartialOutage {
			t.Fatalf("Webhooks = %s, want the override partial_outage", c.Status)
		}
	}
}

func TestRegistered(t *testing.T) {
	if _, ok := sources.Lookup(Kind); !ok {
		t.Fatal("kind not registered")
	}
	if sev, ok := (*normalize.Mapper)(nil).Map(Kind, "FULL_OUTAGE"); !ok || sev != upstat.MajorOutage {
		t.Fatalf("full_outage = %s, %v", sev, ok)
	}
}
