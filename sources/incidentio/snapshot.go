package incidentio

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// decodeNormalize decodes a body and normalises it: the pure half of the
// adapter (goldens, fuzzing, the benchmark). page is the page's public
// address, used for links when the document has none; now places a
// maintenance whose status word is unknown.
func decodeNormalize(page string, m *normalize.Mapper, now time.Time, body []byte) (*upstat.Snapshot, error) {
	d, err := decode(body)
	if err != nil {
		return nil, err
	}
	n := normaliser{m: m, now: now, page: page}
	return n.document(d), nil
}

// document normalises either document.
func (n *normaliser) document(d *document) *upstat.Snapshot {
	if d.Summary != nil {
		return n.proxy(d.Summary)
	}
	return n.widget(d)
}

// normaliser carries what normalising one document needs.
type normaliser struct {
	m     *normalize.Mapper
	now   time.Time
	page  string
	names map[string]upstat.Component // component id → name and group
}

// severity maps a status or impact word; unknown words are Unknown.
func (n *normaliser) severity(word string) upstat.Severity {
	if sev, ok := n.m.Map(Kind, word); ok {
		return sev
	}
	return upstat.Unknown
}

// proxy normalises the page's own document. Components come from the
// page's structure (groups in order, then any component the structure
// does not place); a component the page does not list as affected is
// operational, one listed with an unknown status word is unknown.
func (n *normaliser) proxy(p *proxySummary) *upstat.Snapshot {
	if p.PublicURL != "" {
		n.page = p.PublicURL
	}
	status := map[string]string{}
	for i := range p.Affected {
		status[p.Affected[i].id()] = p.Affected[i].status()
	}
	n.names = map[string]upstat.Component{}
	snap := &upstat.Snapshot{HasComponents: true, ListsAllOpen: true, Components: []upstat.Component{}}
	add := func(ref *wireRef, group string, hidden bool) {
		id := ref.id()
		if _, dup := n.names[id]; dup || id == "" {
			return
		}
		c := upstat.Component{Name: strings.TrimSpace(ref.Name), Group: group, Status: upstat.Operational, Hidden: hidden || ref.Hidden}
		if w, ok := status[id]; ok {
			c.Status = n.severity(w)
		}
		n.names[id] = c
		if c.Name != "" {
			snap.Components = append(snap.Components, c)
		}
	}
	listed := map[string]*wireRef{}
	for i := range p.Components {
		listed[p.Components[i].id()] = &p.Components[i]
	}
	named := func(ref *wireRef) *wireRef {
		if c := listed[ref.id()]; ref.Name == "" && c != nil {
			r := *ref
			r.Name = c.Name
			return &r
		}
		return ref
	}
	if p.Structure != nil {
		for _, item := range p.Structure.Items {
			switch {
			case item.Group != nil:
				for i := range item.Group.Components {
					add(named(&item.Group.Components[i]), strings.TrimSpace(item.Group.Name), item.Group.Hidden)
				}
			case item.Component != nil:
				add(named(item.Component), "", false)
			}
		}
	}
	for i := range p.Components {
		add(&p.Components[i], "", false)
	}
	for i := range p.Ongoing {
		snap.Incidents = append(snap.Incidents, n.incident(&p.Ongoing[i]))
	}
	for i := range p.Maintenances {
		snap.Incidents = append(snap.Incidents, n.maintenance(&p.Maintenances[i]))
	}
	sortIncidents(snap.Incidents)
	return snap
}

// widget normalises a Widget API document: it lists ongoing incidents and
// maintenances with the components they affect, but not the page's
// components, so the snapshot reports none.
func (n *normaliser) widget(d *document) *upstat.Snapshot {
	if d.PageURL != "" {
		n.page = d.PageURL
	}
	snap := &upstat.Snapshot{ListsAllOpen: true}
	for i := range d.Ongoing {
		snap.Incidents = append(snap.Incidents, n.incident(&d.Ongoing[i]))
	}
	for _, list := range [][]wireIncident{d.InProgress, d.Maintenance} {
		for i := range list {
			snap.Incidents = append(snap.Incidents, n.maintenance(&list[i]))
		}
	}
	sortIncidents(snap.Incidents)
	return snap
}

