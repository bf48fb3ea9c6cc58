// Package deploy tests the deployment artefacts beside it: the Grafana
// dashboard (grafana/upstat.json) must query only metrics upstat exports,
// in well-formed PromQL, and cover what an operator watches; the systemd
// unit (upstat.service) must keep its hardening. .ci/run also checks the
// unit with systemd-analyze verify where systemd is installed.
package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/upstat/upstat/internal/promql"
)

// dashboard is the part of a Grafana dashboard model the test reads.
type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID      int     `json:"id"`
	Type    string  `json:"type"`
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"` // a collapsed row's panels
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

// grafanaVars stand for Grafana's built-in interval variables, which
// Grafana replaces before the query reaches Prometheus.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

// labelValues is a Grafana variable query: label_values(metric, label).
var labelValues = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	raw, err := os.ReadFile("grafana/upstat.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("grafana/upstat.json: %v", err)
	}
	return d
}

// TestDashboardQueries checks every panel query and the vendor variable.
func TestDashboardQueries(t *testing.T) {
	d := loadDashboard(t)
	if d.UID == "" || d.Title == "" {
		t.Error("the dashboard needs a uid and a title")
	}
	ids := map[int]bool{}
	used := map[string]bool{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
			if p.ID == 0 || ids[p.ID] || p.Title == "" {
				t.Errorf("%s: id missing or repeated, or no title", where)
			}
			ids[p.ID] = true
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: no query", where)
			}
			for _, tg := range p.Targets {
				expr := grafanaVars.Replace(tg.Expr)
				if err := promql.Check(expr, promql.Exported); err != nil {
					t.Errorf("%s query %s %q: %v", where, tg.RefID, tg.Expr, err)
				}
				for name := range promql.Exported {
					if regexp.MustCompile(`\b` + name + `\b`).MatchString(expr) {
						used[name] = true
					}
				}
			}
		}
	}
	walk(d.Panels)
	// What an operator watches: status over time, staleness, poll errors
	// and duration, alerts firing, notifications.
	for _, m := range []string{"upstat_vendor_status", "upstat_vendor_stale", "upstat_poll_errors_total",
		"upstat_poll_duration_seconds_bucket", "upstat_alerts_firing", "upstat_notifications_total"} {
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
	vendorVar := false
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			if err := json.Unmarshal(v.Query, &q.Query); err != nil {
				t.Fatalf("variable %s: query %s", v.Name, v.Query)
			}
		}
		m := labelValues.FindStringSubmatch(q.Query)
		if m == nil || !promql.Exported[m[1]] {
			t.Errorf("variable %s: query %q is not label_values over an exported metric", v.Name, q.Query)
			continue
		}
		if v.Name == "vendor" && m[3] == "vendor" {
			vendorVar = true
		}
	}
	if !vendorVar {
		t.Error("no vendor variable (label_values(..., vendor))")
	}
}

// TestServiceHardening checks that the systemd unit keeps the settings
// deploy/README.md promises.
func TestServiceHardening(t *testing.T) {
	raw, err := os.ReadFile("upstat.service")
	if err != nil {
		t.Fatal(err)
	}
	set := map[string][]string{}
	section := ""
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = line
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("not a key=value line: %q", line)
			}
			set[section+k] = append(set[section+k], v)
		}
	}
	for key, want := range map[string]string{
		"[Service]DynamicUser": "yes", "[Service]StateDirectory": "upstat", "[Service]ProtectSystem": "strict",
		"[Service]NoNewPrivileges": "yes", "[Service]ProtectHome": "yes", "[Service]PrivateTmp": "yes",
		"[Service]CapabilityBoundingSet": "", "[Service]WorkingDirectory": "/var/lib/upstat",
		"[Service]RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "[Install]WantedBy": "multi-user.target",
	} {
		if got := set[key]; len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want %q once", key, got, want)
		}
	}
	if got := strings.Join(set["[Service]ExecStart"], ""); !strings.Contains(got, "upstat serve --config /etc/upstat/upstat.yaml") {
		t.Errorf("ExecStart = %q", got)
	}
}
