package betterstack

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
)

func TestNewURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://status.betterstack.com":             "https://status.betterstack.com/index.json",
		"https://status.betterstack.com/":            "https://status.betterstack.com/index.json",
		"https://acme.betteruptime.com/index.json":   "https://acme.betteruptime.com/index.json",
		"https://acme.betteruptime.com/index.json?x": "https://acme.betteruptime.com/index.json",
	} {
		s, err := New(sources.Spec{Kind: Kind, URL: in}, sources.Env{})
		if err != nil || s.doc.URL != want {
			t.Errorf("New(%q): %v, %v; want %s", in, s, err, want)
		}
	}
	if _, err := New(sources.Spec{Kind: Kind, URL: "acme.betteruptime.com"}, sources.Env{}); !errors.Is(err, upstat.ErrInvalid) {
		t.Errorf("no scheme: %v", err)
	}
}

// TestWrongPayload: the HTML shell (the page answers 200 for any path),
// other JSON:API documents and error objects fail the poll, saying what
// they are.
func TestWrongPayload(t *testing.T) {
	for body, want := range map[string]string{
		`{"data":{"id":"1","type":"monitor","attributes":{}}}`:    `data is of type "monitor"`,
		`{"errors":[{"title":"Not found"}]}`:                      "no data object",
		`["data"]`:                                                "not a JSON object",
		`{"data":{"type":"status_page"},"included":[{"id":1.5}]}`: "neither a string nor an integer",
	} {
		var b atomic.Value
		b.Store([]byte(body))
		srv := servePage(t, &b)
		if snap, err := newSource(t, srv.URL).Poll(t.Context()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: Poll = %+v, %v; want %q", body, snap, err, want)
		}
	}
	shell := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!DOCTYPE html><html></html>"))
	}))
	defer shell.Close()
	if _, err := newSource(t, shell.URL).Poll(t.Context()); err == nil || !strings.Contains(err.Error(), "expected JSON") {
		t.Errorf("HTML shell: %v", err)
	}
}

// TestConditional: validators and the digest are kept only after commit;
// a changed body is parsed again.
func TestConditional(t *testing.T) {
	var b atomic.Value
	b.Store(pages(t)["operational.json"])
	s := newSource(t, servePage(t, &b).URL)
	first, err := s.Poll(t.Context())
	if err != nil || first.NotModified {
		t.Fatalf("first: %+v, %v", first, err)
	}
	if again, err := s.Poll(t.Context()); err != nil || again.NotModified {
		t.Fatalf("uncommitted: %+v, %v", again, err)
	} else {
		again.Commit()
	}
	if same, err := s.Poll(t.Context()); err != nil || !same.NotModified {
		t.Fatalf("committed: %+v, %v", same, err)
	}
	b.Store(pages(t)["incident.json"])
	changed, err := s.Poll(t.Context())
	if err != nil || changed.NotModified || len(changed.Incidents) != 2 {
		t.Fatalf("changed: %+v, %v", changed, err)
	}
}

// TestAlways304: a page that answers 304 even to the unconditional
// refetch has never been read: the poll fails rather than reading as
// unchanged with nothing recorded behind it.
func TestAlways304(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	snap, err := newSource(t, srv.URL).Poll(t.Context())
	if err == nil || !strings.Contains(err.Error(), "304") {
		t.Fatalf("poll = %+v, %v; want an error naming the 304", snap, err)
	}
}
