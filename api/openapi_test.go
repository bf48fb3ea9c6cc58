package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
	"github.com/upstat/upstat/cluster"
	"github.com/upstat/upstat/docs"
)

// The tokens of the servers under test.
const (
	openAPIReadToken  = "read-secret"
	openAPIAdminToken = "admin-secret"
)

func init() {
	// The event stream is text; validate it as a string.
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.PlainBodyDecoder)
}

// loadOpenAPI loads and validates docs/openapi.yaml and builds its router.
func loadOpenAPI(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPIYAML())
	if err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("docs/openapi.yaml is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// blocking answers nothing until the request's context ends: it makes every
// read outlast the request timeout.
type blocking struct{ upstat.Reader }

func (blocking) wait(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }

func (b blocking) Summary(ctx context.Context) ([]upstat.VendorSummary, error) {
	return nil, b.wait(ctx)
}
func (b blocking) Vendor(ctx context.Context, _ string) (*upstat.Vendor, error) {
	return nil, b.wait(ctx)
}
func (b blocking) Incidents(ctx context.Context, _ upstat.IncidentFilter) ([]upstat.Incident, *upstat.IncidentCursor, error) {
	return nil, nil, b.wait(ctx)
}
func (b blocking) Incident(ctx context.Context, _ string) (*upstat.Incident, error) {
	return nil, b.wait(ctx)
}
func (b blocking) Events(ctx context.Context, _ int64, _ int) ([]upstat.Event, error) {
	return nil, b.wait(ctx)
}
func (b blocking) Firing(ctx context.Context) ([]upstat.Alert, error) { return nil, b.wait(ctx) }
func (b blocking) VendorReport(ctx context.Context, _ string, _, _ time.Time) (*upstat.Report, error) {
	return nil, b.wait(ctx)
}
func (b blocking) Services(ctx context.Context) ([]upstat.ServiceStatus, error) {
	return nil, b.wait(ctx)
}
func (b blocking) Service(ctx context.Context, _ string) (*upstat.ServiceStatus, error) {
	return nil, b.wait(ctx)
}

// openAPIServers are the servers the contract test calls: "ok" on the
// fixture data with every dependency working, and servers whose
// dependencies fail in one way each.
func openAPIServers(t *testing.T) map[string]http.Handler {
	fixture := func() *apitest.Reader {
		r := fixtureReader()
		r.AddEvent(upstat.Event{At: testNow, Type: upstat.EventIncidentOpened, Vendor: "github",
			IncidentID: "github:abc123", To: upstat.PartialOutage})
		r.AddEvent(upstat.Event{At: testNow, Type: upstat.EventVendorStatusChanged, Vendor: "github",
			From: upstat.Operational, To: upstat.PartialOutage})
		r.AddEvent(upstat.Event{At: testNow, Type: upstat.EventComponentStatusChanged, Vendor: "github",
			Component: "Git Operations/Pushes", From: upstat.Operational, To: upstat.PartialOutage})
		r.AddEvent(upstat.Event{At: testNow, Type: upstat.EventVendorRecovered, Vendor: "newrelic"})
		r.AddEvent(upstat.Event{At: testNow, Type: upstat.EventServiceStatusChanged, Vendor: "github", Service: "checkout",
			From: upstat.Operational, To: upstat.PartialOutage})
		return r
	}
	tokens := func(o *Options) { o.ReadToken, o.AdminToken = openAPIReadToken, openAPIAdminToken }
	alert := upstat.Alert{Rule: "github-down", Vendor: "github", Component: "Actions", Severity: upstat.Degraded,
		Since: testNow.Add(-time.Hour), FiredAt: testNow.Add(-50 * time.Minute), Labels: map[string]string{"tier": "critical"}}
	build := func(r upstat.Reader, edit func(*Options)) http.Handler {
		s, _ := newTestServer(t, r, func(o *Options) {
			tokens(o)
			if edit != nil {
				edit(o)
			}
		})
		return s.Handler()
	}
	failing := fixture()
	failing.SetErr(errors.New("disk on fire"))
	okReader := fixture()
	return map[string]http.Handler{
		"ok": build(okReader, func(o *Options) {
			o.Services = fixtureServices(okReader)
			o.Reports = fakeReports{}
			o.Events = apitest.NewEvents(16)
			o.Alerts = fakeAlerts{alerts: []upstat.Alert{alert, {Rule: "any", Vendor: "stripe",
				Severity: upstat.MajorOutage, Since: testNow, FiredAt: testNow}}}
			o.Reload = func(context.Context) error { return nil }
			single := cluster.NewSingle("web-1", func() time.Time { return testNow })
			single.SetKeys([]string{"github", "stripe", cluster.AlertEngineKey})
			o.Cluster = single
			o.Hooks = testHookReceiver()
		}),
		"failing": build(failing, func(o *Options) {
			o.Alerts = fakeAlerts{err: errors.New("store gone")}
			o.Services = fixtureServices(failing)
			o.Reports = fakeReports{err: errors.New("disk on fire")}
			o.Reload = func(context.Context) error { return errors.New("disk on fire") }
			o.Ready = func() error { return errors.New("store not open") }
			o.Cluster = failingCluster{cluster.NewSingle("web-1", nil)}
		}),
		"invalid-config": build(fixture(), func(o *Options) {
			o.Reload = func(context.Context) error {
				return fmt.Errorf("%w: cfg.yaml:3: poll.intervall: unknown key", upstat.ErrInvalid)
			}
		}),
		"bare": build(fixture(), nil), // no events, alerts or reload wired
		"slow": build(blocking{fixture()}, func(o *Options) {
			o.Services = blocking{}
			o.Reports = blocking{}
			o.Alerts = blocking{}
			o.RequestTimeout = time.Millisecond
		}),
	}
}

// apiCall is one request of the contract test.
type apiCall struct {
	server string // key of openAPIServers
	method string
	target string
	header http.Header
	body   string
	status int // the status the server must answer
	// docRejects: the request breaks the document's own parameter
	// constraints, so validating it must fail.
	docRejects bool
}

func read() http.Header  { return http.Header{"Authorization": {"Bearer " + openAPIReadToken}} }
func admin() http.Header { return http.Header{"Authorization": {"Bearer " + openAPIAdminToken}} }

// explicitCalls are the calls the contract test makes beside the generic
// error cases it derives from the document.
func explicitCalls() []apiCall {
	ev := encodeEventCursor
	ic := encodeIncidentCursor(&upstat.IncidentCursor{StartedAt: apitest.Time("2024-04-25T00:00:00Z"), ID: "stripe:m/1"})
	get := func(target string, status int) apiCall {
		return apiCall{server: "ok", method: http.MethodGet, target: target, header: read(), status: status}
	}
	rejected := func(c apiCall) apiCall { c.docRejects = true; return c }
	return slices.Concat(append([]apiCall{
		get("/api/v1/summary", 200),
		get("/api/v1/vendors/github", 200),
		get("/api/v1/vendors/newrelic", 200),
		get("/api/v1/vendors/nope", 404),
		get("/api/v1/incidents", 200),
		get("/api/v1/incidents?vendor=github&state=all&min_severity=degraded&since=2024-04-01T00:00:00Z&until=2024-06-01T00:00:00Z&limit=1", 200),
		get("/api/v1/incidents?state=resolved&limit=500&cursor="+ic, 200),
		get("/api/v1/incidents?state=active&vendor=", 200),
		get("/api/v1/incidents?vendor=nope", 404),
		rejected(get("/api/v1/incidents?vendor=NOPE", 400)),
		rejected(get("/api/v1/incidents?state=open", 400)),
		rejected(get("/api/v1/incidents?min_severity=unknown", 400)),
		rejected(get("/api/v1/incidents?limit=501", 400)),
		rejected(get("/api/v1/incidents?limit=many", 400)),
		get("/api/v1/incidents?since=yesterday", 400),
		get("/api/v1/incidents?since=2024-05-01T00:00:00Z&until=2024-04-01T00:00:00Z", 400),
		get("/api/v1/incidents?cursor=bm90LWEtY3Vyc29y", 400),
		get("/api/v1/incidents?state=active&state=all", 400),
		get("/api/v1/incidents/github:abc123", 200),
		get("/api/v1/incidents/github:old1", 200),
		get("/api/v1/incidents/github:nope", 404),
		get("/api/v1/events", 200),
		get("/api/v1/events?since="+ev(1)+"&limit=2", 200),
		get("/api/v1/events?since="+ev(99), 200),
		get("/api/v1/events?since=garbage", 400),
		rejected(get("/api/v1/events?limit=0", 400)),
		rejected(get("/api/v1/events?limit=1001", 400)),
		{server: "ok", method: http.MethodGet, target: "/api/v1/events", header: merge(read(), "Accept", "text/event-stream", "Last-Event-ID", "garbage"), status: 400},
		{server: "bare", method: http.MethodGet, target: "/api/v1/events?since=" + ev(0), header: merge(read(), "Accept", "text/event-stream"), status: 503},
		get("/api/v1/alerts", 200),
		{server: "bare", method: http.MethodGet, target: "/api/v1/alerts", header: read(), status: 200},
		get("/api/v1/vendors/github/report?from=2024-04-01&to=2024-04-02", 200),
		get("/api/v1/vendors/github/report?format=csv", 200),
		get("/api/v1/vendors/nope/report", 404),
		get("/api/v1/vendors/github/report?from=2024-05-02&to=2024-04-01", 400),
		rejected(get("/api/v1/vendors/github/report?from=yesterday", 400)),
		rejected(get("/api/v1/vendors/github/report?format=pdf", 400)),
		{server: "bare", method: http.MethodGet, target: "/api/v1/vendors/github/report", header: read(), status: 503},
		{server: "failing", method: http.MethodGet, target: "/api/v1/vendors/github/report", header: read(), status: 500},
		{server: "slow", method: http.MethodGet, target: "/api/v1/vendors/github/report", header: read(), status: 503},
		get("/api/v1/services", 200),
		{server: "bare", method: http.MethodGet, target: "/api/v1/services", header: read(), status: 200},
		get("/api/v1/services/checkout", 200),
		get("/api/v1/services/status", 200),
		get("/api/v1/services/nope", 404),
		get("/api/v1/cluster", 200),
		{server: "bare", method: http.MethodGet, target: "/api/v1/cluster", header: read(), status: 503},
		get("/api/v1/openapi.json", 200),
		get("/api/v1/catalogue", 200),
		get("/api/v1/catalogue?q=stripe&limit=5", 200),
		get("/api/v1/catalogue?kind=statusio&limit=2", 200),
		get("/api/v1/catalogue?kind=nope", 400),
		get("/api/v1/catalogue?q=a&q=b", 400),
		rejected(get("/api/v1/catalogue?limit=2001", 400)),
		rejected(get("/api/v1/catalogue?q="+strings.Repeat("x", 101), 400)),
		{server: "ok", method: http.MethodPost, target: "/api/v1/reload", header: admin(), status: 200},
		{server: "ok", method: http.MethodPost, target: "/api/v1/reload", header: read(), status: 401},
		{server: "ok", method: http.MethodPost, target: "/api/v1/reload", header: merge(admin(), "Content-Type", "text/plain"),
			body: strings.Repeat("x", MaxBodyBytes+1), status: 413},
		{server: "invalid-config", method: http.MethodPost, target: "/api/v1/reload", header: admin(), status: 400},
		{server: "failing", method: http.MethodPost, target: "/api/v1/reload", header: admin(), status: 500},
		{server: "bare", method: http.MethodPost, target: "/api/v1/reload", header: admin(), status: 503},
		get("/api/v1/maintenance.ics", 200),
		get("/api/v1/vendors/github/reliability", 200),
		get("/api/v1/vendors/nope/reliability", 404),
		get("/api/v1/maintenance.ics?vendor=stripe", 200),
		get("/api/v1/maintenance.ics?vendor=nope", 404),
		rejected(get("/api/v1/maintenance.ics?vendor=NOPE", 400)),
	}, hookCalls()...), []apiCall{
		{server: "ok", method: http.MethodGet, target: "/healthz", status: 200},
		{server: "ok", method: http.MethodGet, target: "/readyz", status: 200},
		{server: "failing", method: http.MethodGet, target: "/readyz", status: 503},
		get("/metrics", 200),
		{server: "ok", method: http.MethodGet, target: "/metrics?token=" + openAPIReadToken, status: 200},
	})
}

// merge returns h with the key, value pairs kv added.
func merge(h http.Header, kv ...string) http.Header {
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// genericCalls derives from the document the error answers every
// operation shares: for each documented 401 a call without a token, 414 an
// overlong query, 500 a failing Reader, and a 503 Timeout a Reader slower
// than the request timeout.
func genericCalls(doc *openapi3.T) []apiCall {
	var calls []apiCall
	for _, path := range doc.Paths.InMatchingOrder() {
		target := strings.NewReplacer("{id}", "github:abc123", "{vendor}", "github", "{secret}", "wrong").Replace(path)
		if strings.HasPrefix(path, "/api/v1/vendors/") {
			target = strings.Replace(path, "{id}", "github", 1)
		}
		if strings.HasPrefix(path, "/api/v1/services/") {
			target = strings.Replace(path, "{id}", "checkout", 1)
		}
		for method, op := range doc.Paths.Value(path).Operations() {
			hdr, body := read, ""
			if method != http.MethodGet {
				hdr = func() http.Header { return merge(admin(), "Content-Type", "application/json") }
				body = "{}"
			}
			for code, resp := range op.Responses.Map() {
				c := apiCall{method: method, target: target, header: hdr(), body: body}
				switch {
				case code == "401":
					c.server, c.header, c.status = "ok", merge(http.Header{}, "Content-Type", "application/json"), 401
				case code == "414":
					c.server, c.status, c.target = "ok", 414, target+"?x="+strings.Repeat("a", MaxQueryBytes)
				case code == "500" && resp.Ref == "#/components/responses/Internal" && method == http.MethodGet:
					c.server, c.status = "failing", 500
				case code == "503" && resp.Ref == "#/components/responses/Timeout":
					c.server, c.status = "slow", 503
				default:
					continue
				}
				calls = append(calls, c)
			}
		}
	}
	return calls
}

// TestOpenAPIContract calls every endpoint of the API, each documented
// error included, and validates every request and response against
// docs/openapi.yaml; then checks that every documented answer was seen.
func TestOpenAPIContract(t *testing.T) {
	doc, router := loadOpenAPI(t)
	servers := openAPIServers(t)
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	seen := map[string]bool{} // "METHOD path status"
	calls := append(explicitCalls(), genericCalls(doc)...)
	for _, c := range calls {
		name := fmt.Sprintf("%s %s %s", c.server, c.method, truncate(c.target, 80))
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			for k, vs := range c.header {
				req.Header[k] = vs
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("no path in docs/openapi.yaml: %v", err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
			reqErr := openapi3filter.ValidateRequest(context.Background(), in)
			if c.docRejects && reqErr == nil {
				t.Error("the document accepts this request; it should reject it")
			}
			if !c.docRejects && reqErr != nil {
				t.Errorf("the document rejects this request: %v", reqErr)
			}
			// Validation read the body: serve a fresh request.
			req = httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			req.Header = c.header.Clone()
			if req.Header == nil {
				req.Header = http.Header{}
			}
			rec := httptest.NewRecorder()
			servers[c.server].ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, c.status, truncate(rec.Body.String(), 300))
			}
			validateResponse(t, in, rec.Code, rec.Header(), rec.Body.Bytes(), opts)
			seen[fmt.Sprintf("%s %s %d", c.method, route.Path, rec.Code)] = true
		})
	}
	t.Run("answers outside the routes", func(t *testing.T) {
		// No operation to validate against: check the status and the
		// document's Error schema.
		errSchema := doc.Components.Schemas["Error"].Value
		for _, c := range []apiCall{
			{method: http.MethodDelete, target: "/api/v1/summary", header: admin(), status: 405},
			{method: http.MethodGet, target: "/api/v1/nope", header: read(), status: 404},
		} {
			rec := do(servers["ok"], c.method, c.target, c.header)
			var v any
			if rec.Code != c.status || json.Unmarshal(rec.Body.Bytes(), &v) != nil {
				t.Fatalf("%s %s: %d %s, want %d and JSON", c.method, c.target, rec.Code, rec.Body, c.status)
			}
			if err := errSchema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("%s %s: %s does not match the Error schema: %v", c.method, c.target, rec.Body, err)
			}
		}
	})
	t.Run("event stream", func(t *testing.T) {
		route := streamEvents(t, doc, router, opts)
		seen["GET "+route+" 200"] = true
	})
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			for code := range op.Responses.Map() {
				if key := method + " " + path + " " + code; !seen[key] {
					t.Errorf("documented answer %s is never exercised", key)
				}
			}
		}
	}
}

