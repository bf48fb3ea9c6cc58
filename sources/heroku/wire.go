package heroku

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// wireCurrent is api/v4/current-status.
type wireCurrent struct {
	Systems   *[]wireSystem  `json:"status"`
	Incidents []wireIncident `json:"incidents"`
	Scheduled []wireIncident `json:"scheduled"`
}

// wireSystem is one of Heroku's systems (Apps, Data, Tools) and its colour.
type wireSystem struct {
	System string `json:"system"`
	Status string `json:"status"`
}

// wireIncident is an incident or a scheduled maintenance.
type wireIncident struct {
	ID         json.Number  `json:"id"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	ResolvedAt *time.Time   `json:"resolved_at"`
	Title      string       `json:"title"`
	Resolved   bool         `json:"resolved"` // can be false while state is "resolved": state wins
	State      string       `json:"state"`
	Upcoming   bool         `json:"upcoming"`
	StatusDev  string       `json:"status_dev"`
	StatusProd string       `json:"status_prod"`
	FullURL    string       `json:"full_url"`
	Systems    []string     `json:"systems"`
	Updates    []wireUpdate `json:"updates"` // newest first
}

type wireUpdate struct {
	ID         json.Number `json:"id"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdateType string      `json:"update_type"`
	Contents   string      `json:"contents"`
	StatusDev  string      `json:"status_dev"`
	StatusProd string      `json:"status_prod"`
}

// decode reads api/v4/current-status: an object with a status list of
// systems, else an error naming what it got.
func decode(body []byte) (*wireCurrent, error) {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("not Heroku's current-status: expected a JSON object, body starts with %q", snippet(b))
	}
	var c wireCurrent
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if c.Systems == nil || len(*c.Systems) == 0 {
		return nil, fmt.Errorf("not Heroku's current-status: no systems in status")
	}
	for _, list := range [][]wireIncident{c.Incidents, c.Scheduled} {
		for i := range list {
			if list[i].ID == "" || list[i].CreatedAt.IsZero() {
				return nil, fmt.Errorf("not Heroku's current-status: an incident has no id or created_at")
			}
		}
	}
	return &c, nil
}

// decodeHistory reads api/v4/incidents: an array of incidents (updates
// included), or an object holding one under "incidents".
func decodeHistory(body []byte) ([]wireIncident, error) {
	b := bytes.TrimLeft(body, " \t\r\n")
	var incs []wireIncident
	switch {
	case len(b) > 0 && b[0] == '[':
		if err := json.Unmarshal(b, &incs); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
	case len(b) > 0 && b[0] == '{':
		var w struct {
			Incidents *[]wireIncident `json:"incidents"`
		}
		if err := json.Unmarshal(b, &w); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		if w.Incidents == nil {
			return nil, fmt.Errorf("not Heroku's incidents: an object without incidents")
		}
		incs = *w.Incidents
	default:
		return nil, fmt.Errorf("not Heroku's incidents: body starts with %q", snippet(b))
	}
	for i := range incs {
		if incs[i].ID == "" || incs[i].CreatedAt.IsZero() {
			return nil, fmt.Errorf("not Heroku's incidents: incident %d has no id or created_at", i)
		}
	}
	return incs, nil
}

func snippet(b []byte) string {
	if len(b) > 24 {
		b = b[:24]
	}
	return string(b)
}
