package teams

import (
	"encoding/json"
	"flag"
	"testing"

	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/alert/alerttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestRequest(t *testing.T) {
	srv := alerttest.NewServer(t)
	n := alerttest.Build(t, "teams", "url: "+srv.URL+"/workflows/abc/triggers/manual/run?sig=S1G\n")
	for _, r := range alerttest.CheckRequests(t, srv, n, *update) {
		if r.Path != "/workflows/abc/triggers/manual/run" || r.Query != "sig=S1G" {
			t.Errorf("target %s?%s", r.Path, r.Query)
		}
		var m struct {
			Type        string `json:"type"`
			Attachments []struct {
				ContentType string `json:"contentType"`
				Content     struct {
					Type    string            `json:"type"`
					Version string            `json:"version"`
					Body    []json.RawMessage `json:"body"`
				} `json:"content"`
			} `json:"attachments"`
		}
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatal(err)
		}
		if m.Type != "message" || len(m.Attachments) != 1 || m.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" ||
			m.Attachments[0].Content.Type != "AdaptiveCard" || len(m.Attachments[0].Content.Body) != 2 {
			t.Errorf("card shape: %s", r.Body)
		}
	}
}

func TestRetry(t *testing.T) {
	alerttest.CheckRetry(t, func(base string) alert.Notifier {
		return alerttest.Build(t, "teams", "url: "+base+"/workflows/abc/run?sig=S1G\n")
	}, "sig=S1G")
}
