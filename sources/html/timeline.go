package html

import (
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// The timeline preset reads a page that is one incident with an update
// timeline: list items that start with a status word and a date,
//
//	<li><span>identified</span> <time>Apr 01, 2022, 07:02 PM UTC</time>
//	<p>Our hosting partner will be initiating rolling restarts…</p></li>
//
// a heading "Affected components" followed by the component names, and a
// severity in an element whose class names severity or impact (else the
// words of the page header). The incident id is the last segment of the
// page URL (see pageID).

var severityClass = regexp.MustCompile(`(?i)severity|impact`)

func parseTimeline(p *page) (*upstat.Snapshot, error) {
	title := collapse(p.doc.Find("h1").First().Text())
	if title == "" {
		title = collapse(p.doc.Find("title").First().Text())
	}
	inc := &upstat.Incident{ID: p.pageID(slug(title)), Kind: upstat.KindIncident, Title: title, URL: p.cfg.URL}
	var lists *goquery.Selection
	var bodies []string
	p.doc.Find("li").Each(func(_ int, li *goquery.Selection) {
		u, ok := p.timelineUpdate(li)
		if !ok {
			return
		}
		switch u.Status {
		case upstat.StateScheduled, upstat.StateInProgress, upstat.StateVerifying, upstat.StateCompleted:
			inc.Kind = upstat.KindMaintenance
		}
		inc.Updates = append(inc.Updates, u)
		if !u.Status.Closed() {
			bodies = append(bodies, u.Body)
		}
		if lists == nil {
			lists = li.Parent()
		} else {
			lists = lists.AddSelection(li.Parent())
		}
	})
	if len(inc.Updates) == 0 || inc.ID == "" {
		return &upstat.Snapshot{}, nil
	}
	inc.Components = p.headedList("affected components")
	normalize.Finish(inc, p.cfg.Now)
	p.timelineSeverity(inc, lists, bodies)
	return &upstat.Snapshot{Incidents: []upstat.Incident{*inc}}, nil
}

// timelineUpdate reads a list item "status-word date body".
func (p *page) timelineUpdate(li *goquery.Selection) (upstat.Update, bool) {
	text := blockText(li)
	fields := strings.Fields(text)
	if len(fields) < 3 {
		return upstat.Update{}, false
	}
	st, ok := normalize.State(fields[0])
	n := 1
	if !ok {
		if st, ok = normalize.State(fields[0] + " " + fields[1]); !ok {
			return upstat.Update{}, false
		}
		n = 2
	}
	rest := strings.TrimSpace(strings.Join(strings.SplitN(text, fields[n-1], 2)[1:], ""))
	stamp := findStamp(rest)
	if stamp == "" || !strings.HasPrefix(collapse(rest), stamp) {
		return upstat.Update{}, false
	}
	at, err := p.parseTime(stamp)
	if err != nil {
		return upstat.Update{}, false
	}
	body := rest
	if i := strings.Index(rest, stamp); i >= 0 {
		body = rest[i+len(stamp):]
	} else if j := strings.IndexByte(rest, '\n'); j >= 0 {
		body = rest[j:]
	}
	return upstat.Update{At: at, Status: st, Body: normalize.Tidy(body)}, true
}

// headedList returns the items listed under a heading (or label) whose
// text is heading: the next element's list items, else its text split at
// commas and line breaks.
func (p *page) headedList(heading string) []string {
	var out []string
	p.doc.Find("h1, h2, h3, h4, h5, h6, dt, strong, b, p, span, div").EachWithBreak(func(_ int, h *goquery.Selection) bool {
		if !strings.EqualFold(collapse(h.Text()), heading) {
			return true
		}
		next := h.Next()
		if next.Length() == 0 {
			next = h.Parent().Next()
		}
		if items := next.Find("li"); items.Length() > 0 {
			items.Each(func(_ int, li *goquery.Selection) { out = append(out, collapse(li.Text())) })
		} else {
			for _, part := range strings.FieldsFunc(blockText(next), func(r rune) bool { return r == ',' || r == '\n' }) {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
		return false
	})
	return out
}

// timelineSeverity sets inc's severity: an element classed
// severity/impact (the page's own marking), else the words of the page
// outside the timeline (title, summary, badges), else those of the open
// updates, else degraded (these three marked a guess).
func (p *page) timelineSeverity(inc *upstat.Incident, lists *goquery.Selection, bodies []string) {
	if inc.Kind == upstat.KindMaintenance {
		inc.Severity = upstat.Maintenance
		return
	}
	worst := upstat.Unknown
	p.doc.Find("[class]").Each(func(_ int, s *goquery.Selection) {
		class, _ := s.Attr("class")
		if !severityClass.MatchString(class) || s.Children().Length() > 0 {
			return
		}
		if m := impactClass.FindStringSubmatch(class); m != nil {
			if sev, ok := p.cfg.Mapper.Map(normalize.DomainImpact, m[1]); ok {
				worst = upstat.Worse(worst, sev)
				return
			}
		}
		if sev, ok := p.severityWord(collapse(s.Text())); ok && sev > upstat.Operational {
			worst = upstat.Worse(worst, sev)
		}
	})
	if worst != upstat.Unknown {
		inc.Severity = worst
		return
	}
	body := p.doc.Find("body").Clone()
	if lists != nil {
		body.Find("ol, ul").Remove()
	}
	if normalize.GuessSeverity(inc, upstat.Unknown, collapse(body.Text())); inc.Severity == upstat.Unknown {
		normalize.GuessSeverity(inc, upstat.Degraded, bodies...)
	}
}

// slug turns a title into an id: lowercase words joined by dashes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
