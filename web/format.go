package web

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// trimZeros formats f with at most two decimals and no trailing zeros.
func trimZeros(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Duration formats d with its two largest units, truncated, as incident
// pages show it: "2d 18h", "3h 5m", "12m", "40s".
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	case mins > 0:
		return fmt.Sprintf("%dm", mins)
	}
	return fmt.Sprintf("%ds", int(d/time.Second))
}

// ago says how long before now t was, in words: "just now", "5m ago".
// The browser script keeps the same wording up to date.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	if d < time.Minute {
		return "just now"
	}
	return Duration(d) + " ago"
}

// utcTime is the one way the dashboard writes an instant.
func utcTime(t time.Time) string {
	return t.UTC().Format("Jan 02, 2006 15:04 UTC")
}

// safeURL returns raw when it is an absolute http or https URL, and ""
// otherwise, so that vendor-supplied links can never be javascript: or
// data: URLs.
func safeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return ""
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return ""
	}
	return u.String()
}

// Segment is a piece of an update body: plain text, or a link when URL is
// set (then Text is the URL as written).
type Segment struct {
	Text string
	URL  string
}

var bareURL = regexp.MustCompile(`https?://[^\s<>"']+`)

// segments splits a vendor-supplied body into text and http(s) links.
// Bodies are shown as text: markup in them is displayed literally (and
// escaped by the template), never interpreted.
func segments(body string) []Segment {
	var out []Segment
	last := 0
	for _, m := range bareURL.FindAllStringIndex(body, -1) {
		raw := strings.TrimRight(body[m[0]:m[1]], ".,;:!?)")
		end := m[0] + len(raw)
		link := safeURL(raw)
		if link == "" {
			continue
		}
		if m[0] > last {
			out = append(out, Segment{Text: body[last:m[0]]})
		}
		out = append(out, Segment{Text: raw, URL: link})
		last = end
	}
	if last < len(body) {
		out = append(out, Segment{Text: body[last:]})
	}
	return out
}

// severityLook is how the dashboard shows a severity: words, a shape that
// tells severities apart without colour, and its place on the overview
// (worst first: outages, then degraded, then unknown, since no trustworthy
// data deserves a look before healthy vendors, then maintenance, then
// operational).
type severityLook struct {
	label, icon string
	rank        int
}

// lookOf returns the look of s.
func lookOf(s upstat.Severity) severityLook {
	switch s {
	case upstat.Operational:
		return severityLook{"Operational", "✓", 5}
	case upstat.Maintenance:
		return severityLook{"Maintenance", "⚙", 4}
	case upstat.Degraded:
		return severityLook{"Degraded", "▲", 2}
	case upstat.PartialOutage:
		return severityLook{"Partial outage", "◆", 1}
	case upstat.MajorOutage:
		return severityLook{"Major outage", "✕", 0}
	}
	return severityLook{"Unknown", "?", 3}
}

// severityLabel is a severity in words, for people.
func severityLabel(s upstat.Severity) string { return lookOf(s).label }

// severityIcon is a shape that tells severities apart without colour.
func severityIcon(s upstat.Severity) string { return lookOf(s).icon }

// rank orders vendors worst first on the overview.
func rank(s upstat.Severity) int { return lookOf(s).rank }

// severityClass is the CSS class that colours a severity.
func severityClass(s upstat.Severity) string {
	if s < upstat.Operational || s > upstat.MajorOutage {
		return "sev-unknown"
	}
	return "sev-" + s.String()
}

// stateLabel is an incident state in words.
func stateLabel(s upstat.IncidentState) string {
	if s == "" {
		return "Unknown"
	}
	w := strings.ReplaceAll(string(s), "_", " ")
	return strings.ToUpper(w[:1]) + w[1:]
}
