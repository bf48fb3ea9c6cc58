package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A vendor upstat never read: every day is "no data" and the whole
// window is a gap; nothing is claimed as uptime.
func TestReportNeverRead(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "upstat.yaml")
	yaml := "storage: sqlite:" + filepath.Join(dir, "upstat.db") + `
vendors:
  - id: acme
    sources: [{kind: statuspage, url: "https://status.acme.example"}]
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "report", "--config", cfg, "--vendor", "acme", "--from", "2024-03-01", "--to", "2024-03-03")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Vendor   string
		Subjects []struct {
			Component string
			Days      []struct {
				Date   string
				Uptime struct {
					NoData  bool   `json:"no_data"`
					Percent string `json:"percent"`
				}
			}
		}
		Gaps []struct{ Reason string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Vendor != "acme" || len(rep.Subjects) != 1 || len(rep.Subjects[0].Days) != 3 || len(rep.Gaps) != 1 {
		t.Fatalf("report %+v", rep)
	}
	for _, d := range rep.Subjects[0].Days {
		if !d.Uptime.NoData || d.Uptime.Percent != "no data" {
			t.Errorf("%s: %+v, want no data", d.Date, d.Uptime)
		}
	}
	code, out, _ = runCLI(t, "report", "--config", cfg, "--vendor", "acme", "--from", "2024-03-01", "--to", "2024-03-01", "--format", "csv")
	if code != 0 || !strings.Contains(out, "acme,,2024-03-01,unknown,no data,86400,0,0,0,0,0,0,86400,") {
		t.Errorf("csv: exit %d\n%s", code, out)
	}
	for _, bad := range [][]string{
		{"report", "--config", cfg},
		{"report", "--config", cfg, "--vendor", "acme", "--from", "March"},
		{"report", "--config", cfg, "--vendor", "acme", "--format", "pdf"},
	} {
		if code, _, _ := runCLI(t, bad...); code != 2 {
			t.Errorf("%q: exit %d, want 2", bad, code)
		}
	}
	if code, _, errOut := runCLI(t, "report", "--config", cfg, "--vendor", "nope"); code != 1 || !strings.Contains(errOut, "nope") {
		t.Errorf("unknown vendor: exit %d %s", code, errOut)
	}
}
