package html

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// The statuspage-html preset reads Statuspage pages when the JSON API is
// blocked. An incident page (/incidents/<code>) has update rows
//
//	<div class="update-row"><div class="update-title">Resolved</div>
//	<div class="update-body">…</div><div class="update-timestamp">Posted 2
//	days ago. May 01, 2018 - 20:40 EDT</div></div>
//
// and "This incident affected: A, B, and C."; a home page (/) has the page
// status, components with data-component-status, unresolved incidents and
// upcoming maintenance.

var (
	impactClass = regexp.MustCompile(`\bimpact-(none|minor|major|critical|maintenance)\b`)
	statusClass = regexp.MustCompile(`\bstatus-(none|minor|major|critical|maintenance)\b`)
	affectedRe  = regexp.MustCompile(`(?is)affected:\s*(.*?)\.?\s*$`)
	andRe       = regexp.MustCompile(`,?\s+and\s+`)
)

func parseStatuspage(p *page) (*upstat.Snapshot, error) {
	if p.doc.Find(".update-row, .incident-updates-container").Length() > 0 {
		inc := p.statuspageIncidentPage()
		if inc == nil {
			return &upstat.Snapshot{}, nil
		}
		return &upstat.Snapshot{Incidents: []upstat.Incident{*inc}}, nil
	}
	return p.statuspageHome(), nil
}

// statuspageIncidentPage reads an incident page. The postmortem row is not
// a timeline update (the JSON API keeps it apart); it only closes an
// incident left open.
func (p *page) statuspageIncidentPage() *upstat.Incident {
	name := p.doc.Find(".incident-name").First()
	title := collapse(name.Text())
	if title == "" {
		title = collapse(p.doc.Find("h1").First().Text())
	}
	inc := &upstat.Incident{ID: p.pageID(title), Kind: upstat.KindIncident, Title: title, URL: p.cfg.URL}
	if inc.ID == "" {
		return nil
	}
	if strings.Contains(strings.ToLower(p.doc.Find(".subheader").Text()), "maintenance") {
		inc.Kind = upstat.KindMaintenance
	}
	var postmortem time.Time
	var bodies []string
	prev := upstat.IncidentState("")
	rows := p.doc.Find(".update-row")
	for i := rows.Length() - 1; i >= 0; i-- { // newest first on the page
		row := rows.Eq(i)
		label := collapse(row.Find(".update-title").Text())
		at, ok := p.rowTime(row.Find(".update-timestamp"))
		if !ok {
			continue
		}
		if strings.EqualFold(strings.ReplaceAll(label, "-", ""), "postmortem") {
			postmortem = at
			continue
		}
		st, known := normalize.State(label)
		if !known {
			st = prev
		}
		if st == "" {
			st = upstat.StateInvestigating
			if inc.Kind == upstat.KindMaintenance {
				st = upstat.StateScheduled
			}
		}
		prev = st
		body := blockText(row.Find(".update-body"))
		inc.Updates = append(inc.Updates, upstat.Update{At: at, Status: st, Body: body})
		if !st.Closed() {
			bodies = append(bodies, body)
		}
	}
	inc.Components = affectedComponents(p.doc.Find(".components-affected").Text())
	normalize.Finish(inc, p.cfg.Now)
	if !postmortem.IsZero() && !inc.Status.Closed() {
		inc.Status, inc.ResolvedAt = upstat.StateResolved, &postmortem
	}
	class, _ := name.Attr("class")
	p.impact(inc, class, append([]string{title}, bodies...))
	return inc
}

// impact sets inc's severity from its impact-* class (the vendor's own);
// without one, from the words of title and bodies (marked a guess).
func (p *page) impact(inc *upstat.Incident, class string, texts []string) {
	if inc.Kind == upstat.KindMaintenance {
		inc.Severity = upstat.Maintenance
		return
	}
	if m := impactClass.FindStringSubmatch(class); m != nil {
		if sev, ok := p.cfg.Mapper.Map(normalize.DomainImpact, m[1]); ok {
			inc.Severity = sev
			return
		}
	}
	normalize.GuessSeverity(inc, upstat.Degraded, texts...)
}

