package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestCheckCloudKinds runs `upstat check KIND URL` for the cloud and
// platform kinds against their own fixtures served by httptest.
func TestCheckCloudKinds(t *testing.T) {
	file := func(kind, name string) []byte {
		b, err := os.ReadFile("../../sources/" + kind + "/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	routes := map[string][]byte{
		"/gcp/incidents.json":           file("gcp", "outage-high-moving-locations.json"),
		"/aws/public/currentevents":     file("aws", "long-open-region-event-utf16be.json"),
		"/slack/api/v2.0.0/current":     file("slack", "outage-numeric-id-pacific-current.json"),
		"/slack/api/v2.0.0/history":     []byte("[]"),
		"/heroku/api/v4/current-status": file("heroku", "open-colours-current.json"),
		"/azure/en-us/status/feed/":     file("azure", "item-z-zone-run-together.xml"),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"gcp", srv.URL + "/gcp"}, []string{"Google Compute Engine (us-east4)", "major_outage", "Ln4xEw7RbTq2VzYcMa9K"}},
		{[]string{"gcp", srv.URL + "/gcp", "--option", "locations=[us-east1]"}, []string{"Google Compute Engine (us-east1)", "operational"}},
		{[]string{"aws", srv.URL + "/aws", "--option", "services=[ec2]"}, []string{"Amazon Elastic Compute Cloud (me-south-1)", "partial_outage"}},
		{[]string{"slack", srv.URL + "/slack"}, []string{"Messaging", "major_outage", "2184"}},
		{[]string{"heroku", srv.URL + "/heroku"}, []string{"Apps", "major_outage", "2871"}},
		{[]string{"azure", srv.URL + "/azure/en-us/status/feed/"}, []string{"Virtual Machines/VM Scale Sets (West Europe)", "degraded"}},
	} {
		code, stdout, stderr := runCLI(t, append(append([]string{"check"}, tc.args...), "--allow-private-networks")...)
		if code != 0 {
			t.Errorf("check %v: code %d\n%s%s", tc.args, code, stdout, stderr)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("check %v: output lacks %q:\n%s", tc.args, w, stdout)
			}
		}
	}
	code, stdout, stderr := runCLI(t, "check", "aws", srv.URL+"/aws", "--option", "region=[x]", "--allow-private-networks")
	if code == 0 || !strings.Contains(stdout+stderr, "region") {
		t.Errorf("unknown option: code %d\n%s%s", code, stdout, stderr)
	}
}
