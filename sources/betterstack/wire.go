package betterstack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// document is index.json, a JSON:API document: data is the status page,
// included holds its sections, resources, status reports and updates.
type document struct {
	Data *struct {
		ID         id     `json:"id"`
		Type       string `json:"type"`
		Attributes struct {
			CompanyName    string `json:"company_name"`
			AggregateState string `json:"aggregate_state"`
		} `json:"attributes"`
	} `json:"data"`
	Included []included `json:"included"`
}

// included is one included object; its attributes are the union of
// those of the four types read (status_page_section,
// status_page_resource, status_report, status_update).
type included struct {
	ID            id         `json:"id"`
	Type          string     `json:"type"`
	Attributes    attributes `json:"attributes"`
	Relationships struct {
		Updates struct {
			Data []struct {
				ID id `json:"id"`
			} `json:"data"`
		} `json:"status_updates"`
	} `json:"relationships"`
}

type attributes struct {
	Name           string     `json:"name"`        // section (may end in spaces)
	PublicName     string     `json:"public_name"` // resource
	Status         string     `json:"status"`      // resource
	SectionID      id         `json:"status_page_section_id"`
	Title          string     `json:"title"`       // report
	ReportType     string     `json:"report_type"` // manual, maintenance
	StartsAt       time.Time  `json:"starts_at"`
	EndsAt         time.Time  `json:"ends_at"` // null even on resolved reports
	AggregateState string     `json:"aggregate_state"`
	Affected       []affected `json:"affected_resources"`
	Message        string     `json:"message"` // update
	PublishedAt    time.Time  `json:"published_at"`
	ReportID       id         `json:"status_report_id"`
}

// affected is a resource's state in a report or an update.
type affected struct {
	ResourceID id     `json:"status_page_resource_id"`
	Status     string `json:"status"`
}

// id is a JSON:API id: a string in one place, a number in another.
type id string

// UnmarshalJSON implements json.Unmarshaler.
func (i *id) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, []byte("null")):
		*i = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*i = id(s)
	default:
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return fmt.Errorf("id %s is neither a string nor an integer", b)
		}
		*i = id(strconv.FormatInt(n, 10))
	}
	return nil
}

// decode parses index.json; anything whose data is not a status_page
// fails, naming what it is.
func decode(body []byte) (*document, error) {
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("decode: not a Better Stack status page: not a JSON object")
	}
	var d document
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	switch {
	case d.Data == nil:
		return nil, fmt.Errorf("decode: not a Better Stack status page: no data object")
	case d.Data.Type != "status_page":
		return nil, fmt.Errorf("decode: not a Better Stack status page: data is of type %q", d.Data.Type)
	}
	return &d, nil
}
