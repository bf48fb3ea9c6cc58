package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/upstat/upstat"
)

// TestTokensNeverLeak sends requests down every answering path (success,
// each error kind, panics, reload failures, metrics) carrying the tokens in
// every place a client can put them, right and wrong, and checks that
// neither token appears in any response body or header (but the cookie the
// query login sets on purpose), in /metrics, or in the debug-level log.
func TestTokensNeverLeak(t *testing.T) {
	const read, admin = "r3ad-SECRET-7f3a", "adm1n-SECRET-91bc"
	s, logs := newTestServer(t, fixtureReader(), func(o *Options) {
		o.ReadToken, o.AdminToken = read, admin
		o.Reload = func(context.Context) error {
			return fmt.Errorf("vendors[0]: bad: %w", upstat.ErrInvalid)
		}
		o.Alerts = fakeAlerts{err: errors.New("engine down")}
	})
	s.AddRoute("GET /boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("kaboom") }))

	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	type req struct {
		method, target string
		header         http.Header
		body           string
	}
	var reqs []req
	for _, tok := range []string{read, admin, read + "x", admin[:5]} {
		for _, target := range []string{
			"/api/v1/summary", "/api/v1/vendors/github", "/api/v1/vendors/nope",
			"/api/v1/incidents?limit=9999", "/api/v1/incidents?vendor=Bad!", "/api/v1/events?since=zz",
			"/api/v1/alerts", "/api/v1/nothing", "/boom", "/metrics", "/healthz", "/readyz",
			"/api/v1/incidents?x=" + strings.Repeat("p", MaxQueryBytes),
		} {
			sep := "?"
			if strings.Contains(target, "?") {
				sep = "&"
			}
			reqs = append(reqs,
				req{"GET", target, bearer(tok), ""},
				req{"GET", target + sep + "token=" + tok, nil, ""},
				req{"GET", target, http.Header{"Cookie": {tokenCookie + "=" + tok}}, ""})
		}
		for _, target := range []string{"/api/v1/reload", "/api/v1/summary", "/api/v1/reload?token=" + tok} {
			reqs = append(reqs,
				req{"POST", target, bearer(tok), "token=" + tok},
				req{"POST", target, bearer(tok), strings.Repeat("b", MaxBodyBytes+1)})
		}
	}

	var seen strings.Builder
	for _, rq := range reqs {
		r := httptest.NewRequest(rq.method, rq.target, strings.NewReader(rq.body))
		for k, vs := range rq.header {
			r.Header[k] = vs
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, r)
		body, _ := io.ReadAll(rec.Body)
		h := rec.Header().Clone()
		h.Del("Set-Cookie")
		fmt.Fprintf(&seen, "%d %v %s\n", rec.Code, h, body)
	}
	metrics := do(s.Handler(), http.MethodGet, "/metrics", bearer(admin))
	if metrics.Code != http.StatusOK {
		t.Fatalf("metrics = %d", metrics.Code)
	}
	for where, text := range map[string]string{
		"responses": seen.String(), "metrics": metrics.Body.String(), "log": logs.String(),
	} {
		for _, tok := range []string{read, admin} {
			// The request targets above are not part of responses, so any
			// occurrence (even of the secret part alone) is a leak.
			if strings.Contains(text, tok) || strings.Contains(text, "SECRET") {
				i := strings.Index(text, "SECRET")
				t.Errorf("a token appears in the %s: …%s…", where, text[max(0, i-200):min(len(text), i+100)])
			}
		}
	}
	// The paths were exercised: the log has a panic, a 500 and a refused
	// reload, so the check above looked at real output.
	for _, want := range []string{"kaboom", "engine down", "reload refused", "status=414", "status=413", "status=401"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q: the scenario did not run", want)
		}
	}
}
