package feed

import (
	"strings"
	"testing"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// TestIncidentIOVocabularyOverridable: the component words of an
// incident.io feed are a registered domain, so a vendor's severity_map
// changes what they mean.
func TestIncidentIOVocabularyOverridable(t *testing.T) {
	body := readFixture(t, "incidentio-history.atom")
	const id = "01KJ3Q8W2X5ZB7M9C4D6F8G0H2"
	res, err := Parse(body, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := find(t, res.Incidents, id).Severity; got != upstat.PartialOutage {
		t.Fatalf("default table: severity %s, want partial_outage", got)
	}
	m, err := normalize.NewMapper(map[string]map[string]upstat.Severity{
		DomainIncidentIO: {"partial outage": upstat.MajorOutage},
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err = Parse(body, Config{Mapper: m})
	if err != nil {
		t.Fatal(err)
	}
	if got := find(t, res.Incidents, id).Severity; got != upstat.MajorOutage {
		t.Errorf("with severity_map: severity %s, want major_outage", got)
	}
}

// TestIncidentIOUnrecognisedComponentStatus: a component status word no
// table knows is a warning of the result, not a silent guess.
func TestIncidentIOUnrecognisedComponentStatus(t *testing.T) {
	body := strings.Replace(string(readFixture(t, "incidentio-history.atom")), "(Degraded performance)", "(Wobbly)", -1)
	res, err := Parse([]byte(body), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `component "Files": unrecognised status "Wobbly"`) {
		t.Errorf("warnings %q, want one naming Files and Wobbly", res.Warnings)
	}
	clean, err := Parse(readFixture(t, "incidentio-history.atom"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(clean.Warnings) != 0 {
		t.Errorf("the fixture as is: warnings %q, want none", clean.Warnings)
	}
}
