package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

// testNow is the injected clock of every test server.
var testNow = apitest.Time("2024-05-02T12:00:00Z")

// paris is a non-UTC zone: fixtures use it to prove the API answers in UTC.
var paris = time.FixedZone("CEST", 2*3600)

func ptr[T any](v T) *T { return &v }

// fixtureReader returns a Reader with three vendors (one partial outage,
// one operational, one stale and unknown) and a few incidents, with times
// in a non-UTC zone.
func fixtureReader() *apitest.Reader {
	r := apitest.NewReader()
	checked := apitest.Time("2024-05-02T11:59:00Z").In(paris)
	r.SetVendors(
		upstat.Vendor{
			VendorSummary: upstat.VendorSummary{ID: "github", Name: "GitHub", Status: upstat.PartialOutage,
				LastCheckedAt: &checked, LastSuccessAt: &checked, Labels: map[string]string{"tier": "critical"}},
			Components: []upstat.Component{
				{Name: "Actions", Status: upstat.Degraded, UpdatedAt: checked},
				{Name: "Pushes", Group: "Git Operations", Status: upstat.PartialOutage, UpdatedAt: checked},
			},
			Sources: []upstat.SourceStatus{{Kind: "statuspage", URL: "https://www.githubstatus.com", LastCheckedAt: &checked}},
		},
		upstat.Vendor{
			VendorSummary: upstat.VendorSummary{ID: "stripe", Name: "Stripe", Status: upstat.Operational,
				LastCheckedAt: &checked, LastSuccessAt: &checked},
			Components: []upstat.Component{{Name: "API", Status: upstat.Operational, UpdatedAt: checked}},
		},
		upstat.Vendor{
			VendorSummary: upstat.VendorSummary{ID: "newrelic", Name: "New Relic", Status: upstat.Unknown,
				Stale: true, LastCheckedAt: &checked, LastError: "fetch: 503"},
		},
	)
	r.AddIncident(upstat.Incident{
		ID: "github:abc123", Vendor: "github", Kind: upstat.KindIncident, Title: "Actions delayed",
		URL: "https://www.githubstatus.com/incidents/abc123", Severity: upstat.PartialOutage,
		Status: upstat.StateIdentified, Components: []string{"Actions"}, SeveritySource: upstat.SeverityFromText,
		StartedAt: apitest.Time("2024-05-02T10:00:00Z").In(paris), UpdatedAt: apitest.Time("2024-05-02T10:30:00Z").In(paris),
		Updates: []upstat.Update{
			{At: apitest.Time("2024-05-02T10:00:00Z").In(paris), Status: upstat.StateInvestigating, Body: "Looking."},
			{At: apitest.Time("2024-05-02T10:30:00Z").In(paris), Status: upstat.StateIdentified, Body: "Found it."},
		},
	})
	resolved := apitest.Time("2024-04-20T09:00:00Z")
	r.AddIncident(upstat.Incident{
		ID: "github:old1", Vendor: "github", Kind: upstat.KindIncident, Title: "Pages down",
		Severity: upstat.MajorOutage, Status: upstat.StateResolved, SeveritySource: upstat.SeverityFromVendor,
		StartedAt: apitest.Time("2024-04-20T08:00:00Z"), UpdatedAt: resolved, ResolvedAt: &resolved,
	})
	done := apitest.Time("2024-04-25T02:00:00Z")
	r.AddIncident(upstat.Incident{
		ID: "stripe:m/1", Vendor: "stripe", Kind: upstat.KindMaintenance, Title: "Database upgrade",
		Severity: upstat.Maintenance, Status: upstat.StateCompleted,
		StartedAt: apitest.Time("2024-04-25T00:00:00Z"), UpdatedAt: done, ResolvedAt: &done,
		ScheduledFor: ptr(apitest.Time("2024-04-25T00:00:00Z")), ScheduledUntil: ptr(done),
	})
	return r
}

// fakeAlerts is an AlertLister with fixed answers.
type fakeAlerts struct {
	alerts []upstat.Alert
	err    error
}

func (f fakeAlerts) Firing(context.Context) ([]upstat.Alert, error) { return f.alerts, f.err }

// logBuffer collects log output for assertions; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newTestServer builds a Server over r with test defaults, then applies
// edit to the options. It returns the server and its log.
func newTestServer(t testing.TB, r upstat.Reader, edit func(*Options)) (*Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	o := Options{
		Reader:   r,
		Registry: prometheus.NewRegistry(),
		Log:      slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      func() time.Time { return testNow.In(paris) },
	}
	if edit != nil {
		edit(&o)
	}
	return New(o), logs
}

// do runs one request through h and returns the recorder.
func do(h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// getJSON runs a GET and decodes its JSON body into v, failing the test
// unless the status is want and the content type JSON.
func getJSON(t *testing.T, h http.Handler, target string, want int, v any) {
	t.Helper()
	rec := do(h, http.MethodGet, target, nil)
	decodeJSON(t, rec, want, v)
}

// decodeJSON checks a recorded JSON answer and decodes it into v.
func decodeJSON(t *testing.T, rec *httptest.ResponseRecorder, want int, v any) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, want, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	dec := json.NewDecoder(rec.Body)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body, err)
	}
}

// wantError asserts a JSON error answer with status, code and a message
// containing msg.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, code, msg string) {
	t.Helper()
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	decodeJSON(t, rec, status, &body)
	if body.Error.Code != code || !strings.Contains(body.Error.Message, msg) {
		t.Fatalf("error = %+v, want code %q and message containing %q", body.Error, code, msg)
	}
}

// wantUTC asserts that s is an RFC 3339 time in UTC equal to want.
func wantUTC(t *testing.T, field string, got any, want time.Time) {
	t.Helper()
	s, ok := got.(string)
	if !ok {
		t.Fatalf("%s = %#v, want an RFC 3339 string", field, got)
	}
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil || !strings.HasSuffix(s, "Z") || !ts.Equal(want) {
		t.Fatalf("%s = %q, want %s in UTC (err %v)", field, s, want.UTC().Format(time.RFC3339), err)
	}
}
