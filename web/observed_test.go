package web

import (
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// TestObservedBesideStatus: the probes' signal is shown beside the
// vendor's reported status on the overview and the vendor page, the probe
// names escaped; a vendor without probes shows none.
func TestObservedBesideStatus(t *testing.T) {
	f := demoStore(demoNow)
	f.mu.Lock()
	for i := range f.vendors {
		if f.vendors[i].ID == "github" {
			f.vendors[i].Observed = &upstat.Observed{Status: upstat.ObservedFailing, Since: demoNow.Add(-3 * time.Minute),
				Failing: []string{"api", "<b>git</b>"}}
		}
	}
	f.mu.Unlock()
	h := newTestDashboard(t, f, nil).Handler()
	for _, target := range []string{"/", "/vendors/github"} {
		_, body := get(t, h, target)
		if !strings.Contains(body, `class="observed observed-failing"`) || !strings.Contains(body, "Probes: failing (api, &lt;b&gt;git&lt;/b&gt;)") {
			t.Errorf("%s: no failing probes beside the status", target)
		}
		if !strings.Contains(body, "Partial outage") && !strings.Contains(body, "partial") {
			t.Errorf("%s: the reported status is gone", target)
		}
	}
	if _, body := get(t, h, "/vendors/stripe"); strings.Contains(body, `class="observed`) {
		t.Error("a vendor without probes shows a probes signal")
	}
}
