package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
)

type hook struct {
	Status string `json:"status"`
	Alert  struct {
		Rule, Vendor, Component, Severity string
	} `json:"alert"`
	Vendor struct {
		ID, Status string
	} `json:"vendor"`
	at time.Time
}

type receiver struct {
	mu    sync.Mutex
	hooks []hook
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	var h hook
	if err := json.Unmarshal(b, &h); err != nil || req.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	h.at = time.Now()
	r.mu.Lock()
	r.hooks = append(r.hooks, h)
	r.mu.Unlock()
}

func (r *receiver) count(status string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, h := range r.hooks {
		if h.Status == status {
			n++
		}
	}
	return n
}

func (r *receiver) first(status string) hook {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range r.hooks {
		if h.Status == status {
			return h
		}
	}
	return hook{}
}

// hookedHarness is a harness whose configuration is the YAML body below
// the common head (listen, storage, poll), formatted with args, where
// the last %q is the URL of a webhook receiver it returns.
func hookedHarness(t *testing.T, body string, args func(h *harness, hook string) []any) (*harness, *receiver) {
	t.Helper()
	h := newHarness(t)
	recv := &receiver{}
	hookSrv := httptest.NewServer(recv)
	t.Cleanup(hookSrv.Close)
	h.cfg = func() *config.Config {
		yaml := fmt.Sprintf("listen: 127.0.0.1:0\nstorage: sqlite:%s\n"+
			"poll: {interval: 1s, timeout: 1s, stale_after: 30s, allow_private_networks: true}\n", h.db) +
			fmt.Sprintf(body, args(h, hookSrv.URL)...)
		cfg, err := config.Parse(t.Name()+".yaml", []byte(yaml), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	return h, recv
}

func TestEndToEndAlertFiresOnceAcrossRestartAndResolvesOnce(t *testing.T) {
	h, recv := hookedHarness(t, `
vendors:
  - id: acme
    name: Acme Cloud
    sources: [{kind: statuspage, url: %q}]
alerts:
  rules:
    - name: acme-api
      vendors: [acme]
      components: [API]
      min_severity: degraded
      notify: [hook]
  notifiers:
    - id: hook
      kind: webhook
      url: %q
`, func(h *harness, hook string) []any { return []any{h.sim.URL("acme"), hook} })
	h.start()
	h.waitFor("acme operational", func() bool { return h.vendor("acme").Status == "operational" })

	changed := time.Now()
	must(t, h.sim.SetComponent("acme", "api", fixtures.Degraded))
	h.waitFor("firing webhook", func() bool { return recv.count("firing") == 1 })
	fired := recv.first("firing")
	// One poll interval (1s, ±10% jitter) plus one second.
	if lag := fired.at.Sub(changed); lag > 2100*time.Millisecond {
		t.Errorf("firing webhook %s after the change, want within interval + 1s", lag)
	}
	if fired.Alert.Rule != "acme-api" || fired.Alert.Vendor != "acme" || fired.Alert.Component != "API" || fired.Alert.Severity != "degraded" || fired.Vendor.ID != "acme" {
		t.Errorf("firing payload = %+v", fired)
	}
	var alerts struct {
		Alerts []struct{ Rule, Vendor, Component string } `json:"alerts"`
	}
	h.get("/api/v1/alerts", &alerts)
	if len(alerts.Alerts) != 1 || alerts.Alerts[0].Component != "API" {
		t.Errorf("/api/v1/alerts = %+v", alerts)
	}

	// Restart while firing: still firing, nothing sent again.
	h.stop()
	h.start()
	h.waitFor("polled after restart", func() bool { return h.vendor("acme").LastSuccessAt != nil })
	h.get("/api/v1/alerts", &alerts)
	if len(alerts.Alerts) != 1 {
		t.Errorf("after restart /api/v1/alerts = %+v, want still firing", alerts)
	}
	// Let a few polls and evaluations pass, then check nothing was resent.
	polls := h.sim.Hits("acme", "summary.json")
	h.waitFor("three more polls", func() bool { return h.sim.Hits("acme", "summary.json") >= polls+3 })
	if n := recv.count("firing"); n != 1 {
		t.Fatalf("firing webhooks after restart = %d, want 1", n)
	}

	// Recovery: exactly one resolved webhook.
	must(t, h.sim.SetComponent("acme", "api", fixtures.Operational))
	h.waitFor("resolved webhook", func() bool { return recv.count("resolved") == 1 })
	polls = h.sim.Hits("acme", "summary.json")
	h.waitFor("three more polls", func() bool { return h.sim.Hits("acme", "summary.json") >= polls+3 })
	if f, r := recv.count("firing"), recv.count("resolved"); f != 1 || r != 1 {
		t.Errorf("webhooks: %d firing, %d resolved; want 1 and 1", f, r)
	}
	h.stop()
}
