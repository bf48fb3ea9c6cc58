package app

import (
	"strings"
	"testing"

	"github.com/upstat/upstat/config"
)

// By default serve refuses private and loopback addresses: a source on
// 127.0.0.1 fails with the refusal as its last_error and is never fetched.
func TestServeRefusesLoopbackUnlessAllowed(t *testing.T) {
	h := newHarness(t)
	h.cfg = func() *config.Config {
		cfg := h.config()
		cfg.Poll.AllowPrivateNetworks = false
		return cfg
	}
	h.start()
	defer h.stop()
	h.waitFor("a refusal", func() bool { return h.vendor("acme").LastError != "" })
	v := h.vendor("acme")
	if !strings.Contains(v.LastError, "refused") || !strings.Contains(v.LastError, "loopback") || v.Status != "unknown" {
		t.Errorf("acme = %+v, want unknown with a loopback refusal", v)
	}
	if n := h.sim.Hits("acme", "summary.json"); n != 0 {
		t.Errorf("the fixture server was reached %d times", n)
	}
}