// incident normalises an ongoing incident. Its severity is the vendor's
// current_worst_impact (Widget API), else the worst current component
// impact (impacts that have ended are history), else, when all have
// ended, the worst impact it had, else the worst affected component; an
// incident that says nothing usable is degraded, never operational.
func (n *normaliser) incident(w *wireIncident) upstat.Incident {
	inc := upstat.Incident{ID: w.ID, Kind: upstat.KindIncident, Title: strings.TrimSpace(w.Name), URL: n.link(w)}
	sev := n.severity(w.CurrentWorstImpact)
	if sev == upstat.Unknown {
		for i := range w.Impacts {
			if r := &w.Impacts[i]; r.EndAt.time().IsZero() {
				sev = upstat.Worse(sev, n.severity(r.status()))
			}
		}
	}
	if sev == upstat.Unknown { // every impact has ended (a resolved incident): the worst it was
		for i := range w.Impacts {
			sev = upstat.Worse(sev, n.severity(w.Impacts[i].status()))
		}
	}
	if sev == upstat.Unknown {
		for i := range w.Affected {
			sev = upstat.Worse(sev, n.severity(w.Affected[i].status()))
		}
	}
	if sev == upstat.Unknown {
		sev = upstat.Degraded
	}
	inc.Severity = sev
	inc.Components = n.componentNames(w.Impacts, w.Affected)
	inc.Updates = n.updates(w, upstat.StateInvestigating)
	inc.Status = upstat.StateInvestigating
	if s, ok := normalize.State(w.Status); ok {
		inc.Status = s
	} else if len(inc.Updates) > 0 {
		inc.Status = inc.Updates[len(inc.Updates)-1].Status
	}
	inc.StartedAt = cmp.Or(w.PublishedAt.time(), w.CreatedAt.time(), earliestImpact(w.Impacts))
	if inc.StartedAt.IsZero() && len(inc.Updates) > 0 {
		inc.StartedAt = inc.Updates[0].At
	}
	n.finish(&inc, w)
	return inc
}

// maintenanceStates are the maintenance lifecycle words of both documents.
var maintenanceStates = map[string]upstat.IncidentState{
	"scheduled":               upstat.StateScheduled,
	"maintenance_scheduled":   upstat.StateScheduled,
	"in_progress":             upstat.StateInProgress,
	"maintenance_in_progress": upstat.StateInProgress,
	"completed":               upstat.StateCompleted,
	"complete":                upstat.StateCompleted,
	"maintenance_complete":    upstat.StateCompleted,
	"maintenance_completed":   upstat.StateCompleted,
}

// maintenance normalises a maintenance: it starts when its window starts.
// An unknown status word is read from the window: in progress between its
// start and end, scheduled before.
func (n *normaliser) maintenance(w *wireIncident) upstat.Incident {
	start := cmp.Or(w.ScheduledStartAt.time(), w.StartsAt.time())
	end := cmp.Or(w.ScheduledEndAt.time(), w.EndsAt.time())
	inc := upstat.Incident{
		ID: w.ID, Kind: upstat.KindMaintenance, Title: strings.TrimSpace(w.Name), URL: n.link(w),
		Severity: upstat.Maintenance, ScheduledFor: optional(start), ScheduledUntil: optional(end),
	}
	state, ok := maintenanceStates[strings.ToLower(strings.TrimSpace(w.Status))]
	if !ok {
		state = upstat.StateScheduled
		if !start.IsZero() && !n.now.Before(start) {
			state = upstat.StateInProgress
		}
	}
	inc.Status = state
	inc.Components = n.componentNames(w.Components, w.Affected)
	inc.Updates = n.updates(w, state)
	inc.StartedAt = cmp.Or(start, w.CreatedAt.time(), w.PublishedAt.time())
	n.finish(&inc, w)
	return inc
}

