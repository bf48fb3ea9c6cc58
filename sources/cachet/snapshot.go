package cachet

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// documents are the bodies of one poll: every page of components, and
// the groups, incidents and schedules lists (nil: the endpoint does not
// exist on this instance).
type documents struct {
	components [][]byte
	groups     []byte
	incidents  []byte
	schedules  []byte
}

// decodeNormalize decodes a poll's documents and normalises them: the
// pure half of the adapter. base is the page's address (for links when
// an incident has no permalink); zone is the instance's.
func decodeNormalize(base string, zone *time.Location, m *normalize.Mapper, d documents) (*upstat.Snapshot, error) {
	n := normaliser{m: m, zone: zone, base: base, names: map[code]string{}}
	var comps []wireComponent
	for _, page := range d.components {
		list, err := decodeList[wireComponent]("components", page)
		if err != nil {
			return nil, err
		}
		comps = append(comps, list...)
	}
	groups := map[code]string{}
	if d.groups != nil {
		list, err := decodeList[wireGroup]("groups", d.groups)
		if err != nil {
			return nil, err
		}
		for _, g := range list {
			groups[g.ID] = strings.TrimSpace(g.Name)
		}
	}
	incidents, err := decodeList[wireIncident]("incidents", d.incidents)
	if err != nil {
		return nil, err
	}
	var schedules []wireSchedule
	if d.schedules != nil {
		if schedules, err = decodeList[wireSchedule]("schedules", d.schedules); err != nil {
			return nil, err
		}
	}

	snap := &upstat.Snapshot{HasComponents: true, Components: make([]upstat.Component, 0, len(comps))}
	status := map[code]upstat.Severity{}
	for i := range comps {
		c := &comps[i]
		if c.Enabled != nil && !*c.Enabled {
			continue // disabled components are not shown on the page
		}
		sev := n.severity(c.Status)
		name := strings.TrimSpace(c.Name)
		n.names[c.ID], status[c.ID] = name, sev
		snap.Components = append(snap.Components, upstat.Component{Name: name, Group: groups[c.GroupID], Status: sev, UpdatedAt: n.time(c.UpdatedAt)})
	}
	for i := range incidents {
		snap.Incidents = append(snap.Incidents, n.incident(&incidents[i], status))
	}
	for i := range schedules {
		snap.Incidents = append(snap.Incidents, n.schedule(&schedules[i]))
	}
	if n.err != nil {
		return nil, n.err
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
	m     *normalize.Mapper
	zone  *time.Location
	base  string
	names map[code]string // component id → name
	err   error           // the first unreadable time
}

func (n *normaliser) severity(c code) upstat.Severity {
	if sev, ok := n.m.Map(Kind, string(c)); ok {
		return sev
	}
	return upstat.Unknown
}

// time parses a Cachet time in the instance's zone; an unreadable one
// fails the whole document (recorded in n.err).
func (n *normaliser) time(r rawTime) time.Time {
	if r == "" {
		return time.Time{}
	}
	t, err := normalize.ParseTime(string(r), normalize.TimeContext{Zone: n.zone})
	if err != nil && n.err == nil {
		n.err = errors.Join(errors.New("decode: time"), err)
	}
	return t
}

// incidentStates are Cachet's incident statuses: 0 scheduled (a
// maintenance, before 2.4), 1 investigating, 2 identified, 3 watching,
// 4 fixed.
var incidentStates = map[code]upstat.IncidentState{
	"0": upstat.StateScheduled, "1": upstat.StateInvestigating, "2": upstat.StateIdentified,
	"3": upstat.StateMonitoring, "4": upstat.StateResolved,
}

// incident normalises an incident. Its state is latest_status (2.4+)
// else status — never human_status, which can disagree. Cachet incidents
// carry no impact: an open one is as bad as its component is now (when
// that is worse than operational), else degraded; never operational.
func (n *normaliser) incident(w *wireIncident, status map[code]upstat.Severity) upstat.Incident {
	inc := upstat.Incident{ID: string(w.ID), Kind: upstat.KindIncident, Title: strings.TrimSpace(w.Name), URL: w.Permalink, Severity: upstat.Degraded}
	if inc.URL == "" && w.ID != "" {
		inc.URL = n.base + "/incidents/" + string(w.ID)
	}
	state, ok := incidentStates[cmp.Or(w.LatestStatus, w.Status)]
	if !ok {
		state = upstat.StateInvestigating
	}
	inc.Status = state
	if name := n.names[w.ComponentID]; name != "" {
		inc.Components = []string{name}
	}
	if sev := status[w.ComponentID]; state.Active() && sev > upstat.Operational {
		inc.Severity = sev
	}
	inc.StartedAt = cmp.Or(n.time(w.OccurredAt), n.time(w.CreatedAt))
	if state == upstat.StateScheduled { // a pre-2.4 maintenance
		inc.Kind, inc.Severity = upstat.KindMaintenance, upstat.Maintenance
		start := n.time(w.ScheduledAt)
		inc.StartedAt, inc.ScheduledFor = cmp.Or(start, inc.StartedAt), optional(start)
	}
	// The incident's own message is its first update; then its updates.
	first := upstat.StateInvestigating
	if inc.Kind == upstat.KindMaintenance {
		first = upstat.StateScheduled
	}
	if len(w.Updates) == 0 {
		first = state
	}
	inc.Updates = append(inc.Updates, upstat.Update{ID: "message", At: cmp.Or(n.time(w.CreatedAt), inc.StartedAt), Status: first, Body: strings.TrimSpace(w.Message)})
	ups := slices.Clone(w.Updates)
	slices.SortStableFunc(ups, func(a, b wireUpdate) int { return n.time(a.CreatedAt).Compare(n.time(b.CreatedAt)) })
	for _, u := range ups {
		s, ok := incidentStates[u.Status]
		if !ok {
			s = inc.Updates[len(inc.Updates)-1].Status
		}
		inc.Updates = append(inc.Updates, upstat.Update{ID: string(u.ID), At: n.time(u.CreatedAt), Status: s, Body: strings.TrimSpace(u.Message)})
	}
	last := inc.Updates[len(inc.Updates)-1].At
	inc.UpdatedAt = latest(n.time(w.UpdatedAt), last, inc.StartedAt)
	if state.Closed() {
		inc.ResolvedAt = optional(last)
		if len(w.Updates) == 0 {
			inc.ResolvedAt = optional(inc.UpdatedAt)
		}
	}
	return inc
}

// scheduleStates are a schedule's statuses: 0 upcoming, 1 in progress,
// 2 complete.
var scheduleStates = map[code]upstat.IncidentState{
	"0": upstat.StateScheduled, "1": upstat.StateInProgress, "2": upstat.StateCompleted,
}

// schedule normalises a maintenance (2.4+): it starts at scheduled_at and
// ends at completed_at; its message is the announcement.
func (n *normaliser) schedule(w *wireSchedule) upstat.Incident {
	start, end := n.time(w.ScheduledAt), n.time(w.CompletedAt)
	state, ok := scheduleStates[w.Status]
	if !ok {
		state = upstat.StateScheduled
	}
	inc := upstat.Incident{
		ID: "schedule-" + string(w.ID), Kind: upstat.KindMaintenance, Title: strings.TrimSpace(w.Name),
		Severity: upstat.Maintenance, Status: state, StartedAt: cmp.Or(start, n.time(w.CreatedAt)),
		ScheduledFor: optional(start), ScheduledUntil: optional(end),
	}
	if w.ID != "" {
		inc.URL = n.base + "/schedules/" + string(w.ID)
	}
	for _, c := range w.Components {
		if name := cmp.Or(strings.TrimSpace(c.Name), n.names[c.ID]); name != "" {
			inc.Components = append(inc.Components, name)
		}
	}
	if w.Message != "" {
		inc.Updates = []upstat.Update{{ID: "message", At: cmp.Or(n.time(w.CreatedAt), inc.StartedAt), Status: upstat.StateScheduled, Body: strings.TrimSpace(w.Message)}}
	}
	inc.UpdatedAt = latest(n.time(w.UpdatedAt), inc.StartedAt)
	if state.Closed() {
		inc.ResolvedAt = optional(cmp.Or(end, inc.UpdatedAt))
	}
	return inc
}

func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
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
