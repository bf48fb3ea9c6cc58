package statuspage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/upstat/upstat/normalize"
)

// docKind names which endpoint a document came from; each has its own
// minimal shape check.
type docKind int

const (
	docSummary      docKind = iota // /api/v2/summary.json
	docIncidents                   // /api/v2/incidents.json
	docMaintenances                // /api/v2/scheduled-maintenances.json
)

func (k docKind) String() string {
	switch k {
	case docSummary:
		return "summary"
	case docIncidents:
		return "incidents"
	case docMaintenances:
		return "scheduled maintenances"
	}
	return "document"
}

// document is the union of the three Statuspage v2 documents we read: a
// summary has page, status, components, incidents (unresolved only) and
// scheduled_maintenances (upcoming and in progress); incidents.json has page
// and incidents (the last 50, resolved included); scheduled-maintenances.json
// has page and scheduled_maintenances. Every field is optional: null lists
// decode as nil (incident.io's Statuspage-compatible shim sends null, not
// []). A nil Components means the document has no component list at all,
// an empty non-nil one means the page has none.
type document struct {
	Page         *wirePage       `json:"page"`
	Status       *wireStatus     `json:"status"`
	Components   []wireComponent `json:"components"`
	Incidents    []wireIncident  `json:"incidents"`
	Maintenances []wireIncident  `json:"scheduled_maintenances"`
}

type wirePage struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	URL      string `json:"url"`
	TimeZone string `json:"time_zone"`
}

type wireStatus struct {
	Indicator   string `json:"indicator"`
	Description string `json:"description"`
}

// wireComponent is a component row. Group rows (group: true) list their
// children's ids in Children; leaves point to their group through GroupID.
type wireComponent struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	Status             string   `json:"status"`
	UpdatedAt          wireTime `json:"updated_at"`
	GroupID            string   `json:"group_id"`
	Group              bool     `json:"group"`
	OnlyShowIfDegraded bool     `json:"only_show_if_degraded"`
	Children           []string `json:"components"`
}

// isGroup reports whether the row is a container. Pages that omit the
// group flag still list the children of a group row.
func (c *wireComponent) isGroup() bool { return c.Group || len(c.Children) > 0 }

// wireIncident is an incident or a scheduled maintenance (the same shape
// plus scheduled_for and scheduled_until).
type wireIncident struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Status         string          `json:"status"`
	Impact         string          `json:"impact"`
	Shortlink      string          `json:"shortlink"`
	CreatedAt      wireTime        `json:"created_at"`
	UpdatedAt      wireTime        `json:"updated_at"`
	StartedAt      wireTime        `json:"started_at"`
	ResolvedAt     wireTime        `json:"resolved_at"`
	ScheduledFor   wireTime        `json:"scheduled_for"`
	ScheduledUntil wireTime        `json:"scheduled_until"`
	Updates        []wireUpdate    `json:"incident_updates"`
	Components     []wireComponent `json:"components"`
}

// wireUpdate is one incident_update. The API lists them newest first.
type wireUpdate struct {
	ID        string         `json:"id"`
	Status    string         `json:"status"`
	Body      string         `json:"body"`
	CreatedAt wireTime       `json:"created_at"`
	UpdatedAt wireTime       `json:"updated_at"`
	DisplayAt wireTime       `json:"display_at"`
	Affected  []wireAffected `json:"affected_components"`
}

// wireAffected is an affected_components entry. Its Name carries the group
// as a prefix ("Group - Leaf"); Code joins to the component's id.
type wireAffected struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// wireTime is a Statuspage timestamp, converted to UTC: offsets vary
// within one document (components in Z, incidents in the page's own
// offset, -06:00 or -08:00 on older pages). null and "" decode as the zero
// time; anything else that is not a timestamp is a decode error.
type wireTime time.Time

func (w *wireTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*w = wireTime{}
		return nil
	}
	var s string
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		s = string(b[1 : n-1]) // the common case, without a second JSON scan
	} else if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("time: %w", err)
	}
	if s == "" {
		*w = wireTime{}
		return nil
	}
	t, err := normalize.ParseTime(s, normalize.TimeContext{})
	if err != nil {
		return err
	}
	*w = wireTime(t)
	return nil
}

func (w wireTime) time() time.Time { return time.Time(w) }

// errNotStatuspage is returned for JSON that has none of the keys of the
// expected document (an API error object, another product's JSON).
var errNotStatuspage = errors.New("not a Statuspage document")

// decode parses one document of the given kind. It never panics on any
// input; a body of the wrong shape (an array, a string where an object is
// expected, a bad timestamp) is an error.
func decode(kind docKind, body []byte) (*document, error) {
	var d document
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("decode %s: %w", kind, err)
	}
	var ok bool
	switch kind {
	case docSummary:
		ok = d.Page != nil || d.Status != nil || d.Components != nil
	case docIncidents:
		ok = d.Page != nil || d.Incidents != nil
	case docMaintenances:
		ok = d.Page != nil || d.Maintenances != nil
	}
	if !ok {
		return nil, fmt.Errorf("decode %s: %w", kind, errNotStatuspage)
	}
	return &d, nil
}
