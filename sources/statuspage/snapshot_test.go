package statuspage

import (
	"slices"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources/goldentest"
)

func decodeFixture(t *testing.T, kind docKind, name string) *document {
	t.Helper()
	d, err := decode(kind, goldentest.Read(t, fixtureDir+"/"+name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

// TestBuildMerge: summary and history merge by id, the most recently
// updated version winning either way.
func TestBuildMerge(t *testing.T) {
	summary := decodeFixture(t, docSummary, "groups-summary.json")
	maint := decodeFixture(t, docMaintenances, "history-scheduled-maintenances.json")
	const id = "r7k2m9p4x1qd"
	for _, tc := range []struct {
		name    string
		history func(*document) // adjusts the decoded incidents.json
		want    upstat.IncidentState
	}{
		{"history newer: resolved", func(*document) {}, upstat.StateResolved},
		{"summary newer: reopened", func(d *document) {
			for i := range d.Incidents {
				if d.Incidents[i].ID == id {
					d.Incidents[i].UpdatedAt = wireTime(time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC))
				}
			}
		}, upstat.StateIdentified},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hist := decodeFixture(t, docIncidents, "history-incidents.json")
			tc.history(hist)
			snap := build(testBase, nil, summary, hist, maint)
			var ids []string
			for _, inc := range snap.Incidents {
				ids = append(ids, inc.ID)
			}
			want := []string{"m9cert2rot8x", id, "m4db7fail0ov", "b2ll8inv0ice", "c9pm0noresat", "k1ng5up8grd2", "n0ne1mpact7z", "s7orage9mgr1"}
			if !slices.Equal(ids, want) {
				t.Errorf("incidents %v, want %v (each once, newest start first)", ids, want)
			}
			if got := findIncident(t, snap, id).Status; got != tc.want {
				t.Errorf("%s status %s, want %s", id, got, tc.want)
			}
			if !snap.HasComponents || len(snap.Components) != 10 {
				t.Errorf("HasComponents=%v with %d components, want true with the summary's 10 leaves", snap.HasComponents, len(snap.Components))
			}
		})
	}
}

