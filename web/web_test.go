package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/upstat/upstat"
)

// demoNow is the clock of the handler tests.
var demoNow = time.Date(2025, 6, 3, 14, 30, 0, 0, time.UTC)

func newTestDashboard(t *testing.T, f *fakeStore, mod func(*Options)) *Dashboard {
	t.Helper()
	opts := Options{Reader: f, Events: f, Now: func() time.Time { return demoNow },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&opts)
	}
	d, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

// get serves one request and returns the response and its body.
func get(t *testing.T, h http.Handler, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	resp := rec.Result()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(b)
}

func TestPages(t *testing.T) {
	h := newTestDashboard(t, demoStore(demoNow), nil).Handler()
	tests := []struct {
		name    string
		target  string
		status  int
		want    []string
		notWant []string
	}{
		{
			name: "overview", target: "/", status: 200,
			want: []string{`4 of 6 vendors need attention`, `href="/vendors/github"`, "GitHub", "Stripe", "Cloudflare",
				"New Relic", "Intervals", "Partial outage", "Actions workflows are delayed", "Stale: no data for",
				"25m", "http 503", "Maintenance: Scheduled maintenance in FRA", `data-events-url="/api/v1/events"`},
		},
		{
			name: "overview filtered", target: "/?q=new+relic", status: 200,
			want: []string{"New Relic", `value="new relic"`}, notWant: []string{`id="vendor-github"`},
		},
		{
			name: "overview grouped", target: "/?group=team", status: 200,
			want: []string{"team: platform", "team: payments", "team: sre", "No team", `<option value="team" selected>`},
		},
		{
			name: "vendor", target: "/vendors/github", status: 200,
			want: []string{"<h1>GitHub</h1>", "Git Operations", "Actions workflows are delayed", "Incident history",
				"Older incidents", "https://www.githubstatus.com", `aria-label="GitHub, whole vendor"`, "(30 days)",
				`data-vendor="github"`},
		},
		{
			name: "vendor groups components and lists upcoming maintenance", target: "/vendors/cloudflare", status: 200,
			want: []string{"<h3>Europe ", "<h3>North America ", "Upcoming maintenance", "Scheduled maintenance in LHR", "Scheduled maintenance in FRA"},
		},
		{
			name: "incident", target: "/incidents/github:actions", status: 200,
			want: []string{"Actions workflows are delayed", "View vendor source", `href="https://www.githubstatus.com/incidents/actions"`,
				"Ongoing for 47m", "Identified", "A database failover", "Some jobs queue", `data-incident="github:actions"`,
				`<a href="https://www.githubstatus.com/incidents/actions" rel="noopener noreferrer external">`},
		},
		{
			name: "resolved incident shows its duration", target: "/incidents/github:pages", status: 200,
			want: []string{"Resolved after 1d 2h", "Pages builds failing"},
		},
		{name: "unknown vendor", target: "/vendors/nope", status: 404, want: []string{"There is no such page."}},
		{name: "unknown incident", target: "/incidents/nope:1", status: 404},
		{name: "bad cursor", target: "/vendors/github?before=%25%25", status: 400, want: []string{"parameter before"}},
		{name: "alerts without alerting", target: "/alerts", status: 200, want: []string{"Alerting is not configured"}},
		{
			name: "token is carried over", target: "/?token=s3cret", status: 200,
			want: []string{`href="/vendors/github?token=s3cret"`, `href="/alerts?token=s3cret"`, `name="token" value="s3cret"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, h, tt.target)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d\n%s", resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
				t.Errorf("CSP = %q", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body has %q", w)
				}
			}
			assertNoInlineCode(t, body)
		})
	}
}

// assertNoInlineCode parses the page and fails on anything the CSP would
// block or that could run: inline scripts and styles, event handler
// attributes, and links that are not http(s) or relative.
func assertNoInlineCode(t *testing.T, body string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		hasSrc := false
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(key, "on"), key == "style":
				t.Errorf("<%s> has a %s attribute", tok.Data, a.Key)
			case key == "href" || key == "src" || key == "action":
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if tok.Data == "link" && v == "data:," { // our empty favicon
					continue
				}
				if !strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "#") {
					t.Errorf("<%s %s=%q> is not an http(s) or local URL", tok.Data, a.Key, a.Val)
				}
				hasSrc = hasSrc || key == "src"
			}
		}
		switch tok.Data {
		case "style", "iframe", "object", "embed", "img":
			t.Errorf("page has a <%s> element", tok.Data)
		case "script":
			if !hasSrc {
				t.Error("page has an inline <script>")
			}
		}
	}
}

func TestOverviewOrder(t *testing.T) {
	_, body := get(t, newTestDashboard(t, demoStore(demoNow), nil).Handler(), "/")
	order := []string{`id="vendor-evilcorp"`, `id="vendor-github"`, `id="vendor-newrelic"`, `id="vendor-cloudflare"`,
		`id="vendor-intervals"`, `id="vendor-stripe"`}
	last := -1
	for _, id := range order {
		i := strings.Index(body, id)
		if i < last {
			t.Errorf("%s is out of order (worst first, then by name)", id)
		}
		last = i
	}
}

func TestHostileStringsAreEscaped(t *testing.T) {
	h := newTestDashboard(t, demoStore(demoNow), nil).Handler()
	for _, target := range []string{"/", "/vendors/evilcorp", "/incidents/evilcorp:1"} {
		t.Run(target, func(t *testing.T) {
			_, body := get(t, h, target)
			for _, bad := range []string{"<script>window", "<img src=x", `href="javascript:`, "href='javascript:", "onerror=\""} {
				if strings.Contains(body, bad) {
					t.Errorf("body has %q unescaped", bad)
				}
			}
			if !strings.Contains(body, "&lt;script&gt;window.__pwned=") {
				t.Errorf("escaped title missing")
			}
			assertNoInlineCode(t, body)
		})
	}
	_, body := get(t, h, "/incidents/evilcorp:1")
	if strings.Contains(body, "View vendor source") {
		t.Error("a javascript: source URL is rendered as a link")
	}
	if !strings.Contains(body, "&lt;a href=&#34;javascript:window.__pwned=&#39;body-link&#39;&#34;&gt;this&lt;/a&gt;") {
		t.Error("body markup is not shown as text")
	}
}

