package html

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// Selectors read any other page: each element matching Item is one
// incident, the other selectors are relative to it. A selector may end in
// "@attr" to read an attribute instead of the text ("time@datetime"), or
// be only "@attr" to read the item's own attribute.
type Selectors struct {
	Item       string `yaml:"item"`        // required
	Title      string `yaml:"title"`       // default: the item's first heading
	Time       string `yaml:"time"`        // text or @attr; without it items never expire
	TimeLayout string `yaml:"time_layout"` // Go layout for Time; default: any format normalize reads
	Body       string `yaml:"body"`        // default: the item's text
	Status     string `yaml:"status"`      // a lifecycle word; default: the body's words
	// Severity selects a severity name, a status emoji or words the
	// keyword table reads; SeverityMap maps CSS classes of the item or its
	// descendants to severity names. Default: the keyword table on title
	// and body, else degraded.
	Severity    string            `yaml:"severity"`
	SeverityMap map[string]string `yaml:"severity_map"`
	Link        string            `yaml:"link"`       // default attribute: href
	ID          string            `yaml:"id"`         // default: link, else title and time
	Components  string            `yaml:"components"` // each match (or comma-separated text) a name
}

// field is one compiled selector.
type field struct {
	m    cascadia.Selector // nil: the item itself
	attr string
}

// Compiled is a checked, compiled selector configuration.
type Compiled struct {
	item                                                   cascadia.Selector
	itemSrc                                                string // item as written, for errors
	title, time, body, status, severity, link, id, compnts field
	layout                                                 string
	sevMap                                                 map[string]upstat.Severity
}

var attrSuffix = regexp.MustCompile(`@([A-Za-z_:][-A-Za-z0-9_:.]*)$`)

// compileField compiles "selector", "selector@attr" or "@attr". Errors
// wrap upstat.ErrInvalid and name the key and the selector.
func compileField(key, raw string) (field, error) {
	var f field
	sel := strings.TrimSpace(raw)
	if m := attrSuffix.FindStringSubmatchIndex(sel); m != nil {
		f.attr = sel[m[2]:m[3]]
		sel = strings.TrimSpace(sel[:m[0]])
	}
	if sel == "" {
		return f, nil
	}
	c, err := cascadia.Compile(sel)
	if err != nil {
		return f, fmt.Errorf("%w: selectors.%s: bad selector %q: %v", upstat.ErrInvalid, key, raw, err)
	}
	f.m = c
	return f, nil
}

// Compile checks and compiles the selectors. Errors wrap
// upstat.ErrInvalid and name the key ("selectors.time") and the selector.
func (s *Selectors) Compile() (*Compiled, error) {
	if strings.TrimSpace(s.Item) == "" {
		return nil, fmt.Errorf("%w: selectors.item: required", upstat.ErrInvalid)
	}
	item, err := cascadia.Compile(s.Item)
	if err != nil {
		return nil, fmt.Errorf("%w: selectors.item: bad selector %q: %v", upstat.ErrInvalid, s.Item, err)
	}
	c := &Compiled{item: item, itemSrc: s.Item, layout: s.TimeLayout, sevMap: map[string]upstat.Severity{}}
	for _, f := range []struct {
		key, raw string
		dst      *field
	}{
		{"title", s.Title, &c.title}, {"time", s.Time, &c.time}, {"body", s.Body, &c.body},
		{"status", s.Status, &c.status}, {"severity", s.Severity, &c.severity}, {"link", s.Link, &c.link},
		{"id", s.ID, &c.id}, {"components", s.Components, &c.compnts},
	} {
		if *f.dst, err = compileField(f.key, f.raw); err != nil {
			return nil, err
		}
	}
	if c.title.m == nil && c.title.attr == "" {
		c.title.m = cascadia.MustCompile("h1, h2, h3, h4, h5, h6")
	}
	if c.link.m != nil && c.link.attr == "" {
		c.link.attr = "href"
	}
	for class, name := range s.SeverityMap {
		sev, err := upstat.ParseSeverity(name)
		if err != nil {
			return nil, fmt.Errorf("%w: selectors.severity_map.%s: %v", upstat.ErrInvalid, class, err)
		}
		c.sevMap[strings.TrimPrefix(class, ".")] = sev
	}
	return c, nil
}

// read returns what f selects within item: the attribute or the text of
// the first match; "" when f is unset or nothing matches.
func (f field) read(item *goquery.Selection) string {
	sel := item
	if f.m != nil {
		sel = item.FindMatcher(f.m).First()
	} else if f.attr == "" {
		return ""
	}
	if f.attr != "" {
		v, _ := sel.Attr(f.attr)
		return strings.TrimSpace(v)
	}
	return blockText(sel)
}

func (f field) set() bool { return f.m != nil || f.attr != "" }

