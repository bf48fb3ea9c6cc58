package aws

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/normalize"
)

// wireFeed is a per service-region RSS feed of the AWS Health Dashboard
// (status.aws.amazon.com/rss/ec2-us-east-1.rss): one item per update.
type wireFeed struct {
	XMLName xml.Name `xml:"rss"`
	Channel *struct {
		Title string         `xml:"title"`
		Items []wireFeedItem `xml:"item"`
	} `xml:"channel"`
}

type wireFeedItem struct {
	Title       string `xml:"title"`
	PubDate     string `xml:"pubDate"`
	GUID        string `xml:"guid"`
	Description string `xml:"description"`
}

var (
	// guidKey is the "<service>-<region>_<epoch>" fragment of a guid.
	guidKey = regexp.MustCompile(`#([a-z0-9-]+)_(\d{9,11})$`)
	// resolvedMark is the resolution marker of a title, in English or
	// Japanese (bilingual Tokyo feeds).
	resolvedMark = regexp.MustCompile(`\[(RESOLVED|解決済)\]\s*`)
	feedTags     = regexp.MustCompile(`<[^>]*>`)
	feedBreaks   = regexp.MustCompile(`(?i)<br\s*/?>|</p>`)
)

// feedUpdate is one item, read.
type feedUpdate struct {
	id, key, body   string
	service, region string
	at              time.Time
	sev             upstat.Severity
	resolved        bool
}

// decodeFeed reads a service-region RSS feed. A document that is not RSS
// with a channel, or an item without a dated guid or pubDate, is an error.
func decodeFeed(m *normalize.Mapper, body []byte) (string, []feedUpdate, error) {
	b := bytes.TrimLeft(body, " \t\r\n\xef\xbb\xbf")
	if len(b) == 0 || b[0] != '<' {
		return "", nil, fmt.Errorf("not an AWS RSS feed: body starts with %q", snippet(b))
	}
	var f wireFeed
	if err := xml.Unmarshal(b, &f); err != nil {
		return "", nil, fmt.Errorf("not an AWS RSS feed: %w", err)
	}
	if f.Channel == nil {
		return "", nil, fmt.Errorf("not an AWS RSS feed: no <channel>")
	}
	var out []feedUpdate
	for i, it := range f.Channel.Items {
		u := feedUpdate{id: strings.TrimSpace(it.GUID), body: feedText(it.Description)}
		if g := guidKey.FindStringSubmatch(u.id); g != nil {
			u.service, u.region = splitService(g[1])
			secs, _ := strconv.ParseInt(g[2], 10, 64)
			u.at = time.Unix(secs, 0).UTC()
		} else if t, err := normalize.ParseTime(it.PubDate, normalize.TimeContext{}); err == nil {
			u.at = t
		} else {
			return "", nil, fmt.Errorf("not an AWS RSS feed: item %d has no dated guid or readable pubDate", i)
		}
		if u.id == "" {
			u.id = strconv.FormatInt(u.at.Unix(), 10)
		}
		prefix, rest, ok := strings.Cut(strings.TrimSpace(it.Title), ":")
		if !ok {
			prefix, rest = "", it.Title
		}
		u.sev = upstat.Unknown
		if s, ok := m.Map(Kind, prefix); ok {
			u.sev = s
		}
		u.resolved = resolvedMark.MatchString(rest) || strings.EqualFold(strings.TrimSpace(prefix), "service is operating normally")
		u.key = strings.Join(strings.Fields(resolvedMark.ReplaceAllString(rest, "")), " ")
		out = append(out, u)
	}
	return strings.TrimSpace(f.Channel.Title), out, nil
}

// feedText turns a description (HTML escaped inside CDATA) into text.
func feedText(desc string) string {
	s := html.UnescapeString(desc)
	s = feedBreaks.ReplaceAllString(s, "\n")
	s = html.UnescapeString(feedTags.ReplaceAllString(s, ""))
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// serviceName is the display name in a channel title: "Amazon Elastic
// Compute Cloud (Tokyo) Service Status" → "Amazon Elastic Compute Cloud".
func serviceName(channel string) string {
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(channel), "Service Status"))
	if i := strings.LastIndex(s, " ("); i > 0 && strings.HasSuffix(s, ")") {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// buildFeed groups a feed's items into incidents: items of one
// service-region with the same title (prefix and resolution marker
// removed), oldest first, until one resolves it; a later item with that
// title opens a new incident. An incident's severity is the worst of its
// items, its id the service-region and epoch of its first item. The
// feed's service in its region is the component, with the worst
// severity of the open incidents. The feed is history: it does not list
// every open incident.
func buildFeed(m *normalize.Mapper, f filter, body []byte) (*upstat.Snapshot, error) {
	channel, ups, err := decodeFeed(m, body)
	if err != nil {
		return nil, err
	}
	snap := &upstat.Snapshot{HasComponents: true}
	sort.SliceStable(ups, func(i, j int) bool { return ups[i].at.Before(ups[j].at) })
	name := serviceName(channel)
	open := map[string]int{} // key → index in snap.Incidents of its open incident
	comps := map[string]*upstat.Component{}
	var order []string
	for _, u := range ups {
		svc := name
		if svc == "" {
			svc = u.service
		}
		if !f.regions.Match(u.region) || !f.services.Match(u.service, svc) {
			continue
		}
		c := componentOf(svc, u.region)
		if _, ok := comps[c.Key()]; !ok {
			comps[c.Key()] = &c
			order = append(order, c.Key())
		}
		gk := c.Key() + "\x00" + u.key
		i, ok := open[gk]
		if !ok {
			snap.Incidents = append(snap.Incidents, upstat.Incident{
				ID: fmt.Sprintf("%s-%s_%d", u.service, u.region, u.at.Unix()), Kind: upstat.KindIncident,
				URL: statusURL, Severity: u.sev, Status: upstat.StateInvestigating,
				Components: []string{c.Key()}, StartedAt: u.at,
			})
			i = len(snap.Incidents) - 1
			open[gk] = i
		}
		inc := &snap.Incidents[i]
		inc.Title, inc.UpdatedAt = u.key, u.at
		if !u.resolved && u.sev != upstat.Unknown {
			inc.Severity = upstat.Worse(inc.Severity, u.sev)
		}
		st := upstat.StateInvestigating
		if u.resolved {
			st = upstat.StateResolved
			at := u.at
			inc.Status, inc.ResolvedAt = st, &at
			delete(open, gk)
		}
		inc.Updates = append(inc.Updates, upstat.Update{ID: u.id, At: u.at, Status: st, Body: u.body})
		if u.at.After(comps[c.Key()].UpdatedAt) {
			comps[c.Key()].UpdatedAt = u.at
		}
	}
	unknown := map[string]bool{}
	for _, inc := range snap.Incidents {
		if !inc.Active() {
			continue
		}
		c := comps[inc.Components[0]]
		if inc.Severity == upstat.Unknown {
			unknown[c.Key()] = true
		}
		c.Status = upstat.Worse(c.Status, inc.Severity)
	}
	for _, k := range order {
		c := comps[k]
		if unknown[k] && c.Status == upstat.Operational {
			c.Status = upstat.Unknown
		}
		snap.Components = append(snap.Components, *c)
	}
	sort.SliceStable(snap.Incidents, func(i, j int) bool { return snap.Incidents[i].StartedAt.After(snap.Incidents[j].StartedAt) })
	return snap, nil
}
