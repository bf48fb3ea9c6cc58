package statusio

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
)

// pageID decodes options as the config loader does, strictly.
func pageID(id string) func(any) error {
	return func(v any) error {
		v.(*options).PageID = id
		return nil
	}
}

func TestLocate(t *testing.T) {
	for _, c := range []struct {
		url, id, api, home string
	}{
		{"https://status.gitlab.com", testPageID, "https://api.status.io/1.0/status/" + testPageID, "https://status.gitlab.com"},
		{"https://status.gitlab.com/", testPageID, "https://api.status.io/1.0/status/" + testPageID, "https://status.gitlab.com"},
		{"https://api.status.io/1.0/status/" + testPageID, "", "https://api.status.io/1.0/status/" + testPageID, ""},
		{"https://status-api.hostedstatus.com/1.0/status/" + testPageID, testPageID, "https://status-api.hostedstatus.com/1.0/status/" + testPageID, ""},
	} {
		s, err := New(sources.Spec{Kind: Kind, URL: c.url, Decode: pageID(c.id)}, sources.Env{})
		if err != nil || s.api.URL != c.api || s.home != c.home || s.pageID != testPageID {
			t.Errorf("New(%q, %q) = %+v, %v", c.url, c.id, s, err)
		}
	}
	for _, c := range []struct{ url, id, want string }{
		{"https://status.gitlab.com", "", "page_id: required"},
		{"https://status.gitlab.com", "GitLab", "page_id: \"GitLab\" is not a status.io page id"},
		{"https://api.status.io/1.0/status/" + testPageID, "5b36dc6502d06804c0834a08", "differs from the page id in url"},
		{"api.status.io", testPageID, "url:"},
	} {
		_, err := New(sources.Spec{Kind: Kind, URL: c.url, Decode: pageID(c.id)}, sources.Env{})
		if !errors.Is(err, upstat.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q, %q): %v, want %q", c.url, c.id, err, c.want)
		}
	}
	_, err := New(sources.Spec{Kind: Kind, URL: "https://s.example", Decode: func(any) error {
		return errors.New(`c.yaml:9: vendors[0].sources[0].pageid: unknown key "pageid" (known: page_id)`)
	}}, sources.Env{})
	if !errors.Is(err, upstat.ErrInvalid) || !strings.Contains(err.Error(), "c.yaml:9") {
		t.Errorf("unknown key: %v", err)
	}
}

func TestWrongPayload(t *testing.T) {
	for body, want := range map[string]string{
		`{"status":"error","message":"page not found"}`: "got keys [message, status]",
		`{"result":{}}`:              "no result.status_overall",
		`[1,2]`:                      "not a JSON object",
		`{"result":{"status":"ok"}}`: "cannot unmarshal",
		`{"result":{"status_overall":{"status_code":"high"}}}`: "is not a number",
	} {
		srv := serveStatus(t, []byte(body))
		snap, err := newSource(t, srv.URL+"/1.0/status/"+testPageID, nil).Poll(t.Context())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: Poll = %+v, %v; want %q", body, snap, err, want)
		}
	}
}

// TestConditional: validators only after commit; then 304 is NotModified.
func TestConditional(t *testing.T) {
	srv := serveStatus(t, payloads(t)["healthy.json"])
	s := newSource(t, srv.URL+"/1.0/status/"+testPageID, nil)
	for i := range 2 {
		snap, err := s.Poll(t.Context())
		if err != nil || snap.NotModified {
			t.Fatalf("poll %d before any commit: %+v, %v", i, snap, err)
		}
		if i == 1 {
			snap.Commit()
		}
	}
	snap, err := s.Poll(t.Context())
	if err != nil || !snap.NotModified {
		t.Fatalf("after commit: %+v, %v", snap, err)
	}
}

// TestAlways304: an API that answers 304 even to the unconditional
// refetch has never been read: the poll fails rather than reading as
// unchanged with nothing recorded behind it.
func TestAlways304(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	snap, err := newSource(t, srv.URL+"/1.0/status/"+testPageID, nil).Poll(t.Context())
	if err == nil || !strings.Contains(err.Error(), "304") {
		t.Fatalf("poll = %+v, %v; want an error naming the 304", snap, err)
	}
}
