package services

import (
	"slices"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func at(min int) *time.Time {
	t := t0.Add(time.Duration(min) * time.Minute)
	return &t
}

// vendor builds a vendor with the given status and components
// ("name=severity" pairs are spelled as Component values).
func vendor(id string, status upstat.Severity, comps ...upstat.Component) *upstat.Vendor {
	v := &upstat.Vendor{Components: comps, Incidents: []upstat.Incident{}}
	v.ID, v.Name, v.Status, v.StatusChangedAt = id, id, status, at(0)
	return v
}

func comp(group, name string, s upstat.Severity, changedMin int) upstat.Component {
	return upstat.Component{Group: group, Name: name, Status: s, UpdatedAt: *at(changedMin)}
}

func whole(id string, impact upstat.Impact) upstat.Dependency {
	return upstat.Dependency{Vendor: id, Impact: impact}
}

func some(id string, impact upstat.Impact, globs ...string) upstat.Dependency {
	return upstat.Dependency{Vendor: id, Components: globs, Impact: impact}
}

func TestEvaluate(t *testing.T) {
	crit, deg := upstat.ImpactCritical, upstat.ImpactDegraded
	stale := vendor("aws", upstat.Operational)
	stale.Stale = true
	withIncident := vendor("stripe", upstat.Degraded,
		comp("", "API", upstat.Operational, 1), comp("", "Checkout", upstat.Operational, 2), comp("", "Dashboard", upstat.Operational, 3))
	withIncident.Incidents = []upstat.Incident{
		{ID: "stripe:a", Severity: upstat.PartialOutage, Status: upstat.StateInvestigating, Components: []string{"Checkout"}, StartedAt: *at(5)},
		{ID: "stripe:b", Severity: upstat.MajorOutage, Status: upstat.StateInvestigating, Components: []string{"Dashboard"}, StartedAt: *at(6)},
		{ID: "stripe:c", Severity: upstat.MajorOutage, Status: upstat.StateResolved, Components: []string{"API"}, StartedAt: *at(7)},
	}
	tests := []struct {
		name     string
		deps     []upstat.Dependency
		vendors  []*upstat.Vendor
		status   upstat.Severity
		tainted  bool
		drives   []string // vendors of the driving dependencies
		incs     []string
		warnings int
		since    *time.Time
	}{
		{name: "all operational", deps: []upstat.Dependency{whole("stripe", crit), whole("aws", crit)},
			vendors: []*upstat.Vendor{vendor("stripe", upstat.Operational), vendor("aws", upstat.Operational)},
			status:  upstat.Operational, since: at(0)},
		{name: "critical outage passes through", deps: []upstat.Dependency{whole("stripe", crit), whole("aws", crit)},
			vendors: []*upstat.Vendor{vendor("stripe", upstat.MajorOutage), vendor("aws", upstat.Degraded)},
			status:  upstat.MajorOutage, drives: []string{"stripe"}, since: at(0)},
		{name: "degraded impact caps", deps: []upstat.Dependency{whole("stripe", deg)},
			vendors: []*upstat.Vendor{vendor("stripe", upstat.MajorOutage)},
			status:  upstat.Degraded, drives: []string{"stripe"}, since: at(0)},
		{name: "maintenance stays maintenance under a degraded impact", deps: []upstat.Dependency{whole("stripe", deg)},
			vendors: []*upstat.Vendor{vendor("stripe", upstat.Maintenance)},
			status:  upstat.Maintenance, drives: []string{"stripe"}, since: at(0)},
		{name: "unknown vendor makes the service unknown", deps: []upstat.Dependency{whole("stripe", crit), whole("aws", crit)},
			vendors: []*upstat.Vendor{vendor("stripe", upstat.Unknown), vendor("aws", upstat.Operational)},
			status:  upstat.Unknown, tainted: true, drives: []string{"stripe"}, since: at(0)},
		{name: "stale vendor is not seen, even if it last said operational", deps: []upstat.Dependency{whole("stripe", crit), whole("aws", crit)},
			vendors: []*upstat.Vendor{vendor("stripe", upstat.Degraded), stale},
			status:  upstat.Unknown, tainted: true, drives: []string{"aws"}, since: at(0)},
		{name: "seen major outage outweighs what cannot be seen", deps: []upstat.Dependency{whole("stripe", crit), whole("aws", crit)},
			vendors: []*upstat.Vendor{vendor("stripe", upstat.MajorOutage), stale},
			status:  upstat.MajorOutage, tainted: true, drives: []string{"stripe"}, since: at(0)},
		{name: "an unseen degraded-impact dependency only hides up to degraded", deps: []upstat.Dependency{whole("stripe", crit), whole("aws", deg)},
			vendors: []*upstat.Vendor{vendor("stripe", upstat.Degraded), stale},
			status:  upstat.Degraded, tainted: true, drives: []string{"stripe"}, since: at(0)},
		{name: "vendor not configured", deps: []upstat.Dependency{whole("nope", crit)},
			status: upstat.Unknown, tainted: true, drives: []string{"nope"}, warnings: 1},
		{name: "components: worst of the matched ones",
			deps: []upstat.Dependency{some("aws", crit, "EC2 (us-east-1)", "S3 *")},
			vendors: []*upstat.Vendor{vendor("aws", upstat.MajorOutage,
				comp("", "EC2 (us-east-1)", upstat.Degraded, 4), comp("", "S3 (us-east-1)", upstat.Operational, 9),
				comp("", "Lambda", upstat.MajorOutage, 10))},
			status: upstat.Degraded, drives: []string{"aws"}, since: at(9)},
		{name: "components: matched by group/name",
			deps:    []upstat.Dependency{some("aws", crit, "Compute/*")},
			vendors: []*upstat.Vendor{vendor("aws", upstat.PartialOutage, comp("Compute", "EC2", upstat.PartialOutage, 4), comp("Storage", "S3", upstat.MajorOutage, 5))},
			status:  upstat.PartialOutage, drives: []string{"aws"}, since: at(4)},
		{name: "components: a glob matching nothing warns; none matching is unknown",
			deps:    []upstat.Dependency{some("aws", crit, "EC3*")},
			vendors: []*upstat.Vendor{vendor("aws", upstat.Operational, comp("", "EC2", upstat.Operational, 4))},
			status:  upstat.Unknown, tainted: true, drives: []string{"aws"}, warnings: 1},
		{name: "components: one glob of two matches",
			deps:    []upstat.Dependency{some("aws", crit, "EC3*", "EC2")},
			vendors: []*upstat.Vendor{vendor("aws", upstat.Operational, comp("", "EC2", upstat.Operational, 4))},
			status:  upstat.Operational, warnings: 1, since: at(4)},
		{name: "components: an unknown matched component taints",
			deps:    []upstat.Dependency{some("aws", crit, "EC2", "S3")},
			vendors: []*upstat.Vendor{vendor("aws", upstat.Degraded, comp("", "EC2", upstat.Degraded, 4), comp("", "S3", upstat.Unknown, 5))},
			status:  upstat.Unknown, tainted: true, drives: []string{"aws"}, since: at(5)},
		{name: "components: active incidents naming a matched component count, others do not",
			deps:    []upstat.Dependency{some("stripe", crit, "API", "Checkout*")},
			vendors: []*upstat.Vendor{withIncident},
			status:  upstat.PartialOutage, drives: []string{"stripe"}, incs: []string{"stripe:a"}, since: at(2)},
		{name: "whole vendor: its active incidents, newest first",
			deps:    []upstat.Dependency{whole("stripe", crit)},
			vendors: []*upstat.Vendor{withIncident},
			status:  upstat.Degraded, drives: []string{"stripe"}, incs: []string{"stripe:b", "stripe:a"}, since: at(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := map[string]*upstat.Vendor{}
			for _, v := range tc.vendors {
				vs[v.ID] = v
			}
			got := Evaluate(upstat.ServiceConfig{ID: "checkout", Name: "Checkout", DependsOn: tc.deps}, vs)
			if got.Status != tc.status || got.Tainted != tc.tainted {
				t.Errorf("status %s tainted %v, want %s tainted %v (deps %+v)", got.Status, got.Tainted, tc.status, tc.tainted, got.Dependencies)
			}
			var drives, incs []string
			for _, d := range got.Dependencies {
				if d.Drives {
					drives = append(drives, d.Vendor)
				}
			}
			for _, inc := range got.Incidents {
				incs = append(incs, inc.ID)
			}
			if !slices.Equal(drives, tc.drives) {
				t.Errorf("drives %v, want %v", drives, tc.drives)
			}
			if !slices.Equal(incs, tc.incs) {
				t.Errorf("incidents %v, want %v", incs, tc.incs)
			}
			if len(got.Warnings) != tc.warnings {
				t.Errorf("warnings %q, want %d", got.Warnings, tc.warnings)
			}
			if (got.Since == nil) != (tc.since == nil) || got.Since != nil && !got.Since.Equal(*tc.since) {
				t.Errorf("since %v, want %v", got.Since, tc.since)
			}
		})
	}
}

func TestEvaluateAllKeepsOrder(t *testing.T) {
	svcs := []upstat.ServiceConfig{
		{ID: "login", DependsOn: []upstat.Dependency{whole("auth0", upstat.ImpactCritical)}},
		{ID: "checkout", DependsOn: []upstat.Dependency{whole("stripe", upstat.ImpactCritical)}},
	}
	got := EvaluateAll(svcs, []upstat.Vendor{*vendor("stripe", upstat.PartialOutage), *vendor("auth0", upstat.Operational)})
	if len(got) != 2 || got[0].ID != "login" || got[0].Status != upstat.Operational || got[1].ID != "checkout" || got[1].Status != upstat.PartialOutage {
		t.Fatalf("got %+v", got)
	}
}
