package web

import (
	"strings"
	"testing"

	"github.com/upstat/upstat"
)

// TestVendorPageShowsSourceWarnings: what a source could not read is
// listed under it, escaped.
func TestVendorPageShowsSourceWarnings(t *testing.T) {
	f := newFakeStore()
	v := upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: "acme", Name: "Acme", Status: upstat.Operational, Warnings: 2}}
	v.Sources = []upstat.SourceStatus{{Kind: "statuspage", URL: "https://status.acme.example", Warnings: []string{
		`component "API": unrecognised status "MAJOROUTAGE"`,
		`component "<b>x</b>": unrecognised status "down!"`,
	}}}
	f.vendors = []upstat.Vendor{v}
	_, body := get(t, newTestDashboard(t, f, nil).Handler(), "/vendors/acme")
	for _, want := range []string{
		"Not understood in the last data",
		`component &#34;API&#34;: unrecognised status &#34;MAJOROUTAGE&#34;`,
		`component &#34;&lt;b&gt;x&lt;/b&gt;&#34;`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("vendor page lacks %q", want)
		}
	}
	if strings.Contains(body, "<b>x</b>") {
		t.Error("a warning's text is not escaped")
	}
}
