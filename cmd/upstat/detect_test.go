package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/upstat/upstat/fixtures"
)

func TestDetectAgainstFixtureServer(t *testing.T) {
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	fixtures.SeedDemo(sim)
	code, stdout, stderr := runCLI(t, "detect", sim.URL("northwind"), "--allow-private-networks")
	if code != 0 {
		t.Fatalf("detect: code %d out %q err %q", code, stdout, stderr)
	}
	for _, want := range []string{"kind: instatus", "statuspage  no", "http 404", "instatus    yes", "an Instatus summary",
		`source: {kind: instatus, url: "` + sim.URL("northwind") + `"}`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("detect output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = runCLI(t, "detect", sim.URL("dockyard"), "--json", "--allow-private-networks")
	var res struct {
		Found struct{ Kind, URL string }
		Tried []struct{ Kind, Why string }
	}
	if err := json.Unmarshal([]byte(stdout), &res); code != 0 || err != nil {
		t.Fatalf("detect --json: code %d, %v: %s", code, err, stdout)
	}
	_, want, _ := sim.Source("dockyard")
	if res.Found.Kind != "statusio" || res.Found.URL != want || len(res.Tried) != 4 {
		t.Errorf("detect --json = %+v, want statusio at %s after 4 probes", res, want)
	}
	// Nothing there: exit 1 and every probe's reason.
	code, stdout, stderr = runCLI(t, "detect", sim.URL("nobody"), "--allow-private-networks")
	if code != 1 || !strings.Contains(stdout, "kind: none found") || !strings.Contains(stdout, "html") || !strings.Contains(stderr, "no known status page format") {
		t.Errorf("nothing to detect: code %d out %q err %q", code, stdout, stderr)
	}
	// check reads a page with kind auto as serve does.
	code, stdout, stderr = runCLI(t, "check", "auto", sim.URL("chatter"), "--allow-private-networks")
	if code != 0 || !strings.Contains(stdout, "== check  auto→slack") || !strings.Contains(stdout, "Messaging") {
		t.Errorf("check auto: code %d out %q err %q", code, stdout, stderr)
	}
	// Credentials in the address are used, never shown.
	secret := strings.Replace(sim.URL("northwind"), "http://", "http://probe:s3cretpw@", 1)
	for _, c := range []struct {
		args []string
		code int
	}{{[]string{secret}, 0}, {[]string{secret, "--json"}, 0}, {[]string{secret + "/nothing-here"}, 1}} {
		code, stdout, stderr = runCLI(t, append(append([]string{"detect"}, c.args...), "--allow-private-networks")...)
		if code != c.code || strings.Contains(stdout+stderr, "s3cretpw") || !strings.Contains(stdout, "[redacted]") {
			t.Errorf("case %d: code %d (want %d), or credentials shown:\n%s%s", c.code, code, c.code, stdout, stderr)
		}
	}
	if code, _, _ := runCLI(t, "detect"); code != 2 {
		t.Errorf("detect without URL: code %d, want 2", code)
	}
}
