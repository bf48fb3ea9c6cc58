package betterstack

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// decodeNormalize decodes index.json and normalises it: the pure half of
// the adapter. page is the page's address (for links); now tells a
// maintenance that has started from one still to come.
func decodeNormalize(page string, m *normalize.Mapper, now time.Time, body []byte) (*upstat.Snapshot, error) {
	d, err := decode(body)
	if err != nil {
		return nil, err
	}
	n := normaliser{m: m, page: page, now: now, resources: map[id]string{}, updates: map[id]*included{}}
	snap := &upstat.Snapshot{HasComponents: true, ListsAllOpen: true, Components: []upstat.Component{}}
	if sev, ok := m.Map(Kind, d.Data.Attributes.AggregateState); ok && sev != upstat.Unknown {
		snap.Indicator = &sev
	}
	sections := map[id]string{}
	for i := range d.Included {
		switch in := &d.Included[i]; in.Type {
		case "status_page_section":
			sections[in.ID] = strings.TrimSpace(in.Attributes.Name)
		case "status_update":
			n.updates[in.ID] = in
		}
	}
	var reports []*included
	for i := range d.Included {
		switch in := &d.Included[i]; in.Type {
		case "status_page_resource":
			a := &in.Attributes
			name := strings.TrimSpace(a.PublicName)
			n.resources[in.ID] = name
			snap.Components = append(snap.Components, upstat.Component{Name: name, Group: sections[a.SectionID], Status: n.severity(a.Status)})
		case "status_report":
			reports = append(reports, in)
		}
	}
	for _, r := range reports {
		snap.Incidents = append(snap.Incidents, n.report(r))
	}
	slices.SortStableFunc(snap.Incidents, func(a, b upstat.Incident) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return snap, nil
}

type normaliser struct {
	m         *normalize.Mapper
	page      string
	now       time.Time
	resources map[id]string    // resource id → name
	updates   map[id]*included // update id → update
}

// severity maps a resource state; unknown words (and not_monitored) are
// unknown.
func (n *normaliser) severity(word string) upstat.Severity {
	if sev, ok := n.m.Map(Kind, word); ok {
		return sev
	}
	return upstat.Unknown
}

// report normalises a status report. Better Stack updates carry no
// lifecycle word: a report is open (investigating; a maintenance
// scheduled or in progress by its window) until its aggregate_state is
// resolved, which its last update then records, at ends_at or, as
// ends_at stays null on resolved reports, at the last update. A
// maintenance's updates published before its window are scheduled.
func (n *normaliser) report(r *included) upstat.Incident {
	a := &r.Attributes
	maint := a.ReportType == "maintenance"
	inc := upstat.Incident{ID: string(r.ID), Kind: upstat.KindIncident, Title: strings.TrimSpace(a.Title), StartedAt: a.StartsAt.UTC()}
	if n.page != "" && r.ID != "" {
		inc.URL = n.page + "/incident/" + string(r.ID)
	}
	open, closed := upstat.StateInvestigating, upstat.StateResolved
	if maint {
		inc.Kind = upstat.KindMaintenance
		inc.ScheduledFor, inc.ScheduledUntil = optional(a.StartsAt.UTC()), optional(a.EndsAt.UTC())
		open, closed = upstat.StateScheduled, upstat.StateCompleted
		if !a.StartsAt.IsZero() && !n.now.Before(a.StartsAt) {
			open = upstat.StateInProgress
		}
	}
	resolved := strings.EqualFold(a.AggregateState, "resolved")
	inc.Status = open
	if resolved {
		inc.Status = closed
	}
	ups := n.reportUpdates(r)
	var worst, latest upstat.Severity = upstat.Unknown, upstat.Unknown
	names := n.names(nil, a.Affected)
	for i, u := range ups {
		latest = upstat.Unknown
		for _, x := range u.Attributes.Affected {
			latest = upstat.Worse(latest, n.severity(x.Status))
		}
		worst = upstat.Worse(worst, latest)
		names = n.names(names, u.Attributes.Affected)
		state := open
		switch {
		case resolved && i == len(ups)-1:
			state = closed
		case maint && u.Attributes.PublishedAt.Before(a.StartsAt):
			state = upstat.StateScheduled // announced before the window
		}
		inc.Updates = append(inc.Updates, upstat.Update{ID: string(u.ID), At: u.Attributes.PublishedAt.UTC(), Status: state, Body: strings.TrimSpace(u.Attributes.Message)})
	}
	inc.Components = names
	// Open: as bad as the latest update says; resolved: the worst it was.
	sev := latest
	if resolved {
		sev = worst
	}
	switch {
	case maint:
		inc.Severity = upstat.Maintenance
	case sev == upstat.Unknown:
		// something is reported; never operational by default, and
		// upstat's default is not the vendor's word
		inc.Severity, inc.SeveritySource = upstat.Degraded, upstat.SeverityFromText
	default:
		inc.Severity = sev
	}
	inc.UpdatedAt = inc.StartedAt
	if k := len(inc.Updates); k > 0 {
		inc.UpdatedAt = latestOf(inc.UpdatedAt, inc.Updates[k-1].At)
		inc.StartedAt = cmp.Or(inc.StartedAt, inc.Updates[0].At)
	}
	if resolved {
		inc.ResolvedAt = optional(cmp.Or(a.EndsAt.UTC(), inc.UpdatedAt))
		if maint {
			inc.ResolvedAt = optional(inc.UpdatedAt) // ends_at is the planned end
		}
	}
	return inc
}

// reportUpdates returns the report's updates, oldest first: those its
// relationships list and those that name it.
func (n *normaliser) reportUpdates(r *included) []*included {
	var out []*included
	for _, ref := range r.Relationships.Updates.Data {
		if u, ok := n.updates[ref.ID]; ok {
			out = append(out, u)
		}
	}
	for _, u := range n.updates {
		if u.Attributes.ReportID == r.ID && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	slices.SortStableFunc(out, func(a, b *included) int {
		if c := a.Attributes.PublishedAt.Compare(b.Attributes.PublishedAt); c != 0 {
			return c
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
	return out
}

// names adds the names of affected resources to list, once each.
func (n *normaliser) names(list []string, aff []affected) []string {
	for _, x := range aff {
		if name, ok := n.resources[x.ResourceID]; ok && !slices.Contains(list, name) {
			list = append(list, name)
		}
	}
	return list
}

func latestOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func optional(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
