// Package services derives the status of the team's own services from the
// statuses of the vendors they depend on. The rule lives here and only
// here (Evaluate); the aggregator, the API, the metrics, the alert engine
// and the dashboard all call it.
//
// The rule, for one service:
//
//  1. Each dependency has a status: the vendor's status for a whole-vendor
//     dependency; for a component dependency, the worst of the components
//     its globs match and of the active incidents naming one of them (an
//     incident naming no component counts for every dependency on its
//     vendor). A vendor without data (status unknown), a dependency whose
//     globs match no component, or a vendor not configured is unknown.
//  2. Its effect on the service is that status capped by its impact: a
//     critical dependency passes it on; a degraded one caps it at
//     degraded (maintenance stays maintenance).
//  3. A stale vendor (its sources have failed past the staleness window)
//     is not seen: its dependency counts as unknown, though its last known
//     status is shown.
//  4. The service's status is the worst effect of the dependencies upstat
//     can see. If any dependency is unknown the service is tainted, and
//     its status is unknown, unless what upstat can see already puts it
//     at the worst the unseen dependencies could (major_outage for a
//     critical one, degraded for a degraded one): upstat never shows a
//     service as better than it can know.
//  5. The dependencies that drive the status are those whose effect
//     equals it (when it is not operational), or the unseen ones when it
//     is unknown.
//
// Services depend on vendors only, never on other services: a dependency
// shared by several services is listed in each (YAML anchors help), and
// there are no cycles to detect.
package services

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// Evaluate derives svc's status from the vendors' current states, keyed by
// vendor id (see the package comment for the rule). A vendor missing from
// the map is unknown. It does not modify the vendors.
func Evaluate(svc upstat.ServiceConfig, vendors map[string]*upstat.Vendor) upstat.ServiceStatus {
	out := upstat.ServiceStatus{
		ID: svc.ID, Name: svc.Name, Labels: svc.Labels,
		Dependencies: make([]upstat.DependencyStatus, 0, len(svc.DependsOn)),
		Incidents:    []upstat.Incident{},
	}
	seen := upstat.Operational
	unseenCap := upstat.Unknown // the worst the unseen dependencies could do
	seenIncidents := map[string]bool{}
	for _, dep := range svc.DependsOn {
		ds, incs, warns := dependency(dep, vendors[dep.Vendor])
		out.Warnings = append(out.Warnings, warns...)
		if ds.Effect == upstat.Unknown {
			out.Tainted = true
			unseenCap = upstat.Worse(unseenCap, capFor(dep.Impact))
		} else {
			seen = upstat.Worse(seen, ds.Effect)
		}
		for _, inc := range incs {
			if !seenIncidents[inc.ID] {
				seenIncidents[inc.ID] = true
				out.Incidents = append(out.Incidents, inc)
			}
		}
		out.Dependencies = append(out.Dependencies, ds)
	}
	out.Status = seen
	if out.Tainted && seen < unseenCap {
		out.Status = upstat.Unknown
	}
	for i := range out.Dependencies {
		d := &out.Dependencies[i]
		switch {
		case out.Status == upstat.Unknown:
			d.Drives = d.Effect == upstat.Unknown
		case out.Status != upstat.Operational:
			d.Drives = d.Effect == out.Status
		}
	}
	out.Since = since(out.Dependencies)
	slices.SortStableFunc(out.Incidents, func(a, b upstat.Incident) int { return b.StartedAt.Compare(a.StartedAt) })
	return out
}

// EvaluateAll evaluates every service against the same vendors, in order.
func EvaluateAll(svcs []upstat.ServiceConfig, vendors []upstat.Vendor) []upstat.ServiceStatus {
	byID := make(map[string]*upstat.Vendor, len(vendors))
	for i := range vendors {
		byID[vendors[i].ID] = &vendors[i]
	}
	out := make([]upstat.ServiceStatus, len(svcs))
	for i, s := range svcs {
		out[i] = Evaluate(s, byID)
	}
	return out
}

// capFor is the worst effect a dependency of that impact can have.
func capFor(impact upstat.Impact) upstat.Severity {
	if impact == upstat.ImpactDegraded {
		return upstat.Degraded
	}
	return upstat.MajorOutage
}

