package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/sources/internal/document"
)

// componentOf names the services of an item title in its region:
// "Virtual Machines/VM Scale Sets - East US 2" is the component
// "Virtual Machines/VM Scale Sets (East US 2)" in group "East US 2". A
// title without " - " is a component of its own, ungrouped.
func componentOf(title string) upstat.Component {
	title = strings.Join(strings.Fields(title), " ")
	i := strings.LastIndex(title, " - ")
	if i < 0 {
		return upstat.Component{Name: title}
	}
	svc, region := strings.TrimSpace(title[:i]), strings.TrimSpace(title[i+3:])
	return upstat.Component{Name: fmt.Sprintf("%s (%s)", svc, region), Group: region}
}

// idOf is an item's id: its guid, else a digest of its title (Azure
// items have no id; the title is what stays while the incident lasts).
func idOf(it *wireItem) string {
	if g := strings.TrimSpace(it.GUID); g != "" {
		return g
	}
	return "title-" + digest(strings.Join(strings.Fields(it.Title), " "))
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// when parses an RFC 822 stamp (Azure writes the zone as "Z", which
// Go's layouts refuse); zero when empty or unreadable.
func when(s string) time.Time {
	if strings.TrimSpace(s) == "" {
		return time.Time{}
	}
	t, err := normalize.ParseTime(s, normalize.TimeContext{})
	if err != nil {
		return time.Time{}
	}
	return t
}

// build turns the items into a snapshot: each item an open incident of
// the "active" severity, its title's services in its region a component.
// The snapshot lists every open incident (ListsAllOpen): an item that
// vanished was resolved, which the aggregator reconciles.
func build(m *normalize.Mapper, now time.Time, ch *wireChannel) *upstat.Snapshot {
	snap := &upstat.Snapshot{HasComponents: true, ListsAllOpen: true}
	sev, ok := m.Map(Kind, "active")
	if !ok {
		sev = upstat.Unknown
	}
	built := when(ch.LastBuildDate)
	comps := map[string]upstat.Component{}
	for i := range ch.Items {
		it := &ch.Items[i]
		at := when(it.PubDate)
		for _, t := range []time.Time{built, now.UTC()} {
			if at.IsZero() {
				at = t
			}
		}
		body := text(it.Description)
		c := componentOf(it.Title)
		c.Status, c.UpdatedAt = sev, at
		if prev, dup := comps[c.Key()]; !dup || at.After(prev.UpdatedAt) {
			comps[c.Key()] = c
		}
		inc := upstat.Incident{
			ID: idOf(it), Kind: upstat.KindIncident, Title: strings.TrimSpace(it.Title), URL: strings.TrimSpace(it.Link),
			// Azure states no severity: sev is upstat's assumption, a guess
			Severity: sev, SeveritySource: upstat.SeverityFromText, Status: upstat.StateInvestigating, Components: []string{c.Key()}, StartedAt: at, UpdatedAt: at,
		}
		if body != "" {
			// The description is rewritten as the incident goes on: each
			// text is an update of its own, keyed by its digest.
			inc.Updates = []upstat.Update{{ID: "text-" + digest(body), At: at, Status: upstat.StateInvestigating, Body: body}}
		}
		snap.Incidents = append(snap.Incidents, inc)
	}
	for _, c := range comps {
		snap.Components = append(snap.Components, c)
	}
	document.SortComponents(snap.Components)
	return snap
}
