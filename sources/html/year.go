package html

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// Year-less stamps ("May 1, 20:40 EDT") take their year from the page's
// own dates where it has them: the latest full date on the page (a
// <time datetime>, a modified/published <meta>, a "Mar 3, 2021" or
// "2021-03-03" in its text) that is not in the future. A page last
// updated in 2021 then dates its stamps in 2021, not in the year of the
// clock. Without such a date, the clock is the anchor. Either way the
// year rolls back when a stamp would lie more than a day after the anchor
// (normalize.TimeContext).

var (
	fullDateRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b(` + month + `)\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*((?:19|20)\d{2})\b`),
		regexp.MustCompile(`(?i)\b(\d{1,2})\s+(` + month + `)\s*,?\s*((?:19|20)\d{2})\b`),
		regexp.MustCompile(`\b((?:19|20)\d{2})-(\d{2})-(\d{2})(?:\b|T)`),
	}
	monthNumbers = map[string]time.Month{
		"jan": time.January, "feb": time.February, "mar": time.March, "apr": time.April,
		"may": time.May, "jun": time.June, "jul": time.July, "aug": time.August,
		"sep": time.September, "oct": time.October, "nov": time.November, "dec": time.December,
	}
)

// anchor returns the time year-less stamps are resolved against: the
// latest date the page itself carries, if any is at or before now, else
// now. It is computed once per page.
func (p *page) anchor() time.Time {
	if p.anchorSet {
		return p.anchorAt
	}
	p.anchorSet, p.anchorAt = true, p.cfg.Now
	var latest time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && !t.After(p.cfg.Now) && t.After(latest) {
			latest = t
		}
	}
	p.doc.Find("time[datetime]").Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("datetime")
		consider(dateOf(v))
	})
	p.doc.Find("meta[content]").Each(func(_ int, s *goquery.Selection) {
		name := strings.ToLower(s.AttrOr("property", s.AttrOr("name", s.AttrOr("itemprop", ""))))
		if strings.Contains(name, "modified") || strings.Contains(name, "published") || strings.Contains(name, "updated") {
			consider(dateOf(s.AttrOr("content", "")))
		}
	})
	text := p.doc.Find("body").Text()
	for _, re := range fullDateRes {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			consider(dateOf(m[0]))
		}
	}
	if !latest.IsZero() {
		p.anchorAt = latest
	}
	return p.anchorAt
}

// dateOf reads the calendar date of a full date ("Mar 3, 2021",
// "3 March 2021", "2021-03-03", "2021-03-03T10:00:00Z"), as midnight UTC;
// zero when s holds none.
func dateOf(s string) time.Time {
	for i, re := range fullDateRes {
		m := re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		var y, d int
		var mon time.Month
		switch i {
		case 0:
			mon, d, y = monthNumber(m[1]), atoi(m[2]), atoi(m[3])
		case 1:
			d, mon, y = atoi(m[1]), monthNumber(m[2]), atoi(m[3])
		default:
			y, mon, d = atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3])
		}
		if mon < time.January || mon > time.December || d < 1 || d > 31 {
			continue
		}
		return time.Date(y, mon, d, 0, 0, 0, 0, time.UTC)
	}
	return time.Time{}
}

func monthNumber(s string) time.Month {
	s = strings.ToLower(s)
	if len(s) < 3 {
		return 0
	}
	return monthNumbers[s[:3]]
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
