package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"
)

// wireCurrent is api/v2.0.0/current.
type wireCurrent struct {
	Status    *string         `json:"status"` // "ok" or "active"
	Incidents *[]wireIncident `json:"active_incidents"`
}

// wireIncident is an incident, notice, outage or maintenance, in current
// (active_incidents) and in history (the whole array).
type wireIncident struct {
	ID          id         `json:"id"`
	DateCreated time.Time  `json:"date_created"`
	DateUpdated time.Time  `json:"date_updated"`
	Title       string     `json:"title"`
	Type        string     `json:"type"`
	Status      string     `json:"status"`
	URL         string     `json:"url"`
	Services    []string   `json:"services"`
	Notes       []wireNote `json:"notes"`
}

type wireNote struct {
	DateCreated time.Time `json:"date_created"`
	Body        string    `json:"body"`
}

// id is an incident id, a number (878) in the live API and a string
// ("546") in Slack's documentation.
type id string

// UnmarshalJSON accepts a string or a number.
func (i *id) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		err := json.Unmarshal(b, &s)
		*i = id(strings.TrimSpace(s))
		return err
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id: want a string or a number, got %.24s", b)
	}
	*i = id(n.String())
	return nil
}

// decodeCurrent reads api/v2.0.0/current: an object with a status and an
// active_incidents list, else an error naming what it got.
func decodeCurrent(body []byte) ([]wireIncident, error) {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("not Slack's current status: expected a JSON object, body starts with %q", snippet(b))
	}
	var c wireCurrent
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("current: decode: %w", err)
	}
	if c.Status == nil || c.Incidents == nil {
		return nil, fmt.Errorf("not Slack's current status: no status or active_incidents field")
	}
	return *c.Incidents, checkIDs("current", *c.Incidents)
}

// decodeHistory reads api/v2.0.0/history: an array of incidents.
func decodeHistory(body []byte) ([]wireIncident, error) {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 || b[0] != '[' {
		return nil, fmt.Errorf("not Slack's history: expected a JSON array, body starts with %q", snippet(b))
	}
	var incs []wireIncident
	if err := json.Unmarshal(b, &incs); err != nil {
		return nil, fmt.Errorf("history: decode: %w", err)
	}
	return incs, checkIDs("history", incs)
}

func checkIDs(doc string, incs []wireIncident) error {
	for i := range incs {
		if incs[i].ID == "" || incs[i].DateCreated.IsZero() {
			return fmt.Errorf("not Slack's %s: incident %d has no id or date_created", doc, i)
		}
	}
	return nil
}

func snippet(b []byte) string {
	if len(b) > 24 {
		b = b[:24]
	}
	return string(b)
}

var (
	breakTags = regexp.MustCompile(`(?i)<br\s*/?>|</p>|</li>|</div>`)
	anyTag    = regexp.MustCompile(`<[^>]*>`)
	blankRuns = regexp.MustCompile(`\n{3,}`)
)

// text turns a note body (HTML paragraphs and breaks, \r\n) into plain
// text with paragraphs on their own lines.
func text(body string) string {
	s := strings.ReplaceAll(body, "\r\n", "\n")
	s = breakTags.ReplaceAllString(s, "\n")
	s = anyTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(blankRuns.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}
