package app

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
	"github.com/upstat/upstat/reliability"
)

// TestProbesMetrics: a configured probe runs in the app and its state is
// on /metrics: up while the endpoint answers, down after it fails
// fail_after times in a row.
func TestProbesMetrics(t *testing.T) {
	endpoint, down := flakyEndpoint(t)
	h := newHarness(t)
	h.cfg = func() *config.Config {
		cfg := h.config()
		// Shorter than a config may ask for (10s), to keep the test short.
		cfg.Vendors[0].Probes = []config.Probe{{Name: "api", Kind: "http", URL: endpoint, Method: http.MethodGet,
			Interval: 50 * time.Millisecond, Timeout: time.Second, FailAfter: 2, RecoverAfter: 1}}
		return cfg
	}
	h.start()
	defer h.stop()
	metric := func() string { return h.metric(`upstat_probe_up{probe="api",vendor="acme"}`) }
	observed := func() string {
		var v struct {
			Status   string `json:"status"`
			Observed *struct {
				Status  string   `json:"status"`
				Failing []string `json:"failing"`
			} `json:"observed"`
		}
		h.get("/api/v1/vendors/acme", &v)
		if v.Observed == nil {
			return ""
		}
		return v.Observed.Status + " " + strings.Join(v.Observed.Failing, ",")
	}
	var first string
	h.waitFor("an observed signal", func() bool { first = observed(); return first != "" })
	if first != "unknown " && first != "ok " {
		t.Fatalf("observed right after start = %q, want unknown (or already ok)", first)
	}
	h.waitFor("upstat_probe_up 1", func() bool { return metric() == "1" })
	h.waitFor("observed ok", func() bool { return observed() == "ok " })
	// The vendor's page must have been read before the probe fails: a
	// probe that fails before the first poll lands would otherwise meet
	// a reported status that is still unknown (not yet read), not one
	// the probe rewrote.
	h.waitFor("the vendor's page read", func() bool { return h.vendor("acme").Status == "operational" })
	down.Store(true)
	h.waitFor("upstat_probe_up 0", func() bool { return metric() == "0" })
	h.waitFor("observed failing", func() bool { return observed() == "failing api" })
	if v := h.vendor("acme"); v.Status != "operational" {
		t.Fatalf("reported status = %s, want operational: probes never rewrite it", v.Status)
	}
	var types []string
	for _, e := range h.events() {
		if strings.HasPrefix(e.Type, "vendor.observed") {
			types = append(types, e.Type)
		}
	}
	if strings.Join(types, ",") != "vendor.observed_failing" {
		t.Fatalf("observed events = %v, want [vendor.observed_failing]", types)
	}
}

// metric is the value of a series on /metrics, as written there ("" when
// the series is absent).
func (h *harness) metric(series string) string {
	h.t.Helper()
	resp, err := http.Get(h.base + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			return v
		}
	}
	return ""
}

// flakyEndpoint is an endpoint a probe checks: 200 until down is set,
// 502 after. It closes when the test ends.
func flakyEndpoint(t *testing.T) (url string, down *atomic.Bool) {
	down = &atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, down
}

