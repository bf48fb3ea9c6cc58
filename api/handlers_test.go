package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

func TestSummary(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	var body map[string]any
	getJSON(t, s.Handler(), "/api/v1/summary", http.StatusOK, &body)

	if body["status"] != "partial_outage" {
		t.Errorf("status = %v, want partial_outage", body["status"])
	}
	// New Relic has no data: counted apart, for the headline to say so.
	if toString(body["unknown"]) != "1" {
		t.Errorf("unknown = %v, want 1", body["unknown"])
	}
	wantUTC(t, "generated_at", body["generated_at"], testNow)
	vendors, _ := body["vendors"].([]any)
	var ids []string
	for _, v := range vendors {
		ids = append(ids, v.(map[string]any)["id"].(string))
	}
	if want := []string{"github", "stripe", "newrelic"}; !slices.Equal(ids, want) {
		t.Fatalf("vendor ids = %v, want %v (configuration order)", ids, want)
	}
	gh := vendors[0].(map[string]any)
	for k, want := range map[string]any{"name": "GitHub", "status": "partial_outage", "stale": false,
		"last_error": "", "active_incidents": "1"} {
		if got := gh[k]; strings.TrimSpace(toString(got)) != toString(want) {
			t.Errorf("github.%s = %v, want %v", k, got, want)
		}
	}
	wantUTC(t, "github.last_checked_at", gh["last_checked_at"], apitest.Time("2024-05-02T11:59:00Z"))
	nr := vendors[2].(map[string]any)
	if nr["status"] != "unknown" || nr["stale"] != true || nr["last_success_at"] != nil {
		t.Errorf("newrelic = %v, want unknown, stale, null last_success_at", nr)
	}
}

// toString renders decoded JSON scalars (json.Number included) for comparison.
func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case interface{ String() string }:
		return x.String()
	}
	return "?"
}

func TestVendor(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	var v map[string]any
	getJSON(t, s.Handler(), "/api/v1/vendors/github", http.StatusOK, &v)
	if v["id"] != "github" || v["status"] != "partial_outage" {
		t.Fatalf("vendor = %v", v)
	}
	comps := v["components"].([]any)
	if len(comps) != 2 {
		t.Fatalf("components = %v, want 2", comps)
	}
	pushes := comps[1].(map[string]any)
	if pushes["name"] != "Pushes" || pushes["group"] != "Git Operations" || pushes["status"] != "partial_outage" {
		t.Errorf("component = %v", pushes)
	}
	wantUTC(t, "components[1].updated_at", pushes["updated_at"], apitest.Time("2024-05-02T11:59:00Z"))
	ins := v["incidents"].([]any)
	if len(ins) != 1 || ins[0].(map[string]any)["id"] != "github:abc123" {
		t.Errorf("incidents = %v, want only the active github:abc123", ins)
	}
	srcs := v["sources"].([]any)
	if len(srcs) != 1 || srcs[0].(map[string]any)["kind"] != "statuspage" {
		t.Errorf("sources = %v", srcs)
	}

	// Lists are never null, even when the Reader leaves them nil.
	getJSON(t, s.Handler(), "/api/v1/vendors/newrelic", http.StatusOK, &v)
	for _, k := range []string{"components", "incidents", "sources"} {
		if l, ok := v[k].([]any); !ok || len(l) != 0 {
			t.Errorf("newrelic.%s = %#v, want []", k, v[k])
		}
	}

	rec := do(s.Handler(), http.MethodGet, "/api/v1/vendors/nope", nil)
	wantError(t, rec, http.StatusNotFound, "not_found", `unknown vendor "nope"`)
}

