package alertmanager

import (
	"encoding/json"
	"flag"
	"testing"
	"time"

	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestRequest(t *testing.T) {
	srv := alerttest.NewServer(t)
	n := alerttest.Build(t, "alertmanager", "url: "+srv.URL+"/\nbearer_token: T0K3N-am\nresend_interval: 2m\ngenerator_url: https://upstat.example/\n")
	if rf, ok := n.(alert.Refresher); !ok || rf.RefreshInterval() != 2*time.Minute {
		t.Fatalf("not a Refresher with the configured interval")
	}
	reqs := alerttest.CheckRequests(t, srv, n, *update)
	var got [2][]Alert
	for i, r := range reqs {
		if r.Path != "/api/v2/alerts" || r.Header.Get("Authorization") != "Bearer T0K3N-am" {
			t.Errorf("request %d: %s, Authorization %q", i, r.Path, r.Header.Get("Authorization"))
		}
		if err := json.Unmarshal(r.Body, &got[i]); err != nil || len(got[i]) != 1 {
			t.Fatalf("body %s: %v", r.Body, err)
		}
	}
	firing, resolved := got[0][0], got[1][0]
	// alerttest.Build's clock is At+5m; 4 resend intervals ahead.
	if want := alerttest.At.Add(5*time.Minute + 8*time.Minute); !firing.EndsAt.Equal(want) {
		t.Errorf("firing endsAt %s, want %s", firing.EndsAt, want)
	}
	if want := *alerttest.Sample(alert.StatusResolved).ResolvedAt; !resolved.EndsAt.Equal(want) {
		t.Errorf("resolved endsAt %s, want %s", resolved.EndsAt, want)
	}
	if len(firing.Labels) != len(resolved.Labels) || firing.Labels["alertname"] != "payments-down" || firing.Labels["tier"] != "critical" {
		t.Errorf("labels differ between firing and resolved or lack the rule's: %v / %v", firing.Labels, resolved.Labels)
	}
}

func TestRetry(t *testing.T) {
	alerttest.CheckRetry(t, func(base string) alert.Notifier {
		return alerttest.Build(t, "alertmanager", "url: "+base+"\nbearer_token: T0K3N-am\n")
	}, "T0K3N-am")
}
