package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

// echoBody is a route that reads the whole body and answers its length, or
// the error reading it.
func echoBody(s *Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeJSON(w, r, http.StatusOK, map[string]int{"bytes": len(b)})
	})
}

// chunked hides a reader's length, so the request has no Content-Length.
type chunked struct{ io.Reader }

func TestRequestLimits(t *testing.T) {
	admin := http.Header{"Authorization": {"Bearer adm1n"}}
	pad := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name, method, target string
		body                 io.Reader
		want                 int
		code, msg            string
	}{
		{"query at the limit", "GET", "/api/v1/incidents?x=" + pad(MaxQueryBytes-2), nil, 200, "", ""},
		{"query over the limit", "GET", "/api/v1/incidents?x=" + pad(MaxQueryBytes-1), nil, 414, "uri_too_long", "query string is 4097 bytes; the limit is 4096"},
		{"long query before auth", "GET", "/api/v1/summary?token=nope&x=" + pad(MaxQueryBytes), nil, 414, "uri_too_long", "query string"},
		{"body at the limit", "POST", "/echo", strings.NewReader(pad(MaxBodyBytes)), 200, "", ""},
		{"declared body over the limit", "POST", "/echo", strings.NewReader(pad(MaxBodyBytes + 1)), 413, "too_large", "request body is 1048577 bytes; the limit is 1048576"},
		{"undeclared body over the limit", "POST", "/echo", chunked{strings.NewReader(pad(MaxBodyBytes + 1))}, 413, "too_large", "more than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, fixtureReader(), func(o *Options) { o.ReadToken, o.AdminToken = "r3ad", "adm1n" })
			s.AddRoute("POST /echo", echoBody(s))
			req := httptest.NewRequest(tt.method, tt.target, tt.body)
			req.Header = admin.Clone()
			if _, ok := tt.body.(chunked); ok {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if tt.want == 200 {
				if rec.Code != 200 {
					t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
				}
				return
			}
			wantError(t, rec, tt.want, tt.code, tt.msg)
			if strings.Contains(rec.Body.String(), "aaaa") {
				t.Errorf("the query or body is echoed: %.200s", rec.Body)
			}
		})
	}
}

// blockingReader is a Reader whose Summary waits for its context.
type blockingReader struct{ *apitest.Reader }

