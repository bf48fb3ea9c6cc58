package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upstat/upstat/fixtures"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageAndUnknownCommand(t *testing.T) {
	if code, _, stderr := runCLI(t); code != 2 || !strings.Contains(stderr, "Usage:") {
		t.Errorf("no args: code %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown: code %d, stderr %q", code, stderr)
	}
	if code, stdout, _ := runCLI(t, "help"); code != 0 || !strings.Contains(stdout, "upstat check") {
		t.Errorf("help: code %d", code)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("vendors:\n  - id: github\n  - id: cloudflare\n"), 0o644)
	os.WriteFile(bad, []byte("vendors:\n  - id: github\n    sorces: []\n"), 0o644)
	if code, stdout, stderr := runCLI(t, "validate", "--config", good); code != 0 || !strings.Contains(stdout, "ok (2 vendors, 2 sources)") {
		t.Errorf("good: code %d out %q err %q", code, stdout, stderr)
	}
	code, _, stderr := runCLI(t, "validate", "--config", bad)
	if code != 1 || !strings.Contains(stderr, bad+`:3: vendors[0].sorces: unknown key "sorces"`) {
		t.Errorf("bad: code %d stderr %q", code, stderr)
	}
	if code, _, _ := runCLI(t, "validate"); code != 2 {
		t.Errorf("validate without --config: code %d, want 2", code)
	}
	// upstat validate FILE works as --config FILE does.
	if code, stdout, stderr := runCLI(t, "validate", good); code != 0 || !strings.Contains(stdout, "ok (2 vendors, 2 sources)") {
		t.Errorf("validate FILE: code %d out %q err %q", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "validate", bad); code != 1 || !strings.Contains(stderr, `unknown key "sorces"`) {
		t.Errorf("validate bad FILE: code %d stderr %q", code, stderr)
	}
}

func TestCheckAgainstFixtureServer(t *testing.T) {
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	fixtures.SeedDemo(sim)
	if err := fixtures.DemoStep(sim, 0); err != nil {
		t.Fatal(err)
	}
	// Loopback is refused unless private networks are allowed.
	code, stdout, _ := runCLI(t, "check", "statuspage", sim.URL("acme-cloud"))
	if code != 1 || !strings.Contains(stdout, "refused") || !strings.Contains(stdout, "--allow-private-networks") {
		t.Errorf("loopback without --allow-private-networks: code %d out %q", code, stdout)
	}
	code, stdout, stderr := runCLI(t, "check", "statuspage", sim.URL("acme-cloud"), "--allow-private-networks")
	if code != 0 {
		t.Fatalf("check: code %d stderr %q", code, stderr)
	}
	for _, want := range []string{"status: degraded", "VMs us-east", "Compute", "acme0", "Elevated error rates", "SEVERITY  FROM", "degraded  vendor"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = runCLI(t, "check", "statuspage", sim.URL("paypath"), "--json", "--allow-private-networks")
	// The API's own schema: snake_case keys, severities as words.
	var res []map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &res) != nil || len(res) != 1 {
		t.Fatalf("--json: code %d out %s", code, stdout)
	}
	if comps, _ := res[0]["components"].([]any); len(comps) != 3 || res[0]["status"] == nil || res[0]["kind"] != "statuspage" {
		t.Errorf("--json lacks components/status/kind: %s", stdout)
	}
	for _, goName := range []string{`"Components"`, `"Incidents"`, `"HasComponents"`, `"StartedAt"`, `"Snapshot"`} {
		if strings.Contains(stdout, goName) {
			t.Errorf("--json uses the Go field name %s:\n%s", goName, stdout)
		}
	}
	if err := sim.SetFault("paypath", fixtures.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "check", "statuspage", sim.URL("paypath"), "--timeout", "2s", "--allow-private-networks")
	if code != 1 || !strings.Contains(stdout, "ERROR: ") || !strings.Contains(stdout, "503") || !strings.Contains(stderr, "1 of 1 sources failed") {
		t.Errorf("failing source: code %d out %q err %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "check", "html", sim.URL("paypath"), "--preset", "no-such-preset", "--allow-private-networks")
	if code != 1 || !strings.Contains(stdout, `unknown preset "no-such-preset"`) {
		t.Errorf("bad preset: code %d out %q", code, stdout)
	}
	code, stdout, _ = runCLI(t, "check", "feed", sim.URL("paypath"), "--option", "mtach=[x]", "--allow-private-networks")
	if code != 1 || !strings.Contains(stdout, `source.mtach: unknown key "mtach"`) {
		t.Errorf("bad option: code %d out %q", code, stdout)
	}
}

// The documented example validates once its required secrets are set,
// and names each one that is not.
func TestExampleConfigValidates(t *testing.T) {
	const example = "../../docs/upstat.example.yaml"
	code, _, stderr := runCLI(t, "validate", example)
	if code != 1 || !strings.Contains(stderr, "environment variable SLACK_WEBHOOK_URL is not set") {
		t.Errorf("without its secrets: code %d stderr %q", code, stderr)
	}
	for _, k := range []string{"UPSTAT_ADMIN_TOKEN", "SLACK_WEBHOOK_URL", "TEAMS_WEBHOOK_URL", "PAGERDUTY_ROUTING_KEY",
		"OPSGENIE_API_KEY", "ALERTMANAGER_TOKEN", "SMTP_PASSWORD", "GITHUB_WEBHOOK_SECRET"} {
		t.Setenv(k, "https://hooks.example.test/"+strings.ToLower(k))
	}
	if code, stdout, stderr := runCLI(t, "validate", example); code != 0 || !strings.Contains(stdout, "ok (") {
		t.Errorf("with its secrets: code %d out %q err %q", code, stdout, stderr)
	}
}
