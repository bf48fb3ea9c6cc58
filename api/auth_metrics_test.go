package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
	"github.com/upstat/upstat/version"
)

func TestAuth(t *testing.T) {
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	cookie := func(tok string) http.Header { return http.Header{"Cookie": {tokenCookie + "=" + tok}} }
	tests := []struct {
		name           string
		read, admin    string
		method, target string
		header         http.Header
		want           int
	}{
		{"no tokens configured: reads open", "", "", "GET", "/api/v1/summary", nil, 200},
		{"read token missing", "r3ad", "", "GET", "/api/v1/summary", nil, 401},
		{"read token accepted", "r3ad", "", "GET", "/api/v1/summary", bearer("r3ad"), 200},
		{"scheme is case-insensitive", "r3ad", "", "GET", "/api/v1/summary", http.Header{"Authorization": {"bearer r3ad"}}, 200},
		{"wrong read token", "r3ad", "", "GET", "/api/v1/summary", bearer("r3ad-not"), 401},
		{"basic auth is not bearer", "r3ad", "", "GET", "/api/v1/summary", http.Header{"Authorization": {"Basic r3ad"}}, 401},
		{"admin token reads too", "r3ad", "adm1n", "GET", "/api/v1/summary", bearer("adm1n"), 200},
		{"query token for browsers", "r3ad", "", "GET", "/api/v1/summary?token=r3ad", nil, 200},
		{"wrong query token", "r3ad", "", "GET", "/api/v1/summary?token=nope", nil, 401},
		{"cookie token", "r3ad", "", "GET", "/api/v1/vendors/github", cookie("r3ad"), 200},
		{"metrics need the token", "r3ad", "", "GET", "/metrics", nil, 401},
		{"healthz open", "r3ad", "", "GET", "/healthz", nil, 200},
		{"readyz open", "r3ad", "", "GET", "/readyz", nil, 200},
		{"HEAD is a read", "r3ad", "", "HEAD", "/api/v1/summary", bearer("r3ad"), 200},
		{"POST without admin token configured", "", "", "POST", "/api/v1/summary", bearer("x"), 401},
		{"POST with read token", "r3ad", "adm1n", "POST", "/api/v1/summary", bearer("r3ad"), 401},
		{"POST admin token by query is refused", "", "adm1n", "POST", "/api/v1/summary?token=adm1n", nil, 401},
		{"POST with admin token reaches routing", "r3ad", "adm1n", "POST", "/api/v1/summary", bearer("adm1n"), 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, logs := newTestServer(t, fixtureReader(), func(o *Options) { o.ReadToken, o.AdminToken = tt.read, tt.admin })
			rec := do(s.Handler(), tt.method, tt.target, tt.header)
			if rec.Code != tt.want {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.want, rec.Body)
			}
			if tt.want == 401 {
				wantError(t, rec, 401, "unauthorized", "token")
				if rec.Header().Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
			for _, tok := range []string{tt.read, tt.admin} {
				if tok != "" && (strings.Contains(rec.Body.String(), tok) || strings.Contains(logs.String(), tok)) {
					t.Errorf("token %q echoed or logged", tok)
				}
			}
		})
	}
}

func TestQueryTokenSetsCookie(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), func(o *Options) { o.ReadToken = "r3ad" })
	rec := do(s.Handler(), http.MethodGet, "/api/v1/summary?token=r3ad", nil)
	c := rec.Result().Cookies()
	if len(c) != 1 || c[0].Name != tokenCookie || c[0].Value != "r3ad" || !c[0].HttpOnly {
		t.Fatalf("cookies = %v, want one HttpOnly %s", c, tokenCookie)
	}
	rec = do(s.Handler(), http.MethodGet, "/api/v1/summary", http.Header{"Authorization": {"Bearer r3ad"}})
	if len(rec.Result().Cookies()) != 0 {
		t.Error("header-authenticated request got a cookie")
	}
}

