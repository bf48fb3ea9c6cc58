package statusio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// document is the status API's answer. Times are RFC 3339 in UTC.
type document struct {
	Result *struct {
		Overall *wireStatus `json:"status_overall"`
		// Status lists the components, each with the containers
		// (regions, infrastructure) it runs in.
		Status      []wireComponent `json:"status"`
		Incidents   []wireIncident  `json:"incidents"`
		Maintenance struct {
			Active   []wireIncident `json:"active"`
			Upcoming []wireIncident `json:"upcoming"`
		} `json:"maintenance"`
	} `json:"result"`
}

// wireStatus is a status with its code (100–600).
type wireStatus struct {
	Updated    time.Time `json:"updated"`
	Status     string    `json:"status"`
	StatusCode code      `json:"status_code"`
}

// wireComponent is a component; its own status is the worst of its
// containers'.
type wireComponent struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	wireStatus
	Containers []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		wireStatus
	} `json:"containers"`
}

// wireIncident is an open incident or a maintenance (which adds its
// planned window). Its messages are its updates.
type wireIncident struct {
	ID           string        `json:"_id"`
	Name         string        `json:"name"`
	Open         time.Time     `json:"datetime_open"`
	PlannedStart time.Time     `json:"datetime_planned_start"`
	PlannedEnd   time.Time     `json:"datetime_planned_end"`
	Messages     []wireMessage `json:"messages"`
	Containers   []wireRef     `json:"containers_affected"`
	Components   []wireRef     `json:"components_affected"`
}

// wireMessage is an update: its lifecycle state and severity code.
type wireMessage struct {
	Details  string    `json:"details"`
	State    code      `json:"state"`
	Status   code      `json:"status"`
	Datetime time.Time `json:"datetime"`
}

// wireRef names an affected component or container.
type wireRef struct {
	ID   string `json:"_id"`
	Name string `json:"name"`
}

// code is a status or state code: a number, or a number written as a
// string; it is kept as its text ("400") to look up in the vocabulary.
type code string

// UnmarshalJSON implements json.Unmarshaler.
func (c *code) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*c = ""
		return nil
	}
	s := string(bytes.Trim(b, `"`))
	if _, err := strconv.Atoi(s); err != nil {
		return fmt.Errorf("status code %s is not a number", b)
	}
	*c = code(s)
	return nil
}

// decode parses the status document; JSON without a result holding an
// overall status or a component list is not one, and the error names
// the keys it had.
func decode(body []byte) (*document, error) {
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("decode: not a status.io status document: not a JSON object")
	}
	var d document
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if d.Result == nil || (d.Result.Overall == nil && d.Result.Status == nil) {
		var top map[string]json.RawMessage
		_ = json.Unmarshal(body, &top)
		names := make([]string, 0, len(top))
		for k := range top {
			names = append(names, k)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("decode: not a status.io status document (no result.status_overall): got keys [%s]", strings.Join(names, ", "))
	}
	return &d, nil
}
