package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/mmcdole/gofeed"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// Feed formats: how the entries of a feed are read.
const (
	FormatAuto       = "auto"       // detect from the feed's generator and content
	FormatStatuspage = "statuspage" // Statuspage /history.atom, /history.rss
	FormatIncidentIO = "incidentio" // incident.io /history.atom, /history.rss
	FormatInstatus   = "instatus"   // Instatus /history.rss, /history.atom
	FormatGeneric    = "generic"    // any other feed: match keywords
)

func validFormat(f string) bool {
	switch f {
	case FormatAuto, FormatStatuspage, FormatIncidentIO, FormatInstatus, FormatGeneric:
		return true
	}
	return false
}

// Config is how Parse reads a feed.
type Config struct {
	Format    string        // one of the Format constants; "" is auto
	Match     []string      // generic feeds: keywords that make an entry an incident
	ActiveFor time.Duration // generic feeds: how long an incident stays active after its latest entry; 0 is DefaultActiveFor
	Zone      *time.Location
	Now       time.Time         // generic feeds: the time active_for is measured against
	Mapper    *normalize.Mapper // the vendor's severity_map; nil: default tables
}

// Result is what Parse found.
type Result struct {
	// Format is the format the entries were read as (never auto).
	Format    string
	Incidents []upstat.Incident
	// Expiry is the earliest time at which an active incident of the
	// result stops being active by age alone (zero when none can).
	Expiry time.Time // Warnings name what the feed said that no table knows (an
	// incident.io component status word), for Snapshot.Warnings.
	Warnings []string
}

// Parse reads a feed body into incidents, one per entry that is an
// incident, in feed order; in a generic feed, entries are chained into
// incidents by the lifecycle rule (see Chain), listed in the feed order of
// the entries that opened them. Entries that cannot be read are skipped,
// never fatal; only a body that is not a feed at all is an error (see
// checkJSONFeed for JSON).
func Parse(body []byte, c Config) (Result, error) {
	if err := checkJSONFeed(body); err != nil {
		return Result{}, err
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return Result{}, fmt.Errorf("parse feed: %w", err)
	}
	if c.Format == "" || c.Format == FormatAuto {
		c.Format = detect(f)
	}
	if c.ActiveFor <= 0 {
		c.ActiveFor = DefaultActiveFor
	}
	res := Result{Format: c.Format, Incidents: []upstat.Incident{}}
	var generic []normalize.Entry
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		e := newEntry(it, c.Zone)
		var inc *upstat.Incident
		switch c.Format {
		case FormatStatuspage, FormatInstatus:
			inc = e.timelineIncident(c.Format)
		case FormatIncidentIO:
			var warnings []string
			inc, warnings = e.incidentIOIncident(c.Mapper)
			res.Warnings = append(res.Warnings, warnings...)
		default:
			if g, ok := e.genericEntry(c); ok {
				generic = append(generic, g)
			}
		}
		if inc != nil {
			res.Incidents = append(res.Incidents, *inc)
		}
	}
	if len(generic) > 0 {
		now := c.Now
		if now.IsZero() {
			now = time.Now()
		}
		res.Incidents, res.Expiry = normalize.Chain(generic, c.ActiveFor, now)
	}
	return res, nil
}

// detect guesses the format of a feed from its generator and the markers
// each hosted page leaves in entry content.
func detect(f *gofeed.Feed) string {
	if strings.Contains(strings.ToLower(f.Generator), "incident.io") {
		return FormatIncidentIO
	}
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		c := unescapeMarkup(it.Content + " " + it.Description)
		switch {
		case strings.Contains(c, "Status:") && strings.Contains(c, "<b>"):
			return FormatIncidentIO
		case strings.Contains(c, "Affected Components:") || strings.Contains(c, "Type:</strong>") || strings.Contains(c, "Type: Incident") || strings.Contains(c, "Type: Maintenance"):
			return FormatInstatus
		case strings.Contains(c, "<small>") && strings.Contains(c, "<strong>"), strings.Contains(c, "THIS IS A SCHEDULED EVENT"):
			return FormatStatuspage
		}
	}
	return FormatGeneric
}

// entry is one feed item with what every format needs.
type entry struct {
	it        *gofeed.Item
	zone      *time.Location
	published time.Time // zero when the entry has no date at all
	updated   time.Time // published when absent
	// edited is the entry's own <updated>, zero when absent (RSS).
	edited  time.Time
	content string // content, else description, markup unescaped once
	link    string
}

