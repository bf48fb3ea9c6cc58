package gcp

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources/internal/document"
)

// filter is the products and locations options (nil sets keep all).
type filter struct{ products, locations document.Names }

func newFilter(o options) filter {
	return filter{products: document.NewNames(o.Products), locations: document.NewNames(o.Locations)}
}

// keep reports whether p (by id or title) passes the set.
func keep(set document.Names, p wirePlace) bool { return set.Match(p.ID, p.Title) }

// componentName is how a product in a location is named: "Google BigQuery
// (europe-north1)", grouped under the location id, so a rule can select a
// product in a region. An incident without location data names the
// product alone, ungrouped.
func componentName(product, location string) upstat.Component {
	if location == "" {
		return upstat.Component{Name: product}
	}
	return upstat.Component{Name: fmt.Sprintf("%s (%s)", product, location), Group: location}
}

// places is what one incident affects after filtering.
type places struct {
	products []string // titles
	all      []string // location ids ever affected
	current  []string // location ids affected now (open incidents)
}

// placesOf returns what w affects after the filter, and false when the
// filter drops the incident. An incident without any location data passes
// a locations filter: it cannot be told not to affect them.
func placesOf(w *wireIncident, f filter) (places, bool) {
	var p places
	for _, pr := range w.Products {
		if keep(f.products, pr) {
			p.products = appendNew(p.products, productName(pr))
		}
	}
	if len(w.Products) == 0 && w.ServiceName != "" && keep(f.products, wirePlace{Title: w.ServiceName}) {
		p.products = []string{w.ServiceName}
	}
	if len(p.products) == 0 {
		return p, false
	}
	lists := [][]wirePlace{w.Current, w.Previous}
	for _, u := range w.Updates {
		lists = append(lists, u.Locations)
	}
	seenAny := false
	for _, list := range lists {
		for _, l := range list {
			seenAny = true
			if keep(f.locations, l) {
				p.all = appendNew(p.all, locationName(l))
			}
		}
	}
	for _, l := range w.Current {
		if keep(f.locations, l) {
			p.current = appendNew(p.current, locationName(l))
		}
	}
	if len(w.Current) == 0 {
		// No currently_affected_locations (older shape): every location
		// the incident named counts as affected while it is open. When
		// the list exists but the filter emptied it, none does.
		p.current = p.all
	}
	if seenAny && len(p.all) == 0 {
		return p, false
	}
	return p, true
}

// productName names a product by its title (its id is opaque).
func productName(p wirePlace) string {
	if p.Title != "" {
		return p.Title
	}
	return p.ID
}

// locationName names a location by its id (europe-north1, global).
func locationName(p wirePlace) string {
	if p.ID != "" {
		return p.ID
	}
	return p.Title
}

func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// severity maps status_impact × severity through the vocabulary:
// "<impact>/<severity>" first, then "<impact>". Unknown when neither is
// known: never operational for a word we do not know.
func severity(m *normalize.Mapper, impact, sev string) upstat.Severity {
	impact, sev = strings.ToLower(strings.TrimSpace(impact)), strings.ToLower(strings.TrimSpace(sev))
	if s, ok := m.Map(Kind, impact+"/"+sev); ok {
		return s
	}
	if s, ok := m.Map(Kind, impact); ok {
		return s
	}
	return upstat.Unknown
}

