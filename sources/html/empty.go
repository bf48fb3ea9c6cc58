package html

import (
	"fmt"
	"strings"

	"github.com/upstat/upstat"
)

// found counts what a snapshot holds: components, incidents and a page
// status.
func found(snap *upstat.Snapshot) int {
	n := len(snap.Components) + len(snap.Incidents)
	if snap.Indicator != nil {
		n++
	}
	return n
}

// hasContent reports whether the page has any text or any element a
// layout could read: a blank page is empty on purpose, not a mismatch.
func (p *page) hasContent() bool {
	body := p.doc.Find("body")
	return strings.TrimSpace(body.Text()) != "" || body.Find("*").Length() > 0
}

// nothingFound says what the layout expected and what the page has
// instead, for the error of a page in which nothing was found.
func (p *page) nothingFound() string {
	count := func(sel string) int { return p.doc.Find(sel).Length() }
	switch {
	case p.cfg.Preset == PresetEmojiHeadings:
		return fmt.Sprintf("preset %s matched 0 of %d headings (a heading starting with status emoji and a date)", PresetEmojiHeadings, count("h1, h2, h3, h4, h5, h6"))
	case p.cfg.Preset == PresetTimeline:
		return fmt.Sprintf("preset %s matched 0 of %d list items (a status word and a date)", PresetTimeline, count("li"))
	case p.cfg.Preset == PresetStatuspage && count(".update-row") > 0:
		return fmt.Sprintf("preset %s read no incident from an incident page with %d update rows (no readable title or timestamps)", PresetStatuspage, count(".update-row"))
	case p.cfg.Preset == PresetStatuspage:
		title := collapse(p.doc.Find("title").First().Text())
		return fmt.Sprintf("preset %s: not a Statuspage page (no page status, component or incident rows among %d elements; title %q)", PresetStatuspage, count("body *"), title)
	case p.cfg.Selectors != nil:
		return fmt.Sprintf("selectors matched 0 incidents: item %q matched %d of %d elements", p.cfg.Selectors.itemSrc, p.doc.FindMatcher(p.cfg.Selectors.item).Length(), count("body *"))
	}
	return "nothing found"
}