// validateResponse checks one answer against the document.
func validateResponse(t *testing.T, in *openapi3filter.RequestValidationInput, status int, h http.Header, body []byte, opts *openapi3filter.Options) {
	t.Helper()
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: h, Options: opts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("response does not match docs/openapi.yaml: %v\nbody: %s", err, truncate(string(body), 600))
	}
}

// streamEvents opens the live event stream on a real server, positioned
// at the start so it replays the stored events, validates the response
// and each event's data against the Event schema, and returns the route.
func streamEvents(t *testing.T, doc *openapi3.T, router routers.Router, opts *openapi3filter.Options) string {
	t.Helper()
	ts := httptest.NewServer(openAPIServers(t)["ok"])
	defer ts.Close()
	defer ts.Client().CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/api/v1/events?since="+encodeEventCursor(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = merge(read(), "Accept", "text/event-stream")
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatal(err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Read the four replayed events, then leave.
	var raw bytes.Buffer
	sc := bufio.NewScanner(io.TeeReader(resp.Body, &raw))
	eventSchema := doc.Components.Schemas["Event"].Value
	for n := 0; n < 4 && sc.Scan(); {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		n++
		var v any
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			t.Fatalf("event data %q: %v", data, err)
		}
		if err := eventSchema.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()); err != nil {
			t.Errorf("event %s does not match the Event schema: %v", data, err)
		}
	}
	cancel()
	validateResponse(t, in, resp.StatusCode, resp.Header, raw.Bytes(), opts)
	return route.Path
}