// probedConfig is acme on its fixture page with one http probe, api, on
// url, checked every interval (below the 10s a config may ask for, to
// keep the test short) and failing after k failures; staleAfter is the
// poll's stale_after, extra YAML is appended (alerts).
func (h *harness) probedConfig(url string, interval time.Duration, k int, staleAfter, extra string) func() *config.Config {
	return func() *config.Config {
		yaml := fmt.Sprintf(`
listen: 127.0.0.1:0
storage: sqlite:%s
poll: {interval: 1s, timeout: 1s, stale_after: %s, allow_private_networks: true}
vendors:
  - id: acme
    name: Acme Cloud
    sources: [{kind: statuspage, url: %q}]
    probes:
      - {name: api, kind: http, url: %q, interval: 10s, timeout: 1s, fail_after: %d, recover_after: 1}
`, h.db, staleAfter, h.sim.URL("acme"), url, k) + extra
		cfg, err := config.Parse("probed-e2e.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
		if err != nil {
			h.t.Fatal(err)
		}
		cfg.Vendors[0].Probes[0].Interval = interval
		return cfg
	}
}

// TestObservedAlertBeforeReported is the acceptance run: the vendor's
// endpoint starts failing at T; observed turns failing within
// interval × K + 1 s and a signal: observed rule fires; the vendor's page
// posts an incident later, and only then the signal: reported rule fires.
func TestObservedAlertBeforeReported(t *testing.T) {
	endpoint, down := flakyEndpoint(t)
	recv := &receiver{}
	hookSrv := httptest.NewServer(recv)
	defer hookSrv.Close()
	h := newHarness(t)
	const interval, k = 200 * time.Millisecond, 2
	h.cfg = h.probedConfig(endpoint, interval, k, "30s", fmt.Sprintf(`
alerts:
  rules:
    - {name: acme-observed, vendors: [acme], signal: observed, notify: [hook]}
    - {name: acme-reported, vendors: [acme], notify: [hook]}
  notifiers:
    - {id: hook, kind: webhook, url: %q}
`, hookSrv.URL))
	h.start()
	defer h.stop()
	h.waitFor("acme operational", func() bool { return h.vendor("acme").Status == "operational" })
	h.waitFor("observed ok", func() bool {
		var v struct{ Observed *struct{ Status string } }
		h.get("/api/v1/vendors/acme", &v)
		return v.Observed != nil && v.Observed.Status == "ok"
	})

	failedAt := time.Now() // T
	down.Store(true)
	h.waitFor("the observed rule fires", func() bool { return recv.count("firing") >= 1 })
	first := recv.first("firing")
	if first.Alert.Rule != "acme-observed" {
		t.Fatalf("first firing = %+v, want acme-observed", first)
	}
	if took, limit := first.at.Sub(failedAt), interval*k*11/10+time.Second; took > limit {
		t.Fatalf("observed alert %s after T, want within interval × K + 1s (%s)", took, limit)
	}
	if v := h.vendor("acme"); v.Status != "operational" {
		t.Fatalf("reported status %s before the page posted, want operational", v.Status)
	}

	// The page admits it later.
	h.waitFor("a second past detection", func() bool { return time.Since(first.at) > time.Second })
	must(t, h.sim.OpenIncident("acme", "late1", "API errors", "major", fixtures.Major, "We are investigating.", "api"))
	h.waitFor("the reported rule fires", func() bool { return recv.count("firing") == 2 })
	recv.mu.Lock()
	second := recv.hooks[len(recv.hooks)-1]
	recv.mu.Unlock()
	if second.Alert.Rule != "acme-reported" || !second.at.After(first.at) {
		t.Fatalf("second firing = %+v at %v, want acme-reported after %v", second.Alert, second.at, first.at)
	}

	// The lag is recorded: detected when the probes failed, acknowledged
	// at the incident's start as posted.
	var rep reliability.Report
	h.get("/api/v1/vendors/acme/reliability", &rep)
	if len(rep.Incidents) != 1 || rep.Incidents[0].IncidentID != "acme:late1" || rep.Incidents[0].DetectedAt == nil {
		t.Fatalf("reliability = %+v, want acme:late1 detected", rep)
	}
	l := rep.Incidents[0]
	if l.DetectedAt.Before(failedAt.Add(-time.Second)) || l.DetectedAt.After(first.at) || l.LagSeconds < 1 ||
		l.LagSeconds != l.AcknowledgedAt.Sub(*l.DetectedAt).Seconds() {
		t.Fatalf("lag = %+v; want detected between T (%v) and the observed alert (%v), acknowledged a second or more later", l, failedAt, first.at)
	}
	h.waitFor("the lag histogram", func() bool { return h.metric(`upstat_vendor_ack_lag_seconds_count{vendor="acme"}`) == "1" })
}
