// Package apitest provides in-memory fakes of upstat.Reader and
// upstat.EventSource for tests of the HTTP API and the dashboard. They follow
// the contracts documented in the root package (ordering, filtering, cursors,
// not-found errors, dropping slow subscribers) so tests against them exercise
// real behaviour.
package apitest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/upstat/upstat"
)

// Reader is an in-memory upstat.Reader. Fill it with SetVendors,
// AddIncident and AddEvent; it is safe for concurrent use. Err, when set,
// is returned by every method (to test error paths).
type Reader struct {
	mu        sync.Mutex
	vendors   []upstat.Vendor
	incidents []upstat.Incident
	events    []upstat.Event
	err       error
}

var _ upstat.Reader = (*Reader)(nil)

// NewReader returns an empty Reader.
func NewReader() *Reader { return &Reader{} }

// SetVendors replaces the configured vendors (in configuration order). The
// Incidents of each Vendor are ignored: active incidents come from
// AddIncident.
func (r *Reader) SetVendors(vs ...upstat.Vendor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.vendors = slices.Clone(vs)
}

// AddIncident stores an incident (its Vendor must be set), replacing the
// one with the same ID, as a store upserts.
func (r *Reader) AddIncident(in upstat.Incident) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.IndexFunc(r.incidents, func(x upstat.Incident) bool { return x.ID == in.ID }); i >= 0 {
		r.incidents[i] = in
		return
	}
	r.incidents = append(r.incidents, in)
}

// AddEvent appends an event, assigning the next Seq, and returns it.
func (r *Reader) AddEvent(ev upstat.Event) upstat.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev.Seq = int64(len(r.events) + 1)
	if ev.ID == "" {
		ev.ID = fmt.Sprintf("ev-%d", ev.Seq)
	}
	r.events = append(r.events, ev)
	return ev
}

// SetErr makes every method fail with err (nil restores normal behaviour).
func (r *Reader) SetErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// Summary implements upstat.Reader.
func (r *Reader) Summary(ctx context.Context) ([]upstat.VendorSummary, error) {
	vs, err := r.Vendors(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]upstat.VendorSummary, len(vs))
	for i, v := range vs {
		out[i] = v.VendorSummary
	}
	return out, nil
}

// Vendor implements upstat.Reader.
func (r *Reader) Vendor(_ context.Context, id string) (*upstat.Vendor, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	for _, v := range r.vendors {
		if v.ID == id {
			v = r.withIncidentsLocked(v)
			return &v, nil
		}
	}
	return nil, fmt.Errorf("apitest: vendor %q: %w", id, upstat.ErrNotFound)
}

// Vendors implements upstat.Reader.
func (r *Reader) Vendors(_ context.Context) ([]upstat.Vendor, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	out := make([]upstat.Vendor, len(r.vendors))
	for i, v := range r.vendors {
		out[i] = r.withIncidentsLocked(v)
	}
	return out, nil
}

// withIncidentsLocked attaches v's active incidents and counts them.
func (r *Reader) withIncidentsLocked(v upstat.Vendor) upstat.Vendor {
	v.Incidents = nil
	for _, in := range r.incidents {
		if in.Vendor == v.ID && in.Active() {
			in.Updates = nil
			v.Incidents = append(v.Incidents, in)
		}
	}
	v.ActiveIncidents = len(v.Incidents)
	return v
}

// Incidents implements upstat.Reader: newest first by StartedAt then ID
// descending, filtered by f.
func (r *Reader) Incidents(_ context.Context, f upstat.IncidentFilter) ([]upstat.Incident, *upstat.IncidentCursor, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, nil, r.err
	}
	var all []upstat.Incident
	for _, in := range r.incidents {
		if matches(in, f) {
			in.Updates = nil
			all = append(all, in)
		}
	}
	slices.SortFunc(all, func(a, b upstat.Incident) int {
		return cmp.Or(b.StartedAt.Compare(a.StartedAt), cmp.Compare(b.ID, a.ID))
	})
	if f.Limit <= 0 || len(all) <= f.Limit {
		return all, nil, nil
	}
	page := all[:f.Limit]
	last := page[len(page)-1]
	return page, &upstat.IncidentCursor{StartedAt: last.StartedAt, ID: last.ID}, nil
}