func TestVendorHistoryPaging(t *testing.T) {
	h := newTestDashboard(t, demoStore(demoNow), nil).Handler()
	_, first := get(t, h, "/vendors/github")
	next := regexp.MustCompile(`href="(/vendors/github\?before=[^"]+)" rel="next"`).FindStringSubmatch(first)
	if next == nil {
		t.Fatal("no link to older incidents")
	}
	if strings.Contains(first, "Webhook delivery delays #24") {
		t.Error("the oldest incident is on the first page")
	}
	resp, second := get(t, h, strings.ReplaceAll(next[1], "&amp;", "&"))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !strings.Contains(second, "Webhook delivery delays #24") || !strings.Contains(second, "Newest") {
		t.Error("the second page lacks the oldest incident or the way back")
	}
	if !strings.Contains(first, `<a href="/incidents/github:git-slow">`) || strings.Contains(second, `<a href="/incidents/github:git-slow">`) {
		t.Error("the first page lacks a recent incident, or the second page repeats the first")
	}
	// A dense table: one row per incident, a page of historyPageSize.
	if n := strings.Count(first, `<tr class="incident-line`); n != historyPageSize || !strings.Contains(first, `<table class="history">`) {
		t.Errorf("first page: %d history rows, want a table of %d", n, historyPageSize)
	}
}

// TestUptimeOnlyWhatWasObserved: a vendor upstat never read shows no
// uptime ("no data", never "100%") and grey days; one read for two days
// shows the days before as no data.
func TestUptimeOnlyWhatWasObserved(t *testing.T) {
	store := demoStore(demoNow)
	for i := range store.vendors {
		if store.vendors[i].ID == "intervals" {
			store.vendors[i].FirstSuccessAt = nil
		}
		if store.vendors[i].ID == "stripe" {
			since := demoNow.Add(-48 * time.Hour)
			store.vendors[i].FirstSuccessAt = &since
		}
	}
	h := newTestDashboard(t, store, nil).Handler()
	_, page := get(t, h, "/vendors/intervals")
	if strings.Contains(page, "100%") || !strings.Contains(page, "uptime <strong>no data</strong>") || !strings.Contains(page, `class="cell nodata"`) {
		t.Errorf("never-read vendor: want no data and grey days, never 100%%")
	}
	_, page = get(t, h, "/vendors/stripe")
	if n := strings.Count(page, `class="cell nodata"`); n == 0 || !strings.Contains(page, "no data (upstat did not see this vendor that day)") {
		t.Errorf("vendor read two days ago: %d no-data days, want the days before marked", n)
	}
}

