package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
)

func TestReloadAppliesNewConfigAndKeepsUnchangedSources(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(t.TempDir(), "upstat.yaml")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("UPSTAT_TEST_ADMIN_TOKEN", "let-me-reload")
	head := fmt.Sprintf("listen: 127.0.0.1:0\nstorage: sqlite:%s\napi: {admin_token: \"${UPSTAT_TEST_ADMIN_TOKEN}\"}\nmetrics: {component_series: false}\npoll: {interval: 1s, timeout: 1s, allow_private_networks: true}\nvendors:\n", h.db)
	acme := fmt.Sprintf("  - id: acme\n    sources: [{kind: statuspage, url: %q}]\n", h.sim.URL("acme"))
	other := fmt.Sprintf("  - id: other\n    name: Other Inc\n    sources: [{kind: statuspage, url: %q}]\n", h.sim.URL("other"))
	write(head + acme)
	h.cfg = func() *config.Config {
		cfg, err := config.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	h.start()
	defer h.stop()
	must(t, h.sim.OpenIncident("acme", "r1", "Slow API", "minor", fixtures.Degraded, "Looking.", "api"))
	h.waitFor("acme incident", func() bool { return h.vendor("acme").ActiveIncidents == 1 })
	before := h.app.currentTargets()[0].Source
	resp, err := http.Get(h.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `upstat_vendor_status{vendor="acme"} 2`) || strings.Contains(string(metrics), "upstat_component_status{") {
		t.Errorf("with metrics.component_series false, /metrics should have vendor series only:\n%.600s", metrics)
	}

	// A new vendor and an alert rule; acme unchanged.
	write(head + acme + other + "alerts:\n  rules:\n    - {name: any, min_severity: major_outage, notify: [hook]}\n  notifiers:\n    - {id: hook, kind: webhook, url: \"http://127.0.0.1:9/hook\"}\n")
	post := func(token string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, h.base+"/api/v1/reload", nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(""); code != http.StatusUnauthorized {
		t.Fatalf("reload without the admin token: %d, want 401", code)
	}
	if code := post("let-me-reload"); code != http.StatusOK {
		t.Fatalf("reload with the admin token: %d, want 200", code)
	}
	h.waitFor("new vendor polled", func() bool {
		var sum struct {
			Vendors []struct{ ID, Status string } `json:"vendors"`
		}
		h.get("/api/v1/summary", &sum)
		return len(sum.Vendors) == 2 && sum.Vendors[1].ID == "other" && sum.Vendors[1].Status == "operational"
	})
	if got := h.app.currentTargets()[0].Source; got != before {
		t.Error("the unchanged source was restarted by the reload")
	}
	if v := h.vendor("acme"); v.ActiveIncidents != 1 || v.Status != "degraded" {
		t.Errorf("acme lost its state across the reload: %+v", v)
	}

	// An invalid file is refused; the running configuration stays.
	write(head + acme + "  - id: Bad_ID\n")
	err = h.app.Reload(context.Background())
	if !errors.Is(err, upstat.ErrInvalid) {
		t.Fatalf("invalid reload: err = %v, want ErrInvalid", err)
	}
	if n := len(h.app.currentConfig().Vendors); n != 2 {
		t.Errorf("after a refused reload the config has %d vendors, want the old 2", n)
	}
	otherHits := h.sim.Hits("other", "summary.json")
	h.waitFor("other still polled after a refused reload", func() bool { return h.sim.Hits("other", "summary.json") > otherHits+2 })

	// Changing acme's interval restarts just that source.
	write(head + fmt.Sprintf("  - id: acme\n    sources: [{kind: statuspage, url: %q, interval: 2s}]\n", h.sim.URL("acme")) + other)
	if err := h.app.Reload(context.Background()); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if h.app.currentTargets()[0].Source == before {
		t.Error("a source whose interval changed kept its old loop")
	}
}
