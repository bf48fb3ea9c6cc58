package sources

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHostIn(t *testing.T) {
	for page, want := range map[string]bool{
		"https://status.heroku.com":           true,
		"https://eu.status.heroku.com/x":      true,
		"https://status.heroku.com.evil.test": false,
		"https://notstatus.heroku.com":        false,
		"::bad":                               false,
	} {
		if got := HostIn(page, "status.heroku.com"); got != want {
			t.Errorf("HostIn(%q) = %v, want %v", page, got, want)
		}
	}
}

func TestWrongFormat(t *testing.T) {
	for err, want := range map[error]bool{
		&HTTPError{Status: 404}:                                   true,
		fmt.Errorf("summary: %w", &HTTPError{Status: 410}):        true,
		&HTTPError{Status: 503}:                                   false,
		errors.New("decode: unexpected EOF"):                      true,
		errors.New(`expected JSON, got content type "text/html"`): true,
		errors.New("dial tcp: connection refused"):                false,
	} {
		if got := WrongFormat(err); got != want {
			t.Errorf("WrongFormat(%v) = %v, want %v", err, got, want)
		}
	}
}

// Probes run in order (then by name), see each URL fetched once, and the
// first that recognises the page wins; the others' evidence is kept.
func TestDetectOrderAndOneFetchPerURL(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"kind": "second"}`)
	}))
	defer srv.Close()
	probe := func(name string) Probe {
		return func(ctx context.Context, p *Prober, page string) (Evidence, bool) {
			var d struct{ Kind string }
			if err := p.JSON(ctx, page+"/doc.json", &d); err != nil {
				return Evidence{Why: err.Error()}, false
			}
			return Evidence{URL: page, Why: "kind " + d.Kind}, d.Kind == name
		}
	}
	for i, name := range []string{"detecttest-third", "detecttest-second", "detecttest-first"} {
		Register(Kind{Name: name, New: func(Spec, Env) (Source, error) { return nil, errors.New("unused") },
			Detect: &Detector{Order: -1000 + 10*(2-i), Probe: probe(strings.TrimPrefix(name, "detecttest-"))}})
	}
	ev, tried, err := Detect(context.Background(), NewProber(NewFetcher(FetchOptions{Retries: -1})), srv.URL+"/")
	if err != nil || ev.Kind != "detecttest-second" || ev.URL != srv.URL {
		t.Fatalf("Detect = %+v, %v", ev, err)
	}
	if len(tried) != 2 || tried[0].Kind != "detecttest-first" || tried[0].Why != "kind second" {
		t.Errorf("tried = %+v, want first then second", tried)
	}
	if hits.Load() != 1 {
		t.Errorf("doc.json fetched %d times, want once", hits.Load())
	}
}
