package normalize

import (
	"testing"

	"github.com/upstat/upstat"
)

func TestGuessSeverityMarksText(t *testing.T) {
	cases := []struct {
		name  string
		def   upstat.Severity
		texts []string
		want  upstat.Severity
	}{
		{"words name an outage", upstat.Degraded, []string{"Major outage of the API"}, upstat.MajorOutage},
		{"no words: the default, still a guess", upstat.Degraded, []string{"We are looking into it"}, upstat.Degraded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inc := upstat.Incident{SeveritySource: upstat.SeverityFromVendor}
			GuessSeverity(&inc, tc.def, tc.texts...)
			if inc.Severity != tc.want || inc.SeveritySource != upstat.SeverityFromText {
				t.Errorf("got %v/%q, want %v/%q", inc.Severity, inc.SeveritySource, tc.want, upstat.SeverityFromText)
			}
		})
	}
}

func TestMarkVendorSeverityKeepsGuesses(t *testing.T) {
	snap := &upstat.Snapshot{Incidents: []upstat.Incident{
		{ID: "a"},
		{ID: "b", SeveritySource: upstat.SeverityFromText},
	}}
	MarkVendorSeverity(snap)
	if got := snap.Incidents[0].SeveritySource; got != upstat.SeverityFromVendor {
		t.Errorf("unmarked incident: %q, want vendor", got)
	}
	if got := snap.Incidents[1].SeveritySource; got != upstat.SeverityFromText {
		t.Errorf("guessed incident: %q, want text kept", got)
	}
	MarkVendorSeverity(nil) // a failed poll's nil snapshot
}
