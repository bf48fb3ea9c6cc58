package instatus

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// decodeNormalize decodes a summary and (optionally, nil for none) a
// components document and normalises them: the pure half of the adapter.
func decodeNormalize(m *normalize.Mapper, summary, components []byte) (*upstat.Snapshot, error) {
	s, err := decodeSummary(summary)
	if err != nil {
		return nil, err
	}
	var c *componentsDoc
	if components != nil {
		if c, err = decodeComponents(components); err != nil {
			return nil, err
		}
	}
	return build(m, s, c), nil
}

// build normalises a summary and a components document (nil when the
// page has no components endpoint: the snapshot then reports none).
func build(m *normalize.Mapper, s *summaryDoc, c *componentsDoc) *upstat.Snapshot {
	snap := &upstat.Snapshot{ListsAllOpen: true}
	if sev, ok := m.Map(Kind, s.Page.Status); ok {
		snap.Indicator = &sev
	}
	if c != nil {
		snap.HasComponents = true
		snap.Components = components(m, c.Components, "", []upstat.Component{})
	}
	for i := range s.Incidents {
		snap.Incidents = append(snap.Incidents, incident(m, &s.Incidents[i]))
	}
	for i := range s.Maintenances {
		snap.Incidents = append(snap.Incidents, maintenance(&s.Maintenances[i]))
	}
	slices.SortStableFunc(snap.Incidents, func(a, b upstat.Incident) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return snap
}

// components flattens component rows into leaves: a parent (isParent, or
// one with children) is a group, its children take its name; a live
// row names its group in an object. Unknown status words are unknown.
func components(m *normalize.Mapper, rows []wireComponent, group string, out []upstat.Component) []upstat.Component {
	for i := range rows {
		r := &rows[i]
		if r.IsParent || len(r.Children) > 0 {
			out = components(m, r.Children, strings.TrimSpace(r.Name), out)
			continue
		}
		g := group
		if r.Group != nil {
			g = strings.TrimSpace(r.Group.Name)
		}
		sev, ok := m.Map(Kind, r.Status)
		if !ok {
			sev = upstat.Unknown
		}
		out = append(out, upstat.Component{Name: strings.TrimSpace(r.Name), Group: g, Status: sev})
	}
	return out
}

// incident normalises an active incident. The summary carries no
// timeline, so the incident has no updates. An unknown or missing impact
// is degraded (something is being reported), never operational; the
// vendor's own OPERATIONAL impact (an informational notice) is kept.
func incident(m *normalize.Mapper, w *wireIncident) upstat.Incident {
	inc := upstat.Incident{ID: w.ID, Kind: upstat.KindIncident, Title: strings.TrimSpace(w.Name), URL: w.URL}
	sev, ok := m.Map(Kind, w.Impact)
	if !ok {
		sev = upstat.Degraded
	}
	inc.Severity = sev
	inc.Status = upstat.StateInvestigating
	if s, ok := normalize.State(w.Status); ok {
		inc.Status = s
	}
	inc.StartedAt = cmp.Or(w.Started.UTC(), w.UpdatedAt.UTC())
	inc.UpdatedAt = cmp.Or(w.UpdatedAt.UTC(), inc.StartedAt)
	if inc.Status.Closed() {
		at := inc.UpdatedAt
		inc.ResolvedAt = &at
	}
	return inc
}

// maintenanceStates are Instatus's maintenance lifecycle words.
var maintenanceStates = map[string]upstat.IncidentState{
	"NOTSTARTEDYET": upstat.StateScheduled,
	"INPROGRESS":    upstat.StateInProgress,
	"COMPLETED":     upstat.StateCompleted,
}

// maintenance normalises a maintenance: it starts when its window starts,
// which ends duration minutes later.
func maintenance(w *wireIncident) upstat.Incident {
	start := w.Start.UTC()
	inc := upstat.Incident{
		ID: w.ID, Kind: upstat.KindMaintenance, Title: strings.TrimSpace(w.Name), URL: w.URL,
		Severity: upstat.Maintenance, Status: upstat.StateScheduled, StartedAt: cmp.Or(start, w.UpdatedAt.UTC()),
	}
	if s, ok := maintenanceStates[strings.ToUpper(strings.TrimSpace(w.Status))]; ok {
		inc.Status = s
	}
	if !start.IsZero() {
		inc.ScheduledFor = &start
		if w.Duration > 0 {
			end := start.Add(time.Duration(w.Duration) * time.Minute)
			inc.ScheduledUntil = &end
		}
	}
	inc.UpdatedAt = cmp.Or(w.UpdatedAt.UTC(), inc.StartedAt)
	if inc.Status.Closed() {
		at := inc.UpdatedAt
		inc.ResolvedAt = &at
	}
	return inc
}
