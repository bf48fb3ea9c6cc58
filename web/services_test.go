package web

import (
	"strings"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

// demoServices: checkout depends on GitHub's API and Stripe, status on
// New Relic (stale), docs on nothing failing.
func demoServices(f *fakeStore) *apitest.Services {
	return &apitest.Services{Reader: f, List: []upstat.ServiceConfig{
		{ID: "checkout", Name: "Checkout", DependsOn: []upstat.Dependency{
			{Vendor: "github", Components: []string{"Actions"}, Impact: upstat.ImpactCritical},
			{Vendor: "stripe", Impact: upstat.ImpactCritical},
		}},
		{ID: "status", Name: "Status page", DependsOn: []upstat.Dependency{{Vendor: "newrelic", Impact: upstat.ImpactDegraded}}},
		{ID: "docs", Name: "Docs", DependsOn: []upstat.Dependency{{Vendor: "stripe", Components: []string{"Dashboard"}, Impact: upstat.ImpactDegraded}}},
	}}
}

func TestServicesPage(t *testing.T) {
	f := demoStore(demoNow)
	h := newTestDashboard(t, f, func(o *Options) { o.Services = demoServices(f) }).Handler()
	resp, body := get(t, h, "/services")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	assertNoInlineCode(t, body)
	for _, want := range []string{
		"2 of 3 services affected (1 unknown: upstat cannot see all they depend on)",
		`id="service-checkout"`, `data-status="partial_outage"`,
		"▶ drives the status", // words, not colour alone
		"Actions workflows are delayed",
		"Partly unseen: upstat cannot read newrelic",
		`aria-current="page">Services`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("services page lacks %q", want)
		}
	}
	// Services first: checkout is listed before status, in config order.
	if strings.Index(body, `id="service-checkout"`) > strings.Index(body, `id="service-status"`) {
		t.Error("services are not in configuration order")
	}

	// The overview shows the team's services first.
	_, body = get(t, h, "/")
	if i, j := strings.Index(body, `id="h-services"`), strings.Index(body, `id="vendor-`); i < 0 || i > j ||
		!strings.Contains(body, `href="/services#service-checkout">Checkout</a>`) {
		t.Error("the overview does not show the services first")
	}
	_, body = get(t, h, "/vendors/stripe")
	if !strings.Contains(body, "Affects: ") || !strings.Contains(body, "Checkout, Docs") {
		t.Errorf("vendor page lacks \"Affects: Checkout, Docs\"")
	}
	_, body = get(t, h, "/vendors/cloudflare")
	if strings.Contains(body, "Affects: ") {
		t.Error("a vendor no service depends on shows Affects")
	}
}

func TestServicesPageWithoutServices(t *testing.T) {
	_, body := get(t, newTestDashboard(t, demoStore(demoNow), nil).Handler(), "/services")
	if !strings.Contains(body, "No services are configured") {
		t.Error("the services page without services does not say so")
	}
}