// build turns the (filtered) incidents into a snapshot: every incident as
// an Incident, and as components every product × location any listed
// incident affected, with the worst severity of the open incidents
// affecting it now (operational when none does). An incident lists every
// product × location it affected; only those it affects now (currently
// affected locations of an open incident) take its severity.
func build(docURL string, m *normalize.Mapper, f filter, incs []wireIncident) *upstat.Snapshot {
	snap := &upstat.Snapshot{HasComponents: true, ListsAllOpen: true}
	type compState struct {
		c       upstat.Component
		worst   upstat.Severity
		unknown bool
	}
	comps := map[string]*compState{}
	var order []string
	touch := func(c upstat.Component, at time.Time) *compState {
		cs, ok := comps[c.Key()]
		if !ok {
			cs = &compState{c: c}
			comps[c.Key()] = cs
			order = append(order, c.Key())
		}
		if at.After(cs.c.UpdatedAt) {
			cs.c.UpdatedAt = at
		}
		return cs
	}
	base, _ := url.Parse(docURL)
	for i := range incs {
		w := &incs[i]
		p, ok := placesOf(w, f)
		if !ok {
			continue
		}
		inc := incident(base, m, w)
		current := map[string]bool{}
		for _, loc := range p.current {
			current[loc] = true
		}
		locs := p.all
		if len(locs) == 0 {
			locs = []string{""}
		}
		for _, prod := range p.products {
			for _, loc := range locs {
				c := componentName(prod, loc)
				inc.Components = append(inc.Components, c.Key())
				cs := touch(c, inc.UpdatedAt)
				if !inc.Active() || (loc != "" && !current[loc]) {
					continue
				}
				if inc.Severity == upstat.Unknown {
					cs.unknown = true
				} else {
					cs.worst = upstat.Worse(cs.worst, inc.Severity)
				}
			}
		}
		snap.Incidents = append(snap.Incidents, inc)
	}
	sort.Strings(order)
	for _, k := range order {
		cs := comps[k]
		cs.c.Status = cs.worst
		if cs.unknown && cs.worst == upstat.Operational {
			cs.c.Status = upstat.Unknown
		}
		snap.Components = append(snap.Components, cs.c)
	}
	return snap
}

// incident normalises one wire incident. Lifecycle: an incident with an
// end, or whose latest update says AVAILABLE, is resolved; an open one is
// investigating, or monitoring when its latest update says it is being
// monitored (GCP has no lifecycle field).
func incident(base *url.URL, m *normalize.Mapper, w *wireIncident) upstat.Incident {
	inc := upstat.Incident{
		ID:       w.ID,
		Kind:     upstat.KindIncident,
		Title:    titleOf(w.ExternalDesc),
		Severity: severity(m, w.StatusImpact, w.Severity),
		Status:   upstat.StateInvestigating,
	}
	if w.URI != "" && base != nil {
		if ref, err := url.Parse(w.URI); err == nil {
			inc.URL = base.ResolveReference(ref).String()
		}
	}
	inc.StartedAt = utc(first(w.Begin, w.Created))
	inc.UpdatedAt = utc(first(w.Modified, w.End, w.Begin, w.Created))
	ups := make([]wireUpdate, len(w.Updates))
	copy(ups, w.Updates)
	sort.SliceStable(ups, func(i, j int) bool {
		return utc(first(ups[i].When, ups[i].Created)).Before(utc(first(ups[j].When, ups[j].Created)))
	})
	ids := map[string]int{}
	for _, u := range ups {
		at := utc(first(u.When, u.Created))
		st := upstat.StateInvestigating
		if strings.EqualFold(u.Status, "AVAILABLE") {
			st = upstat.StateResolved
		}
		// GCP updates have no id; their creation time is stable when
		// the text is edited later (modified changes, created does not).
		id := utc(first(u.Created, u.When)).Format(time.RFC3339)
		if n := ids[id]; n > 0 {
			ids[id]++
			id = fmt.Sprintf("%s#%d", id, n)
		} else {
			ids[id] = 1
		}
		inc.Updates = append(inc.Updates, upstat.Update{ID: id, At: at, Status: st, Body: strings.TrimSpace(u.Text)})
		if at.After(inc.UpdatedAt) {
			inc.UpdatedAt = at
		}
	}
	last := len(inc.Updates) - 1
	switch {
	case w.End != nil:
		end := utc(w.End)
		inc.Status, inc.ResolvedAt = upstat.StateResolved, &end
		if last >= 0 {
			inc.Updates[last].Status = upstat.StateResolved
		}
	case last >= 0 && inc.Updates[last].Status == upstat.StateResolved:
		at := inc.Updates[last].At
		inc.Status, inc.ResolvedAt = upstat.StateResolved, &at
	case last >= 0 && strings.Contains(strings.ToLower(inc.Updates[last].Body), "monitoring"):
		inc.Status = upstat.StateMonitoring
		inc.Updates[last].Status = upstat.StateMonitoring
	}
	return inc
}

// titleOf returns the first non-empty line of external_desc, without the
// markdown "**Title:**" label Workspace puts before it.
func titleOf(desc string) string {
	for _, line := range strings.Split(desc, "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, "**", ""))
		line = strings.TrimSpace(strings.TrimPrefix(line, "Title:"))
		if line != "" {
			return line
		}
	}
	return ""
}

func first(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil && !t.IsZero() {
			return t
		}
	}
	return nil
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
