package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upstat/upstat"
)

// TestBrowserServicesWallPhone drives the services view, the wall view
// with "problems only", and a vendor page at 390 px in headless Chromium,
// saving screenshots of each.
func TestBrowserServicesWallPhone(t *testing.T) {
	ctx := browser(t)
	store := demoStore(time.Now().UTC())
	ts := serveDashboard(t, store, demoServices(store), "")
	w := watch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}

	t.Run("services", func(t *testing.T) {
		open(t, ctx, ts.URL+"/services")
		if got := eval[string](t, ctx, textOf("#service-checkout .s-head")); !contains(got, "Checkout", "Partial outage") {
			t.Errorf("checkout head = %q, want its name and status in words", got)
		}
		if got := eval[string](t, ctx, textOf("#service-checkout tr.drives")); !contains(got, "github", "drives the status") {
			t.Errorf("driving dependency = %q", got)
		}
		if got := eval[string](t, ctx, textOf("#service-status .s-head")); !contains(got, "Unknown", "Partly unseen") {
			t.Errorf("status service = %q, want unknown and why", got)
		}
		// Live: stripe failing turns checkout without a reload.
		store.setStatus("stripe", upstat.MajorOutage, time.Now())
		waitFor(t, ctx, "checkout to turn major", `(document.querySelector("#service-checkout .s-head") || {innerText: ""}).innerText.includes("Major outage")`, liveDeadline)
		screenshot(t, ctx, "services")
		store.setStatus("stripe", upstat.Operational, time.Now())
	})

	t.Run("wall, problems only", func(t *testing.T) {
		open(t, ctx, ts.URL+"/wall")
		all := eval[int](t, ctx, `document.querySelectorAll("table.wall tbody tr").length`)
		if all != 6 {
			t.Fatalf("wall rows = %d, want every vendor", all)
		}
		if n := eval[int](t, ctx, `document.querySelector("#vendor-github .mini").children.length`); n != 30 {
			t.Errorf("mini bar cells = %d, want 30", n)
		}
		// "/" focuses the filter.
		if err := chromedp.Do(ctx, chromedp.KeyEvent("/")); err != nil {
			t.Fatal(err)
		}
		if id := eval[string](t, ctx, `document.activeElement && document.activeElement.id`); id != "filter" {
			t.Errorf("after /, focus is on %q, want the filter", id)
		}
		// CDP types the key's character after the keydown the page
		// cancelled (a real browser does not): clear it.
		eval[string](t, ctx, `document.getElementById("filter").value = ""`)
		if err := chromedp.Do(ctx, chromedp.Click("#problems")); err != nil {
			t.Fatal(err)
		}
		// The checkbox submits the form: poll through the navigation.
		deadline := time.Now().Add(10 * time.Second)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.search.includes("problems=1") && document.readyState === "complete"`))
			if err == nil && ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the wall did not reload with problems only (last error %v)", err)
			}
			time.Sleep(50 * time.Millisecond) // polling the browser for a condition, with a deadline
		}
		rows := eval[int](t, ctx, `document.querySelectorAll("table.wall tbody tr").length`)
		if rows >= all || eval[bool](t, ctx, `!!document.querySelector("#vendor-stripe")`) {
			t.Errorf("problems only shows %d of %d rows, stripe included: want only vendors with problems", rows, all)
		}
		// Times in the viewer's zone, UTC on hover.
		if got := eval[string](t, ctx, `document.querySelector("#vendor-github time[data-local]").textContent`); got == "" || contains(got, "UTC") {
			t.Errorf("last checked = %q, want the local time", got)
		}
		screenshot(t, ctx, "wall-problems")
	})

	t.Run("vendor page at 390 px", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
			t.Fatal(err)
		}
		open(t, ctx, ts.URL+"/vendors/github")
		if !eval[bool](t, ctx, `document.documentElement.scrollWidth <= window.innerWidth`) {
			t.Error("the page scrolls sideways on a phone")
		}
		if min := eval[float64](t, ctx, `Math.min(...Array.from(document.querySelectorAll(".bar .cell")).map(c => c.getBoundingClientRect().width))`); min < 5 {
			t.Errorf("narrowest bar cell %.1fpx, want at least 5px (readable, not a hairline)", min)
		}
		if !eval[bool](t, ctx, `(() => { const w = document.querySelector(".bar-wrap"); return w.scrollLeft + w.clientWidth >= w.scrollWidth - 1; })()`) {
			t.Error("the bar is not scrolled to today")
		}
		screenshot(t, ctx, "vendor-phone")
	})
	w.check(t)
}

// contains reports whether s contains every part.
func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