// TestOpenAPIRoutes checks that every route the API registers has its path
// and method in docs/openapi.yaml, and that the document describes no
// route the API lacks.
func TestOpenAPIRoutes(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	s, _ := newTestServer(t, apitest.NewReader(), nil)
	var registered, documented []string
	for _, rt := range s.apiRoutes() {
		registered = append(registered, rt.pattern)
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method := range doc.Paths.Value(path).Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(registered)
	slices.Sort(documented)
	if !slices.Equal(registered, documented) {
		t.Errorf("routes and docs/openapi.yaml differ:\nregistered: %q\ndocumented: %q", registered, documented)
	}
}

// TestOpenAPIServed checks that /api/v1/openapi.json is the YAML document,
// as JSON.
func TestOpenAPIServed(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	s, _ := newTestServer(t, apitest.NewReader(), nil)
	var served map[string]any
	getJSON(t, s.Handler(), "/api/v1/openapi.json", http.StatusOK, &served)
	fromServed, err := openapi3.NewLoader().LoadFromData(mustJSON(t, served))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalized(t, doc), normalized(t, fromServed)) {
		t.Error("the served document differs from docs/openapi.yaml")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// normalized is doc as generic JSON values, for comparison.
func normalized(t *testing.T, doc *openapi3.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(mustJSON(t, doc), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func TestJSONValueKeys(t *testing.T) {
	got, err := jsonValue(map[any]any{200: []any{map[any]any{"a": true}}, true: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"200": []any{map[string]any{"a": true}}, "true": 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jsonValue = %#v, want %#v", got, want)
	}
	if _, err := jsonValue(map[any]any{1.5: "x"}); err == nil {
		t.Error("a float key was accepted")
	}
}

// TestOpenAPIClosedResponses checks that the document's response objects
// are closed: an answer with a field the document does not name fails
// validation, at the top level and nested.
func TestOpenAPIClosedResponses(t *testing.T) {
	_, router := loadOpenAPI(t)
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	s, _ := newTestServer(t, fixtureReader(), nil)
	for _, target := range []string{"/api/v1/summary", "/api/v1/vendors/github", "/api/v1/incidents/github:abc123"} {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		rec := do(s.Handler(), http.MethodGet, target, nil)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
		check := func(what string, body map[string]any, wantErr bool) {
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(), Options: opts}
			out.SetBodyBytes(mustJSON(t, body))
			err := openapi3filter.ValidateResponse(context.Background(), out)
			if (err != nil) != wantErr {
				t.Errorf("%s %s: validation error %v, want error %v", target, what, err, wantErr)
			}
		}
		check("as served", body, false)
		body["undocumented"] = 1
		check("with an extra top-level field", body, true)
		delete(body, "undocumented")
		nested := "vendors"
		if target != "/api/v1/summary" {
			nested = map[bool]string{true: "components", false: "updates"}[strings.Contains(target, "vendors")]
		}
		list := body[nested].([]any)
		list[0].(map[string]any)["undocumented"] = 1
		check("with an extra field in "+nested+"[0]", body, true)
	}
}

// failingCluster is a membership whose store is gone.
type failingCluster struct{ cluster.Membership }

func (failingCluster) Replicas(context.Context) ([]cluster.Replica, error) {
	return nil, errors.New("cluster store gone")
}