func TestIncident(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	var in map[string]any
	getJSON(t, s.Handler(), "/api/v1/incidents/github:abc123", http.StatusOK, &in)
	for k, want := range map[string]string{"id": "github:abc123", "vendor": "github", "kind": "incident",
		"severity": "partial_outage", "status": "identified", "title": "Actions delayed"} {
		if in[k] != want {
			t.Errorf("%s = %v, want %q", k, in[k], want)
		}
	}
	for _, k := range []string{"resolved_at", "scheduled_for", "scheduled_until"} {
		if v, ok := in[k]; !ok || v != nil {
			t.Errorf("%s = %#v (present %v), want null", k, v, ok)
		}
	}
	wantUTC(t, "started_at", in["started_at"], apitest.Time("2024-05-02T10:00:00Z"))
	ups := in["updates"].([]any)
	if len(ups) != 2 {
		t.Fatalf("updates = %v, want 2", ups)
	}
	first := ups[0].(map[string]any)
	if first["status"] != "investigating" || first["body"] != "Looking." {
		t.Errorf("updates[0] = %v", first)
	}
	wantUTC(t, "updates[0].at", first["at"], apitest.Time("2024-05-02T10:00:00Z"))

	// An id with a slash, escaped in the path; a maintenance with times.
	getJSON(t, s.Handler(), "/api/v1/incidents/"+url.PathEscape("stripe:m/1"), http.StatusOK, &in)
	if in["id"] != "stripe:m/1" || in["kind"] != "maintenance" {
		t.Fatalf("incident = %v", in)
	}
	wantUTC(t, "scheduled_until", in["scheduled_until"], apitest.Time("2024-04-25T02:00:00Z"))
	if ups, ok := in["updates"].([]any); !ok || len(ups) != 0 {
		t.Errorf("updates = %#v, want []", in["updates"])
	}

	rec := do(s.Handler(), http.MethodGet, "/api/v1/incidents/github:nope", nil)
	wantError(t, rec, http.StatusNotFound, "not_found", `unknown incident "github:nope"`)
}

// incidentIDs lists the ids of an incidents response.
type incidentsPage struct {
	Incidents []struct {
		ID        string    `json:"id"`
		StartedAt time.Time `json:"started_at"`
	} `json:"incidents"`
	NextCursor string `json:"next_cursor"`
}

func (p incidentsPage) ids() []string {
	var out []string
	for _, in := range p.Incidents {
		out = append(out, in.ID)
	}
	return out
}

func TestIncidentsFilters(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"github:abc123", "stripe:m/1", "github:old1"}},
		{"state=all", []string{"github:abc123", "stripe:m/1", "github:old1"}},
		{"state=active", []string{"github:abc123"}},
		{"state=resolved", []string{"stripe:m/1", "github:old1"}},
		{"vendor=github", []string{"github:abc123", "github:old1"}},
		{"vendor=newrelic", nil},
		{"min_severity=major_outage", []string{"github:old1"}},
		{"min_severity=degraded&state=resolved", []string{"github:old1"}},
		{"since=2024-04-21T00:00:00Z", []string{"github:abc123", "stripe:m/1"}},
		{"until=2024-04-25T00:00:00Z", []string{"github:old1"}},
		{"since=2024-04-21T00:00:00%2B02:00&until=2024-05-01T00:00:00Z", []string{"stripe:m/1"}},
		{"limit=1", []string{"github:abc123"}},
		{"token=ignored&vendor=", []string{"github:abc123", "stripe:m/1", "github:old1"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var page incidentsPage
			getJSON(t, s.Handler(), "/api/v1/incidents?"+tt.query, http.StatusOK, &page)
			if !slices.Equal(page.ids(), tt.want) {
				t.Errorf("ids = %v, want %v", page.ids(), tt.want)
			}
		})
	}
}

func TestIncidentsEmptyListIsArray(t *testing.T) {
	s, _ := newTestServer(t, apitest.NewReader(), nil)
	rec := do(s.Handler(), http.MethodGet, "/api/v1/incidents", nil)
	if got := strings.TrimSpace(rec.Body.String()); got != `{"incidents":[],"next_cursor":""}` {
		t.Errorf("body = %s", got)
	}
}

func TestIncidentsBadParameters(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	tests := []struct {
		query, param string
	}{
		{"vendor=GitHub", "vendor"},
		{"vendor=a&vendor=b", "vendor"},
		{"state=open", "state"},
		{"min_severity=bad", "min_severity"},
		{"min_severity=unknown", "min_severity"},
		{"since=yesterday", "since"},
		{"since=2024-05-01", "since"},
		{"until=2024-05-01T00:00:00", "until"},
		{"since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z", "until"},
		{"limit=0", "limit"},
		{"limit=501", "limit"},
		{"limit=-3", "limit"},
		{"limit=ten", "limit"},
		{"cursor=!!!", "cursor"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("e1|5")), "cursor"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("i1|notatime|x")), "cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := do(s.Handler(), http.MethodGet, "/api/v1/incidents?"+tt.query, nil)
			wantError(t, rec, http.StatusBadRequest, "bad_request", `invalid parameter "`+tt.param+`"`)
		})
	}
}

