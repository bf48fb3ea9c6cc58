package html

import (
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// TestNothingFoundFails: a preset or selectors that match nothing on a
// page with content fail the poll, naming what was expected and what the
// page has; allow_empty accepts it, and a blank page is empty on purpose.
func TestNothingFoundFails(t *testing.T) {
	const redesigned = `<html><head><title>Acme status</title></head><body>
	<h1>Acme status</h1><h2>All systems go</h2><h2>Past incidents</h2>
	<ul><li>Nothing to report</li></ul></body></html>`
	const marketing = `<html><head><title>Statuspage | Atlassian</title></head><body>
	<h1>Communicate status with confidence</h1><p>Start a free trial</p></body></html>`
	for _, tc := range []struct {
		name string
		opts Options
		page string
		want string // "" when the parse must succeed with an empty snapshot
	}{
		{"emoji-headings on a redesign", Options{Preset: PresetEmojiHeadings}, redesigned, "preset emoji-headings matched 0 of 3 headings"},
		{"timeline on a redesign", Options{Preset: PresetTimeline}, redesigned, "preset timeline matched 0 of 1 list items"},
		{"statuspage-html on a marketing page", Options{Preset: PresetStatuspage}, marketing, `preset statuspage-html: not a Statuspage page`},
		{"statuspage-html on an unreadable incident page", Options{Preset: PresetStatuspage},
			`<html><body><div class="update-row"><div class="update-title">Resolved</div></div></body></html>`,
			"read no incident from an incident page with 1 update rows"},
		{"selectors on a redesign", Options{Selectors: &Selectors{Item: ".notice"}}, redesigned, `item ".notice" matched 0 of`},
		{"allow_empty", Options{Preset: PresetEmojiHeadings, AllowEmpty: true}, redesigned, ""},
		{"blank page", Options{Preset: PresetEmojiHeadings}, "<html><body>\n</body></html>", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := tc.opts.Config()
			if err != nil {
				t.Fatal(err)
			}
			cfg.Now = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
			res, err := Parse([]byte(tc.page), "text/html", cfg)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if n := found(res.Snapshot); n != 0 {
					t.Errorf("found %d things, want none", n)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestAllowEmptyOption: allow_empty is an option of the kind.
func TestAllowEmptyOption(t *testing.T) {
	var o Options
	if err := Decoder(map[string]any{"preset": PresetEmojiHeadings, "allow_empty": true})(&o); err != nil {
		t.Fatal(err)
	}
	cfg, err := o.Config()
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.AllowEmpty {
		t.Error("allow_empty: true did not reach the parse configuration")
	}
}

// TestStatuspageHomeUnrecognisedStatus: a component status word no table
// knows makes the component unknown and a warning on the snapshot.
func TestStatuspageHomeUnrecognisedStatus(t *testing.T) {
	page := strings.Replace(string(readFixture(t, "statuspage-home.html")),
		`data-component-status="degraded_performance"`, `data-component-status="MAJOROUTAGE"`, 1)
	res := parseAt(t, []byte(page), Options{Preset: PresetStatuspage}, "2023-11-03T12:00:00Z")
	var status upstat.Severity = -2
	for _, c := range res.Snapshot.Components {
		if c.Name == "Webhooks" {
			status = c.Status
		}
	}
	if status != upstat.Unknown {
		t.Errorf("Webhooks: %s, want unknown", status)
	}
	want := `component "Webhooks": unrecognised status "MAJOROUTAGE"`
	if len(res.Snapshot.Warnings) != 1 || res.Snapshot.Warnings[0] != want {
		t.Errorf("warnings %q, want [%q]", res.Snapshot.Warnings, want)
	}
}
