package config

import (
	"strings"
	"testing"
	"time"
)

// TestLimitsAndRetention: defaults, explicit values and refusals of the
// keys that bound what upstat stores.
func TestLimitsAndRetention(t *testing.T) {
	base := "vendors:\n  - id: github\n"
	c, err := Parse("x.yaml", []byte(base), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.MaxActiveIncidents != 200 || c.Retention != 400*24*time.Hour {
		t.Errorf("defaults: max_active_incidents %d, retention %s; want 200, 9600h", c.Limits.MaxActiveIncidents, c.Retention)
	}
	c, err = Parse("x.yaml", []byte("retention: 720h\nlimits:\n  max_active_incidents: 50\n"+base), env(nil))
	if err != nil || c.Limits.MaxActiveIncidents != 50 || c.Retention != 720*time.Hour {
		t.Errorf("set: %v, max_active_incidents %d, retention %s", err, c.Limits.MaxActiveIncidents, c.Retention)
	}
	for src, want := range map[string]string{
		"retention: 1h\n":                       "retention: must be at least 24h",
		"retention: -48h\n":                     "retention: must be at least 24h",
		"limits:\n  max_active_incidents: -1\n": "limits.max_active_incidents: must be at least 1",
		"limits:\n  max_active: 5\n":            `unknown key "max_active"`,
	} {
		if _, err := Parse("x.yaml", []byte(src+base), env(nil)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
}
