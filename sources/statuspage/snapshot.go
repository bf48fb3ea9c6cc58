package statuspage

import (
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// decodeNormalize decodes one document and normalises it on its own: the
// pure half of the adapter, used by the golden tests, the fuzzers and the
// benchmark.
func decodeNormalize(base string, m *normalize.Mapper, kind docKind, body []byte) (*upstat.Snapshot, error) {
	d, err := decode(kind, body)
	if err != nil {
		return nil, err
	}
	return build(base, m, d), nil
}

// build normalises a summary and the history documents (incidents.json,
// scheduled-maintenances.json; nil entries are skipped) into one Snapshot.
// Components and the indicator come from the summary; incidents are merged
// from all documents by id, the most recently updated version winning (on
// a tie the earlier document, the summary, wins).
//
// Trap: the page indicator is derived from component statuses only and can
// say "none" while a minor incident is open. We report both faithfully; the
// aggregator takes the worst of components and active incidents.
func build(base string, m *normalize.Mapper, summary *document, history ...*document) *upstat.Snapshot {
	snap := &upstat.Snapshot{}
	docs := append([]*document{summary}, history...)
	n := names{}
	for _, d := range docs {
		if d != nil {
			n.index(d)
		}
	}
	if summary != nil {
		snap.HasComponents = summary.Components != nil
		snap.Components, snap.Warnings = components(m, summary.Components, n)
		if summary.Status != nil && summary.Status.Indicator != "" {
			if sev, ok := m.StatusWord(normalize.DomainIndicator, summary.Status.Indicator); ok {
				snap.Indicator = &sev
			} else {
				snap.Warnings = append(snap.Warnings, normalize.Unrecognised("page indicator", summary.Status.Indicator))
			}
		}
	}

	type pick struct {
		w     *wireIncident
		maint bool
	}
	byID := map[string]pick{}
	var order []string
	consider := func(list []wireIncident, maint bool) {
		for i := range list {
			w := &list[i]
			if w.ID == "" {
				continue // no identity to merge or store it under
			}
			prev, seen := byID[w.ID]
			if !seen {
				order = append(order, w.ID)
				byID[w.ID] = pick{w, maint}
				continue
			}
			// An id listed among maintenances anywhere is a maintenance.
			maint = maint || prev.maint
			if w.UpdatedAt.time().After(prev.w.UpdatedAt.time()) {
				byID[w.ID] = pick{w, maint}
			} else {
				byID[w.ID] = pick{prev.w, maint}
			}
		}
	}
	for _, d := range docs {
		if d != nil {
			consider(d.Incidents, false)
			consider(d.Maintenances, true)
		}
	}
	for _, id := range order {
		p := byID[id]
		snap.Incidents = append(snap.Incidents, incident(base, m, n, p.w, p.maint))
	}
	slices.SortStableFunc(snap.Incidents, func(a, b upstat.Incident) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return snap
}

// names indexes component ids: leaf and group names, for resolving
// group_id and affected_components codes.
type names map[string]string

func (n names) index(d *document) {
	add := func(list []wireComponent) {
		for i := range list {
			if c := &list[i]; c.ID != "" && c.Name != "" {
				n[c.ID] = c.Name
			}
		}
	}
	add(d.Components)
	for _, list := range [][]wireIncident{d.Incidents, d.Maintenances} {
		for i := range list {
			add(list[i].Components)
		}
	}
}

// components turns component rows into leaves. Group rows are containers,
// not components: a leaf takes its group's name through group_id
// (Cloudflare: 8 groups, 470 leaves, names unique only within a group).
// only_show_if_degraded rows are kept and marked Hidden; two leaves of one
// name and group are told apart by their ids (normalize.DistinctComponents).
// A status word no
// table knows (normalize.StatusWord) makes the component Unknown and a
// warning.
func components(m *normalize.Mapper, rows []wireComponent, n names) ([]upstat.Component, []string) {
	out := make([]upstat.Component, 0, len(rows))
	var ids, warnings []string
	for i := range rows {
		r := &rows[i]
		if r.isGroup() {
			continue
		}
		ids = append(ids, r.ID)
		c := upstat.Component{
			Name:      r.Name,
			Group:     n[r.GroupID],
			UpdatedAt: r.UpdatedAt.time(),
			Hidden:    r.OnlyShowIfDegraded,
		}
		var ok bool
		if c.Status, ok = m.StatusWord(normalize.DomainComponent, r.Status); !ok {
			warnings = append(warnings, normalize.ComponentWarning(c, r.Status))
		}
		out = append(out, c)
	}
	normalize.DistinctComponents(out, ids)
	return out, warnings
}

// maintenanceWords are the lifecycle words only maintenances use.
var maintenanceWords = map[string]bool{"scheduled": true, "in_progress": true, "verifying": true, "completed": true}

// incident normalises one incident or maintenance.
func incident(base string, m *normalize.Mapper, n names, w *wireIncident, maint bool) upstat.Incident {
	// incidents.json lists maintenances too: recognise them by their
	// window, their impact or their lifecycle words.
	maint = maint || !w.ScheduledFor.time().IsZero() ||
		strings.EqualFold(w.Impact, "maintenance") || maintenanceWords[strings.ToLower(w.Status)]
	inc := upstat.Incident{
		ID:    w.ID,
		Kind:  upstat.KindIncident,
		Title: strings.TrimSpace(w.Name),
		URL:   w.Shortlink,
	}
	if inc.URL == "" {
		inc.URL = base + "/incidents/" + w.ID
	}
	initial := upstat.StateInvestigating
	if maint {
		inc.Kind = upstat.KindMaintenance
		initial = upstat.StateScheduled
	}

	// Severity: impact "none" incidents are listed as operational, never
	// dropped. A missing or unmapped impact counts as degraded for an
	// incident (something is being reported) and maintenance for one.
	sev, ok := m.Map(normalize.DomainImpact, w.Impact)
	if !ok {
		sev = upstat.Degraded
		if maint {
			sev = upstat.Maintenance
		}
	}
	inc.Severity = sev

	inc.Updates = updates(w.Updates, initial)
	inc.Status, ok = normalize.State(w.Status) // postmortem → resolved
	if !ok {
		inc.Status = initial
		if len(inc.Updates) > 0 {
			inc.Status = inc.Updates[len(inc.Updates)-1].Status
		}
	}
	inc.Components = incidentComponents(w, n)

	// Times. Old pages (2019) have no started_at: created_at stands in. A
	// maintenance's created_at is when it was announced, often days before
	// its window: it starts at scheduled_for when there is one.
	inc.StartedAt = firstSet(w.StartedAt.time(), w.CreatedAt.time())
	if maint {
		inc.StartedAt = firstSet(w.ScheduledFor.time(), w.CreatedAt.time(), w.StartedAt.time())
	}
	if inc.StartedAt.IsZero() && len(inc.Updates) > 0 {
		inc.StartedAt = inc.Updates[0].At
	}
	var last time.Time
	if len(inc.Updates) > 0 {
		last = inc.Updates[len(inc.Updates)-1].At
	}
	inc.UpdatedAt = firstSet(w.UpdatedAt.time(), last, inc.StartedAt)
	inc.ScheduledFor = optional(w.ScheduledFor.time())
	inc.ScheduledUntil = optional(w.ScheduledUntil.time())
	if inc.Status.Closed() {
		closedAt := closingUpdate(inc.Updates)
		// A maintenance ends when its completed update says so; an
		// incident at resolved_at, else (postmortem pages without it) at
		// its resolved update.
		t := firstSet(w.ResolvedAt.time(), closedAt, inc.UpdatedAt)
		if maint {
			t = firstSet(closedAt, w.ResolvedAt.time(), inc.UpdatedAt)
		}
		inc.ResolvedAt = optional(t)
	}
	return inc
}

// updates returns the timeline oldest first. The API lists updates newest
// first, so the input is reversed before a stable sort by display time:
// updates sharing a timestamp keep their publication order. display_at is
// the user-facing time and may be back-dated before created_at; an edited
// update (updated_at > created_at) just carries its new body and keeps its
// id, so the aggregator rewrites it in place.
func updates(list []wireUpdate, initial upstat.IncidentState) []upstat.Update {
	if len(list) == 0 {
		return nil
	}
	out := make([]upstat.Update, len(list))
	prev := initial
	for i := range out {
		u := &list[len(list)-1-i]
		// An unknown word means "no change of status".
		if s, ok := normalize.State(u.Status); ok {
			prev = s
		}
		out[i] = upstat.Update{
			ID:     u.ID,
			At:     firstSet(u.DisplayAt.time(), u.CreatedAt.time()),
			Status: prev,
			Body:   cleanBody(u.Body),
		}
	}
	slices.SortStableFunc(out, func(a, b upstat.Update) int { return a.At.Compare(b.At) })
	return out
}

// cleanBody trims a body and turns \r\n (and lone \r) into \n.
func cleanBody(s string) string {
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return strings.TrimSpace(s)
}

// closingUpdate returns when the final closed run of the timeline began
// (the resolved or completed update; a later postmortem does not move it),
// or the zero time when the timeline does not end closed.
func closingUpdate(us []upstat.Update) time.Time {
	var at time.Time
	for i := range us {
		switch {
		case !us[i].Status.Closed():
			at = time.Time{}
		case at.IsZero():
			at = us[i].At
		}
	}
	return at
}

// incidentComponents names the components an incident affects: the leaf
// names of its components list; when that is empty (incident.io shims,
// pages that never filled it), the codes of its updates' affected
// components joined to component ids, because affected names carry a
// group prefix ("Cloudflare Sites and Services - Billing"); an unknown code
// falls back to the affected name as given. Old pages with neither have
// none.
func incidentComponents(w *wireIncident, n names) []string {
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if name != "" && name != noComponents && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for i := range w.Components {
		if c := &w.Components[i]; !c.isGroup() {
			add(c.Name)
		}
	}
	if len(out) > 0 {
		return out
	}
	for i := len(w.Updates) - 1; i >= 0; i-- { // oldest first
		for _, a := range w.Updates[i].Affected {
			name, ok := n[a.Code]
			if !ok {
				name = a.Name
			}
			add(name)
		}
	}
	return out
}

// noComponents is the placeholder Statuspage lists among an update's
// affected components when none was: it is not a component.
const noComponents = "No components were affected by this update."

// firstSet returns the first non-zero time.
func firstSet(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func optional(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
