package feed

import (
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// maxBody caps the body kept from a generic entry (a whole blog post).
const maxBody = 4000

// genericEntry reads an entry of a feed that has no incident structure
// (a company blog). The entry counts when one of the match keywords occurs
// in its title or text (without match keywords: when the normalize
// keyword table finds a problem there). Its severity comes from the
// keyword table (degraded when it names none); a title that only
// announces maintenance makes a maintenance; its one update is resolved
// (completed) when its text says the problem is over. A post that says a
// problem is over takes part even when it does not match ("Resolved: all
// systems operational"): it closes the open incident, if any
// (normalize.Entry.ClosesOnly). Entries without any
// date are skipped: their age is unknown. Parse then chains the entries
// into incidents (Chain: a resolving post resolves the open incident
// before it, a newer post supersedes or continues it, active_for caps
// it).
func (e entry) genericEntry(c Config) (normalize.Entry, bool) {
	title := e.title()
	text := htmlText(e.content)
	whole := normalize.Classify(title + "\n" + text)
	selected := matches(c.Match, title+"\n"+text)
	if !selected && !whole.Resolves {
		return normalize.Entry{}, false
	}
	at := e.published
	if at.IsZero() {
		return normalize.Entry{}, false
	}
	id := e.it.GUID
	if id == "" {
		id = e.link
	}
	if id == "" {
		id = title + "@" + at.Format(time.RFC3339)
	}
	inc := upstat.Incident{ID: id, Kind: upstat.KindIncident, Title: title, URL: e.url()}
	if tv := normalize.Classify(title); tv.Maintenance && tv.Severity <= upstat.Maintenance {
		// a maintenance only by the words of its title: a guess too
		inc.Kind = upstat.KindMaintenance
		inc.Severity, inc.SeveritySource = upstat.Maintenance, upstat.SeverityFromText
	} else {
		normalize.GuessSeverity(&inc, upstat.Degraded, title, text)
	}
	st := upstat.StateInvestigating
	if inc.Kind == upstat.KindMaintenance {
		st = upstat.StateInProgress
	}
	if whole.Resolves {
		st = upstat.StateResolved
		if inc.Kind == upstat.KindMaintenance {
			st = upstat.StateCompleted
		}
	}
	inc.Updates = []upstat.Update{{At: at, Status: st, Body: truncate(text, maxBody)}}
	normalize.Finish(&inc, at)
	inc.Updates[0].ID = "post"
	if e.edited.After(inc.UpdatedAt) {
		inc.UpdatedAt = e.edited
	}
	return normalize.Entry{Incident: inc, ClosesOnly: !selected}, true
}

// matches reports whether text contains one of the keywords (case
// insensitive), or, without keywords, whether the keyword table finds a
// problem or a maintenance in it.
func matches(keywords []string, text string) bool {
	if len(keywords) == 0 {
		v := normalize.Classify(text)
		return v.Matched && (v.Severity > upstat.Operational || v.Maintenance)
	}
	lower := strings.ToLower(text)
	for _, k := range keywords {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" && strings.Contains(lower, k) {
			return true
		}
	}
	return false
}

// truncate cuts s to at most n bytes at a word boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexAny(s[:n], " \n")
	if cut <= 0 {
		cut = n
	}
	return strings.ToValidUTF8(strings.TrimSpace(s[:cut]), "") + " …"
}