func newEntry(it *gofeed.Item, zone *time.Location) entry {
	e := entry{it: it, zone: zone}
	e.published = itemTime(it.Published, it.PublishedParsed, zone)
	e.updated = itemTime(it.Updated, it.UpdatedParsed, zone)
	e.edited = e.updated
	if e.published.IsZero() {
		e.published = e.updated
	}
	if e.updated.IsZero() {
		e.updated = e.published
	}
	e.content = it.Content
	if strings.TrimSpace(e.content) == "" {
		e.content = it.Description
	}
	e.content = unescapeMarkup(e.content)
	e.link = it.Link
	if e.link == "" && len(it.Links) > 0 {
		e.link = it.Links[0]
	}
	return e
}

// itemTime reads a feed date with normalize.ParseTime (which gets zone
// abbreviations right), falling back on gofeed's own reading.
func itemTime(raw string, parsed *time.Time, zone *time.Location) time.Time {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return time.Time{}
	}
	if t, err := normalize.ParseTime(raw, normalize.TimeContext{Zone: zone}); err == nil {
		return t
	}
	if parsed != nil {
		return parsed.UTC()
	}
	return time.Time{}
}

// incidentCode extracts the page's own incident code from an entry link
// (/incidents/<code> on Statuspage and incident.io, /incident/<id> on
// Instatus).
var incidentCode = regexp.MustCompile(`/(?:incidents?|maintenances?)/([A-Za-z0-9_-]+)/?(?:[?#].*)?$`)

// id returns the entry's incident id: the code in its link, else its
// guid or id, else its link, else its title.
func (e entry) id() string {
	for _, l := range []string{e.link, e.it.GUID} {
		if m := incidentCode.FindStringSubmatch(l); m != nil {
			return m[1]
		}
	}
	for _, s := range []string{e.it.GUID, e.link, strings.TrimSpace(e.it.Title)} {
		if s != "" {
			return s
		}
	}
	return ""
}

// url returns the entry link with a doubled slash in its path repaired
// (incident.io writes https://status.example.com//incidents/...).
func (e entry) url() string {
	l := e.link
	if i := strings.Index(l, "://"); i >= 0 {
		rest := l[i+3:]
		for strings.Contains(rest, "//") {
			rest = strings.ReplaceAll(rest, "//", "/")
		}
		l = l[:i+3] + rest
	}
	return l
}

func (e entry) title() string { return collapse(e.it.Title) }

// unescapeMarkup unescapes content whose markup arrives entity-escaped
// (Statuspage feeds are escaped once; Instatus mixes real and escaped
// markup), so that it can be parsed as HTML.
func unescapeMarkup(s string) string {
	if strings.Contains(s, "&lt;p&gt;") || strings.Contains(s, "&lt;small&gt;") || strings.Contains(s, "&lt;strong&gt;") || strings.Contains(s, "&lt;br") {
		return html.UnescapeString(s)
	}
	return s
}

// parseHTML parses a fragment, with <br> turned into line breaks so that
// text keeps them.
func parseHTML(fragment string) *goquery.Document {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(fragment))
	if err != nil { // only on a reader error, impossible with a string
		doc = goquery.NewDocumentFromNode(nil)
	}
	doc.Find("br").ReplaceWithHtml("\n")
	return doc
}

// htmlText returns the text of an HTML fragment, paragraphs separated by
// blank lines.
func htmlText(fragment string) string {
	doc := parseHTML(fragment)
	doc.Find("p, li, div, h1, h2, h3, h4").Each(func(_ int, s *goquery.Selection) {
		s.AppendHtml("\n")
	})
	return normalize.Tidy(doc.Text())
}

// collapse turns all whitespace into single spaces and trims.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// checkJSONFeed refuses a JSON body that is not a JSON Feed: a feed is a
// JSON object whose "version" is a JSON Feed version URL. Any other JSON
// (a vendor's own API, a status.io, Slack, Heroku or AWS payload) would
// read as an empty feed, so a vendor upstat cannot read would show as
// operational; the error names what the body is instead. Non-JSON bodies
// pass (the feed parser decides about XML).
func checkJSONFeed(body []byte) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		if trimmed[0] == '[' {
			return errors.New("not a feed: a JSON array (a JSON Feed is an object with \"version\")")
		}
		return fmt.Errorf("not a feed: invalid JSON: %w", err)
	}
	var version string
	_ = json.Unmarshal(obj["version"], &version)
	if strings.HasPrefix(version, "https://jsonfeed.org/version/") {
		return nil
	}
	keys := slices.Sorted(maps.Keys(obj))
	if len(keys) > 8 {
		keys = append(keys[:8], "…")
	}
	what := "a JSON object without a JSON Feed \"version\""
	if version != "" {
		what = fmt.Sprintf("a JSON object with version %q (not a JSON Feed version)", truncate(version, 60))
	}
	return fmt.Errorf("not a feed: %s, with keys %s", what, strings.Join(keys, ", "))
}
