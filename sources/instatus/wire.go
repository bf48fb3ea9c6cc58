package instatus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// summaryDoc is /summary.json (all versions). The incident and
// maintenance arrays are omitted, not empty, when there are none.
type summaryDoc struct {
	Page *struct {
		Name   string `json:"name"`
		URL    string `json:"url"`
		Status string `json:"status"`
	} `json:"page"`
	Incidents    []wireIncident `json:"activeIncidents"`
	Maintenances []wireIncident `json:"activeMaintenances"`
}

// wireIncident is an active incident ({id, name, started, status, impact,
// url, updatedAt}) or maintenance ({id, name, start, status, duration,
// url, updatedAt}). Times are RFC 3339 with any offset; null is zero.
type wireIncident struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Status    string    `json:"status"`
	Impact    string    `json:"impact"`
	URL       string    `json:"url"`
	Started   time.Time `json:"started"`
	Start     time.Time `json:"start"`
	UpdatedAt time.Time `json:"updatedAt"`
	Duration  minutes   `json:"duration"`
}

// componentsDoc is /v2|v3/components.json: {"components": […]} on live
// pages, a bare array (with isParent and children) in the docs and on
// older pages.
type componentsDoc struct {
	Components []wireComponent
}

// wireComponent is a component. Its group is an object (live) or, in the
// older shape, the component is a parent listing its children.
type wireComponent struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	IsParent bool   `json:"isParent"`
	Group    *struct {
		Name string `json:"name"`
	} `json:"group"`
	Children []wireComponent `json:"children"`
}

// minutes is a maintenance's duration in minutes, written as a string
// ("60") or a number; null, "" and anything unreadable are 0 (unknown).
type minutes int

// UnmarshalJSON implements json.Unmarshaler.
func (m *minutes) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		n = 0
	}
	*m = minutes(n)
	return nil
}

var errNotObject = errors.New("not a JSON object")

// decodeSummary parses a summary; one without a page status is not an
// Instatus summary, and the error names the keys it had instead.
func decodeSummary(body []byte) (*summaryDoc, error) {
	var d summaryDoc
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("decode: not an Instatus summary: %w", errNotObject)
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if d.Page == nil || d.Page.Status == "" {
		return nil, fmt.Errorf("decode: not an Instatus summary (no page.status): got keys %s", keys(body))
	}
	return &d, nil
}

// decodeComponents parses either shape of the components document.
func decodeComponents(body []byte) (*componentsDoc, error) {
	b := bytes.TrimSpace(body)
	var d componentsDoc
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &d.Components); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		return &d, nil
	}
	var wrapped struct {
		Components *[]wireComponent `json:"components"`
	}
	if err := json.Unmarshal(b, &wrapped); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if wrapped.Components == nil {
		return nil, fmt.Errorf("decode: not an Instatus components list: got keys %s", keys(b))
	}
	d.Components = *wrapped.Components
	return &d, nil
}

// keys lists an object's keys, for the error of a wrong payload.
func keys(body []byte) string {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(body, &m)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, strconv.Quote(k))
	}
	slices.Sort(out)
	return fmt.Sprintf("%v", out)
}
