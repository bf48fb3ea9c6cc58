package aws

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources/internal/document"
)

// filter is the regions and services options (nil sets keep all).
type filter struct{ regions, services document.Names }

func newFilter(o options) filter {
	return filter{regions: document.NewNames(o.Regions), services: document.NewNames(o.Services)}
}

// impact is one service of an event in one region, with its status code.
type impact struct {
	comp upstat.Component
	code code
}

// impactsOf lists what ev impacts, after the filter: its
// impacted_services, or the event's own service when it lists none.
func impactsOf(ev *wireEvent, f filter) []impact {
	type svc struct {
		key, name string
		current   code
	}
	var list []svc
	for key, is := range ev.Impacted {
		list = append(list, svc{key, is.ServiceName, is.Current})
	}
	if len(list) == 0 {
		list = append(list, svc{ev.Service, ev.ServiceName, ev.Status})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].key < list[j].key })
	evRegion := regionOf(ev)
	var out []impact
	for _, s := range list {
		code, region := splitService(s.key)
		regionName := ""
		if region == evRegion {
			regionName = ev.RegionName
		}
		if !f.regions.Match(region, regionName) || !f.services.Match(code, s.name) {
			continue
		}
		name := s.name
		if name == "" {
			name = code
		}
		out = append(out, impact{comp: componentOf(name, region), code: s.current})
	}
	return out
}

// componentOf names a service in a region: "Amazon Elastic Compute Cloud
// (us-east-1)" in group us-east-1.
func componentOf(service, region string) upstat.Component {
	return upstat.Component{Name: fmt.Sprintf("%s (%s)", service, region), Group: region}
}

// severity maps a status code; Unknown for a code not in the vocabulary.
func severity(m *normalize.Mapper, c code) upstat.Severity {
	if s, ok := m.Map(Kind, string(c)); ok {
		return s
	}
	return upstat.Unknown
}

// build turns the open events into a snapshot: each event an incident,
// each impacted service in its region a component with its current
// status (the worst over the events impacting it).
func build(m *normalize.Mapper, f filter, evs []wireEvent) *upstat.Snapshot {
	snap := &upstat.Snapshot{HasComponents: true, ListsAllOpen: true}
	comps := map[string]*upstat.Component{}
	unknown := map[string]bool{}
	for i := range evs {
		ev := &evs[i]
		imps := impactsOf(ev, f)
		if len(imps) == 0 {
			continue
		}
		inc := incident(m, ev)
		for _, im := range imps {
			k := im.comp.Key()
			inc.Components = append(inc.Components, k)
			c, ok := comps[k]
			if !ok {
				c = &im.comp
				comps[k] = c
			}
			if inc.UpdatedAt.After(c.UpdatedAt) {
				c.UpdatedAt = inc.UpdatedAt
			}
			if s := severity(m, im.code); s == upstat.Unknown {
				unknown[k] = true
			} else {
				c.Status = upstat.Worse(c.Status, s)
			}
		}
		snap.Incidents = append(snap.Incidents, inc)
	}
	for k, c := range comps {
		if unknown[k] && c.Status == upstat.Operational {
			c.Status = upstat.Unknown
		}
		snap.Components = append(snap.Components, *c)
	}
	document.SortComponents(snap.Components)
	return snap
}

// worstSeverity is the worst status the event has had by AWS's own
// account: its current status, each log entry's and each impacted
// service's maximum. An event whose status is back to 0 (recovering or
// resolved) keeps the severity it reached, not "operational"; a code no
// table knows makes it Unknown only when nothing known is worse.
func worstSeverity(m *normalize.Mapper, ev *wireEvent) upstat.Severity {
	codes := []code{ev.Status}
	for _, l := range ev.Log {
		codes = append(codes, l.Status)
	}
	for _, im := range ev.Impacted {
		codes = append(codes, im.Max)
	}
	worst, seen, unknown := upstat.Operational, false, false
	for _, c := range codes {
		if c == "" {
			continue
		}
		s := severity(m, c)
		if s == upstat.Unknown {
			unknown = true
			continue
		}
		worst, seen = upstat.Worse(worst, s), true
	}
	if unknown && (!seen || worst == upstat.Operational) {
		return upstat.Unknown
	}
	return worst
}

// incident normalises one event. Presence in currentevents means open:
// investigating, or monitoring once the event's status is back to 0; a
// "[RESOLVED]" summary resolves it. Its log becomes the updates, oldest
// first.
func incident(m *normalize.Mapper, ev *wireEvent) upstat.Incident {
	inc := upstat.Incident{
		ID:        ev.ARN,
		Kind:      upstat.KindIncident,
		Title:     strings.TrimSpace(ev.Summary),
		URL:       statusURL,
		Severity:  worstSeverity(m, ev),
		Status:    upstat.StateInvestigating,
		StartedAt: ev.Date.Time,
		UpdatedAt: ev.Date.Time,
	}
	if inc.Title == "" {
		inc.Title = ev.ServiceName
	}
	if ev.Status == "0" {
		inc.Status = upstat.StateMonitoring
	}
	log := make([]wireLog, len(ev.Log))
	copy(log, ev.Log)
	sort.SliceStable(log, func(i, j int) bool { return log[i].Timestamp.Before(log[j].Timestamp.Time) })
	for n, l := range log {
		body := strings.TrimSpace(l.Message)
		if s := strings.TrimSpace(l.Summary); s != "" && s != body {
			body = s + "\n\n" + body
		}
		at := l.Timestamp.Time
		if at.IsZero() {
			at = inc.StartedAt
		}
		inc.Updates = append(inc.Updates, upstat.Update{ID: fmt.Sprintf("%d-%d", n, at.Unix()), At: at, Status: upstat.StateInvestigating, Body: body})
		inc.UpdatedAt = later(inc.UpdatedAt, at)
	}
	for _, c := range ev.Changes {
		inc.UpdatedAt = later(inc.UpdatedAt, c.Timestamp.Time)
	}
	if n := len(inc.Updates); n > 0 {
		inc.Updates[n-1].Status = inc.Status
	}
	if resolvedMark.MatchString(inc.Title) {
		inc.Title = strings.TrimSpace(resolvedMark.ReplaceAllString(inc.Title, ""))
		at := inc.UpdatedAt
		inc.Status, inc.ResolvedAt = upstat.StateResolved, &at
		if n := len(inc.Updates); n > 0 {
			inc.Updates[n-1].Status = upstat.StateResolved
		}
	}
	return inc
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
