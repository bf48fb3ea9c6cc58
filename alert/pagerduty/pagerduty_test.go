package pagerduty

import (
	"encoding/json"
	"flag"
	"strings"
	"testing"

	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const routingKey = "R0UTINGKEY0123456789abcdefabcdef"

func TestRequest(t *testing.T) {
	srv := alerttest.NewServer(t)
	n := alerttest.Build(t, "pagerduty", "routing_key: "+routingKey+"\nurl: "+srv.URL+"/v2/enqueue\n")
	reqs := alerttest.CheckRequests(t, srv, n, *update)
	var evs [2]Event
	for i, r := range reqs {
		if r.Path != "/v2/enqueue" {
			t.Errorf("path %q", r.Path)
		}
		if err := json.Unmarshal(r.Body, &evs[i]); err != nil {
			t.Fatal(err)
		}
		if evs[i].RoutingKey != routingKey {
			t.Errorf("routing_key %q", evs[i].RoutingKey)
		}
	}
	if evs[0].EventAction != "trigger" || evs[1].EventAction != "resolve" {
		t.Errorf("actions %q, %q; want trigger, resolve", evs[0].EventAction, evs[1].EventAction)
	}
	if evs[0].DedupKey == "" || evs[0].DedupKey != evs[1].DedupKey {
		t.Errorf("dedup_key %q then %q; want one stable key", evs[0].DedupKey, evs[1].DedupKey)
	}
	if p := evs[0].Payload; p == nil || p.Severity != "error" || p.Source != "upstat" || p.Timestamp != "2025-03-01T12:02:00Z" {
		t.Errorf("trigger payload %+v", p)
	}
}

func TestRetry(t *testing.T) {
	alerttest.CheckRetry(t, func(base string) alert.Notifier {
		return alerttest.Build(t, "pagerduty", "routing_key: "+routingKey+"\nurl: "+base+"/v2/enqueue\n")
	}, routingKey)
}

func TestRoutingKeyRequired(t *testing.T) {
	_, err := alert.NewNotifier(alerttest.Spec("pd", "pagerduty", ""), alert.Env{})
	if err == nil || !strings.Contains(err.Error(), `notifier "pd": routing_key: required`) {
		t.Fatalf("err = %v", err)
	}
}