func (b blockingReader) Summary(ctx context.Context) ([]upstat.VendorSummary, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// stuckHandler ignores its context: it signals entered, waits for release,
// then writes and reports what the write returned on written.
type stuckHandler struct {
	entered, release chan struct{}
	written          chan error
}

func newStuckHandler() *stuckHandler {
	return &stuckHandler{entered: make(chan struct{}), release: make(chan struct{}), written: make(chan error, 1)}
}

func (h *stuckHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	close(h.entered)
	<-h.release
	_, err := w.Write([]byte("late"))
	h.written <- err
}

func TestRequestTimeout(t *testing.T) {
	r := blockingReader{fixtureReader()}
	es := apitest.NewEvents(16)
	s, logs := newTestServer(t, r, func(o *Options) {
		o.Events, o.RequestTimeout, o.HeartbeatInterval = es, 20*time.Millisecond, 5*time.Millisecond
	})
	stuck, left := newStuckHandler(), newStuckHandler()
	s.AddRoute("GET /stuck", stuck)
	s.AddRoute("GET /left", left)

	t.Run("handler honouring its context", func(t *testing.T) {
		rec := do(s.Handler(), http.MethodGet, "/api/v1/summary", nil)
		wantError(t, rec, http.StatusServiceUnavailable, "timeout", "longer than 20ms")
		if !strings.Contains(logs.String(), "request timed out") {
			t.Errorf("timeout not logged: %s", logs)
		}
	})
	t.Run("handler ignoring its context", func(t *testing.T) {
		// The client gets its 503 while the handler is still stuck.
		ts := httptest.NewServer(s.Handler())
		defer ts.Close()
		resp, err := ts.Client().Get(ts.URL + "/stuck")
		if err != nil {
			t.Fatal(err)
		}
		var body errorBody
		derr := json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || derr != nil || body.Error.Code != "timeout" {
			t.Errorf("stuck handler answered %d %+v (%v), want a 503 timeout", resp.StatusCode, body, derr)
		}
		close(stuck.release)
		if err := <-stuck.written; !errors.Is(err, http.ErrHandlerTimeout) {
			t.Errorf("late write returned %v, want http.ErrHandlerTimeout", err)
		}
	})
	t.Run("a request lasts as long as its handler", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		req := httptest.NewRequest(http.MethodGet, "/left", nil).WithContext(ctx)
		rec := httptest.NewRecorder()
		served := make(chan struct{})
		go func() { defer close(served); s.Handler().ServeHTTP(rec, req) }()
		<-left.entered
		cancel() // the client leaves
		select {
		case <-served:
			t.Fatal("ServeHTTP returned while its handler was still running")
		case <-time.After(20 * time.Millisecond):
		}
		close(left.release)
		<-served
		if rec.Body.Len() != 0 {
			t.Errorf("a departed client was answered: %d %s", rec.Code, rec.Body)
		}
		if err := <-left.written; !errors.Is(err, http.ErrHandlerTimeout) {
			t.Errorf("late write returned %v, want http.ErrHandlerTimeout", err)
		}
	})
	t.Run("fast requests are untouched", func(t *testing.T) {
		rec := do(s.Handler(), http.MethodGet, "/api/v1/vendors/github", nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
		}
	})
	t.Run("the event stream is exempt", func(t *testing.T) {
		ts := newStreamServer(t, s, es)
		c := openStream(t, ts, "/api/v1/events", nil, true)
		start := time.Now()
		for time.Since(start) < 5*s.opt.RequestTimeout {
			if _, ok := <-c.msgs; !ok {
				t.Fatalf("stream ended after %v", time.Since(start))
			}
		}
		es.Publish(r.AddEvent(upstat.Event{Type: upstat.EventVendorStale, Vendor: "github"}))
		c.wantSeqs(t, 1)
	})
}

// slowReader answers Summary after 20ms, or fails when its context ends
// first: slower than a 1ns request timeout, quick for a scrape.
type slowReader struct{ *apitest.Reader }

func (r slowReader) Summary(ctx context.Context) ([]upstat.VendorSummary, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(20 * time.Millisecond):
		return r.Reader.Summary(ctx)
	}
}

func TestMetricsHaveNoRequestTimeout(t *testing.T) {
	s, _ := newTestServer(t, slowReader{fixtureReader()}, func(o *Options) { o.RequestTimeout = time.Nanosecond })
	rec := do(s.Handler(), http.MethodGet, "/metrics", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "upstat_vendor_status") {
		t.Errorf("metrics under a 1ns request timeout = %d %.200s", rec.Code, rec.Body)
	}
	// The API itself is timed: the same timeout cuts off a summary that
	// waits for its context.
	wantError(t, do(s.Handler(), http.MethodGet, "/api/v1/summary", nil), http.StatusServiceUnavailable, "timeout", "longer than")
}

func TestPanicUnderTimeoutKeepsHandlerStack(t *testing.T) {
	s, logs := newTestServer(t, fixtureReader(), nil)
	s.AddRoute("GET /boom", http.HandlerFunc(explodingHandler))
	rec := do(s.Handler(), http.MethodGet, "/boom", nil)
	wantError(t, rec, http.StatusInternalServerError, "internal", "internal error")
	if l := logs.String(); !strings.Contains(l, "kaboom") || !strings.Contains(l, "explodingHandler") {
		t.Errorf("panic logged without the handler's stack: %s", l)
	}
}

func explodingHandler(http.ResponseWriter, *http.Request) { panic("kaboom") }

func TestAbortHandlerPanicPassesThrough(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	s.AddRoute("GET /abort", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	do(s.Handler(), http.MethodGet, "/abort", nil)
	t.Error("ErrAbortHandler was swallowed")
}