func TestIncidentsUnknownVendor(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), nil)
	rec := do(s.Handler(), http.MethodGet, "/api/v1/incidents?vendor=nope", nil)
	wantError(t, rec, http.StatusNotFound, "not_found", `unknown vendor "nope"`)
}

func TestIncidentsPagination(t *testing.T) {
	r := apitest.NewReader()
	r.SetVendors(upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: "v"}})
	var want []string
	base := apitest.Time("2024-01-01T00:00:00Z")
	// Eight incidents; two pairs share a start time, so the id breaks ties.
	for i := range 8 {
		id := "v:" + string(rune('a'+i))
		r.AddIncident(upstat.Incident{ID: id, Vendor: "v", Status: upstat.StateResolved,
			StartedAt: base.Add(time.Duration(i/2*3+i%2) * time.Hour)})
	}
	all, _, err := r.Incidents(t.Context(), upstat.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range all {
		want = append(want, in.ID)
	}
	s, _ := newTestServer(t, r, nil)

	var got []string
	cursor, pages := "", 0
	for {
		var page incidentsPage
		getJSON(t, s.Handler(), "/api/v1/incidents?limit=3&cursor="+url.QueryEscape(cursor), http.StatusOK, &page)
		got = append(got, page.ids()...)
		pages++
		if page.NextCursor == "" {
			break
		}
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		cursor = page.NextCursor
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("paged ids = %v in %d pages, want %v in 3", got, pages, want)
	}
}

func TestIncidentCursorRoundTrip(t *testing.T) {
	in := &upstat.IncidentCursor{StartedAt: apitest.Time("2024-05-02T10:00:00Z").Add(123456789).In(paris), ID: "v:a|b c"}
	s := encodeIncidentCursor(in)
	out, err := decodeIncidentCursor(s)
	if err != nil {
		t.Fatal(err)
	}
	if !out.StartedAt.Equal(in.StartedAt) || out.ID != in.ID || out.StartedAt.Location() != time.UTC {
		t.Errorf("round trip = %+v, want %+v in UTC", out, in)
	}
	if encodeIncidentCursor(nil) != "" {
		t.Error("nil cursor should encode as empty")
	}
}

