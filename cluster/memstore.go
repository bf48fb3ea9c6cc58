package cluster

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// MemStore is a Store in memory, for tests: replicas sharing one MemStore
// behave as replicas sharing one database. It is safe for concurrent use.
type MemStore struct {
	mu       sync.Mutex
	replicas map[string]*Replica
	leases   map[string]*Lease
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{replicas: map[string]*Replica{}, leases: map[string]*Lease{}}
}

// Heartbeat implements Store.
func (m *MemStore) Heartbeat(_ context.Context, id string, now, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.replicas[id]
	if r == nil || !now.Before(r.ExpiresAt) {
		r = &Replica{ID: id, StartedAt: now}
		m.replicas[id] = r
	}
	r.HeartbeatAt, r.ExpiresAt = now, expires
	return nil
}

// Live implements Store.
func (m *MemStore) Live(_ context.Context, now time.Time) ([]Replica, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Replica
	for _, r := range m.replicas {
		if now.Before(r.ExpiresAt) {
			c := *r
			c.Live = true
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Replica) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Acquire implements Store.
func (m *MemStore) Acquire(_ context.Context, id string, keys []string, now, expires time.Time) ([]Lease, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Lease
	for _, k := range keys {
		l := m.leases[k]
		switch {
		case l == nil:
			l = &Lease{Key: k, Generation: 1}
			m.leases[k] = l
		case l.Replica == id && now.Before(l.ExpiresAt):
		case !now.Before(l.ExpiresAt):
			l.Generation++
		default:
			continue // another replica's, unexpired
		}
		l.Replica, l.ExpiresAt = id, expires
		out = append(out, *l)
	}
	return out, nil
}

// Release implements Store.
func (m *MemStore) Release(_ context.Context, id string, keys []string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if l := m.leases[k]; l != nil && l.Replica == id && now.Before(l.ExpiresAt) {
			l.ExpiresAt = now
		}
	}
	return nil
}

// Leave implements Store.
func (m *MemStore) Leave(_ context.Context, id string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.leases {
		if l.Replica == id && now.Before(l.ExpiresAt) {
			l.ExpiresAt = now
		}
	}
	if r := m.replicas[id]; r != nil {
		r.ExpiresAt = now
	}
	return nil
}

// Replicas implements Store.
func (m *MemStore) Replicas(_ context.Context, now time.Time) ([]Replica, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Replica
	for _, r := range m.replicas {
		c := *r
		c.Live, c.Leases = now.Before(r.ExpiresAt), []Lease{}
		for _, l := range m.leases {
			if l.Replica == r.ID && now.Before(l.ExpiresAt) {
				c.Leases = append(c.Leases, *l)
			}
		}
		slices.SortFunc(c.Leases, func(a, b Lease) int { return cmp.Compare(a.Key, b.Key) })
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Replica) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
