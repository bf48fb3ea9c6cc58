package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCatalogueCommands(t *testing.T) {
	code, stdout, stderr := runCLI(t, "catalogue", "search", "stripe")
	if code != 0 || !strings.Contains(stdout, "stripe ") || !strings.Contains(stdout, "https://www.stripestatus.com/history.atom") {
		t.Errorf("search: code %d out %q err %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "catalogue", "show", "status.twilio.com")
	if code != 0 || !strings.Contains(stdout, "id:        twilio") || !strings.Contains(stdout, "- id: twilio") {
		t.Errorf("show by host: code %d out %q", code, stdout)
	}
	code, _, stderr = runCLI(t, "catalogue", "show", "githb")
	if code != 1 || !strings.Contains(stderr, `no catalogue entry "githb"`) {
		t.Errorf("show unknown: code %d err %q", code, stderr)
	}
	code, stdout, _ = runCLI(t, "catalogue", "show", "stripe", "--json")
	var one struct{ ID, Kind string }
	if err := json.Unmarshal([]byte(stdout), &one); code != 0 || err != nil || one.ID != "stripe" {
		t.Errorf("show stripe --json (flag after the argument): code %d, %+v, %v", code, one, err)
	}
	code, stdout, _ = runCLI(t, "catalogue", "list", "--kind", "statusio", "--json")
	var entries []struct{ ID, Kind string }
	if err := json.Unmarshal([]byte(stdout), &entries); code != 0 || err != nil || len(entries) < 30 {
		t.Fatalf("list --kind statusio --json: code %d, %d entries, %v", code, len(entries), err)
	}
	for _, e := range entries {
		if e.Kind != "statusio" {
			t.Errorf("list --kind statusio gave %s of kind %s", e.ID, e.Kind)
		}
	}
	if code, _, _ := runCLI(t, "catalogue", "list", "--kind", "nope"); code != 2 {
		t.Errorf("list of an unknown kind: code %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "catalogue"); code != 2 {
		t.Errorf("catalogue alone: code %d, want 2", code)
	}
}