func TestAlerts(t *testing.T) {
	fired := apitest.Time("2024-05-02T11:00:00Z").In(paris)
	tests := []struct {
		name   string
		alerts AlertLister
		want   string
	}{
		{"no alert engine", nil, `{"alerts":[]}`},
		{"none firing", fakeAlerts{}, `{"alerts":[]}`},
		{"one firing", fakeAlerts{alerts: []upstat.Alert{{Rule: "payments-down", Vendor: "stripe", Component: "API",
			Severity: upstat.PartialOutage, Since: fired, FiredAt: fired}}},
			`{"alerts":[{"rule":"payments-down","vendor":"stripe","component":"API","severity":"partial_outage",` +
				`"since":"2024-05-02T11:00:00Z","fired_at":"2024-05-02T11:00:00Z"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, fixtureReader(), func(o *Options) { o.Alerts = tt.alerts })
			rec := do(s.Handler(), http.MethodGet, "/api/v1/alerts", nil)
			if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != tt.want {
				t.Errorf("got %d %s, want 200 %s", rec.Code, rec.Body, tt.want)
			}
		})
	}
}

func TestInternalErrorsAreGenericAndLogged(t *testing.T) {
	s, logs := newTestServer(t, fixtureReader(), func(o *Options) {
		o.Alerts = fakeAlerts{err: errors.New("engine exploded at /secret/path")}
	})
	rec := do(s.Handler(), http.MethodGet, "/api/v1/alerts", nil)
	wantError(t, rec, http.StatusInternalServerError, "internal", "internal error")
	if strings.Contains(rec.Body.String(), "exploded") {
		t.Errorf("500 body leaks the cause: %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "engine exploded") {
		t.Errorf("cause not logged: %s", logs)
	}
}

func TestReaderFailure(t *testing.T) {
	r := fixtureReader()
	r.SetErr(errors.New("database is locked"))
	s, _ := newTestServer(t, r, nil)
	for _, path := range []string{"/api/v1/summary", "/api/v1/vendors/github", "/api/v1/incidents",
		"/api/v1/incidents/github:abc123", "/api/v1/events"} {
		rec := do(s.Handler(), http.MethodGet, path, nil)
		wantError(t, rec, http.StatusInternalServerError, "internal", "internal error")
	}
}

func TestHealthAndReady(t *testing.T) {
	var ready error
	s, _ := newTestServer(t, fixtureReader(), func(o *Options) {
		o.ReadToken = "secret"
		o.Ready = func() error { return ready }
	})
	var body map[string]any
	getJSON(t, s.Handler(), "/healthz", http.StatusOK, &body)
	if body["status"] != "ok" {
		t.Errorf("healthz = %v", body)
	}
	getJSON(t, s.Handler(), "/readyz", http.StatusOK, &body)
	ready = errors.New("store not migrated")
	rec := do(s.Handler(), http.MethodGet, "/readyz", nil)
	wantError(t, rec, http.StatusServiceUnavailable, "unavailable", "not ready")
}

func TestUnmatchedRoutesAnswerJSON(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), func(o *Options) { o.AdminToken = "admin" })
	rec := do(s.Handler(), http.MethodGet, "/api/v1/nothing", nil)
	wantError(t, rec, http.StatusNotFound, "not_found", "/api/v1/nothing")

	rec = do(s.Handler(), http.MethodPost, "/api/v1/summary", http.Header{"Authorization": {"Bearer admin"}})
	wantError(t, rec, http.StatusMethodNotAllowed, "method_not_allowed", "GET")
	if allow := rec.Header().Get("Allow"); !strings.Contains(allow, "GET") {
		t.Errorf("Allow = %q", allow)
	}
}

func TestAddRoute(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), func(o *Options) { o.ReadToken = "read" })
	s.AddRoute("GET /vendors/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("page of " + r.PathValue("id")))
	}))
	rec := do(s.Handler(), http.MethodGet, "/vendors/github", http.Header{"Authorization": {"Bearer read"}})
	if rec.Code != http.StatusOK || rec.Body.String() != "page of github" {
		t.Errorf("mounted route = %d %q", rec.Code, rec.Body)
	}
	rec = do(s.Handler(), http.MethodGet, "/vendors/github", nil)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("mounted route without token = %d, want 401", rec.Code)
	}
}

func TestPanicBecomes500(t *testing.T) {
	s, logs := newTestServer(t, fixtureReader(), nil)
	s.AddRoute("GET /boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("kaboom") }))
	rec := do(s.Handler(), http.MethodGet, "/boom", nil)
	wantError(t, rec, http.StatusInternalServerError, "internal", "internal error")
	if l := logs.String(); !strings.Contains(l, "kaboom") || !strings.Contains(l, "level=ERROR") {
		t.Errorf("panic not logged as an error: %s", l)
	}
}

func TestRequestLogOmitsQuery(t *testing.T) {
	s, logs := newTestServer(t, fixtureReader(), func(o *Options) { o.ReadToken = "s3cr3t-token" })
	do(s.Handler(), http.MethodGet, "/api/v1/summary?token=s3cr3t-token", nil)
	l := logs.String()
	if !strings.Contains(l, "path=/api/v1/summary") || !strings.Contains(l, "status=200") {
		t.Errorf("request not logged: %s", l)
	}
	if strings.Contains(l, "s3cr3t") {
		t.Errorf("token logged: %s", l)
	}
}

// encodingReader serves the summary encoded, as the aggregator does.
type encodingReader struct{ upstat.Reader }

func (r encodingReader) EncodedSummary(ctx context.Context) ([]byte, upstat.SummaryTotals, error) {
	var totals upstat.SummaryTotals
	vs, err := r.Summary(ctx)
	if err != nil {
		return nil, totals, err
	}
	for i := range vs {
		vs[i] = summaryUTC(vs[i])
		totals.Add(vs[i].Status)
	}
	b, err := json.Marshal(vs)
	return b, totals, err
}

// TestEncodedSummaryBody: a Reader that keeps the summary encoded gets
// the very body the handler would have encoded.
func TestEncodedSummaryBody(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    upstat.Reader
	}{
		{"vendors", fixtureReader()},
		{"no vendors", apitest.NewReader()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain, _ := newTestServer(t, tc.r, nil)
			enc, _ := newTestServer(t, encodingReader{tc.r}, nil)
			want := do(plain.Handler(), http.MethodGet, "/api/v1/summary", nil)
			got := do(enc.Handler(), http.MethodGet, "/api/v1/summary", nil)
			if got.Code != http.StatusOK || got.Body.String() != want.Body.String() {
				t.Errorf("encoded: %d %s\nwant %d %s", got.Code, got.Body, want.Code, want.Body)
			}
			if ct := got.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type %q", ct)
			}
		})
	}
}
