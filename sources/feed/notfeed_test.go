package feed

import (
	"strings"
	"testing"
)

// TestNotAFeed: a JSON body is a feed only with a JSON Feed version; any
// other JSON (a vendor's own API, status.io, Slack, Heroku, AWS payloads)
// fails, naming what it is, instead of reading as an empty feed.
func TestNotAFeed(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"statuspage summary", `{"page":{"id":"x"},"status":{"indicator":"none"},"components":[],"incidents":[]}`,
			`not a feed: a JSON object without a JSON Feed "version", with keys components, incidents, page, status`},
		{"status.io", `{"result":{"status_overall":{"status_code":100},"status":[]}}`, `with keys result`},
		{"slack", `{"status":"ok","active_incidents":[],"date_updated":"2026-01-01T00:00:00-08:00"}`, `with keys active_incidents, date_updated, status`},
		{"heroku", `{"status":[{"system":"Apps","status":"green"}],"incidents":[],"scheduled":[]}`, `with keys incidents, scheduled, status`},
		{"aws", "\ufeff" + `{"current":[],"archive":[]}`, `with keys archive, current`},
		{"array", `[{"service":"ec2"}]`, `a JSON array`},
		{"wrong version", `{"version":"1.1","items":[]}`, `version "1.1" (not a JSON Feed version)`},
		{"html", `<html><body>Status</body></html>`, `parse feed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.body), Config{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	res, err := Parse([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"Blog","items":[]}`), Config{})
	if err != nil || len(res.Incidents) != 0 {
		t.Errorf("an empty JSON Feed: %v, %d incidents; want no error and none", err, len(res.Incidents))
	}
}