// finish sets the incident's last update and resolution times.
func (n *normaliser) finish(inc *upstat.Incident, w *wireIncident) {
	var last time.Time
	if k := len(inc.Updates); k > 0 {
		last = inc.Updates[k-1].At
	}
	inc.UpdatedAt = cmp.Or(latest(w.UpdatedAt.time(), last, w.LastUpdateAt.time()), inc.StartedAt)
	if inc.Status.Closed() {
		inc.ResolvedAt = optional(inc.UpdatedAt)
	}
}

// updates returns the timeline oldest first. The page's document carries
// every update (the status each moved to, when it says); the Widget API
// only the latest message, which becomes the one update. An update
// without an id is keyed by its ordinal from the oldest and its status.
func (n *normaliser) updates(w *wireIncident, initial upstat.IncidentState) []upstat.Update {
	if len(w.Updates) == 0 {
		if w.LastUpdateMessage == "" && w.LastUpdateAt.time().IsZero() {
			return nil
		}
		state := initial
		if s, ok := normalize.State(w.Status); ok {
			state = s
		} else if s, ok := maintenanceStates[strings.ToLower(w.Status)]; ok {
			state = s
		}
		return []upstat.Update{{ID: "latest-" + strconv.FormatInt(w.LastUpdateAt.time().Unix(), 10), At: w.LastUpdateAt.time(), Status: state, Body: strings.TrimSpace(w.LastUpdateMessage)}}
	}
	list := slices.Clone(w.Updates)
	slices.SortStableFunc(list, func(a, b wireUpdate) int { return a.PublishedAt.time().Compare(b.PublishedAt.time()) })
	out := make([]upstat.Update, len(list))
	state := initial
	for i := range list {
		u := &list[i]
		if s, ok := normalize.State(u.ToStatus); ok {
			state = s
		} else if s, ok := maintenanceStates[strings.ToLower(u.ToStatus)]; ok {
			state = s
		}
		id := u.ID
		if id == "" {
			id = strconv.Itoa(i) + "-" + string(state)
		}
		out[i] = upstat.Update{ID: id, At: u.PublishedAt.time(), Status: state, Body: strings.TrimSpace(u.text())}
	}
	return out
}

// componentNames names the components of an incident: its impacts (or a
// maintenance's components) first, then its affected components, joined
// to the page's component names where the reference carries none.
func (n *normaliser) componentNames(lists ...[]wireRef) []string {
	var out []string
	for _, list := range lists {
		for i := range list {
			name := strings.TrimSpace(list[i].Name)
			if c, ok := n.names[list[i].id()]; ok && name == "" {
				name = c.Name
			}
			if name != "" && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// link returns the incident's address with incident.io's doubled slashes
// collapsed ("https://status.example.com//incidents/01H…").
func (n *normaliser) link(w *wireIncident) string {
	raw := w.URL
	if raw == "" {
		if n.page == "" || w.ID == "" {
			return ""
		}
		raw = strings.TrimRight(n.page, "/") + "/incidents/" + w.ID
	}
	if scheme, rest, ok := strings.Cut(raw, "://"); ok {
		return scheme + "://" + cleanSlashes(rest)
	}
	return raw
}

func earliestImpact(refs []wireRef) time.Time {
	var t time.Time
	for i := range refs {
		if s := refs[i].StartAt.time(); !s.IsZero() && (t.IsZero() || s.Before(t)) {
			t = s
		}
	}
	return t
}

// sortIncidents orders incidents newest first, then by id.
func sortIncidents(list []upstat.Incident) {
	slices.SortStableFunc(list, func(a, b upstat.Incident) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
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