func TestRequireAdmin(t *testing.T) {
	s, _ := newTestServer(t, fixtureReader(), func(o *Options) { o.ReadToken, o.AdminToken = "r3ad", "adm1n" })
	s.AddRoute("POST /api/v1/test-admin", s.RequireAdmin(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})))
	if rec := do(s.Handler(), http.MethodPost, "/api/v1/test-admin", http.Header{"Authorization": {"Bearer adm1n"}}); rec.Code != http.StatusAccepted {
		t.Errorf("admin POST = %d, want 202", rec.Code)
	}
	if rec := do(s.Handler(), http.MethodPost, "/api/v1/test-admin", http.Header{"Authorization": {"Bearer r3ad"}}); rec.Code != http.StatusUnauthorized {
		t.Errorf("read-token POST = %d, want 401", rec.Code)
	}
	// RequireAdmin also guards a GET route on its own.
	s.AddRoute("GET /api/v1/debug", s.RequireAdmin(http.NotFoundHandler()))
	if rec := do(s.Handler(), http.MethodGet, "/api/v1/debug", http.Header{"Authorization": {"Bearer r3ad"}}); rec.Code != http.StatusUnauthorized {
		t.Errorf("read-token GET of admin route = %d, want 401", rec.Code)
	}
}

func TestMetrics(t *testing.T) {
	r := fixtureReader()
	// Two components with the same key: exported once, the worse status.
	vs, err := r.Vendors(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	vs[1].Components = append(vs[1].Components, upstat.Component{Name: "API", Status: upstat.Degraded})
	vs[0].Warnings = 2 // github: two words its sources could not read
	r.SetVendors(vs...)
	components := []string{
		`upstat_component_status{component="API",vendor="stripe"} 2`,
		`upstat_component_status{component="Actions",vendor="github"} 2`,
		`upstat_component_status{component="Git Operations/Pushes",vendor="github"} 3`,
	}
	bi := version.Read()
	vendors := []string{
		`upstat_active_incidents{vendor="github"} 1`,
		`upstat_active_incidents{vendor="newrelic"} 0`,
		`upstat_active_incidents{vendor="stripe"} 0`,
		fmt.Sprintf(`upstat_build_info{goversion=%q,revision=%q,version=%q} 1`, bi.GoVersion, bi.Revision, bi.Version),
		`upstat_source_warnings{vendor="github"} 2`,
		`upstat_source_warnings{vendor="newrelic"} 0`,
		`upstat_source_warnings{vendor="stripe"} 0`,
		`upstat_vendor_info{name="GitHub",vendor="github"} 1`,
		`upstat_vendor_info{name="New Relic",vendor="newrelic"} 1`,
		`upstat_vendor_info{name="Stripe",vendor="stripe"} 1`,
		`upstat_vendor_stale{vendor="github"} 0`,
		`upstat_vendor_stale{vendor="newrelic"} 1`,
		`upstat_vendor_stale{vendor="stripe"} 0`,
		`upstat_vendor_status{vendor="github"} 3`,
		`upstat_vendor_status{vendor="newrelic"} -1`,
		`upstat_vendor_status{vendor="stripe"} 0`,
	}
	for _, tc := range []struct {
		name         string
		noComponents bool
		want         []string
	}{
		{"with components", false, slices.Sorted(slices.Values(append(slices.Clone(vendors), components...)))},
		{"without components", true, vendors},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, r, func(o *Options) { o.NoComponentMetrics = tc.noComponents })
			rec := do(s.Handler(), http.MethodGet, "/metrics", nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET /metrics = %d\n%s", rec.Code, rec.Body)
			}
			var got []string
			for line := range strings.Lines(rec.Body.String()) {
				if strings.HasPrefix(line, "upstat_") {
					got = append(got, strings.TrimSpace(line))
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if !strings.Contains(rec.Body.String(), "# TYPE upstat_vendor_status gauge") {
				t.Errorf("missing upstat_vendor_status")
			}
		})
	}
}

func TestMetricsReaderFailure(t *testing.T) {
	r := apitest.NewReader()
	r.SetErr(upstat.ErrInvalid)
	reg := prometheus.NewRegistry()
	other := prometheus.NewCounter(prometheus.CounterOpts{Name: "upstat_test_total", Help: "x"})
	reg.MustRegister(other)
	s, logs := newTestServer(t, r, func(o *Options) { o.Registry = reg })
	rec := do(s.Handler(), http.MethodGet, "/metrics", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "upstat_test_total 0") {
		t.Errorf("other metrics not served on a Reader failure: %d\n%s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "collect vendor metrics") {
		t.Errorf("failure not logged: %s", logs)
	}
}
