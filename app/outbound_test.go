package app

import (
	"io"
	"net/http"
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

// Credentials in a source URL reach the vendor, never the API or the
// dashboard: both show the URL with its user information redacted.
func TestSourceCredentialsAreRedacted(t *testing.T) {
	h := newHarness(t)
	h.cfg = func() *config.Config {
		cfg := h.config()
		s := &cfg.Vendors[0].Sources[0]
		s.URL = strings.Replace(s.URL, "http://", "http://apiuser:PASSW0RD99@", 1)
		return cfg
	}
	h.start()
	defer h.stop()
	h.waitFor("acme polled", func() bool { return h.vendor("acme").LastSuccessAt != nil })
	for _, path := range []string{"/api/v1/vendors/acme", "/vendors/acme"} {
		resp, err := http.Get(h.base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "127.0.0.1") {
			t.Errorf("%s does not show the source at all:\n%s", path, body)
		}
		for _, secret := range []string{"PASSW0RD99", "apiuser"} {
			if strings.Contains(string(body), secret) {
				t.Errorf("%s shows %q", path, secret)
			}
		}
	}
}
