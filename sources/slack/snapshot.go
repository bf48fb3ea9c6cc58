package slack

import (
	"fmt"
	"sort"
	"strings"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// Services is Slack's fixed list of services, each a component, so that
// a rule can select one before it is first affected. A service named by
// an incident and missing here is added.
var Services = []string{
	"Login/SSO", "Messaging", "Notifications", "Search", "Workspace/Org Administration",
	"Canvases", "Connectivity", "Files", "Huddles", "Apps/Integrations/APIs",
	"Workflows", "Posts/Files", "Calls", "Link Previews",
}

// build merges the active incidents of current with history (by id; the
// later date_updated wins, current on a tie) and derives the components:
// every service, with the worst severity of the active incidents naming
// it.
func build(m *normalize.Mapper, active, past []wireIncident) *upstat.Snapshot {
	snap := &upstat.Snapshot{HasComponents: true, ListsAllOpen: true}
	byID := map[id]*wireIncident{}
	var order []id
	for _, list := range [][]wireIncident{past, active} {
		for i := range list {
			w := &list[i]
			prev, ok := byID[w.ID]
			if !ok {
				order = append(order, w.ID)
			}
			if !ok || !w.DateUpdated.Before(prev.DateUpdated) {
				byID[w.ID] = w
			}
		}
	}
	status := map[string]upstat.Severity{}
	unknown := map[string]bool{}
	for _, s := range Services {
		status[s] = upstat.Operational
	}
	for _, k := range order {
		inc := incident(m, byID[k])
		for _, svc := range inc.Components {
			if _, ok := status[svc]; !ok {
				status[svc] = upstat.Operational
			}
			if !inc.Active() {
				continue
			}
			sev := inc.Severity
			if inc.Kind == upstat.KindMaintenance {
				sev = upstat.Worse(sev, upstat.Maintenance)
			}
			if sev == upstat.Unknown {
				unknown[svc] = true
			}
			status[svc] = upstat.Worse(status[svc], sev)
		}
		snap.Incidents = append(snap.Incidents, inc)
	}
	for name, st := range status {
		if unknown[name] && st == upstat.Operational {
			st = upstat.Unknown
		}
		snap.Components = append(snap.Components, upstat.Component{Name: name, Status: st})
	}
	sort.Slice(snap.Components, func(i, j int) bool { return snap.Components[i].Name < snap.Components[j].Name })
	sort.SliceStable(snap.Incidents, func(i, j int) bool { return snap.Incidents[i].StartedAt.After(snap.Incidents[j].StartedAt) })
	return snap
}

// lifecycle maps a Slack status to a state for an incident or a
// maintenance. An unknown status counts as open: never as over.
func lifecycle(status string, maint bool) upstat.IncidentState {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "resolved":
		if maint {
			return upstat.StateCompleted
		}
		return upstat.StateResolved
	case "completed", "cancelled", "canceled":
		return upstat.StateCompleted
	case "scheduled":
		return upstat.StateScheduled
	}
	if maint {
		return upstat.StateInProgress
	}
	return upstat.StateInvestigating
}

// isMaintenance: the type says so, or a status only maintenance has.
func isMaintenance(w *wireIncident) bool {
	switch strings.ToLower(strings.TrimSpace(w.Status)) {
	case "scheduled", "completed", "cancelled", "canceled":
		return true
	}
	return strings.EqualFold(w.Type, "maintenance")
}

// incident normalises one Slack incident. Its notes are the updates,
// oldest first, as text; only the latest carries the incident's status
// (Slack has none per note). Slack gives no maintenance window:
// scheduled_for and scheduled_until stay null and started_at is when the
// maintenance was posted.
func incident(m *normalize.Mapper, w *wireIncident) upstat.Incident {
	maint := isMaintenance(w)
	inc := upstat.Incident{
		ID:         string(w.ID),
		Kind:       upstat.KindIncident,
		Title:      strings.TrimSpace(w.Title),
		URL:        w.URL,
		Status:     lifecycle(w.Status, maint),
		StartedAt:  w.DateCreated.UTC(),
		UpdatedAt:  w.DateUpdated.UTC(),
		Components: []string{},
	}
	if inc.UpdatedAt.IsZero() {
		inc.UpdatedAt = inc.StartedAt
	}
	if sev, ok := m.Map(Kind, w.Type); ok {
		inc.Severity = sev
	} else {
		inc.Severity = upstat.Unknown
	}
	if maint {
		inc.Kind, inc.Severity = upstat.KindMaintenance, upstat.Maintenance
	}
	for _, svc := range w.Services {
		if svc = strings.TrimSpace(svc); svc != "" {
			inc.Components = append(inc.Components, svc)
		}
	}
	notes := make([]wireNote, len(w.Notes))
	copy(notes, w.Notes)
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].DateCreated.Before(notes[j].DateCreated) })
	first := upstat.StateInvestigating
	if maint {
		first = upstat.StateScheduled
		if inc.Status == upstat.StateInProgress {
			first = upstat.StateInProgress
		}
	}
	for n, note := range notes {
		at := note.DateCreated.UTC()
		inc.Updates = append(inc.Updates, upstat.Update{ID: fmt.Sprintf("%d-%d", n, at.Unix()), At: at, Status: first, Body: text(note.Body)})
		if at.After(inc.UpdatedAt) {
			inc.UpdatedAt = at
		}
	}
	if n := len(inc.Updates); n > 0 {
		inc.Updates[n-1].Status = inc.Status
	}
	if inc.Status.Closed() {
		at := inc.UpdatedAt
		inc.ResolvedAt = &at
	}
	return inc
}
