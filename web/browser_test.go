package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api"
	"github.com/upstat/upstat/web/webtest"
)

// liveDeadline is how long a page may take to show a change without a
// reload.
const liveDeadline = webtest.LiveDeadline

func browser(t *testing.T) context.Context { return webtest.Browser(t) }

// pageWatch records what must never happen on a dashboard page: a dialog,
// an uncaught exception, a Content-Security-Policy violation.
type pageWatch struct {
	mu       sync.Mutex
	problems []string
}

func (w *pageWatch) add(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
}

func (w *pageWatch) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.problems {
		t.Error(p)
	}
	w.problems = nil
}

// watch installs the recorders on the tab: CDP events, and a script that
// runs before the page's own to catch CSP violations.
func watch(t *testing.T, ctx context.Context) *pageWatch {
	t.Helper()
	w := &pageWatch{}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *cdppage.EventJavascriptDialogOpening:
			w.add("a dialog opened: %q", ev.Message)
		case *runtime.EventExceptionThrown:
			w.add("uncaught exception: %s", ev.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				w.add("browser log error: %s (%s)", ev.Entry.Text, ev.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	_, err = chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener("securitypolicyviolation", function (e) {
			window.__csp.push(e.violatedDirective + " " + e.blockedURI); });`,
	})
	if err != nil {
		t.Fatalf("add script: %v", err)
	}
	return w
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return webtest.Eval[T](t, ctx, expr)
}

func waitFor(t *testing.T, ctx context.Context, what, expr string, deadline time.Duration) {
	t.Helper()
	webtest.WaitFor(t, ctx, what, expr, deadline)
}

func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	webtest.Open(t, ctx, url)
}

// screenshot saves a full-page PNG under artifacts/screenshots.
func screenshot(t *testing.T, ctx context.Context, name string) []byte {
	t.Helper()
	return webtest.Screenshot(t, ctx, filepath.Join("..", "artifacts", "screenshots"), name)
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == '<' || r == '>':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// textOf is the expression for the visible text of the first match.
func textOf(selector string) string {
	return `(document.querySelector(` + js(selector) + `) || {innerText: ""}).innerText`
}

// serveDashboard serves the dashboard over store on the real API server,
// mounted as cmd does, with services when svcs is not nil and behind a
// read token when token is set.
func serveDashboard(t *testing.T, store *fakeStore, svcs upstat.ServiceReader, token string) *httptest.Server {
	t.Helper()
	dash, err := New(Options{Reader: store, Events: store, Services: svcs, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Options{Reader: store, Events: store, Services: svcs, ReadToken: token})
	for pattern, h := range dash.Routes() {
		srv.AddRoute(pattern, h)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		// The browser may still hold the event stream open.
		ts.CloseClientConnections()
		ts.Close()
	})
	return ts
}

func TestBrowser(t *testing.T) {
	ctx := browser(t)
	store := demoStore(time.Now().UTC())
	ts := serveDashboard(t, store, nil, "")
	w := watch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	// A headless window never has the focus; without this, :focus styles
	// (the day tooltips) would not apply.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}

	t.Run("overview", func(t *testing.T) {
		open(t, ctx, ts.URL+"/")
		statuses := []struct{ id, name, status string }{
			{"evilcorp", `Evil "Corp"`, "Major outage"},
			{"github", "GitHub", "Partial outage"},
			{"newrelic", "New Relic", "Degraded"},
			{"cloudflare", "Cloudflare", "Maintenance"},
			{"intervals", "Intervals", "Operational"},
			{"stripe", "Stripe", "Operational"},
		}
		order := eval[[]string](t, ctx, `Array.from(document.querySelectorAll(".vendor")).map(e => e.dataset.vendor)`)
		if len(order) != len(statuses) {
			t.Fatalf("overview shows %v", order)
		}
		for i, s := range statuses {
			if order[i] != s.id {
				t.Errorf("position %d is %s, want %s (worst first, then by name)", i, order[i], s.id)
			}
			if got := eval[string](t, ctx, textOf("#vendor-"+s.id+" .v-name")); got != s.name {
				t.Errorf("%s name = %q, want %q", s.id, got, s.name)
			}
			if got := eval[string](t, ctx, textOf("#vendor-"+s.id+" .v-status .badge")); !strings.HasSuffix(got, s.status) {
				t.Errorf("%s status = %q, want %q", s.id, got, s.status)
			}
		}
		if got := eval[string](t, ctx, textOf("#vendor-newrelic .stale")); !strings.Contains(got, "no data for 25m") || !strings.Contains(got, "http 503") {
			t.Errorf("stale badge = %q", got)
		}
		if got := eval[string](t, ctx, textOf("#vendor-github .v-incidents")); got != "Actions workflows are delayed" {
			t.Errorf("github incidents = %q", got)
		}
		if got := eval[string](t, ctx, textOf("#vendor-evilcorp .v-incidents")); got != hostileTitle {
			t.Errorf("hostile title shown as %q, want it literally", got)
		}
		screenshot(t, ctx, "overview")

		// The filter box hides the rows that do not match, at once.
		if err := chromedp.Do(ctx, chromedp.SendKeys("#filter", "relic")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the filter", `document.querySelectorAll(".vendor:not([hidden])").length === 1`, liveDeadline)
		waitFor(t, ctx, "the filtered refresh", `location.search === "?q=relic"`, liveDeadline)
	})

	t.Run("overview updates without a reload", func(t *testing.T) {
		open(t, ctx, ts.URL+"/")
		eval[bool](t, ctx, `window.__sameDocument = true`)
		store.setStatus("stripe", upstat.MajorOutage, time.Now())
		waitFor(t, ctx, "stripe to turn red", `(document.querySelector("#vendor-stripe .badge") || {}).textContent.includes("Major outage")`, liveDeadline)
		if !eval[bool](t, ctx, `window.__sameDocument === true`) {
			t.Error("the page was reloaded")
		}
		if got := eval[string](t, ctx, textOf("#vendor-stripe .v-changed")); !strings.Contains(got, "just now") {
			t.Errorf("stripe changed = %q", got)
		}
		if got := eval[string](t, ctx, `document.querySelectorAll(".vendor")[1].dataset.vendor`); got != "stripe" {
			t.Errorf("second vendor is %s, want stripe (major outage, after Evil Corp by name)", got)
		}
		// An incident opened elsewhere appears too.
		store.addIncident(upstat.Incident{ID: "intervals:1", Vendor: "intervals", Kind: upstat.KindIncident, Title: "Timer sync interrupted",
			Severity: upstat.Degraded, Status: upstat.StateInvestigating, StartedAt: time.Now(), UpdatedAt: time.Now()})
		waitFor(t, ctx, "the new incident", `(document.querySelector("#vendor-intervals .v-incidents") || {}).textContent.includes("Timer sync interrupted")`, liveDeadline)
		screenshot(t, ctx, "overview-updated")
	})

	t.Run("vendor page", func(t *testing.T) {
		open(t, ctx, ts.URL+"/vendors/github")
		if got := eval[string](t, ctx, textOf("h1")); got != "GitHub" {
			t.Errorf("h1 = %q", got)
		}
		comps := eval[[]string](t, ctx, `Array.from(document.querySelectorAll(".component .c-head")).map(e => e.innerText.replace(/\s+/g, " "))`)
		want := []string{"Git Operations ✓ Operational", "API Requests ✓ Operational", "Actions ◆ Partial outage", "Pages ▲ Degraded"}
		if strings.Join(comps, "|") != strings.Join(want, "|") {
			t.Errorf("components = %q, want %q", comps, want)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('.bar[aria-label="GitHub, whole vendor"] .cell').length`); n != 90 {
			t.Errorf("vendor bar has %d cells, want 90", n)
		}
		if got := eval[string](t, ctx, textOf(".bar-legend")); !strings.Contains(got, "(30 days)") || !strings.Contains(got, "%") {
			t.Errorf("uptime legend = %q", got)
		}
		if got := eval[string](t, ctx, textOf("#live .incidents")); !strings.Contains(got, "Actions workflows are delayed") {
			t.Errorf("active incidents = %q", got)
		}
		if got := eval[string](t, ctx, textOf("table.sources tbody")); !strings.Contains(got, "https://www.githubstatus.com") {
			t.Errorf("sources = %q", got)
		}
		// Keyboard: focusing a marked day shows its incidents.
		if err := chromedp.Do(ctx, chromedp.Focus(`.bar[aria-label="GitHub, whole vendor"] .cell.sev-major_outage`)); err != nil {
			t.Fatal(err)
		}
		tip := `document.activeElement.querySelector(".tip")`
		if got := eval[string](t, ctx, `getComputedStyle(`+tip+`).display`); got != "block" {
			t.Errorf("focused day tooltip display = %q", got)
		}
		if got := eval[string](t, ctx, tip+`.innerText`); !strings.Contains(got, "API unavailable") {
			t.Errorf("focused day tooltip = %q", got)
		}
		screenshot(t, ctx, "vendor")
	})

	t.Run("incident page", func(t *testing.T) {
		open(t, ctx, ts.URL+"/incidents/github:actions")
		for sel, want := range map[string]string{
			"h1":                        "Actions workflows are delayed",
			".kicker":                   "GitHub · Incident",
			".hero-status .badge":       "Partial outage",
			".hero-status .state":       "Identified",
			".chips":                    "Actions",
			".timeline .update .u-body": "A database failover slowed the job queue.",
		} {
			if got := eval[string](t, ctx, textOf(sel)); !strings.Contains(got, want) {
				t.Errorf("%s = %q, want %q", sel, got, want)
			}
		}
		if got := eval[string](t, ctx, `document.querySelector(".source-link").href`); got != "https://www.githubstatus.com/incidents/actions" {
			t.Errorf("vendor source link = %q", got)
		}
		eval[bool](t, ctx, `window.__sameDocument = true`)
		store.addUpdate("github:actions", upstat.Update{At: time.Now(), Status: upstat.StateMonitoring, Body: "A fix has been deployed; we are monitoring."})
		waitFor(t, ctx, "the new update", `(document.querySelector(".timeline .update .u-body") || {}).textContent.includes("A fix has been deployed")`, liveDeadline)
		if !eval[bool](t, ctx, `window.__sameDocument === true`) {
			t.Error("the page was reloaded")
		}
		if got := eval[string](t, ctx, textOf(".hero-status .state")); got != "Monitoring" {
			t.Errorf("state after the update = %q", got)
		}
		screenshot(t, ctx, "incident")
	})

	t.Run("hostile vendor strings stay text", func(t *testing.T) {
		for _, path := range []string{"/", "/vendors/evilcorp", "/incidents/evilcorp:1"} {
			open(t, ctx, ts.URL+path)
			checks := map[string]string{
				"nothing ran":          `window.__pwned === undefined`,
				"no img element":       `document.images.length === 0`,
				"no javascript: link":  `Array.from(document.links).every(a => a.protocol === "http:" || a.protocol === "https:")`,
				"only our script":      `Array.from(document.scripts).every(s => s.src.startsWith(location.origin + "/static/"))`,
				"no CSP violation":     `window.__csp.length === 0`,
				"hostile text literal": `document.body.innerText.includes(` + js(`<script>window.__pwned="title-script"</script>`) + `)`,
			}
			for what, expr := range checks {
				if !eval[bool](t, ctx, expr) {
					t.Errorf("%s: %s failed", path, what)
				}
			}
		}
		if got := eval[string](t, ctx, textOf("h1")); got != hostileTitle {
			t.Errorf("incident title = %q, want it literally", got)
		}
		if got := eval[string](t, ctx, textOf(".u-body")); got != hostileBody {
			t.Errorf("update body = %q, want it literally", got)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll(".source-link").length`); n != 0 {
			t.Error("a javascript: source URL became a link")
		}
		screenshot(t, ctx, "hostile-incident")
	})

	t.Run("behind a read token", func(t *testing.T) {
		ts := serveDashboard(t, store, nil, "s3cret")
		open(t, ctx, ts.URL+"/?token=s3cret")
		// Leave the page before the server goes, so that its stream ends
		// cleanly.
		defer func() {
			if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
				t.Error(err)
			}
		}()
		if got := eval[string](t, ctx, `document.querySelector("#vendor-github .v-name a").getAttribute("href")`); got != "/vendors/github?token=s3cret" {
			t.Errorf("vendor link = %q, want the token carried over", got)
		}
		store.setStatus("intervals", upstat.PartialOutage, time.Now())
		waitFor(t, ctx, "intervals to change", `(document.querySelector("#vendor-intervals .badge") || {}).textContent.includes("Partial outage")`, liveDeadline)
	})

	t.Run("phone and dark mode", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		}); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/", "/vendors/cloudflare", "/incidents/github:actions"} {
			open(t, ctx, ts.URL+path)
			if !eval[bool](t, ctx, `document.documentElement.scrollWidth <= window.innerWidth`) {
				t.Errorf("%s scrolls sideways on a phone", path)
			}
			if got := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`); got != "rgb(15, 18, 22)" {
				t.Errorf("%s background in dark mode = %s", path, got)
			}
		}
		screenshot(t, ctx, "incident-phone-dark")
	})
	w.check(t)
}
