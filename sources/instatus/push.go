package instatus

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/hooks"
	"github.com/upstat/upstat/normalize"
)

// pushEnvelope is an Instatus webhook delivery: page, then an incident, a
// maintenance, or a component_update with its component. The shape
// imitates Statuspage's, with snake_case keys (unlike the summary's
// camelCase) and Instatus's upper-case words.
type pushEnvelope struct {
	Page *struct {
		ID string `json:"id"`
	} `json:"page"`
	Incident        *pushIncident `json:"incident"`
	Maintenance     *pushIncident `json:"maintenance"`
	ComponentUpdate *struct {
		ComponentID string     `json:"component_id"`
		NewStatus   string     `json:"new_status"`
		CreatedAt   hooks.Time `json:"created_at"`
	} `json:"component_update"`
	Component *struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"component"`
}

// pushIncident is an incident or a maintenance of a delivery. Duration
// (maintenances, minutes) is a string or a number.
type pushIncident struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	Impact     string     `json:"impact"`
	URL        string     `json:"url"`
	CreatedAt  hooks.Time `json:"created_at"`
	UpdatedAt  hooks.Time `json:"updated_at"`
	ResolvedAt hooks.Time `json:"resolved_at"`
	StartedAt  hooks.Time `json:"started_at"`
	Start      hooks.Time `json:"start"` // a maintenance's window
	Duration   minutes    `json:"duration"`
}

// decodePush reads one Instatus webhook delivery (hooks.Decoder). Its
// incidents are normalised as a poll of the summary normalises them (no
// timeline: the summary has none, and the confirming poll must find the
// incident unchanged).
func decodePush(body []byte, _ string, m *normalize.Mapper) (*upstat.Snapshot, error) {
	var env pushEnvelope
	if err := hooks.UnmarshalObject(body, &env); err != nil {
		return nil, err
	}
	if env.Page == nil || env.Page.ID == "" {
		return nil, errors.New("not an Instatus webhook (no page.id)")
	}
	n := 0
	for _, set := range []bool{env.Incident != nil, env.Maintenance != nil, env.ComponentUpdate != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("not an Instatus webhook: want exactly one of incident, maintenance, component_update")
	}
	snap := &upstat.Snapshot{}
	switch {
	case env.Incident != nil:
		w, err := env.Incident.wire()
		if err != nil {
			return nil, fmt.Errorf("incident: %w", err)
		}
		snap.Incidents = []upstat.Incident{incident(m, w)}
	case env.Maintenance != nil:
		w, err := env.Maintenance.wire()
		if err != nil {
			return nil, fmt.Errorf("maintenance: %w", err)
		}
		snap.Incidents = []upstat.Incident{maintenance(w)}
	default:
		cu, c := env.ComponentUpdate, env.Component
		if c == nil || c.ID == "" || strings.TrimSpace(c.Name) == "" {
			return nil, errors.New("component_update: component with id and name is required")
		}
		if cu.ComponentID != c.ID || cu.NewStatus == "" {
			return nil, errors.New("component_update: component_id must be the component's and new_status set")
		}
		comp := upstat.Component{Name: strings.TrimSpace(c.Name), UpdatedAt: time.Time(cu.CreatedAt)}
		sev, ok := m.Map(Kind, cu.NewStatus)
		if !ok {
			sev = upstat.Unknown
			snap.Warnings = append(snap.Warnings, normalize.ComponentWarning(comp, cu.NewStatus))
		}
		comp.Status = sev
		snap.Components = []upstat.Component{comp}
	}
	return snap, nil
}

// wire is the delivery's incident in the summary's shape.
func (p *pushIncident) wire() (*wireIncident, error) {
	if p.ID == "" || strings.TrimSpace(p.Name) == "" {
		return nil, errors.New("id and name are required")
	}
	started := cmp.Or(time.Time(p.StartedAt), time.Time(p.CreatedAt))
	return &wireIncident{
		ID: p.ID, Name: p.Name, Status: p.Status, Impact: p.Impact, URL: p.URL,
		Started: started, Start: cmp.Or(time.Time(p.Start), started),
		UpdatedAt: time.Time(p.UpdatedAt), Duration: p.Duration,
	}, nil
}