// rowTime reads an update's time: the stamp in its text ("Posted 2 days
// ago. May 01, 2018 - 20:40 EDT"), else a data-datetime-unix (ms) or
// data-unix-time (s) attribute.
func (p *page) rowTime(sel *goquery.Selection) (time.Time, bool) {
	text := collapse(sel.Text())
	if i := strings.Index(text, "ago."); i >= 0 {
		text = text[i+4:]
	}
	if s := findStamp(text); s != "" {
		if t, err := p.parseTime(s); err == nil {
			return t, true
		}
	}
	for _, attr := range []string{"data-datetime-unix", "data-unix-time"} {
		v, ok := sel.Find("[" + attr + "]").Last().Attr(attr)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		if attr == "data-datetime-unix" {
			return time.UnixMilli(n).UTC(), true
		}
		return time.Unix(n, 0).UTC(), true
	}
	return time.Time{}, false
}

// affectedComponents reads "This incident affected: A, B, and C." into
// names.
func affectedComponents(text string) []string {
	m := affectedRe.FindStringSubmatch(collapse(text))
	if m == nil {
		return nil
	}
	var out []string
	for _, part := range strings.Split(andRe.ReplaceAllString(m[1], ", "), ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// statuspageHome reads a Statuspage home page.
func (p *page) statuspageHome() *upstat.Snapshot {
	snap := &upstat.Snapshot{}
	if class, ok := p.doc.Find(".page-status").First().Attr("class"); ok {
		if m := statusClass.FindStringSubmatch(class); m != nil {
			if sev, ok := p.cfg.Mapper.Map(normalize.DomainIndicator, m[1]); ok {
				snap.Indicator = &sev
			}
		}
	}
	var ids []string // data-component-id of each component
	p.doc.Find("[data-component-status]").Each(func(_ int, c *goquery.Selection) {
		if hook, _ := c.Attr("data-js-hook"); hook == "component-group-opener" {
			return // a group's own row: its children are listed
		}
		status, _ := c.Attr("data-component-status")
		comp := upstat.Component{Name: collapse(c.Find(".name").First().Text()), UpdatedAt: p.cfg.Now}
		if g := c.ParentsFiltered(".is-group").First(); g.Length() > 0 {
			comp.Group = collapse(g.Find(`[data-js-hook="component-group-opener"] .name`).First().Text())
		}
		if comp.Name == "" {
			return
		}
		var ok bool
		if comp.Status, ok = p.cfg.Mapper.StatusWord(normalize.DomainComponent, status); !ok {
			snap.Warnings = append(snap.Warnings, normalize.ComponentWarning(comp, status))
		}
		snap.Components = append(snap.Components, comp)
		id, _ := c.Attr("data-component-id")
		ids = append(ids, id)
	})
	normalize.DistinctComponents(snap.Components, ids)
	snap.HasComponents = len(snap.Components) > 0
	p.doc.Find(".unresolved-incident").Each(func(_ int, u *goquery.Selection) {
		if inc := p.homeIncident(u); inc != nil {
			snap.Incidents = append(snap.Incidents, *inc)
		}
	})
	p.doc.Find(".scheduled-maintenance").Each(func(_ int, m *goquery.Selection) {
		if inc := p.homeMaintenance(m); inc != nil {
			snap.Incidents = append(snap.Incidents, *inc)
		}
	})
	return snap
}

// homeIncident reads an unresolved incident of the home page: its updates
// are "<strong>Label</strong> - body <small>Nov 2, 16:09 PST</small>",
// newest first, with year-less stamps.
func (p *page) homeIncident(u *goquery.Selection) *upstat.Incident {
	a := u.Find(".incident-title a").First()
	href, _ := a.Attr("href")
	m := incidentCode.FindStringSubmatch(href)
	if m == nil {
		return nil
	}
	inc := &upstat.Incident{ID: m[1], Kind: upstat.KindIncident, Title: collapse(a.Text()), URL: absolute(p.cfg.URL, href)}
	var bodies []string
	inc.Updates, bodies = p.homeUpdates(u.Find(".updates .update"), upstat.StateInvestigating)
	normalize.Finish(inc, p.cfg.Now)
	class, _ := u.Attr("class")
	p.impact(inc, class, append([]string{inc.Title}, bodies...))
	return inc
}

// homeUpdates reads the updates of an incident or a maintenance of the
// home page, "<strong>Label</strong> - body <small>Nov 2, 16:09
// PST</small>", newest first in the page, oldest first in the result; an
// update whose label is not a lifecycle word ("Update") keeps the state
// before it, first at the start. It also returns the bodies.
func (p *page) homeUpdates(ups *goquery.Selection, first upstat.IncidentState) ([]upstat.Update, []string) {
	var out []upstat.Update
	var bodies []string
	prev := first
	for i := ups.Length() - 1; i >= 0; i-- {
		up := ups.Eq(i)
		at, ok := p.rowTime(up.Find("small"))
		if !ok {
			continue
		}
		label := collapse(up.Find("strong").First().Text())
		st, known := normalize.State(label)
		if !known {
			st = prev
		}
		prev = st
		c := up.Clone()
		c.Find("strong, small").First().Remove()
		c.Find("small").Remove()
		body := strings.TrimSpace(strings.TrimPrefix(blockText(c), "-"))
		out = append(out, upstat.Update{At: at, Status: st, Body: body})
		bodies = append(bodies, body)
	}
	return out, bodies
}

// homeMaintenance reads an upcoming maintenance of the home page: its
// title link, its window (the start in data-unix-time, the end in the
// text beside it: "Jan 23, 14:00-20:00 UTC", or across days "Feb 8, 22:00
// - Feb 9, 13:00 UTC") and its updates, the announcement first.
func (p *page) homeMaintenance(m *goquery.Selection) *upstat.Incident {
	a := m.Find(".incident-title a, a.actual-title").First()
	href, _ := a.Attr("href")
	code := incidentCode.FindStringSubmatch(href)
	if code == nil {
		return nil
	}
	inc := &upstat.Incident{ID: code[1], Kind: upstat.KindMaintenance, Title: collapse(a.Text()), URL: absolute(p.cfg.URL, href),
		Severity: upstat.Maintenance, Status: upstat.StateScheduled, Components: []string{}}
	// The window start is in data-unix-time; the text has no year: the
	// start gives it to the end.
	window := m.Find("[data-unix-time]").First()
	if v, ok := window.Attr("data-unix-time"); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			at := time.Unix(n, 0).UTC()
			inc.ScheduledFor = &at
			inc.StartedAt, inc.UpdatedAt = at, at
			tc := normalize.TimeContext{Zone: p.cfg.Zone, Anchor: at.Add(24 * time.Hour)}
			if _, until, ok := normalize.ParseWindow(collapse(window.Text()), tc); ok && !until.IsZero() && until.After(at) {
				inc.ScheduledUntil = &until
			}
		}
	}
	// The updates, the announcement first; not the line of the window.
	ups := m.Find(".update").FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Find("[data-unix-time]").Length() == 0 })
	inc.Updates, _ = p.homeUpdates(ups, upstat.StateScheduled)
	normalize.KeyUpdates(inc.Updates)
	if n := len(inc.Updates); n > 0 {
		inc.UpdatedAt = inc.Updates[n-1].At
	}
	return inc
}

// absolute resolves a root-relative href against the page URL.
func absolute(base, href string) string {
	if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") {
		return href
	}
	if i := strings.Index(base, "://"); i >= 0 {
		if j := strings.Index(base[i+3:], "/"); j >= 0 {
			base = base[:i+3+j]
		}
		return base + href
	}
	return href
}
