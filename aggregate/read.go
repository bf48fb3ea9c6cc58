package aggregate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// Summary lists every configured vendor in configuration order, from
// memory.
func (s *Service) Summary(ctx context.Context) ([]upstat.VendorSummary, error) {
	states := s.states()
	out := make([]upstat.VendorSummary, len(states))
	for i, v := range states {
		out[i] = v.summary()
	}
	return out, nil
}

// states returns the current state of every configured vendor, in
// configuration order. The lock is held only to collect the pointers (the
// states are immutable), so copying thousands of vendors never holds up
// a writer, nor the readers queued behind it.
func (s *Service) states() []*vendorState {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*vendorState, len(s.order))
	for i, id := range s.order {
		out[i] = s.vendors[id]
	}
	return out
}

// Vendor returns one configured vendor with its components (in the
// vendor's own order), its active incidents (newest first, without
// updates) and its sources. A vendor that is not configured is an error
// wrapping upstat.ErrNotFound.
func (s *Service) Vendor(ctx context.Context, id string) (*upstat.Vendor, error) {
	v, err := s.state(id)
	if err != nil {
		return nil, fmt.Errorf("aggregate: %w", err)
	}
	out := v.view()
	return &out, nil
}

// EachComponent calls fn with the group, name and status of each of a
// vendor's components, in display order, without copying them (/metrics
// lists every component of every vendor at each scrape). An unknown vendor
// is an error wrapping upstat.ErrNotFound.
func (s *Service) EachComponent(ctx context.Context, id string, fn func(group, name string, status upstat.Severity)) error {
	v, err := s.state(id)
	if err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	for i := range v.components {
		c := &v.components[i]
		fn(v.group(c), v.name(c), c.status)
	}
	return nil
}

// Vendors returns every configured vendor as Vendor does, in configuration
// order, each a copy the caller may keep.
func (s *Service) Vendors(ctx context.Context) ([]upstat.Vendor, error) {
	states := s.states()
	out := make([]upstat.Vendor, len(states))
	for i, v := range states {
		out[i] = v.view()
	}
	return out, nil
}

// Incidents lists stored incidents (of configured vendors or not) newest
// first, filtered by f; see upstat.Reader. The limit defaults to 50 and is
// capped at 500. A bad f.State is an error wrapping upstat.ErrInvalid.
func (s *Service) Incidents(ctx context.Context, f upstat.IncidentFilter) ([]upstat.Incident, *upstat.IncidentCursor, error) {
	return s.db.Incidents(ctx, f)
}

// Incident returns one incident with all its updates, oldest first. An
// unknown id is an error wrapping upstat.ErrNotFound.
//
// An id as upstat gave it before ids were made path-safe
// ("vendor:http://…", see upstat.IncidentID) finds the incident under its
// id of today.
func (s *Service) Incident(ctx context.Context, id string) (*upstat.Incident, error) {
	if vendor, src, ok := strings.Cut(id, ":"); ok {
		id, _ = upstat.IncidentID(vendor, src)
	}
	return s.db.Incident(ctx, id)
}

// Events returns up to limit events (default 100, at most 1000) with Seq
// greater than after, oldest first.
func (s *Service) Events(ctx context.Context, after int64, limit int) ([]upstat.Event, error) {
	return s.db.Events(ctx, after, limit)
}

func (v *vendorState) summary() upstat.VendorSummary {
	return upstat.VendorSummary{
		ID:              v.row.ID,
		Name:            v.row.Name,
		Status:          v.row.Status,
		Stale:           v.row.Stale,
		LastCheckedAt:   copyTime(v.row.LastCheckedAt),
		LastSuccessAt:   copyTime(v.row.LastSuccessAt),
		LastError:       v.row.LastError,
		ActiveIncidents: len(v.active),
		Labels:          maps.Clone(v.row.Labels),
		StatusChangedAt: copyTime(v.row.StatusChangedAt),
		Observed:        copyObserved(v.observed),
		Warnings:        v.warningCount(),
		FirstSuccessAt:  copyTime(v.row.FirstSuccessAt),
	}
}

func copyObserved(o *upstat.Observed) *upstat.Observed {
	if o == nil {
		return nil
	}
	c := *o
	c.Failing = slices.Clone(o.Failing)
	return &c
}

func (v *vendorState) warningCount() int {
	n := 0
	for _, w := range v.warnings {
		n += len(w)
	}
	return n
}

// view is the vendor as the domain type, a copy readers may keep.
func (v *vendorState) view() upstat.Vendor {
	out := upstat.Vendor{
		VendorSummary: v.summary(),
		Components:    v.componentViews(),
		Incidents:     make([]upstat.Incident, len(v.active)),
		Sources:       make([]upstat.SourceStatus, len(v.sources)),
	}
	for i, inc := range v.active {
		inc.Components = slices.Clone(inc.Components)
		out.Incidents[i] = inc
	}
	for i, src := range v.sources {
		kind := src.Kind
		if v.via[i] != "" {
			kind += "→" + v.via[i]
		}
		out.Sources[i] = upstat.SourceStatus{
			Kind:          kind,
			URL:           src.URL,
			LastError:     src.LastError,
			LastCheckedAt: copyTime(src.LastCheckedAt),
			LastSuccessAt: copyTime(src.LastSuccessAt),
			Warnings:      slices.Clone(v.warnings[i]),
		}
	}
	return out
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// StatusChanges returns the status changes upstat observed for a vendor
// and its components since since, oldest first (see
// upstat.VendorStore.StatusChanges). The dashboard measures uptime from them.
func (s *Service) StatusChanges(ctx context.Context, vendor string, since time.Time) ([]upstat.Event, error) {
	return s.db.StatusChanges(ctx, vendor, since)
}
