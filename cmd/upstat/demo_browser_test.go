package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upstat/upstat/app"
	"github.com/upstat/upstat/fixtures"
	"github.com/upstat/upstat/web/webtest"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write docs/screenshots/overview.png from the demo browser test")

// labels are the words the dashboard shows for each status.
var labels = map[string]string{
	"operational": "Operational", "maintenance": "Maintenance", "degraded": "Degraded",
	"partial_outage": "Partial outage", "major_outage": "Major outage",
}

// TestDemoInBrowser loads the demo's data (the real pipeline against the
// simulated vendors) in headless Chromium: the overview shows every vendor
// with the status the API reports, a vendor's change appears without a
// reload, and the vendor and incident pages show their content.
// Screenshots go to artifacts/screenshots; -update-screenshots also
// refreshes the README's.
func TestDemoInBrowser(t *testing.T) {
	ctx := webtest.Browser(t)
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	fixtures.SeedDemo(sim)
	pages, err := fixtures.StartPages("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pages.Close()
	ps, err := fixtures.SeedDemoPages(pages)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < 5; n++ { // an incident, a partial outage, a maintenance in progress
		if err := fixtures.DemoStep(sim, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := sim.SetFault("flakycdn", fixtures.Fault{}); err != nil { // step 3 broke its page
		t.Fatal(err)
	}
	for _, p := range ps {
		if _, _, _, err := pages.Step(p.Vendor); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := DemoConfig(sim, ps, filepath.Join(t.TempDir(), "demo.db"), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Complete(); err != nil {
		t.Fatal(err)
	}
	appCtx, cancel := context.WithCancel(context.Background())
	a, err := app.New(appCtx, cfg, app.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := a.Listen()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(appCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	base := "http://" + addr.String()

	type vendor struct{ ID, Name, Status string }
	summary := func() []vendor {
		resp, err := http.Get(base + "/api/v1/summary")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s struct {
			Vendors []struct {
				vendor
				LastSuccessAt *time.Time `json:"last_success_at"`
			} `json:"vendors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		var out []vendor
		for _, v := range s.Vendors {
			if v.LastSuccessAt != nil {
				out = append(out, v.vendor)
			}
		}
		return out
	}
	deadline := time.Now().Add(20 * time.Second)
	var vendors []vendor
	for vendors = summary(); len(vendors) < 9; vendors = summary() {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of 9 demo vendors polled after 20s", len(vendors))
		}
		time.Sleep(50 * time.Millisecond)
	}

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	webtest.Open(t, ctx, base+"/")
	shots := filepath.Join("..", "..", "artifacts", "screenshots")
	for _, v := range vendors {
		sel := fmt.Sprintf(`document.querySelector("#vendor-%s")`, v.ID)
		webtest.WaitFor(t, ctx, v.ID+" with its status",
			fmt.Sprintf(`!!%s && %s.textContent.includes(%q) && %s.querySelector(".badge").textContent.includes(%q)`,
				sel, sel, v.Name, sel, labels[v.Status]), webtest.LiveDeadline)
	}
	png := webtest.Screenshot(t, ctx, shots, "demo-overview")
	if *updateScreenshots {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", "overview.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A vendor turns red: the overview follows without a reload.
	webtest.Eval[bool](t, ctx, `window.__noReload = true`)
	if err := sim.SetComponent("authly", "login", fixtures.Major); err != nil {
		t.Fatal(err)
	}
	webtest.WaitFor(t, ctx, "authly to turn red",
		`(document.querySelector("#vendor-authly .badge") || {}).textContent.includes("Major outage")`, webtest.LiveDeadline)
	if !webtest.Eval[bool](t, ctx, `window.__noReload === true`) {
		t.Error("the overview reloaded to show the change")
	}

	webtest.Open(t, ctx, base+"/vendors/paypath")
	body := webtest.Eval[string](t, ctx, `document.querySelector("main").textContent`)
	for _, want := range []string{"PayPath Payments", "Checkout", "Partial outage", "Checkout failures for some card payments"} {
		if !strings.Contains(body, want) {
			t.Errorf("vendor page lacks %q", want)
		}
	}
	webtest.Screenshot(t, ctx, shots, "demo-vendor")

	webtest.Open(t, ctx, base+"/incidents/acme-cloud:acme0")
	if got := webtest.Eval[string](t, ctx, `document.querySelector("#incident-title").textContent`); got != "Elevated error rates for VMs in us-east" {
		t.Errorf("incident title = %q", got)
	}
	body = webtest.Eval[string](t, ctx, `document.querySelector("main").textContent`)
	for _, want := range []string{"Resolved", "faulty network switch", "VMs us-east"} {
		if !strings.Contains(body, want) {
			t.Errorf("incident page lacks %q", want)
		}
	}
	webtest.Screenshot(t, ctx, shots, "demo-incident")
}
