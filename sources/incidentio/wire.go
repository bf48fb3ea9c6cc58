package incidentio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat/normalize"
)

// document is the union of the two documents this kind reads: the page's
// own /proxy/<host> JSON ({"summary": {…}}) and the Widget API
// ({"page_title", "ongoing_incidents", …}). Every list may be null or
// absent.
type document struct {
	Summary *proxySummary `json:"summary"`

	PageTitle   *string        `json:"page_title"`
	PageURL     string         `json:"page_url"`
	Ongoing     []wireIncident `json:"ongoing_incidents"`
	InProgress  []wireIncident `json:"in_progress_maintenances"`
	Maintenance []wireIncident `json:"scheduled_maintenances"`
}

// proxySummary is the page's own view: components, the page's grouping
// (structure), the components currently affected, ongoing incidents and
// maintenances.
type proxySummary struct {
	Name         string         `json:"name"`
	PublicURL    string         `json:"public_url"`
	Components   []wireRef      `json:"components"`
	Affected     []wireRef      `json:"affected_components"`
	Ongoing      []wireIncident `json:"ongoing_incidents"`
	Maintenances []wireIncident `json:"scheduled_maintenances"`
	Structure    *struct {
		Items []struct {
			Group     *wireGroup `json:"group"`
			Component *wireRef   `json:"component"`
		} `json:"items"`
	} `json:"structure"`
}

// wireGroup is a group of the page's structure, listing its components.
type wireGroup struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Hidden     bool      `json:"hidden"`
	Components []wireRef `json:"components"`
}

// wireRef is a reference to a component, in any of the shapes the
// documents use: {id, name} in the component list, {component_id, name}
// in the structure, {component_id, status, start_at, end_at} as an impact,
// and {id, name, group_name, current_status} in the Widget API.
type wireRef struct {
	ID            string `json:"id"`
	ComponentID   string `json:"component_id"`
	Name          string `json:"name"`
	GroupName     string `json:"group_name"`
	Status        string `json:"status"`
	CurrentStatus string `json:"current_status"`
	Hidden        bool   `json:"hidden"`
	StartAt       stamp  `json:"start_at"`
	EndAt         stamp  `json:"end_at"`
}

func (r *wireRef) id() string {
	if r.ComponentID != "" {
		return r.ComponentID
	}
	return r.ID
}

func (r *wireRef) status() string {
	if r.Status != "" {
		return r.Status
	}
	return r.CurrentStatus
}

// wireIncident is an incident or a maintenance of either document.
type wireIncident struct {
	ID                 string       `json:"id"`
	Name               string       `json:"name"`
	Status             string       `json:"status"`
	URL                string       `json:"url"`
	Impact             string       `json:"impact"`
	CurrentWorstImpact string       `json:"current_worst_impact"`
	PublishedAt        stamp        `json:"published_at"`
	CreatedAt          stamp        `json:"created_at"`
	UpdatedAt          stamp        `json:"updated_at"`
	ScheduledStartAt   stamp        `json:"scheduled_start_at"`
	ScheduledEndAt     stamp        `json:"scheduled_end_at"`
	StartsAt           stamp        `json:"starts_at"`
	EndsAt             stamp        `json:"ends_at"`
	LastUpdateAt       stamp        `json:"last_update_at"`
	LastUpdateMessage  string       `json:"last_update_message"`
	Affected           []wireRef    `json:"affected_components"`
	Impacts            []wireRef    `json:"component_impacts"`
	Components         []wireRef    `json:"components"`
	Updates            []wireUpdate `json:"updates"`
}

// wireUpdate is one update of a proxy incident. message is rich text (an
// object) on some pages and a string on others; message_string, when
// present, is its plain text.
type wireUpdate struct {
	ID            string          `json:"id"`
	Message       json.RawMessage `json:"message"`
	MessageString string          `json:"message_string"`
	PublishedAt   stamp           `json:"published_at"`
	ToStatus      string          `json:"to_status"`
}

// text returns the update's plain text.
func (u *wireUpdate) text() string {
	if u.MessageString != "" {
		return u.MessageString
	}
	var s string
	if json.Unmarshal(u.Message, &s) == nil {
		return s
	}
	return ""
}

// stamp is an incident.io timestamp (RFC 3339), in UTC; null and "" are
// the zero time.
type stamp time.Time

// UnmarshalJSON implements json.Unmarshaler.
func (t *stamp) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("time: %w", err)
	}
	if s == nil || *s == "" {
		*t = stamp{}
		return nil
	}
	v, err := normalize.ParseTime(*s, normalize.TimeContext{})
	if err != nil {
		return err
	}
	*t = stamp(v)
	return nil
}

func (t stamp) time() time.Time { return time.Time(t) }

// decode parses a body and checks that it is one of the two documents:
// a Statuspage-compatible summary (the shim incident.io also serves) or
// any other JSON is an error naming what it got.
func decode(body []byte) (*document, error) {
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("decode: not an incident.io page document: %s", describe(body))
	}
	var d document
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if d.Summary != nil || d.PageTitle != nil || d.Ongoing != nil || d.InProgress != nil || d.Maintenance != nil {
		return &d, nil
	}
	return nil, fmt.Errorf("decode: not an incident.io page document: %s", describe(body))
}

// describe names what a JSON body is, for the error of a wrong payload.
func describe(body []byte) string {
	var keys map[string]json.RawMessage
	if json.Unmarshal(body, &keys) != nil {
		return "got " + kindOfJSON(body)
	}
	if _, ok := keys["page"]; ok {
		if _, ok := keys["status"]; ok {
			return "got a Statuspage-compatible summary (read it with kind statuspage, or give the page's address)"
		}
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	if len(names) > 6 {
		names = append(names[:6], "…")
	}
	return fmt.Sprintf("got an object with keys [%s]", strings.Join(names, ", "))
}

func kindOfJSON(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) > 0 && b[0] == '[' {
		return "an array"
	}
	return "a JSON value that is not an object"
}
