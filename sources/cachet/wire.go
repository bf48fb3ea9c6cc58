package cachet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// list is the v1 API's envelope: {"meta": {"pagination": …}, "data": […]}.
type list[T any] struct {
	Meta struct {
		Pagination struct {
			Links struct {
				NextPage string `json:"next_page"`
			} `json:"links"`
		} `json:"pagination"`
	} `json:"meta"`
	Data *[]T `json:"data"`
}

// wireComponent is a component; group_id 0 is no group.
type wireComponent struct {
	ID        code    `json:"id"`
	Name      string  `json:"name"`
	Status    code    `json:"status"`
	GroupID   code    `json:"group_id"`
	Enabled   *bool   `json:"enabled"`
	UpdatedAt rawTime `json:"updated_at"`
}

// wireGroup is a component group.
type wireGroup struct {
	ID   code   `json:"id"`
	Name string `json:"name"`
}

// wireIncident is an incident. Before 2.4, maintenance was an incident
// of status 0 with scheduled_at.
type wireIncident struct {
	ID           code         `json:"id"`
	ComponentID  code         `json:"component_id"`
	Name         string       `json:"name"`
	Status       code         `json:"status"`
	LatestStatus code         `json:"latest_status"` // 2.4+: the latest update's
	Message      string       `json:"message"`
	OccurredAt   rawTime      `json:"occurred_at"` // 2.4+
	ScheduledAt  rawTime      `json:"scheduled_at"`
	CreatedAt    rawTime      `json:"created_at"`
	UpdatedAt    rawTime      `json:"updated_at"`
	Permalink    string       `json:"permalink"`
	Updates      []wireUpdate `json:"updates"`
}

// wireUpdate is an incident update (2.4+).
type wireUpdate struct {
	ID        code    `json:"id"`
	Status    code    `json:"status"`
	Message   string  `json:"message"`
	CreatedAt rawTime `json:"created_at"`
}

// wireSchedule is a maintenance (2.4+): status 0 upcoming, 1 in
// progress, 2 complete.
type wireSchedule struct {
	ID          code            `json:"id"`
	Name        string          `json:"name"`
	Status      code            `json:"status"`
	Message     string          `json:"message"`
	ScheduledAt rawTime         `json:"scheduled_at"`
	CompletedAt rawTime         `json:"completed_at"`
	CreatedAt   rawTime         `json:"created_at"`
	UpdatedAt   rawTime         `json:"updated_at"`
	Components  []wireComponent `json:"components"`
}

// code is a numeric id or status, written as a number or (Cachet 2.3) a
// quoted number; kept as its decimal text. null is "".
type code string

// UnmarshalJSON implements json.Unmarshaler.
func (c *code) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*c = ""
		return nil
	}
	s := string(bytes.Trim(b, `"`))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%s is not a number", b)
	}
	*c = code(strconv.FormatInt(n, 10))
	return nil
}

// rawTime is a time as Cachet writes it: "2015-08-01 12:00:00" in the
// instance's zone (or, on Cachet 1.x, epoch seconds); it is parsed when
// the zone is known. null is "".
type rawTime string

// UnmarshalJSON implements json.Unmarshaler.
func (r *rawTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*r = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*r = rawTime(s)
		return nil
	}
	if _, err := strconv.ParseInt(string(b), 10, 64); err != nil {
		return fmt.Errorf("time %s is neither a string nor an epoch", b)
	}
	*r = rawTime(b)
	return nil
}

// decodeList parses one v1 list; anything else (an object without a data
// array, a Cachet 3 JSON:API document) fails, naming what it is.
func decodeList[T any](what string, body []byte) ([]T, error) {
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("decode %s: not a Cachet API v1 list: not a JSON object", what)
	}
	var probe struct {
		Data []struct {
			Type       string          `json:"type"`
			Attributes json.RawMessage `json:"attributes"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &probe) == nil && len(probe.Data) > 0 && probe.Data[0].Attributes != nil {
		return nil, fmt.Errorf("decode %s: a JSON:API document (Cachet 3?) with data of type %q, not a Cachet API v1 list", what, probe.Data[0].Type)
	}
	var l list[T]
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	if l.Data == nil {
		return nil, fmt.Errorf("decode %s: not a Cachet API v1 list (no data array)", what)
	}
	return *l.Data, nil
}

// nextLink returns a list's next_page link, or "".
func nextLink(body []byte) string {
	var l list[json.RawMessage]
	if json.Unmarshal(body, &l) != nil {
		return ""
	}
	return l.Meta.Pagination.Links.NextPage
}
