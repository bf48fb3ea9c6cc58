package html

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// page is a decoded, parsed page and what every layout reads it with.
type page struct {
	doc    *goquery.Document
	cfg    Config
	expiry time.Time // set by layouts whose items expire with age
	// anchorAt is what year-less stamps are resolved against, once
	// anchorSet (see anchor).
	anchorAt  time.Time
	anchorSet bool
}

// newPage decodes body with its declared charset (Content-Type header,
// then <meta>, else UTF-8), repairs mojibake and parses the HTML.
func newPage(body []byte, contentType string, c Config) (*page, error) {
	enc, _, _ := charset.DetermineEncoding(body, contentType)
	decoded, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		decoded = body
	}
	text := repairMojibake(string(decoded))
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("parse html: %w", err)
	}
	return &page{doc: doc, cfg: c}, nil
}

// mojibakeRun matches runs of the characters that UTF-8 bytes turn into
// when read as Windows-1252 (or Latin-1): "ðŸ”´" is 🔴, "â€™" is ’.
var mojibakeRun = regexp.MustCompile(`[\x{80}-\x{FF}\x{152}\x{153}\x{160}\x{161}\x{178}\x{17D}\x{17E}\x{192}\x{2C6}\x{2DC}\x{2013}\x{2014}\x{2018}-\x{201A}\x{201C}-\x{201E}\x{2020}-\x{2022}\x{2026}\x{2030}\x{2039}\x{203A}\x{20AC}\x{2122}]{2,}`)

// repairMojibake undoes UTF-8 read as Windows-1252: within each run of
// such characters, every sequence whose Windows-1252 bytes form one valid
// multi-byte UTF-8 character is replaced by that character. Text that is
// really Windows-1252 ("café") does not form such sequences and is kept.
func repairMojibake(s string) string {
	return mojibakeRun.ReplaceAllStringFunc(s, func(run string) string {
		runes := []rune(run)
		b := make([]byte, len(runes))
		for i, r := range runes {
			if r <= 0xFF {
				b[i] = byte(r)
			} else if c, ok := charmap.Windows1252.EncodeRune(r); ok {
				b[i] = c
			} else {
				return run
			}
		}
		var out strings.Builder
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			if r != utf8.RuneError && size > 1 {
				out.WriteRune(r)
				i += size
				continue
			}
			out.WriteRune(runes[i])
			i++
		}
		return out.String()
	})
}

// collapse turns all whitespace into single spaces and trims.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// blockText returns the text of a selection with line breaks where the
// markup has them (<br>, paragraphs, list items), without altering the
// document.
func blockText(sel *goquery.Selection) string {
	c := sel.Clone()
	c.Find("br").ReplaceWithHtml("\n")
	c.Find("p, li, div, pre, h1, h2, h3, h4, h5, h6, tr").AppendHtml("\n\n")
	var parts []string
	c.Each(func(_ int, s *goquery.Selection) { parts = append(parts, s.Text()) })
	return normalize.Tidy(strings.Join(parts, "\n\n"))
}

// Stamps in page text, most specific first.
const month = `(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?`

var stampRes = []*regexp.Regexp{
	// 2023-07-10 12:08 UTC, 2023-07-10T12:08:00Z, with an optional zone.
	regexp.MustCompile(`\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5}(?:[+-]\d{1,2})?)\b)?`),
	// May 01, 2018 - 20:40 EDT; Apr 01, 2022, 06:15 PM UTC; Aug 17 , 2026 - 13:40 UTC.
	regexp.MustCompile(month + `\s+\d{1,2}\s*,?\s*\d{4}\s*(?:-|,|at)?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?(?:\s+[A-Z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?\b)?`),
	// Year-less: Nov 2, 16:09 PST.
	regexp.MustCompile(month + `\s+\d{1,2}\s*,?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?(?:\s+[A-Z]{1,5}(?:[+-]\d{1,2})?\b)?`),
}

// findStamp returns the first timestamp-looking text in s, or "".
func findStamp(s string) string {
	s = collapse(s)
	best, at := "", len(s)+1
	for _, re := range stampRes {
		if loc := re.FindStringIndex(s); loc != nil && loc[0] < at {
			best, at = s[loc[0]:loc[1]], loc[0]
		}
	}
	return strings.ReplaceAll(best, " ,", ",")
}

// parseTime reads a stamp with the page's zone; year-less stamps take
// their year from the page's own dates, else from now (see anchor).
func (p *page) parseTime(s string) (time.Time, error) {
	return normalize.ParseTime(s, normalize.TimeContext{Zone: p.cfg.Zone, Anchor: p.anchor()})
}

// severityWord reads a severity from a word or phrase: an upstat severity
// name, a status emoji, an impact word (minor, major, critical) or the
// keyword table. ok is false when none of
// them recognises it.
func (p *page) severityWord(s string) (upstat.Severity, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return upstat.Unknown, false
	}
	if sev, err := upstat.ParseSeverity(strings.ToLower(strings.ReplaceAll(s, " ", "_"))); err == nil && sev != upstat.Unknown {
		return sev, true
	}
	if sev, ok := p.cfg.Mapper.Map(normalize.DomainEmoji, strings.TrimSuffix(s, "\ufe0f")); ok {
		return sev, true
	}
	if sev, ok := p.cfg.Mapper.Map(normalize.DomainImpact, s); ok && !strings.EqualFold(s, "none") {
		return sev, true // Statuspage impact words: minor, major, critical
	}
	if v := normalize.Classify(s); v.Matched {
		if v.Maintenance && v.Severity <= upstat.Maintenance {
			return upstat.Maintenance, true
		}
		return v.Severity, true
	}
	return upstat.Unknown, false
}

// incidentCode extracts a Statuspage-style incident code from a URL.
var incidentCode = regexp.MustCompile(`/incidents?/([A-Za-z0-9_-]+)/?(?:[?#].*)?$`)

// pageID is the id of a page that is one incident: the code in its URL
// (/incidents/<code>), else its canonical URL's, else the last segment of
// its path, else fallback.
func (p *page) pageID(fallback string) string {
	canonical, _ := p.doc.Find(`link[rel="canonical"]`).Attr("href")
	og, _ := p.doc.Find(`meta[property="og:url"]`).Attr("content")
	for _, u := range []string{p.cfg.URL, canonical, og} {
		if m := incidentCode.FindStringSubmatch(u); m != nil {
			return m[1]
		}
	}
	for _, u := range []string{canonical, og, p.cfg.URL} {
		u = strings.TrimRight(strings.SplitN(strings.SplitN(u, "#", 2)[0], "?", 2)[0], "/")
		if i := strings.LastIndex(u, "/"); i >= 0 && i < len(u)-1 && !strings.HasSuffix(u[:i], "/") {
			return u[i+1:]
		}
	}
	return fallback
}
