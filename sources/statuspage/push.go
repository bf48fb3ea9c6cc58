package statuspage

import (
	"errors"
	"fmt"
	"strings"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/hooks"
	"github.com/upstat/upstat/normalize"
)

// pushEnvelope is a Statuspage webhook delivery: page, then either an
// incident (the same object as incidents.json lists, maintenances
// included) or a component_update with its component.
type pushEnvelope struct {
	Page *struct {
		ID string `json:"id"`
	} `json:"page"`
	Incident        *wireIncident `json:"incident"`
	ComponentUpdate *struct {
		ID          string   `json:"id"`
		ComponentID string   `json:"component_id"`
		NewStatus   string   `json:"new_status"`
		OldStatus   string   `json:"old_status"`
		CreatedAt   wireTime `json:"created_at"`
	} `json:"component_update"`
	Component *wireComponent `json:"component"`
}

// decodePush reads one webhook delivery (hooks.Decoder). The incident is
// normalised exactly as a poll normalises it, so the poll that follows
// finds it unchanged. A component_update names the component without its
// group (the delivery has none): the aggregator matches it by name.
func decodePush(body []byte, sourceURL string, m *normalize.Mapper) (*upstat.Snapshot, error) {
	var env pushEnvelope
	if err := hooks.UnmarshalObject(body, &env); err != nil {
		return nil, err
	}
	if env.Page == nil || env.Page.ID == "" {
		return nil, errors.New("not a Statuspage webhook (no page.id)")
	}
	base, err := baseURL(sourceURL)
	if err != nil {
		return nil, err
	}
	snap := &upstat.Snapshot{}
	switch {
	case env.Incident != nil && env.ComponentUpdate == nil:
		w := env.Incident
		if w.ID == "" || strings.TrimSpace(w.Name) == "" {
			return nil, errors.New("incident: id and name are required")
		}
		n := names{}
		n.index(&document{Incidents: []wireIncident{*w}})
		snap.Incidents = []upstat.Incident{incident(base, m, n, w, false)}
	case env.ComponentUpdate != nil && env.Incident == nil:
		cu, c := env.ComponentUpdate, env.Component
		if c == nil || c.ID == "" || strings.TrimSpace(c.Name) == "" {
			return nil, errors.New("component_update: component with id and name is required")
		}
		if cu.ComponentID != c.ID {
			return nil, fmt.Errorf("component_update: component_id %q is not component %q", cu.ComponentID, c.ID)
		}
		if cu.NewStatus == "" {
			return nil, errors.New("component_update: new_status is required")
		}
		row := *c
		row.Status = cu.NewStatus
		if row.UpdatedAt.time().IsZero() || cu.CreatedAt.time().After(row.UpdatedAt.time()) {
			row.UpdatedAt = cu.CreatedAt
		}
		snap.Components, snap.Warnings = components(m, []wireComponent{row}, names{})
		if len(snap.Components) == 0 {
			return nil, errors.New("component_update: the component is a group")
		}
	default:
		return nil, errors.New("not a Statuspage webhook: want exactly one of incident, component_update")
	}
	return snap, nil
}
