package web

import (
	"strings"
	"testing"
)

func TestWallView(t *testing.T) {
	h := newTestDashboard(t, demoStore(demoNow), nil).Handler()
	resp, body := get(t, h, "/wall")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	assertNoInlineCode(t, body)
	for _, want := range []string{
		`id="vendor-github"`, `id="vendor-stripe"`, // every vendor
		`<ol class="mini"`, "Actions workflows are delayed", // bars and the active incident
		`href="https://www.githubstatus.com"`,           // the vendor's own page
		`data-local>`, `title="Jun 03, 2025 14:29 UTC"`, // local time, UTC on hover
		`aria-current="page">Wall`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("wall lacks %q", want)
		}
	}
	if n := strings.Count(body, `<li class="cell`); n != 30*6 {
		t.Errorf("%d bar cells, want 30 for each of 6 vendors", n)
	}
	// Worst first by default: evilcorp (major outage) before stripe.
	if strings.Index(body, `id="vendor-evilcorp"`) > strings.Index(body, `id="vendor-stripe"`) {
		t.Error("default order is not by severity")
	}
	if strings.Contains(body, hostileURL) || strings.Contains(body, "<script>window") {
		t.Error("a hostile source URL or error reached the wall")
	}

	_, body = get(t, h, "/wall?problems=1")
	if strings.Contains(body, `id="vendor-stripe"`) || strings.Contains(body, `id="vendor-intervals"`) ||
		!strings.Contains(body, `id="vendor-github"`) || !strings.Contains(body, `id="vendor-newrelic"`) {
		t.Error("problems only: want github and the stale newrelic, not the operational ones")
	}
	if !strings.Contains(body, `name="problems" value="1" checked`) {
		t.Error("problems only is not shown as checked")
	}
	_, body = get(t, h, "/wall?sort=name")
	if strings.Index(body, `id="vendor-cloudflare"`) > strings.Index(body, `id="vendor-github"`) {
		t.Error("sort=name: Cloudflare should come before GitHub")
	}
	_, body = get(t, h, "/wall?sort=changed")
	if strings.Index(body, `id="vendor-evilcorp"`) > strings.Index(body, `id="vendor-github"`) {
		t.Error("sort=changed: the vendor that changed 5 minutes ago should come first")
	}
	if resp, _ := get(t, h, "/wall?sort=colour"); resp.StatusCode != 400 {
		t.Errorf("bad sort: %d, want 400", resp.StatusCode)
	}
}

// Every vendor row links the vendor's own status page: the overview's
// and the vendor page too; never a non-http(s) source address.
func TestStatusPageLinks(t *testing.T) {
	h := newTestDashboard(t, demoStore(demoNow), nil).Handler()
	_, body := get(t, h, "/")
	if !strings.Contains(body, `<a class="v-page" href="https://www.githubstatus.com"`) {
		t.Error("the overview row of github lacks its status page")
	}
	if n := strings.Count(body, `class="v-page"`); n != 5 {
		t.Errorf("%d status page links on the overview, want 5 (not the vendor whose source is hostile)", n)
	}
	_, body = get(t, h, "/vendors/stripe")
	if !strings.Contains(body, `href="https://status.stripe.com"`) {
		t.Error("the vendor page lacks its status page")
	}
}
