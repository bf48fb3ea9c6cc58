package alert

import (
	"path"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// observation is what one rule sees of one vendor or component now.
type observation struct {
	component string
	severity  upstat.Severity
	// known is false when upstat has no trustworthy severity: the alert's
	// state is then left as it is (neither fired nor resolved blind).
	known  bool
	active bool // the rule's condition holds
	// changedAt is when the observed value last changed, when the data
	// says so: evidence of how long a condition has been gone.
	changedAt *time.Time
}

// observe evaluates rule r against vendor v: one observation for a vendor
// rule or a staleness rule, one per matching component for a component rule.
func observe(r *RuleConfig, v *upstat.Vendor) []observation {
	if r.OnStale {
		return []observation{{severity: upstat.Unknown, known: true, active: v.Stale, changedAt: v.LastSuccessAt}}
	}
	ignore, least := r.ignoreMaintenance(), r.minSeverity()
	counts := func(s upstat.Severity) bool { return s >= least && !(ignore && s == upstat.Maintenance) }
	var maint map[string]bool
	if ignore {
		maint = underMaintenance(v)
	}
	if len(r.Components) == 0 {
		sev := v.Status
		if (len(maint) > 0 || r.filtersSource()) && sev != upstat.Unknown {
			sev = selectedStatus(r, v, maint)
		}
		reported := observation{severity: sev, known: sev != upstat.Unknown, active: counts(sev), changedAt: v.StatusChangedAt}
		return []observation{r.Signal.combine(reported, observedBy(v))}
	}
	var out []observation
	for _, c := range v.Components {
		if !matchAny(r.Components, c.Name) && !matchAny(r.Components, c.Key()) {
			continue
		}
		o := observation{
			component: c.Key(),
			severity:  c.Status,
			known:     c.Status != upstat.Unknown,
			active:    counts(c.Status) && !maint[c.Name] && !maint[c.Key()],
		}
		if !c.UpdatedAt.IsZero() {
			at := c.UpdatedAt
			o.changedAt = &at
		}
		out = append(out, o)
	}
	return out
}

// matchAny reports whether s matches one of the patterns (path.Match
// globs); no patterns match everything.
func matchAny(patterns []string, s string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

// underMaintenance returns the components named by an active maintenance.
func underMaintenance(v *upstat.Vendor) map[string]bool {
	m := map[string]bool{}
	for i := range v.Incidents {
		inc := &v.Incidents[i]
		if inc.Kind == upstat.KindMaintenance && inc.Active() {
			for _, c := range inc.Components {
				m[c] = true
			}
		}
	}
	return m
}

// selectedStatus is the vendor's status recomputed from what rule r
// counts: without the components under maintenance and without
// maintenance incidents when maint is set; only the incidents whose
// severity_source r selects, and the components (the vendor's own
// statuses) unless r selects upstat's guesses only. Page indicators are
// not part of a vendor's data here: a vendor with nothing counted is
// operational.
func selectedStatus(r *RuleConfig, v *upstat.Vendor, maint map[string]bool) upstat.Severity {
	sev := upstat.Operational
	if r.SeveritySource != upstat.SeverityFromText {
		for _, c := range v.Components {
			if !maint[c.Name] && !maint[c.Key()] && !(len(maint) > 0 && c.Status == upstat.Maintenance) {
				sev = upstat.Worse(sev, c.Status)
			}
		}
	}
	for i := range v.Incidents {
		inc := &v.Incidents[i]
		if !inc.Active() || !r.countsIncident(inc) {
			continue
		}
		if len(maint) > 0 && (inc.Kind == upstat.KindMaintenance || inc.Severity == upstat.Maintenance) {
			continue
		}
		sev = upstat.Worse(sev, inc.Severity)
	}
	return sev
}

// pickIncident returns the active incident that best explains an alert on
// component ("" for the vendor): one naming the component first, then the
// most severe, then the newest.
func pickIncident(v *upstat.Vendor, component string) *IncidentRef {
	names := func(inc *upstat.Incident) bool {
		return component != "" && slices.ContainsFunc(inc.Components, func(n string) bool {
			return n == component || strings.HasSuffix(component, "/"+n)
		})
	}
	var best *upstat.Incident
	bestNames := false
	for i := range v.Incidents {
		inc := &v.Incidents[i]
		if !inc.Active() {
			continue
		}
		n := names(inc)
		if best == nil || (n && !bestNames) || (n == bestNames && (inc.Severity > best.Severity ||
			inc.Severity == best.Severity && inc.StartedAt.After(best.StartedAt))) {
			best, bestNames = inc, n
		}
	}
	if best == nil {
		return nil
	}
	return &IncidentRef{ID: best.ID, Title: best.Title, URL: best.URL, Severity: best.Severity}
}
