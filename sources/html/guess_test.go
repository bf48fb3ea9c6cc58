package html

import (
	"bytes"
	"testing"

	"github.com/upstat/upstat"
)

// TestStatuspageImpactOrGuess: a Statuspage incident page's impact-*
// class is the vendor's severity (left unmarked, for sources.New to mark
// vendor); without it the severity is read from the words and marked
// text.
func TestStatuspageImpactOrGuess(t *testing.T) {
	page := readFixture(t, "statuspage-incident.html")
	bare := bytes.Replace(page, []byte(`incident-name impact-major"`), []byte(`incident-name"`), 1)
	if bytes.Equal(bare, page) {
		t.Fatal("fixture has no impact-major class to remove")
	}
	cfg, err := Options{Preset: PresetStatuspage}.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.URL, cfg.Now = "https://status.example-llc.com/incidents/wz1lb0n8k2p4", mustTime(t, "2019-06-01T00:00:00Z")
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"impact class", page, ""},
		{"no impact class", bare, upstat.SeverityFromText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Parse(tc.body, "text/html; charset=utf-8", cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Snapshot.Incidents) != 1 {
				t.Fatalf("%d incidents, want 1", len(res.Snapshot.Incidents))
			}
			if got := res.Snapshot.Incidents[0].SeveritySource; got != tc.want {
				t.Errorf("severity_source %q, want %q", got, tc.want)
			}
		})
	}
}