func parseCustom(p *page) (*upstat.Snapshot, error) {
	c := p.cfg.Selectors
	snap := &upstat.Snapshot{}
	var entries []normalize.Entry
	p.doc.FindMatcher(c.item).Each(func(_ int, item *goquery.Selection) {
		if e, ok := p.customItem(c, item); ok {
			entries = append(entries, e)
		}
	})
	snap.Incidents, p.expiry = normalize.Chain(entries, p.cfg.ActiveFor, p.cfg.Now)
	return snap, nil
}

// customItem reads one item. Items without a readable time when a time
// selector is set are skipped. An item whose status selector reads a
// lifecycle word is an incident of its own; one whose status comes from
// its words has no lifecycle and is chained with the others by
// normalize.Chain (a resolving item resolves the open incident before it, a
// newer one supersedes or continues it). Either way an item that is not
// closed stops being active ActiveFor after its time (its latest item's,
// when chained).
func (p *page) customItem(c *Compiled, item *goquery.Selection) (normalize.Entry, bool) {
	title := collapse(c.title.read(item))
	body := blockText(item)
	if c.body.set() {
		body = c.body.read(item)
	}
	var at time.Time
	if c.time.set() {
		raw := collapse(c.time.read(item))
		var err error
		if c.layout != "" {
			zone := p.cfg.Zone
			if zone == nil {
				zone = time.UTC
			}
			at, err = time.ParseInLocation(c.layout, raw, zone)
			at = at.UTC()
		} else {
			at, err = p.parseTime(raw)
		}
		if err != nil {
			return normalize.Entry{}, false
		}
	}
	link := absolute(p.cfg.URL, c.link.read(item))
	id := collapse(c.id.read(item))
	switch {
	case id != "":
	case link != "":
		id = link
	case title != "":
		id = slug(title)
		if !at.IsZero() {
			id += "@" + at.Format("2006-01-02T1504Z")
		}
	default:
		return normalize.Entry{}, false
	}
	if title == "" {
		title = firstSentence(body)
	}
	inc := upstat.Incident{ID: id, Kind: upstat.KindIncident, Title: title, URL: link}
	if inc.URL == "" {
		inc.URL = p.cfg.URL
	}
	st, own := normalize.State(collapse(c.status.read(item)))
	if !own {
		st = upstat.StateInvestigating
		if normalize.Classify(title + "\n" + body).Resolves {
			st = upstat.StateResolved
		}
	}
	p.customSeverity(&inc, c, item, title, body)
	switch {
	case st == upstat.StateScheduled || st == upstat.StateInProgress || st == upstat.StateVerifying || st == upstat.StateCompleted:
		inc.Kind, inc.Severity = upstat.KindMaintenance, upstat.Maintenance
	case inc.Severity == upstat.Maintenance:
		inc.Kind = upstat.KindMaintenance
		if st == upstat.StateInvestigating {
			st = upstat.StateInProgress
		} else if st == upstat.StateResolved {
			st = upstat.StateCompleted
		}
	}
	for _, name := range p.components(c, item) {
		inc.Components = append(inc.Components, name)
	}
	inc.Updates = []upstat.Update{{At: at, Status: st, Body: body}}
	normalize.Finish(&inc, at)
	inc.Updates[0].ID = "item"
	return normalize.Entry{Incident: inc, Own: own}, true
}

// customSeverity sets inc's severity: the severity selector, else the
// class map (both the page's own marking), else the keyword table on
// title and body, else degraded (both marked a guess).
func (p *page) customSeverity(inc *upstat.Incident, c *Compiled, item *goquery.Selection, title, body string) {
	if c.severity.set() {
		if sev, ok := p.severityWord(collapse(c.severity.read(item))); ok {
			inc.Severity = sev
			return
		}
	}
	if len(c.sevMap) > 0 {
		worst := upstat.Unknown
		item.Find("[class]").AddSelection(item).Each(func(_ int, s *goquery.Selection) {
			class, _ := s.Attr("class")
			for _, cl := range strings.Fields(class) {
				if sev, ok := c.sevMap[cl]; ok {
					worst = upstat.Worse(worst, sev)
				}
			}
		})
		if worst != upstat.Unknown {
			inc.Severity = worst
			return
		}
	}
	normalize.GuessSeverity(inc, upstat.Degraded, title, body)
}

// components reads component names: each match, or one match's text split
// at commas.
func (p *page) components(c *Compiled, item *goquery.Selection) []string {
	if c.compnts.m == nil {
		return nil
	}
	var out []string
	item.FindMatcher(c.compnts.m).Each(func(_ int, s *goquery.Selection) {
		text := collapse(s.Text())
		if c.compnts.attr != "" {
			text, _ = s.Attr(c.compnts.attr)
		}
		for _, part := range strings.Split(text, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	})
	sort.Strings(out)
	return out
}
