package feed

import (
	"regexp"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// A timeline entry (Statuspage, Instatus) holds one paragraph per update:
//
//	<p><small>May <var>1</var>, <var>20:40</var> EDT</small><br><strong>Resolved</strong> - body</p>
//
// newest first on Statuspage, oldest first on Instatus. The stamps have no
// year; it comes from the entry's dates.

// month matches an English month name or abbreviation.
const month = `(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?`

var (
	// stampRe matches a year-less update stamp in text: "May 1, 20:40 EDT",
	// "Sep 25, 15:15:00 GMT+0".
	stampRe = regexp.MustCompile(month + `\s+\d{1,2},?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?\s+[A-Z][A-Za-z]{0,5}(?:[+-]\d{1,2}(?::?\d{2})?)?`)
	// labelRe reads what follows a stamp in plain text: "Resolved - body"
	// or "- Resolved - body".
	labelRe = regexp.MustCompile(`^\s*-?\s*([A-Za-z][A-Za-z _]{0,24}?)\s+-\s*`)
	// componentsRe reads Instatus' "Affected Components: A, B".
	componentsRe = regexp.MustCompile(`Affected Components:[ \t]*([^\n<]*)`)
	// typeRe reads Instatus' "Type: Maintenance".
	typeRe = regexp.MustCompile(`Type:(?:</strong>)?\s*([A-Za-z]+)`)
)

// rawUpdate is one update as written, before its stamp is read.
type rawUpdate struct{ stamp, label, body string }

// extraStates maps maintenance labels the normalize table lacks.
var extraStates = map[string]upstat.IncidentState{
	"not started yet": upstat.StateScheduled,
	"notstartedyet":   upstat.StateScheduled,
	"inprogress":      upstat.StateInProgress,
}

// labelState maps an update label to a state; ok is false for "Update"
// (status unchanged) and anything unknown.
func labelState(label string) (upstat.IncidentState, bool) {
	if s, ok := normalize.State(label); ok {
		return s, true
	}
	s, ok := extraStates[strings.ToLower(collapse(label))]
	return s, ok
}

func isPostmortem(label string) bool {
	l := strings.ToLower(strings.ReplaceAll(label, "-", ""))
	return strings.TrimSpace(l) == "postmortem"
}

// paragraphUpdates reads updates from the <p><small>stamp</small>
// <strong>label</strong> - body</p> paragraphs of a fragment.
func paragraphUpdates(fragment string) []rawUpdate {
	doc := parseHTML(fragment)
	var out []rawUpdate
	doc.Find("p").Each(func(_ int, p *goquery.Selection) {
		small := p.Find("small").First()
		if small.Length() == 0 {
			return
		}
		strong := p.Find("strong").First()
		u := rawUpdate{stamp: collapse(small.Text()), label: collapse(strong.Text())}
		small.Remove()
		strong.Remove()
		body := normalize.Tidy(p.Text())
		body = strings.TrimSpace(strings.TrimPrefix(body, "-"))
		u.body = body
		out = append(out, u)
	})
	return out
}

// textUpdates reads updates from plain text where each update starts with
// a stamp: "Sep 25, 15:15:00 GMT+0 - Investigating - body Sep 25, ...".
func textUpdates(text string) []rawUpdate {
	locs := stampRe.FindAllStringIndex(text, -1)
	var out []rawUpdate
	for i, loc := range locs {
		end := len(text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		rest := text[loc[1]:end]
		u := rawUpdate{stamp: collapse(text[loc[0]:loc[1]])}
		if m := labelRe.FindStringSubmatchIndex(rest); m != nil {
			u.label = rest[m[2]:m[3]]
			rest = rest[m[1]:]
		}
		u.body = normalize.Tidy(rest)
		out = append(out, u)
	}
	return out
}

// timelineIncident reads a Statuspage or Instatus history entry.
func (e entry) timelineIncident(format string) *upstat.Incident {
	id := e.id()
	if id == "" {
		return nil
	}
	inc := &upstat.Incident{ID: id, Kind: upstat.KindIncident, Title: e.title(), URL: e.url()}
	raws := paragraphUpdates(e.content)
	if len(raws) == 0 {
		raws = textUpdates(htmlText(e.content))
	}
	if len(raws) == 0 && format == FormatInstatus {
		raws = textUpdates(collapse(e.it.Description))
	}
	// Statuspage: <published> is the newest update (or, for maintenance,
	// the window start); stamps lie before it. Instatus: <pubDate> is the
	// oldest update, so the anchor moves half a year on to keep a timeline
	// that crosses New Year in order.
	anchor := later(e.published, e.updated)
	switch {
	case format == FormatInstatus:
		anchor = e.published.Add(180 * 24 * time.Hour)
	case strings.Contains(e.content, "SCHEDULED EVENT") || e.it.Custom["maintenanceEndDate"] != "":
		anchor = anchor.Add(7 * 24 * time.Hour)
	}
	tc := normalize.TimeContext{Zone: e.zone, Anchor: anchor}
	e.maintenanceWindow(inc, tc)
	if format == FormatInstatus {
		e.instatusDetails(inc)
	}
	if format != FormatInstatus { // Statuspage lists newest first
		for i, j := 0, len(raws)-1; i < j; i, j = i+1, j-1 {
			raws[i], raws[j] = raws[j], raws[i]
		}
	}
	prev := upstat.IncidentState("")
	var bodies []string
	var postmortem time.Time
	for _, r := range raws {
		if strings.HasSuffix(r.body, "..") { // Instatus doubles the final period
			r.body = strings.TrimSuffix(r.body, ".")
		}
		at, err := normalize.ParseTime(r.stamp, tc)
		if err != nil {
			continue
		}
		if isPostmortem(r.label) {
			// A postmortem is not a timeline update (the JSON API keeps it
			// apart, in postmortem_body); it only closes an open record.
			postmortem = at
			continue
		}
		st, ok := labelState(r.label)
		if !ok {
			st = prev
		}
		switch st {
		case upstat.StateScheduled, upstat.StateInProgress, upstat.StateVerifying, upstat.StateCompleted:
			inc.Kind = upstat.KindMaintenance
		}
		prev = st
		inc.Updates = append(inc.Updates, upstat.Update{At: at, Status: st, Body: r.body})
		if !st.Closed() {
			bodies = append(bodies, r.body)
		}
	}
	fillStates(inc)
	normalize.Finish(inc, e.published)
	if !postmortem.IsZero() && !inc.Status.Closed() && inc.Kind == upstat.KindIncident {
		inc.Status = upstat.StateResolved
		inc.ResolvedAt = &postmortem
	}
	if inc.Kind == upstat.KindMaintenance {
		inc.Severity = upstat.Maintenance
	} else {
		normalize.GuessSeverity(inc, upstat.Degraded, append([]string{inc.Title}, bodies...)...)
	}
	if e.edited.After(inc.UpdatedAt) {
		inc.UpdatedAt = e.edited
	}
	return inc
}

// fillStates gives updates that only said "Update" before any state the
// first state that follows, or investigating (scheduled for maintenance).
func fillStates(inc *upstat.Incident) {
	first := upstat.StateInvestigating
	if inc.Kind == upstat.KindMaintenance {
		first = upstat.StateScheduled
	}
	for i := range inc.Updates {
		if inc.Updates[i].Status == "" {
			inc.Updates[i].Status = first
		}
	}
}

// maintenanceWindow reads a Statuspage maintenance: the "THIS IS A
// SCHEDULED EVENT Oct 5, 04:00 - 05:00 UTC" header (or "Feb 25, 23:44 -
// Feb 26, 20:27 UTC") and, in RSS, <maintenanceEndDate>.
func (e entry) maintenanceWindow(inc *upstat.Incident, tc normalize.TimeContext) {
	end := strings.TrimSpace(e.it.Custom["maintenanceEndDate"])
	_, header, scheduled := strings.Cut(collapse(htmlText(e.content)), "SCHEDULED EVENT")
	if !scheduled && end == "" {
		return
	}
	inc.Kind = upstat.KindMaintenance
	if from, until, ok := normalize.ParseWindow(header, tc); scheduled && ok {
		inc.ScheduledFor = &from
		if !until.IsZero() {
			inc.ScheduledUntil = &until
		}
	}
	if inc.ScheduledFor == nil && !e.published.IsZero() {
		t := e.published
		inc.ScheduledFor = &t
	}
	if inc.ScheduledUntil == nil && end != "" {
		if t := itemTime(end, nil, e.zone); !t.IsZero() {
			inc.ScheduledUntil = &t
		}
	}
}

// instatusDetails reads the "Type:" and "Affected Components:" header
// lines of an Instatus entry (from the HTML, else the text description,
// which keeps the names when the HTML list is empty).
func (e entry) instatusDetails(inc *upstat.Incident) {
	for _, src := range []string{htmlText(e.content), e.it.Description} {
		if m := typeRe.FindStringSubmatch(src); m != nil && strings.EqualFold(m[1], "maintenance") {
			inc.Kind = upstat.KindMaintenance
		}
		if len(inc.Components) > 0 {
			continue
		}
		if m := componentsRe.FindStringSubmatch(src); m != nil {
			for _, c := range strings.Split(m[1], ",") {
				if c = collapse(c); c != "" {
					inc.Components = append(inc.Components, c)
				}
			}
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
