package gcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// wireIncident is one element of incidents.json, as Google Cloud, Google
// Workspace and Google Search publish it. Only the fields upstat reads.
type wireIncident struct {
	ID           string       `json:"id"`
	Number       string       `json:"number"`
	Begin        *time.Time   `json:"begin"`
	Created      *time.Time   `json:"created"`
	End          *time.Time   `json:"end"` // absent or null while open
	Modified     *time.Time   `json:"modified"`
	ExternalDesc string       `json:"external_desc"`
	Updates      []wireUpdate `json:"updates"` // newest first
	StatusImpact string       `json:"status_impact"`
	Severity     string       `json:"severity"`
	ServiceName  string       `json:"service_name"`
	Products     []wirePlace  `json:"affected_products"`
	URI          string       `json:"uri"`
	Current      []wirePlace  `json:"currently_affected_locations"`
	Previous     []wirePlace  `json:"previously_affected_locations"`
}

type wireUpdate struct {
	Created   *time.Time  `json:"created"`
	When      *time.Time  `json:"when"`
	Text      string      `json:"text"`
	Status    string      `json:"status"`
	Locations []wirePlace `json:"affected_locations"`
}

// wirePlace is a product or a location: a display title and an id.
type wirePlace struct {
	Title string `json:"title"`
	ID    string `json:"id"`
}

// decode reads an incidents.json body. Anything that is not a JSON array
// of incidents with ids and begin times is an error naming what it got,
// so a wrong payload never reads as "no incidents".
func decode(body []byte) ([]wireIncident, error) {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 || b[0] != '[' {
		return nil, fmt.Errorf("not a GCP incidents.json: expected a JSON array, body starts with %q", snippet(b))
	}
	var incs []wireIncident
	if err := json.Unmarshal(b, &incs); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	for i := range incs {
		w := &incs[i]
		if w.ID == "" {
			return nil, fmt.Errorf("not a GCP incidents.json: element %d has no id", i)
		}
		if w.Begin == nil && w.Created == nil {
			return nil, fmt.Errorf("not a GCP incidents.json: incident %s has neither begin nor created", w.ID)
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
