// Package alerttest helps test notifiers: a recording HTTP receiver with
// scripted answers, sample notifications, strict option decoding, golden
// request bodies and the shared retry-behaviour check.
package alerttest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
)

// Request is one request a Server received.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// Server is a receiver that records requests and answers with the status
// and body last set by Respond (202 and "" at first).
type Server struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []Request
	status int
	body   string
	header http.Header
}

// NewServer starts a Server, closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{status: http.StatusAccepted, header: http.Header{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		status, answer := s.status, strings.NewReplacer("{path}", r.URL.Path, "{uri}", r.URL.RequestURI(), "{body}", string(body)).Replace(s.body)
		for k, v := range s.header {
			w.Header()[k] = v
		}
		s.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(s.Close)
	return s
}

// Respond sets the answer to the following requests. In body, "{path}",
// "{uri}" (path and query) and "{body}" are replaced by the request's
// path, request URI and body (a receiver echoing a secret back).
func (s *Server) Respond(status int, body string, header ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body, s.header = status, body, http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		s.header.Set(header[i], header[i+1])
	}
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// At is the fixed time of sample notifications.
var At = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// Sample returns a notification about Stripe's API in partial outage,
// with an incident, in the given status.
func Sample(status alert.Status) alert.Notification {
	since, fired, checked := At, At.Add(2*time.Minute), At.Add(3*time.Minute)
	n := alert.Notification{
		Status: status,
		Alert: upstat.Alert{Rule: "payments-down", Vendor: "stripe", Component: "API", Severity: upstat.PartialOutage,
			Since: since, FiredAt: fired, Labels: map[string]string{"tier": "critical", "team": "payments"}},
		Vendor: upstat.VendorSummary{ID: "stripe", Name: "Stripe", Status: upstat.PartialOutage, LastCheckedAt: &checked,
			LastSuccessAt: &checked, ActiveIncidents: 1, Labels: map[string]string{"tier": "critical"}},
		Incident: &alert.IncidentRef{ID: "stripe:k2x9", Title: "Elevated API error rates <EU>", URL: "https://status.stripe.example/incidents/k2x9",
			Severity: upstat.PartialOutage},
		Key: alert.AlertKey("payments-down", "stripe", "API"),
	}
	if status == alert.StatusResolved {
		resolved := At.Add(30 * time.Minute)
		n.ResolvedAt = &resolved
	}
	return n
}

// Spec builds a NotifierSpec whose Decode reads opts (YAML, the entry
// without id and kind) strictly, as the config package does.
func Spec(id, kind, opts string) alert.NotifierSpec {
	doc := "id: " + id + "\nkind: " + kind + "\n" + opts
	return alert.NotifierSpec{ID: id, Kind: kind, Decode: func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(doc))
		dec.KnownFields(true)
		return dec.Decode(v)
	}}
}

// Build builds a registered notifier from YAML options, failing the test
// on error.
func Build(t testing.TB, kind, opts string) alert.Notifier {
	t.Helper()
	n, err := alert.NewNotifier(Spec("test", kind, opts), alert.Env{Now: func() time.Time { return At.Add(5 * time.Minute) }})
	if err != nil {
		t.Fatalf("build %s notifier: %v", kind, err)
	}
	return n
}

// Golden compares a JSON body with the golden file path (indented), and
// rewrites the file instead when update is set.
func Golden(t testing.TB, path string, body []byte, update bool) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		t.Fatalf("body is not valid JSON: %v\n%s", err, body)
	}
	buf.WriteByte('\n')
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("body differs from %s (run with -update to accept):\n%s", path, buf.Bytes())
	}
}

// CheckRetry checks a notifier's answer to its receiver's failures: 2xx
// succeeds, 500 and 429 are retried, 400 is final, a refused connection is
// retried; and no error contains the receiver URL or any secret. build
// makes the notifier for a receiver base URL; path is the secret part of
// the URL the notifier will call under base ("" when the secret is not in
// the URL).
func CheckRetry(t *testing.T, build func(base string) alert.Notifier, secrets ...string) {
	t.Helper()
	srv := NewServer(t)
	cases := []struct {
		status    int
		wantErr   bool
		wantRetry bool
	}{
		{http.StatusOK, false, false},
		{http.StatusAccepted, false, false},
		{http.StatusInternalServerError, true, true},
		{http.StatusTooManyRequests, true, true},
		{http.StatusBadRequest, true, false},
		{http.StatusNotFound, true, false},
	}
	n := build(srv.URL)
	for _, tc := range cases {
		srv.Respond(tc.status, `{"error":"rejected {path}","request":{body}}`, "Retry-After", "7")
		retry, err := n.Notify(context.Background(), Sample(alert.StatusFiring))
		if (err != nil) != tc.wantErr || retry != tc.wantRetry {
			t.Errorf("answer %d: retry=%v err=%v; want retry=%v error=%v", tc.status, retry, err, tc.wantRetry, tc.wantErr)
		}
		checkClean(t, err, srv.URL, secrets)
	}
	// A receiver that is down: connection refused, retried.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	retry, err := build(down).Notify(context.Background(), Sample(alert.StatusFiring))
	if err == nil || !retry {
		t.Errorf("receiver down: retry=%v err=%v; want a retryable error", retry, err)
	}
	checkClean(t, err, down, secrets)
}

func checkClean(t *testing.T, err error, base string, secrets []string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append([]string{base}, secrets...) {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q leaks %q", err, s)
		}
	}
}

// CheckRequests sends a firing and then a resolved Sample through n to
// srv and checks that each is a JSON POST whose body matches the golden
// file testdata/<status>.golden.json. It returns the two requests for the
// caller's own checks (path, headers).
func CheckRequests(t *testing.T, srv *Server, n alert.Notifier, update bool) []Request {
	t.Helper()
	before := len(srv.Requests())
	srv.Respond(http.StatusAccepted, "")
	var out []Request
	for _, status := range []alert.Status{alert.StatusFiring, alert.StatusResolved} {
		if retry, err := n.Notify(context.Background(), Sample(status)); err != nil {
			t.Fatalf("Notify %s: retry=%v err=%v", status, retry, err)
		}
		reqs := srv.Requests()
		if len(reqs) != before+len(out)+1 {
			t.Fatalf("Notify %s made %d requests, want 1", status, len(reqs)-before-len(out))
		}
		r := reqs[len(reqs)-1]
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("User-Agent") != alert.UserAgent {
			t.Errorf("%s: %s with Content-Type %q, User-Agent %q; want a JSON POST from upstat", status, r.Method, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"))
		}
		Golden(t, filepath.Join("testdata", string(status)+".golden.json"), r.Body, update)
		out = append(out, r)
	}
	return out
}
