package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upstat/upstat/config"
)

// TestProbesMetrics: a configured probe runs in the app and its state is
// on /metrics: up while the endpoint answers, down after it fails
// fail_after times in a row.
func TestProbesMetrics(t *testing.T) {
	var down atomic.Bool
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer endpoint.Close()
	h := newHarness(t)
	h.cfg = func() *config.Config {
		cfg := h.config()
		// Shorter than a config may ask for (10s), to keep the test short.
		cfg.Vendors[0].Probes = []config.Probe{{Name: "api", Kind: "http", URL: endpoint.URL, Method: http.MethodGet,
			Interval: 50 * time.Millisecond, Timeout: time.Second, FailAfter: 2, RecoverAfter: 1}}
		return cfg
	}
	h.start()
	defer h.stop()
	metric := func() string {
		resp, err := http.Get(h.base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, `upstat_probe_up{probe="api",vendor="acme"}`) {
				return strings.Fields(l)[1]
			}
		}
		return ""
	}
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
	h.waitFor("upstat_probe_up 1", func() bool { return metric() == "1" })
	h.waitFor("observed ok", func() bool { return observed() == "ok " })
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
