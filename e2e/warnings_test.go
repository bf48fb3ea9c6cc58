package e2e

import (
	"slices"
	"testing"
)

// unrecognisedWarning checks the fault "a component status no table
// knows": the component is unknown (not operational), the source carries
// a warning naming it, and the vendor stays fresh (the rest was read).
func unrecognisedWarning(t *testing.T, c *catalogue, k caseRun) {
	const want = `component "API": unrecognised status "MAJOROUTAGE"`
	var v struct {
		vendorJSON
		Sources []struct {
			Warnings []string `json:"warnings"`
		} `json:"sources"`
	}
	waitFor(t, caseWithin, "the warning on the source", func() bool {
		if err := getJSON(c.app.base, "/api/v1/vendors/"+k.vendor, &v); err != nil {
			t.Fatal(err)
		}
		return len(v.Sources) == 1 && slices.Contains(v.Sources[0].Warnings, want)
	})
	for _, comp := range v.Components {
		if comp.Name == "API" && comp.Status != "unknown" {
			t.Errorf("component API: %s, want unknown", comp.Status)
		}
	}
	if v.Stale || v.LastError != "" {
		t.Errorf("stale %v, last_error %q: a warning is not a failure", v.Stale, v.LastError)
	}
}
