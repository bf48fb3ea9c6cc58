package cluster

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Single is the membership of a lone replica (SQLite): it owns every key.
type Single struct {
	id      string
	started time.Time
	now     func() time.Time

	mu   sync.Mutex
	keys []string
}

var _ Membership = (*Single)(nil)

// NewSingle returns the membership of the only replica, id. now is the
// clock (time.Now when nil).
func NewSingle(id string, now func() time.Time) *Single {
	if now == nil {
		now = time.Now
	}
	return &Single{id: id, started: now(), now: now}
}

// Owns implements Membership: always true.
func (s *Single) Owns(string) bool { return true }

// SetKeys implements Membership.
func (s *Single) SetKeys(keys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = slices.Sorted(slices.Values(keys))
}

// Run implements Membership: nothing to keep alive.
func (s *Single) Run(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// Leave implements Membership: nothing to release.
func (s *Single) Leave(context.Context) error { return nil }

// Self implements Membership.
func (s *Single) Self() string { return s.id }

// Replicas implements Membership: this one, holding every key for ever
// (generation 1, no expiry).
func (s *Single) Replicas(context.Context) ([]Replica, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	r := Replica{ID: s.id, StartedAt: s.started, HeartbeatAt: now, Live: true, Leases: []Lease{}}
	for _, k := range s.keys {
		r.Leases = append(r.Leases, Lease{Key: k, Replica: s.id, Generation: 1})
	}
	return []Replica{r}, nil
}
