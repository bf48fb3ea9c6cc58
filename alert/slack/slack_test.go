package slack

import (
	"encoding/json"
	"flag"
	"strings"
	"testing"

	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestRequest(t *testing.T) {
	srv := alerttest.NewServer(t)
	n := alerttest.Build(t, "slack", "url: "+srv.URL+"/services/T000/B000/XXXX\n")
	for _, r := range alerttest.CheckRequests(t, srv, n, *update) {
		if r.Path != "/services/T000/B000/XXXX" {
			t.Errorf("path %q", r.Path)
		}
		var m struct {
			Text   string `json:"text"`
			Blocks []struct {
				Type   string `json:"type"`
				Text   *struct{ Type, Text string }
				Fields []struct{ Type, Text string }
			} `json:"blocks"`
		}
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("blocks are not valid JSON: %v", err)
		}
		known := map[string]bool{"header": true, "section": true, "context": true}
		for _, b := range m.Blocks {
			if !known[b.Type] {
				t.Errorf("unknown block type %q", b.Type)
			}
		}
		if m.Text == "" || m.Blocks[0].Type != "header" || m.Blocks[0].Text.Type != "plain_text" || len(m.Blocks[1].Fields) != 4 {
			t.Errorf("message shape: %s", r.Body)
		}
		body := string(r.Body)
		for _, want := range []string{"Stripe", "API", "partial_outage", "Elevated API error rates &lt;EU&gt;", "https://status.stripe.example/incidents/k2x9"} {
			if !strings.Contains(strings.ReplaceAll(body, `\u0026`, "&"), want) {
				t.Errorf("message lacks %q: %s", want, body)
			}
		}
	}
}

func TestHeaderCapped(t *testing.T) {
	n := alerttest.Sample(alert.StatusFiring)
	n.Vendor.Name = strings.Repeat("V", 300)
	if h := Format(n).Blocks[0].Text.Text; len(h) > 150 {
		t.Fatalf("header is %d bytes, Slack allows 150", len(h))
	}
}

func TestRetry(t *testing.T) {
	alerttest.CheckRetry(t, func(base string) alert.Notifier {
		return alerttest.Build(t, "slack", "url: "+base+"/services/T000/B000/XXXX\n")
	}, "/services/T000/B000/XXXX")
}