// dependency evaluates one dependency against its vendor (nil when the
// vendor is not configured). It returns the active incidents that affect
// it and warnings for globs that match nothing.
func dependency(dep upstat.Dependency, v *upstat.Vendor) (upstat.DependencyStatus, []upstat.Incident, []string) {
	ds := upstat.DependencyStatus{Dependency: dep, Status: upstat.Unknown, Effect: upstat.Unknown}
	if v == nil {
		return ds, nil, []string{fmt.Sprintf("%s: vendor not configured", dep.Vendor)}
	}
	ds.Stale = v.Stale
	var incs []upstat.Incident
	var warns []string
	if len(dep.Components) == 0 {
		ds.Status, ds.ChangedAt = v.Status, v.StatusChangedAt
		for i := range v.Incidents {
			if v.Incidents[i].Active() {
				incs = append(incs, v.Incidents[i])
			}
		}
	} else {
		ds.Status, incs, warns = components(&ds, v)
	}
	if ds.Status != upstat.Unknown && !ds.Stale {
		ds.Effect = ds.Status
		if dep.Impact == upstat.ImpactDegraded && ds.Effect > upstat.Degraded {
			ds.Effect = upstat.Degraded
		}
	}
	return ds, incs, warns
}

// components evaluates a component dependency: it fills ds.Matched and
// ds.ChangedAt and returns the status, the affecting incidents and the
// warnings.
func components(ds *upstat.DependencyStatus, v *upstat.Vendor) (upstat.Severity, []upstat.Incident, []string) {
	var warns []string
	matched := map[string]bool{}
	sev := upstat.Operational
	for _, glob := range ds.Components {
		hit := false
		for _, c := range v.Components {
			if !match(glob, c) {
				continue
			}
			hit = true
			if !matched[c.Key()] {
				matched[c.Key()] = true
				ds.Matched = append(ds.Matched, c.Key())
				sev = upstat.Worse(sev, c.Status)
				if !c.UpdatedAt.IsZero() && (ds.ChangedAt == nil || c.UpdatedAt.After(*ds.ChangedAt)) {
					at := c.UpdatedAt
					ds.ChangedAt = &at
				}
			}
		}
		if !hit && v.Status != upstat.Unknown {
			warns = append(warns, fmt.Sprintf("%s: no component matches %q", ds.Vendor, glob))
		}
	}
	if len(ds.Matched) == 0 {
		return upstat.Unknown, nil, warns
	}
	if hasUnknown(v, matched) {
		sev = upstat.Unknown
	}
	var incs []upstat.Incident
	for i := range v.Incidents {
		inc := &v.Incidents[i]
		if !inc.Active() || !names(inc, matched) {
			continue
		}
		incs = append(incs, *inc)
		if sev != upstat.Unknown {
			sev = upstat.Worse(sev, inc.Severity)
		}
	}
	return sev, incs, warns
}

// hasUnknown reports whether one of the matched components is unknown.
func hasUnknown(v *upstat.Vendor, matched map[string]bool) bool {
	for _, c := range v.Components {
		if matched[c.Key()] && c.Status == upstat.Unknown {
			return true
		}
	}
	return false
}

// match reports whether glob matches the component by name or by
// "group/name".
func match(glob string, c upstat.Component) bool {
	if ok, _ := path.Match(glob, c.Name); ok {
		return true
	}
	ok, _ := path.Match(glob, c.Key())
	return ok
}

// names reports whether an incident affects one of the matched
// components: it names one (by name or key), or it names none at all.
func names(inc *upstat.Incident, matched map[string]bool) bool {
	if len(inc.Components) == 0 {
		return true
	}
	for _, n := range inc.Components {
		if matched[n] {
			return true
		}
		for k := range matched {
			if strings.HasSuffix(k, "/"+n) {
				return true
			}
		}
	}
	return false
}

// since is the latest change time of the dependencies that drive the
// status, or of all of them when none drives it (the service is
// operational: it has been since the last dependency recovered).
func since(deps []upstat.DependencyStatus) *time.Time {
	var latest *time.Time
	pick := func(drivingOnly bool) {
		for _, d := range deps {
			if drivingOnly && !d.Drives {
				continue
			}
			if d.ChangedAt != nil && (latest == nil || d.ChangedAt.After(*latest)) {
				t := *d.ChangedAt
				latest = &t
			}
		}
	}
	pick(slices.ContainsFunc(deps, func(d upstat.DependencyStatus) bool { return d.Drives }))
	return latest
}
