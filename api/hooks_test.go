package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/hooks"
	"github.com/upstat/upstat/normalize"
)

func init() {
	// kind "apitest": {"component": name} puts that component in a major
	// outage.
	hooks.Register("apitest", func(body []byte, _ string, _ *normalize.Mapper) (*upstat.Snapshot, error) {
		var d struct{ Component string }
		if err := hooks.UnmarshalObject(body, &d); err != nil || d.Component == "" {
			return nil, errors.New("not a test delivery")
		}
		return &upstat.Snapshot{Components: []upstat.Component{{Name: d.Component, Status: upstat.MajorOutage}}}, nil
	})
}

const (
	hookSecret  = "webhook-secret-0123456789"
	apiDelivery = `{"component":"API"}`
)

type countingPusher struct {
	mu sync.Mutex
	n  int
}

func (p *countingPusher) Push(context.Context, string, int, *upstat.Snapshot) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	return p.n == 1, nil // the first delivery changes something, repeats do not
}

func (p *countingPusher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// hookServer is a test server with tokens set and a receiver with one
// webhook endpoint (vendor github).
func hookServer(t *testing.T) (*Server, *countingPusher, *logBuffer) {
	t.Helper()
	p := &countingPusher{}
	recv := hooks.NewReceiver(hooks.ReceiverOptions{Pusher: p})
	recv.Configure([]hooks.Endpoint{{Vendor: "github", Kind: "apitest", Secret: hookSecret}})
	s, logs := newTestServer(t, fixtureReader(), func(o *Options) {
		o.Hooks, o.ReadToken, o.AdminToken = recv, "r3ad", "adm1n"
	})
	return s, p, logs
}

func post(h http.Handler, target, body string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHookAccepted(t *testing.T) {
	s, p, logs := hookServer(t)
	var got hookAnswer
	// The secret in the path, no API token.
	decodeJSON(t, post(s.Handler(), "/api/v1/hooks/github/"+hookSecret, apiDelivery, nil), http.StatusOK, &got)
	if got != (hookAnswer{Status: "accepted", Changed: true}) {
		t.Fatalf("answer = %+v", got)
	}
	// The secret in the header; a repeat changes nothing.
	decodeJSON(t, post(s.Handler(), "/api/v1/hooks/github", apiDelivery,
		http.Header{HookSecretHeader: {hookSecret}}), http.StatusOK, &got)
	if got.Changed || p.count() != 2 {
		t.Fatalf("repeat: answer %+v after %d pushes, want unchanged after 2", got, p.count())
	}
	if strings.Contains(logs.String(), hookSecret) {
		t.Fatalf("the secret is in the logs:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "/api/v1/hooks/github/[secret]") {
		t.Fatalf("request log lacks the redacted path:\n%s", logs)
	}
}

func TestHookRefused(t *testing.T) {
	s, p, logs := hookServer(t)
	h := s.Handler()
	wantError(t, post(h, "/api/v1/hooks/github/wrong-secret-0123456789", apiDelivery, nil),
		http.StatusUnauthorized, "unauthorized", "wrong webhook secret")
	wantError(t, post(h, "/api/v1/hooks/github", apiDelivery, nil),
		http.StatusUnauthorized, "unauthorized", "wrong webhook secret")
	wantError(t, post(h, "/api/v1/hooks/stripe/"+hookSecret, apiDelivery, nil),
		http.StatusNotFound, "not_found", `no webhook for vendor "stripe"`)
	wantError(t, post(h, "/api/v1/hooks/github/"+hookSecret, "garbage", nil),
		http.StatusBadRequest, "bad_request", "not a test delivery")
	big := `{"component":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	wantError(t, post(h, "/api/v1/hooks/github/"+hookSecret, big, nil),
		http.StatusRequestEntityTooLarge, "too_large", "limit")
	// Chunked, no Content-Length: cut at the cap while reading.
	req := httptest.NewRequest(http.MethodPost, "/api/v1/hooks/github/"+hookSecret, strings.NewReader(big))
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	wantError(t, rec, http.StatusRequestEntityTooLarge, "too_large", "limit")
	// The API tokens do not open a webhook, and GET is not a delivery.
	wantError(t, post(h, "/api/v1/hooks/github", apiDelivery, http.Header{"Authorization": {"Bearer adm1n"}}),
		http.StatusUnauthorized, "unauthorized", "wrong webhook secret")
	if rec := do(h, http.MethodGet, "/api/v1/hooks/github?token=r3ad", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET a hook = %d, want 405", rec.Code)
	}
	if n := p.count(); n != 0 {
		t.Fatalf("%d refused deliveries were pushed, want 0", n)
	}
	if strings.Contains(logs.String(), "wrong-secret") {
		t.Fatalf("a presented secret is in the logs:\n%s", logs)
	}
}

func TestHookNotWired(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	wantError(t, post(s.Handler(), "/api/v1/hooks/github/"+hookSecret, apiDelivery, nil),
		http.StatusServiceUnavailable, "unavailable", "not enabled")
}

// testHookReceiver is a receiver with one webhook endpoint: vendor github,
// kind apitest, secret hookSecret.
func testHookReceiver() *hooks.Receiver {
	recv := hooks.NewReceiver(hooks.ReceiverOptions{Pusher: &countingPusher{}})
	recv.Configure([]hooks.Endpoint{{Vendor: "github", Kind: "apitest", Secret: hookSecret}})
	return recv
}

// hookCalls are the contract test's webhook calls, each made with the
// secret in the path and in the header.
func hookCalls() []apiCall {
	var out []apiCall
	for _, form := range []struct {
		path   string
		header http.Header
	}{
		{"/api/v1/hooks/%s/" + hookSecret, http.Header{}},
		{"/api/v1/hooks/%s", http.Header{HookSecretHeader: {hookSecret}}},
	} {
		call := func(server, vendor, body string, status int) apiCall {
			h := merge(form.header.Clone(), "Content-Type", "application/json")
			return apiCall{server: server, method: http.MethodPost, target: fmt.Sprintf(form.path, vendor), header: h, body: body, status: status}
		}
		out = append(out,
			call("ok", "github", apiDelivery, 200),
			call("ok", "stripe", apiDelivery, 404),
			call("ok", "github", `{"other":1}`, 400),
			call("ok", "github", `{"component":"`+strings.Repeat("x", MaxBodyBytes)+`"}`, 413),
			call("bare", "github", apiDelivery, 503),
		)
	}
	return out
}