func TestAlertsPage(t *testing.T) {
	f := demoStore(demoNow)
	tests := []struct {
		name   string
		alerts AlertLister
		want   []string
		absent []string
	}{
		{"none firing", fakeAlerts{}, []string{"No alerts are firing"}, nil},
		{"rules, none firing", fakeEngine{rules: 2}, []string{"No alerts are firing"}, []string{"not configured"}},
		// An engine without rules is not "all clear": nothing is watched.
		{"no rules", fakeEngine{}, []string{"Alerting is not configured"}, []string{"No alerts are firing", "sev-operational"}},
		{"firing", fakeAlerts{
			{Rule: "payments-down", Vendor: "stripe", Component: "API", Severity: upstat.PartialOutage, Since: demoNow.Add(-time.Hour), FiredAt: demoNow.Add(-58 * time.Minute)},
			{Rule: "git-down", Vendor: "github", Severity: upstat.MajorOutage, Since: demoNow.Add(-time.Hour), FiredAt: demoNow},
		}, []string{"2 alerts firing", "payments-down", ">Stripe</a>", "whole vendor", "Major outage"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestDashboard(t, f, func(o *Options) { o.Alerts = tt.alerts }).Handler()
			_, body := get(t, h, "/alerts")
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			main := body[strings.Index(body, "<h1>"):]
			for _, w := range tt.absent {
				if strings.Contains(main, w) {
					t.Errorf("body shows %q", w)
				}
			}
		})
	}
}

func TestStaticAndErrors(t *testing.T) {
	f := demoStore(demoNow)
	d := newTestDashboard(t, f, func(o *Options) { o.Events = nil })
	h := d.Handler()
	resp, body := get(t, h, "/static/app.js?v="+d.assetTag)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || !strings.Contains(body, "EventSource") {
		t.Errorf("app.js: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("tagged asset not cached: %q", resp.Header.Get("Cache-Control"))
	}
	if resp, _ := get(t, h, "/static/nope.js"); resp.StatusCode != 404 {
		t.Errorf("missing asset: %d", resp.StatusCode)
	}
	_, body = get(t, h, "/")
	if !strings.Contains(body, `data-events-url=""`) || !strings.Contains(body, "Refreshing every minute") {
		t.Error("without an event source the page should say it polls")
	}
	f.fail = errors.New("database is locked")
	for _, target := range []string{"/", "/vendors/github", "/incidents/github:actions"} {
		if resp, body := get(t, h, target); resp.StatusCode != 500 || strings.Contains(body, "database is locked") {
			t.Errorf("%s: status %d, leaks error: %v", target, resp.StatusCode, strings.Contains(body, "database is locked"))
		}
	}
	if _, err := New(Options{}); !errors.Is(err, upstat.ErrInvalid) {
		t.Errorf("New without Reader: %v", err)
	}
}

func TestVendorPageStaysSmall(t *testing.T) {
	f := newFakeStore()
	v := upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: "big", Name: "Big CDN", Status: upstat.Degraded}}
	for i := range 300 {
		v.Components = append(v.Components, upstat.Component{Name: fmt.Sprintf("PoP %03d", i), Group: fmt.Sprintf("Region %d", i/50), Status: upstat.Operational})
	}
	f.vendors = []upstat.Vendor{v}
	inc := closed("big:1", upstat.Degraded, demoNow.Add(-5*time.Hour), demoNow.Add(-4*time.Hour))
	inc.Vendor, inc.Components = "big", []string{"Region 0/PoP 007"}
	f.incidents[inc.ID] = &inc
	_, body := get(t, newTestDashboard(t, f, nil).Handler(), "/vendors/big")
	if n := strings.Count(body, `class="bar"`); n != 2 {
		t.Errorf("%d bars, want 2 (the vendor and the one component with an incident)", n)
	}
	if n := strings.Count(body, "No incidents in 90 days"); n != 299 {
		t.Errorf("%d quiet components, want 299", n)
	}
	if len(body) > 200_000 {
		t.Errorf("page weighs %d bytes for 300 components", len(body))
	}
}

// A vendor upstat cannot read is not "operational": with the others all
// well, the headline is not green, and each unknown vendor says why.
func TestOverviewHeadlineWithUnknownVendors(t *testing.T) {
	f := newFakeStore()
	ok := upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: "ok", Name: "Fine Co", Status: upstat.Operational}}
	blind := upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: "blind", Name: "Blind Co", Status: upstat.Unknown,
		LastError: "expected JSON, body starts with \"<html>\""}}
	never := upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: "never", Name: "Never Co", Status: upstat.Unknown}}
	f.vendors = []upstat.Vendor{ok, blind, never}
	_, body := get(t, newTestDashboard(t, f, nil).Handler(), "/")
	head := body[strings.Index(body, `<section class="headline`):]
	head = head[:strings.Index(head, "</section>")]
	if !strings.HasPrefix(head, `<section class="headline sev-unknown"`) {
		t.Errorf("headline is green while vendors are unknown:\n%s", head)
	}
	if !strings.Contains(head, "2 of 3 vendors need attention (2 unknown") {
		t.Errorf("headline does not count the unknown vendors:\n%s", head)
	}
	for _, want := range []string{"Unknown — expected JSON, body starts with &#34;&lt;html&gt;&#34;", "Unknown — not read yet"} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks the reason %q", want)
		}
	}
}
