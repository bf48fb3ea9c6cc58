package normalize

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/upstat/upstat"
)

func snapshot() *upstat.Snapshot {
	return &upstat.Snapshot{
		HasComponents: true,
		Components: []upstat.Component{
			{Name: "Visit www.githubstatus.com for more information"},
			{Name: "API Requests", Status: upstat.Degraded},
			{Name: "Actions"},
			{Group: "Europe", Name: "Frankfurt"},
			{Group: "Asia", Name: "Frankfurt"}, // same leaf name in two groups
			{Group: "Europe", Name: "London"},
		},
		Incidents: []upstat.Incident{
			{ID: "a", Components: []string{"API Requests", "Actions", "Visit www.githubstatus.com for more information"}},
			{ID: "b", Components: []string{"London", "Frankfurt"}},
			{ID: "c", Components: []string{"API", "API Requests"}},
			{ID: "d"},
		},
	}
}

func names(cs []upstat.Component) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Key()
	}
	return out
}

func incidentComponents(s *upstat.Snapshot) map[string][]string {
	out := map[string][]string{}
	for _, inc := range s.Incidents {
		out[inc.ID] = inc.Components
	}
	return out
}

func TestComponentRulesApply(t *testing.T) {
	cases := []struct {
		name      string
		rules     ComponentRules
		comps     []string
		incidents map[string][]string
	}{
		{
			name:  "no rules",
			rules: ComponentRules{},
			comps: []string{"Visit www.githubstatus.com for more information", "API Requests", "Actions", "Europe/Frankfurt", "Asia/Frankfurt", "Europe/London"},
			incidents: map[string][]string{
				"a": {"API Requests", "Actions", "Visit www.githubstatus.com for more information"},
				"b": {"London", "Frankfurt"}, "c": {"API", "API Requests"}, "d": nil,
			},
		},
		{
			name: "SPEC example: ignore and rename",
			rules: ComponentRules{
				Ignore: []string{"Visit www.githubstatus.com for more information"},
				Rename: map[string]string{"API Requests": "API"},
			},
			comps: []string{"API", "Actions", "Europe/Frankfurt", "Asia/Frankfurt", "Europe/London"},
			incidents: map[string][]string{
				"a": {"API", "Actions"},
				"b": {"London", "Frankfurt"},
				"c": {"API"}, // the rename creates a duplicate, listed once
				"d": nil,
			},
		},
		{
			name:  "case-insensitive and trimmed",
			rules: ComponentRules{Ignore: []string{" actions "}, Rename: map[string]string{"api requests": " API "}},
			comps: []string{"Visit www.githubstatus.com for more information", "API", "Europe/Frankfurt", "Asia/Frankfurt", "Europe/London"},
			incidents: map[string][]string{
				"a": {"API", "Visit www.githubstatus.com for more information"},
				"b": {"London", "Frankfurt"}, "c": {"API"}, "d": nil,
			},
		},
		{
			name:  "by key: ignore a group's leaf",
			rules: ComponentRules{Ignore: []string{"Europe/London", "Asia/Frankfurt"}},
			comps: []string{"Visit www.githubstatus.com for more information", "API Requests", "Actions", "Europe/Frankfurt"},
			incidents: map[string][]string{
				"a": {"API Requests", "Actions", "Visit www.githubstatus.com for more information"},
				// "London" is unique, so Europe/London's rule reaches it; the
				// ambiguous "Frankfurt" stays.
				"b": {"Frankfurt"}, "c": {"API", "API Requests"}, "d": nil,
			},
		},
		{
			name:  "by name: every group's leaf",
			rules: ComponentRules{Ignore: []string{"Frankfurt"}, Rename: map[string]string{"Europe/London": "London (LHR)"}},
			comps: []string{"Visit www.githubstatus.com for more information", "API Requests", "Actions", "Europe/London (LHR)"},
			incidents: map[string][]string{
				"a": {"API Requests", "Actions", "Visit www.githubstatus.com for more information"},
				"b": {"London (LHR)"}, "c": {"API", "API Requests"}, "d": nil,
			},
		},
		{
			name:  "key rename wins over name rename",
			rules: ComponentRules{Rename: map[string]string{"Frankfurt": "FRA", "Asia/Frankfurt": "Frankfurt (wrong group)"}},
			comps: []string{"Visit www.githubstatus.com for more information", "API Requests", "Actions", "Europe/FRA", "Asia/Frankfurt (wrong group)", "Europe/London"},
			incidents: map[string][]string{
				"a": {"API Requests", "Actions", "Visit www.githubstatus.com for more information"},
				"b": {"London", "FRA"}, "c": {"API", "API Requests"}, "d": nil,
			},
		},
		{
			name:  "unknown names are harmless",
			rules: ComponentRules{Ignore: []string{"Nope"}, Rename: map[string]string{"Nothing": "Else"}},
			comps: []string{"Visit www.githubstatus.com for more information", "API Requests", "Actions", "Europe/Frankfurt", "Asia/Frankfurt", "Europe/London"},
			incidents: map[string][]string{
				"a": {"API Requests", "Actions", "Visit www.githubstatus.com for more information"},
				"b": {"London", "Frankfurt"}, "c": {"API", "API Requests"}, "d": nil,
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := snapshot()
			c.rules.Apply(s)
			if got := names(s.Components); !reflect.DeepEqual(got, c.comps) {
				t.Errorf("components = %q, want %q", got, c.comps)
			}
			if got := incidentComponents(s); !reflect.DeepEqual(got, c.incidents) {
				t.Errorf("incident components = %q, want %q", got, c.incidents)
			}
		})
	}
}