// matches reports whether in passes every condition of f.
func matches(in upstat.Incident, f upstat.IncidentFilter) bool {
	switch {
	case f.Vendor != "" && in.Vendor != f.Vendor,
		f.State == "active" && !in.Active(),
		f.State == "resolved" && !in.Status.Closed(),
		f.HasMinSev && in.Severity < f.MinSeverity,
		f.Since != nil && in.StartedAt.Before(*f.Since) && !scheduledSince(in, *f.Since),
		f.Until != nil && !in.StartedAt.Before(*f.Until):
		return false
	}
	if a := f.After; a != nil {
		// Newest first: keep only what sorts strictly after the cursor.
		c := cmp.Or(a.StartedAt.Compare(in.StartedAt), cmp.Compare(a.ID, in.ID))
		return c > 0
	}
	return true
}

// scheduledSince reports whether in is a maintenance scheduled at or after
// since (the Since filter keeps those, as the store does).
func scheduledSince(in upstat.Incident, since time.Time) bool {
	return in.Kind == upstat.KindMaintenance && in.ScheduledFor != nil && !in.ScheduledFor.Before(since)
}

// Incident implements upstat.Reader.
func (r *Reader) Incident(_ context.Context, id string) (*upstat.Incident, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	for _, in := range r.incidents {
		if in.ID == id {
			in.Updates = slices.Clone(in.Updates)
			return &in, nil
		}
	}
	return nil, fmt.Errorf("apitest: incident %q: %w", id, upstat.ErrNotFound)
}

// Events implements upstat.Reader.
func (r *Reader) Events(_ context.Context, after int64, limit int) ([]upstat.Event, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	var out []upstat.Event
	for _, ev := range r.events {
		if ev.Seq > after && len(out) < limit {
			out = append(out, ev)
		}
	}
	return out, nil
}

// Events is an in-memory upstat.EventSource with a fixed per-subscriber
// buffer: Publish never blocks, and a subscriber whose buffer is full is
// dropped (its channel closed), as the contract requires.
type Events struct {
	mu      sync.Mutex
	buffer  int
	subs    map[int]chan upstat.Event
	next    int
	dropped int
}

var _ upstat.EventSource = (*Events)(nil)

// NewEvents returns an EventSource whose subscribers buffer n events.
func NewEvents(n int) *Events {
	return &Events{buffer: n, subs: map[int]chan upstat.Event{}}
}

// Subscribe implements upstat.EventSource.
func (e *Events) Subscribe() (<-chan upstat.Event, func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := e.next
	e.next++
	ch := make(chan upstat.Event, e.buffer)
	e.subs[id] = ch
	return ch, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if c, ok := e.subs[id]; ok {
			delete(e.subs, id)
			close(c)
		}
	}
}

// Publish delivers ev to every subscriber, dropping those that are full.
func (e *Events) Publish(ev upstat.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, ch := range e.subs {
		select {
		case ch <- ev:
		default:
			delete(e.subs, id)
			close(ch)
			e.dropped++
		}
	}
}

// Subscribers returns how many subscriptions are open.
func (e *Events) Subscribers() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.subs)
}

// Dropped returns how many subscribers were dropped for falling behind.
func (e *Events) Dropped() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dropped
}

// DropAll closes every subscription, as a source does when it shuts down.
func (e *Events) DropAll() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, ch := range e.subs {
		delete(e.subs, id)
		close(ch)
	}
}

// Time parses an RFC 3339 time or panics: a helper for fixtures.
func Time(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
