package html

import (
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/PuerkitoBio/goquery"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// The emoji-headings preset reads pages with a heading per entry:
//
//	<h2>🟡 2023-07-10 12:08 UTC</h2><p>Webhooks are delayed.</p>
//	<h2>🔵 2023-07-10 13:30 UTC</h2><p>Back to normal.</p>
//
// The emoji gives the severity (normalize.DomainEmoji, overridable per
// vendor; 🔧/🛠 mean maintenance), the heading's stamp the time, the
// prose up to the next heading the body. Entries are read in time order
// (pages are not strictly ordered): a non-blue entry opens an incident or
// updates the open one, a blue (or green) one resolves it, and a
// transition heading "🟡 → 🔵" opens and resolves in one entry. A blue
// entry with nothing open is only a note. The newest entry sets the page
// indicator. Incident ids are the opening entry's time, "2023-06-01T0141Z".

// emojiAliases are text fallbacks for the status emoji.
var emojiAliases = strings.NewReplacer(
	":red_circle:", "🔴", ":orange_circle:", "🟠", ":yellow_circle:", "🟡",
	":blue_circle:", "🔵", ":large_blue_circle:", "🔵", ":green_circle:", "🟢",
	":wrench:", "🔧", ":hammer_and_wrench:", "🛠",
)

// emojiEntry is one heading of the page.
type emojiEntry struct {
	at     time.Time
	sevs   []upstat.Severity // in heading order: "🟡 → 🔵" is [degraded operational]
	body   string
	anchor string // the heading's id
}

// headingSeverities reads the status emoji in front of a heading's stamp.
// ok is false when there are none (a heading that is not an entry).
func (p *page) headingSeverities(prefix string) ([]upstat.Severity, bool) {
	var sevs []upstat.Severity
	for _, r := range emojiAliases.Replace(prefix) {
		if unicode.IsSpace(r) || r == '\ufe0f' || r == '\u200d' || strings.ContainsRune("→->=⇒➡:", r) {
			continue
		}
		if r == '🔧' || r == '🛠' {
			sevs = append(sevs, upstat.Maintenance)
			continue
		}
		if sev, ok := p.cfg.Mapper.Map(normalize.DomainEmoji, string(r)); ok {
			sevs = append(sevs, sev)
		}
	}
	return sevs, len(sevs) > 0
}

// emojiEntries reads every heading that starts with status emoji and a
// parseable stamp, oldest first.
func (p *page) emojiEntries() []emojiEntry {
	var out []emojiEntry
	p.doc.Find("h1, h2, h3, h4, h5, h6").Each(func(_ int, h *goquery.Selection) {
		text := collapse(h.Text())
		i := strings.IndexFunc(text, unicode.IsDigit)
		if i <= 0 {
			return
		}
		sevs, ok := p.headingSeverities(text[:i])
		if !ok {
			return
		}
		at, err := p.parseTime(strings.TrimSpace(text[i:]))
		if err != nil {
			return
		}
		level := goquery.NodeName(h)[1]
		var stop []string
		for l := byte('1'); l <= level; l++ {
			stop = append(stop, "h"+string(l))
		}
		anchor, _ := h.Attr("id")
		out = append(out, emojiEntry{at: at, sevs: sevs, body: blockText(h.NextUntil(strings.Join(stop, ", "))), anchor: anchor})
	})
	// Pages list newest first; reversing keeps entries of one minute in
	// the order they were written.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

func parseEmojiHeadings(p *page) (*upstat.Snapshot, error) {
	entries := p.emojiEntries()
	snap := &upstat.Snapshot{}
	var open *upstat.Incident
	closeOpen := func() {
		if open != nil {
			normalize.Finish(open, open.StartedAt)
			snap.Incidents = append(snap.Incidents, *open)
			open = nil
		}
	}
	for _, e := range entries {
		last := e.sevs[len(e.sevs)-1]
		worst := upstat.Unknown
		for _, s := range e.sevs {
			if s > upstat.Operational {
				worst = upstat.Worse(worst, s)
			}
		}
		if worst == upstat.Unknown && open == nil {
			continue // an all-clear note with nothing open
		}
		if open == nil {
			open = p.openEmojiIncident(e, worst)
		}
		if worst != upstat.Unknown {
			open.Severity = upstat.Worse(open.Severity, worst)
		}
		st := upstat.StateInvestigating
		if open.Kind == upstat.KindMaintenance {
			st = upstat.StateInProgress
		}
		if last <= upstat.Operational {
			st = upstat.StateResolved
			if open.Kind == upstat.KindMaintenance {
				st = upstat.StateCompleted
			}
		}
		open.Updates = append(open.Updates, upstat.Update{At: e.at, Status: st, Body: e.body})
		if st.Closed() {
			closeOpen()
		}
	}
	closeOpen()
	// Newest first, as pages and the API list them.
	for i, j := 0, len(snap.Incidents)-1; i < j; i, j = i+1, j-1 {
		snap.Incidents[i], snap.Incidents[j] = snap.Incidents[j], snap.Incidents[i]
	}
	if n := len(entries); n > 0 {
		sevs := entries[n-1].sevs
		ind := sevs[len(sevs)-1]
		snap.Indicator = &ind
	}
	return snap, nil
}

// openEmojiIncident starts the incident an entry opens.
func (p *page) openEmojiIncident(e emojiEntry, sev upstat.Severity) *upstat.Incident {
	inc := &upstat.Incident{
		ID:        e.at.UTC().Format("2006-01-02T1504Z"),
		Kind:      upstat.KindIncident,
		Title:     firstSentence(e.body),
		URL:       p.cfg.URL,
		Severity:  sev,
		StartedAt: e.at,
	}
	if sev == upstat.Maintenance {
		inc.Kind = upstat.KindMaintenance
	}
	if e.anchor != "" && p.cfg.URL != "" {
		inc.URL = strings.SplitN(p.cfg.URL, "#", 2)[0] + "#" + e.anchor
	}
	if inc.Title == "" {
		inc.Title = "Status entry of " + e.at.UTC().Format("2006-01-02 15:04 UTC")
	}
	return inc
}

// firstSentence returns the first sentence of a body, at most 120 bytes.
func firstSentence(body string) string {
	s := strings.SplitN(body, "\n", 2)[0]
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if len(s) > 120 {
		cut := strings.LastIndex(s[:120], " ")
		if cut <= 0 {
			cut = 120
		}
		s = strings.ToValidUTF8(s[:cut], "") + " …"
	}
	return strings.TrimSpace(s)
}