func TestUpdatesOrderAndStatus(t *testing.T) {
	at := func(min int) wireTime { return wireTime(time.Date(2026, 1, 1, 10, min, 0, 0, time.UTC)) }
	for _, tc := range []struct {
		name    string
		in      []wireUpdate // as the API lists them: newest first
		initial upstat.IncidentState
		want    []string // id:status, oldest first
	}{
		{"newest first reversed", []wireUpdate{
			{ID: "c", Status: "resolved", DisplayAt: at(30)},
			{ID: "b", Status: "monitoring", DisplayAt: at(20)},
			{ID: "a", Status: "investigating", DisplayAt: at(10)},
		}, upstat.StateInvestigating, []string{"a:investigating", "b:monitoring", "c:resolved"}},
		{"same minute keeps publication order", []wireUpdate{
			{ID: "b", Status: "identified", DisplayAt: at(10)},
			{ID: "a", Status: "investigating", DisplayAt: at(10)},
		}, upstat.StateInvestigating, []string{"a:investigating", "b:identified"}},
		{"back-dated display_at sorts by display time", []wireUpdate{
			{ID: "b", Status: "identified", CreatedAt: at(40), DisplayAt: at(5)},
			{ID: "a", Status: "investigating", CreatedAt: at(10), DisplayAt: at(10)},
		}, upstat.StateInvestigating, []string{"b:identified", "a:investigating"}},
		{"missing display_at falls back to created_at", []wireUpdate{
			{ID: "b", Status: "resolved", CreatedAt: at(30)},
			{ID: "a", Status: "investigating", CreatedAt: at(10)},
		}, upstat.StateInvestigating, []string{"a:investigating", "b:resolved"}},
		{"unknown word keeps the previous status", []wireUpdate{
			{ID: "b", Status: "update", DisplayAt: at(20)},
			{ID: "a", Status: "in_progress", DisplayAt: at(10)},
		}, upstat.StateScheduled, []string{"a:in_progress", "b:in_progress"}},
		{"unknown first word takes the initial status", []wireUpdate{
			{ID: "a", Status: "", DisplayAt: at(10)},
		}, upstat.StateScheduled, []string{"a:scheduled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, u := range updates(tc.in, tc.initial) {
				got = append(got, u.ID+":"+string(u.Status))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCleanBody(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"  a\r\n\r\nb  \r\n", "a\n\nb"},
		{"old\rmac", "old\nmac"},
		{"keeps <br /> and [links](https://x)", "keeps <br /> and [links](https://x)"},
	} {
		if got := cleanBody(tc.in); got != tc.want {
			t.Errorf("cleanBody(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestIncidentFallbacks covers the rules the fixtures do not reach.
func TestIncidentFallbacks(t *testing.T) {
	created := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		w     wireIncident
		maint bool
		check func(t *testing.T, inc upstat.Incident)
	}{
		{"unknown impact on an incident counts as degraded", wireIncident{ID: "a", Status: "investigating", Impact: "severe"}, false,
			func(t *testing.T, inc upstat.Incident) {
				if inc.Severity != upstat.Degraded || inc.Kind != upstat.KindIncident {
					t.Errorf("severity %s kind %s", inc.Severity, inc.Kind)
				}
			}},
		{"impact maintenance makes a maintenance", wireIncident{ID: "b", Status: "in_progress", Impact: "maintenance"}, false,
			func(t *testing.T, inc upstat.Incident) {
				if inc.Kind != upstat.KindMaintenance || inc.Severity != upstat.Maintenance {
					t.Errorf("kind %s severity %s", inc.Kind, inc.Severity)
				}
			}},
		{"maintenance without a window starts at created_at", wireIncident{ID: "c", Status: "scheduled", CreatedAt: wireTime(created)}, true,
			func(t *testing.T, inc upstat.Incident) {
				if !inc.StartedAt.Equal(created) || inc.ScheduledFor != nil {
					t.Errorf("started %s scheduled_for %v", inc.StartedAt, inc.ScheduledFor)
				}
			}},
		{"unknown status takes the last update's", wireIncident{ID: "d", Status: "weird", Updates: []wireUpdate{{ID: "u", Status: "monitoring", CreatedAt: wireTime(created)}}}, false,
			func(t *testing.T, inc upstat.Incident) {
				if inc.Status != upstat.StateMonitoring || !inc.StartedAt.Equal(created) || !inc.UpdatedAt.Equal(created) {
					t.Errorf("status %s started %s updated %s", inc.Status, inc.StartedAt, inc.UpdatedAt)
				}
			}},
		{"no shortlink links the incident page", wireIncident{ID: "e", Status: "resolved"}, false,
			func(t *testing.T, inc upstat.Incident) {
				if inc.URL != testBase+"/incidents/e" {
					t.Errorf("url %s", inc.URL)
				}
			}},
		{"resolved_at is kept only while closed", wireIncident{ID: "f", Status: "investigating", ResolvedAt: wireTime(created)}, false,
			func(t *testing.T, inc upstat.Incident) {
				if inc.ResolvedAt != nil {
					t.Errorf("resolved_at %v on a reopened incident", inc.ResolvedAt)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, incident(testBase, nil, names{}, &tc.w, tc.maint))
		})
	}
}

// TestMapperOverrides: a vendor's severity_map overrides reach components,
// impacts and the indicator.
func TestMapperOverrides(t *testing.T) {
	m, err := normalize.NewMapper(map[string]map[string]upstat.Severity{
		normalize.DomainComponent: {"full_outage": upstat.MajorOutage},
		normalize.DomainImpact:    {"none": upstat.Degraded},
	})
	if err != nil {
		t.Fatal(err)
	}
	snap := build(testBase, m, decodeFixture(t, docSummary, "null-lists-summary.json"),
		decodeFixture(t, docIncidents, "history-incidents.json"))
	if got := snap.Components[0].Status; got != upstat.MajorOutage {
		t.Errorf("full_outage component mapped to %s, want major_outage", got)
	}
	if got := findIncident(t, snap, "n0ne1mpact7z").Severity; got != upstat.Degraded {
		t.Errorf("impact none incident mapped to %s, want the override degraded", got)
	}
}

// TestUnrecognisedStatusWords: a component status or page indicator no
// table knows is read through the keyword table first ("down"); what is
// still unknown makes the component Unknown and a warning on the
// snapshot, never operational.
func TestUnrecognisedStatusWords(t *testing.T) {
	body := []byte(`{
	  "page": {"id": "p1", "name": "Acme", "url": "https://status.acme.example"},
	  "status": {"indicator": "kaputt", "description": "?"},
	  "components": [
	    {"id": "c1", "name": "API", "status": "MAJOROUTAGE"},
	    {"id": "c2", "name": "Web", "status": "down"},
	    {"id": "c3", "name": "CDN", "status": "operational"},
	    {"id": "c4", "name": "DNS", "status": "critical_outage"}
	  ],
	  "incidents": [], "scheduled_maintenances": []
	}`)
	snap, err := decodeNormalize(testBase, nil, docSummary, body)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]upstat.Severity{}
	for _, c := range snap.Components {
		got[c.Name] = c.Status
	}
	want := map[string]upstat.Severity{"API": upstat.Unknown, "Web": upstat.MajorOutage, "CDN": upstat.Operational, "DNS": upstat.MajorOutage}
	for name, sev := range want {
		if got[name] != sev {
			t.Errorf("component %s: %s, want %s", name, got[name], sev)
		}
	}
	if snap.Indicator != nil {
		t.Errorf("indicator %s, want none (the word is unknown)", *snap.Indicator)
	}
	wantWarn := []string{`component "API": unrecognised status "MAJOROUTAGE"`, `page indicator: unrecognised status "kaputt"`}
	if !slices.Equal(snap.Warnings, wantWarn) {
		t.Errorf("warnings %q, want %q", snap.Warnings, wantWarn)
	}
}

// TestPlaceholderAffectedComponent: Statuspage's "No components were
// affected by this update." is not a component.
func TestPlaceholderAffectedComponent(t *testing.T) {
	body := []byte(`{
	  "page": {"id": "p1", "name": "Acme", "url": "https://status.acme.example"},
	  "incidents": [{
	    "id": "i1", "name": "Slow logins", "status": "investigating", "impact": "minor",
	    "created_at": "2026-05-01T10:00:00Z", "updated_at": "2026-05-01T10:05:00Z",
	    "components": [],
	    "incident_updates": [
	      {"id": "u2", "status": "investigating", "body": "Still looking.", "created_at": "2026-05-01T10:05:00Z",
	       "affected_components": [{"code": "c9", "name": "Login", "old_status": "operational", "new_status": "degraded_performance"}]},
	      {"id": "u1", "status": "investigating", "body": "Looking.", "created_at": "2026-05-01T10:00:00Z",
	       "affected_components": [{"name": "No components were affected by this update."}]}
	    ]
	  }]
	}`)
	snap, err := decodeNormalize(testBase, nil, docIncidents, body)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Incidents) != 1 {
		t.Fatalf("%d incidents, want 1", len(snap.Incidents))
	}
	if got := snap.Incidents[0].Components; !slices.Equal(got, []string{"Login"}) {
		t.Errorf("components %q, want [Login]", got)
	}
}

// TestDuplicateComponentNames: two components of one name and group are
// both kept, told apart by the page's ids; a unique name is unchanged.
func TestDuplicateComponentNames(t *testing.T) {
	body := []byte(`{
	  "page": {"id": "p1", "name": "Acme", "url": "https://status.acme.example"},
	  "status": {"indicator": "major", "description": "Partial outage"},
	  "components": [
	    {"id": "k1", "name": "API", "status": "operational"},
	    {"id": "k2", "name": "API", "status": "major_outage"},
	    {"id": "k3", "name": "Web", "status": "operational"}
	  ]
	}`)
	snap, err := decodeNormalize(testBase, nil, docSummary, body)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range snap.Components {
		got = append(got, c.Key()+"="+c.Status.String())
	}
	want := []string{"API (k1)=operational", "API (k2)=major_outage", "Web=operational"}
	if !slices.Equal(got, want) {
		t.Errorf("components %q, want %q", got, want)
	}
}
