package feed

import (
	"fmt"
	"regexp"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// An incident.io history entry carries only the latest update:
//
//	<b>Status: Resolved</b><br/><br/>All impacted services have now fully
//	recovered.<br/><br/><b>Affected components</b><ul><li>Conversations
//	(Operational)</li></ul>
//
// Each poll adds the update it shows to the record; the update is keyed
// by the entry's timestamp, the only id the feed gives it.

var (
	statusLineRe = regexp.MustCompile(`(?i)^\s*Status:\s*(.+?)\s*$`)
	componentRe  = regexp.MustCompile(`^(.*?)\s*\(([^()]*)\)\s*$`)
)

// DomainIncidentIO is the severity_map domain of the component statuses an
// incident.io history feed writes in parentheses ("Conversations (Full
// outage)"). Its human-readable labels differ from the machine words of
// incident.io's JSON ("full_outage"), hence a domain of its own.
const DomainIncidentIO = "incidentio_feed"

func init() {
	normalize.RegisterDomain(DomainIncidentIO, map[string]upstat.Severity{
		"operational":          upstat.Operational,
		"degraded performance": upstat.Degraded,
		"partial outage":       upstat.PartialOutage,
		"full outage":          upstat.MajorOutage,
		"major outage":         upstat.MajorOutage,
		"under maintenance":    upstat.Maintenance,
	})
}

// incidentIOIncident reads an incident.io entry, with a warning for each
// component status word no table knows.
func (e entry) incidentIOIncident(mapper *normalize.Mapper) (*upstat.Incident, []string) {
	id := e.id()
	if id == "" {
		return nil, nil
	}
	inc := &upstat.Incident{ID: id, Kind: upstat.KindIncident, Title: e.title(), URL: e.url()}
	doc := parseHTML(e.content)
	worst := upstat.Unknown
	var warnings []string
	doc.Find("li").Each(func(_ int, li *goquery.Selection) {
		name, status := collapse(li.Text()), ""
		if m := componentRe.FindStringSubmatch(name); m != nil {
			name, status = m[1], m[2]
		}
		if name != "" {
			inc.Components = append(inc.Components, name)
		}
		if status == "" {
			return
		}
		if s, ok := mapper.StatusWord(DomainIncidentIO, status); ok {
			worst = upstat.Worse(worst, s)
		} else {
			warnings = append(warnings, normalize.Unrecognised(fmt.Sprintf("incident %q: component %q", id, name), status))
		}
	})
	doc.Find("ul, ol").Remove()
	state := upstat.StateInvestigating
	doc.Find("b, strong").Each(func(_ int, b *goquery.Selection) {
		if m := statusLineRe.FindStringSubmatch(b.Text()); m != nil {
			if s, ok := labelState(m[1]); ok {
				state = s
			}
		}
		b.Remove() // status line and "Affected components" heading
	})
	switch state {
	case upstat.StateScheduled, upstat.StateInProgress, upstat.StateVerifying, upstat.StateCompleted:
		inc.Kind = upstat.KindMaintenance
	}
	body := normalize.Tidy(doc.Text())
	at := e.updated
	inc.Updates = []upstat.Update{{At: at, Status: state, Body: body}}
	normalize.Finish(inc, at)
	inc.Updates[0].ID = "at-" + at.UTC().Format(time.RFC3339Nano)
	if !e.published.IsZero() && e.published.Before(inc.StartedAt) {
		inc.StartedAt = e.published
	}
	switch {
	case inc.Kind == upstat.KindMaintenance:
		inc.Severity = upstat.Maintenance
	case worst > upstat.Maintenance:
		inc.Severity = worst
	default:
		var bodies []string
		if !state.Closed() {
			bodies = append(bodies, body)
		}
		normalize.GuessSeverity(inc, upstat.Degraded, append([]string{inc.Title}, bodies...)...)
	}
	return inc, warnings
}
