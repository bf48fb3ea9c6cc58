package statusio

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// decodeNormalize decodes a status document and normalises it: the pure
// half of the adapter. home is the page's address for incident links
// ("" for none); pageID is part of those links.
func decodeNormalize(home, pageID string, m *normalize.Mapper, body []byte) (*upstat.Snapshot, error) {
	d, err := decode(body)
	if err != nil {
		return nil, err
	}
	r := d.Result
	n := normaliser{m: m, home: home, pageID: pageID}
	// The endpoint lists open incidents only: resolved ones vanish.
	snap := &upstat.Snapshot{HasComponents: true, ListsAllOpen: true, Components: []upstat.Component{}}
	if r.Overall != nil {
		if sev, ok := m.Map(Kind, string(r.Overall.StatusCode)); ok {
			snap.Indicator = &sev
		}
	}
	n.containers = make(map[string][]wireRef, len(r.Status))
	for i := range r.Status {
		c := &r.Status[i]
		snap.Components = append(snap.Components, n.components(c)...)
		runs := make([]wireRef, 0, len(c.Containers))
		for _, k := range c.Containers {
			runs = append(runs, wireRef{ID: k.ID, Name: k.Name})
		}
		n.containers[c.ID] = runs
	}
	for i := range r.Incidents {
		snap.Incidents = append(snap.Incidents, n.incident(&r.Incidents[i], false, upstat.StateInvestigating))
	}
	for i := range r.Maintenance.Active {
		snap.Incidents = append(snap.Incidents, n.incident(&r.Maintenance.Active[i], true, upstat.StateInProgress))
	}
	for i := range r.Maintenance.Upcoming {
		snap.Incidents = append(snap.Incidents, n.incident(&r.Maintenance.Upcoming[i], true, upstat.StateScheduled))
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
	m            *normalize.Mapper
	home, pageID string
	containers   map[string][]wireRef // component id → the containers it runs in
}

func (n *normaliser) severity(c code) upstat.Severity {
	if sev, ok := n.m.Map(Kind, string(c)); ok {
		return sev
	}
	return upstat.Unknown
}

// name is how a component in a container is named: "Website (Google
// Compute Engine)", in the component's group "Website", so a rule can
// select one container of a component, or all of them by group.
func name(component, container string) string {
	return strings.TrimSpace(component) + " (" + strings.TrimSpace(container) + ")"
}

// components returns one component per container the component runs in
// (a component without containers is one component, without a group).
func (n *normaliser) components(c *wireComponent) []upstat.Component {
	if len(c.Containers) == 0 {
		return []upstat.Component{{Name: strings.TrimSpace(c.Name), Status: n.severity(c.StatusCode), UpdatedAt: c.Updated.UTC()}}
	}
	out := make([]upstat.Component, 0, len(c.Containers))
	for i := range c.Containers {
		k := &c.Containers[i]
		out = append(out, upstat.Component{
			Name: name(c.Name, k.Name), Group: strings.TrimSpace(c.Name),
			Status: n.severity(k.StatusCode), UpdatedAt: k.Updated.UTC(),
		})
	}
	return out
}

// incidentStates are the message states: 100 investigating, 200
// identified, 300 monitoring, 400 resolved; for a maintenance 100 is the
// announcement and 200 the work in progress.
var incidentStates = map[code]upstat.IncidentState{
	"100": upstat.StateInvestigating, "200": upstat.StateIdentified,
	"300": upstat.StateMonitoring, "400": upstat.StateResolved,
}

var maintenanceStates = map[code]upstat.IncidentState{
	"100": upstat.StateScheduled, "200": upstat.StateInProgress,
	"300": upstat.StateVerifying, "400": upstat.StateCompleted,
}

// incident normalises an incident or a maintenance. Its severity is the
// status code of its latest message (of its worst, once resolved; an
// unknown code is degraded, never operational); a maintenance is
// maintenance. Its state is its latest
// message's, except that a maintenance takes its list's (active or
// upcoming) unless its messages say it completed.
func (n *normaliser) incident(w *wireIncident, maint bool, initial upstat.IncidentState) upstat.Incident {
	inc := upstat.Incident{ID: w.ID, Kind: upstat.KindIncident, Title: strings.TrimSpace(w.Name), Status: initial, Severity: upstat.Degraded}
	states := incidentStates
	if maint {
		inc.Kind, inc.Severity, states = upstat.KindMaintenance, upstat.Maintenance, maintenanceStates
	}
	msgs := slices.Clone(w.Messages)
	slices.SortStableFunc(msgs, func(a, b wireMessage) int { return a.Datetime.Compare(b.Datetime) })
	state := initial
	if maint {
		state = upstat.StateScheduled
	}
	for i := range msgs {
		if s, ok := states[msgs[i].State]; ok {
			state = s
		}
		inc.Updates = append(inc.Updates, upstat.Update{
			ID: strconv.Itoa(i) + "-" + string(state), At: msgs[i].Datetime.UTC(), Status: state,
			Body: strings.TrimSpace(strings.ReplaceAll(msgs[i].Details, "\r\n", "\n")),
		})
	}
	if k := len(msgs); k > 0 && (!maint || state.Closed()) {
		inc.Status = state
	}
	if !maint && len(msgs) > 0 {
		// An open incident is as bad as its latest message says; a
		// resolved one keeps the worst it reached.
		sev := n.severity(msgs[len(msgs)-1].Status)
		if state.Closed() {
			for i := range msgs {
				sev = upstat.Worse(sev, n.severity(msgs[i].Status))
			}
		}
		if sev != upstat.Unknown {
			inc.Severity = sev
		}
	}
	inc.Components = n.affected(w)
	inc.StartedAt = w.Open.UTC()
	if maint {
		inc.StartedAt = cmp.Or(w.PlannedStart.UTC(), w.Open.UTC())
		inc.ScheduledFor, inc.ScheduledUntil = optional(w.PlannedStart.UTC()), optional(w.PlannedEnd.UTC())
	}
	inc.UpdatedAt = inc.StartedAt
	if k := len(inc.Updates); k > 0 && inc.Updates[k-1].At.After(inc.UpdatedAt) {
		inc.UpdatedAt = inc.Updates[k-1].At
	}
	if inc.Status.Closed() {
		inc.ResolvedAt = optional(inc.UpdatedAt)
	}
	if n.home != "" && w.ID != "" {
		path := "/pages/incident/"
		if maint {
			path = "/pages/maintenance/"
		}
		inc.URL = n.home + path + n.pageID + "/" + w.ID
	}
	return inc
}

// affected names the components an incident affects, as components are
// named: each affected component in each affected container it runs in
// (in all its containers when the incident names none). A component the
// status list does not have is named by its affected containers.
func (n *normaliser) affected(w *wireIncident) []string {
	var out []string
	for _, c := range w.Components {
		runs, known := n.containers[c.ID]
		switch {
		case known && len(runs) > 0:
			for _, k := range runs {
				if len(w.Containers) == 0 || slices.ContainsFunc(w.Containers, func(r wireRef) bool { return r.ID == k.ID }) {
					out = append(out, name(c.Name, k.Name))
				}
			}
		case known || len(w.Containers) == 0:
			out = append(out, strings.TrimSpace(c.Name))
		default:
			for _, k := range w.Containers {
				out = append(out, name(c.Name, k.Name))
			}
		}
	}
	return out
}

func optional(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