func TestComponentRulesKeepStatus(t *testing.T) {
	s := snapshot()
	ComponentRules{Rename: map[string]string{"API Requests": "API"}}.Apply(s)
	if s.Components[1].Name != "API" || s.Components[1].Status != upstat.Degraded {
		t.Errorf("renamed component = %+v, want API degraded", s.Components[1])
	}
}

func TestComponentRulesNotModified(t *testing.T) {
	s := &upstat.Snapshot{NotModified: true, Components: []upstat.Component{{Name: "A"}}}
	ComponentRules{Ignore: []string{"A"}}.Apply(s)
	if len(s.Components) != 1 {
		t.Errorf("a NotModified snapshot was changed: %+v", s.Components)
	}
	ComponentRules{Ignore: []string{"A"}}.Apply(nil) // must not panic
}

func TestComponentRulesValidate(t *testing.T) {
	cases := []struct {
		name  string
		rules ComponentRules
		ok    bool
	}{
		{"empty rules", ComponentRules{}, true},
		{"fine", ComponentRules{Ignore: []string{"A"}, Rename: map[string]string{"B": "C"}}, true},
		{"empty ignore", ComponentRules{Ignore: []string{" "}}, false},
		{"empty rename source", ComponentRules{Rename: map[string]string{"": "C"}}, false},
		{"empty rename target", ComponentRules{Rename: map[string]string{"B": " "}}, false},
		{"rename of ignored", ComponentRules{Ignore: []string{"b"}, Rename: map[string]string{"B": "C"}}, false},
		{"renamed twice", ComponentRules{Rename: map[string]string{"B": "C", "b": "D"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.rules.Validate()
			if c.ok && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if !c.ok && !errors.Is(err, upstat.ErrInvalid) {
				t.Fatalf("Validate = %v, want an error wrapping ErrInvalid", err)
			}
		})
	}
}

func TestDistinctComponents(t *testing.T) {
	comps := []upstat.Component{
		{Name: "API", Status: upstat.Operational},
		{Name: "Web"},
		{Name: "API", Status: upstat.MajorOutage},
		{Name: "API", Group: "EU"},
		{Name: "DNS"}, {Name: "DNS"},
	}
	DistinctComponents(comps, []string{"c1", "c2", "c3", "c4", "", ""})
	var keys []string
	for _, c := range comps {
		keys = append(keys, c.Key())
	}
	want := []string{"API (c1)", "Web", "API (c3)", "EU/API", "DNS (#1)", "DNS (#2)"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	if comps[2].Status != upstat.MajorOutage {
		t.Errorf("the second API lost its status: %s", comps[2].Status)
	}
}

// TestIgnoreDropsWarnings: a warning about an ignored component goes with
// it; others stay.
func TestIgnoreDropsWarnings(t *testing.T) {
	api, web := upstat.Component{Name: "API"}, upstat.Component{Name: "Web", Group: "Front"}
	s := &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{api, web},
		Warnings: []string{ComponentWarning(api, "MAJOROUTAGE"), ComponentWarning(web, "kaputt"), Unrecognised("page indicator", "x")}}
	ComponentRules{Ignore: []string{"Front/Web"}}.Apply(s)
	want := []string{`component "API": unrecognised status "MAJOROUTAGE"`, `page indicator: unrecognised status "x"`}
	if !slices.Equal(s.Warnings, want) {
		t.Errorf("warnings %q, want %q", s.Warnings, want)
	}
}
