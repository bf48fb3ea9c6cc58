package opsgenie

import (
	"flag"
	"strings"
	"testing"

	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const apiKey = "0GKEY-1111-2222-3333-444455556666"

func TestRequest(t *testing.T) {
	srv := alerttest.NewServer(t)
	n := alerttest.Build(t, "opsgenie", "api_key: "+apiKey+"\nurl: "+srv.URL+"/\ntags: [payments]\n")
	reqs := alerttest.CheckRequests(t, srv, n, *update)
	alias := alerttest.Sample(alert.StatusFiring).Key
	want := []struct{ path, query string }{
		{"/v2/alerts", ""},
		{"/v2/alerts/" + alias + "/close", "identifierType=alias"},
	}
	for i, r := range reqs {
		if r.Path != want[i].path || r.Query != want[i].query {
			t.Errorf("request %d: %s?%s, want %s?%s", i, r.Path, r.Query, want[i].path, want[i].query)
		}
		if got := r.Header.Get("Authorization"); got != "GenieKey "+apiKey {
			t.Errorf("Authorization %q", got)
		}
	}
	if !strings.Contains(string(reqs[0].Body), `"alias":"`+alias+`"`) {
		t.Errorf("create body lacks the alias: %s", reqs[0].Body)
	}
}

func TestRetry(t *testing.T) {
	alerttest.CheckRetry(t, func(base string) alert.Notifier {
		return alerttest.Build(t, "opsgenie", "api_key: "+apiKey+"\nurl: "+base+"\n")
	}, apiKey)
}
