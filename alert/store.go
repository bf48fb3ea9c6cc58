package alert

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/upstat/upstat"
)

// Phase is where an alert stands in its lifecycle. A resolved alert has no
// State: its record is deleted when its resolution is enqueued.
type Phase string

// Alert phases. Resolving is still firing (and listed as such) while the
// condition has been gone for less than the rule's "for".
const (
	PhasePending   Phase = "pending"
	PhaseFiring    Phase = "firing"
	PhaseResolving Phase = "resolving"
)

// State is the persisted state of one alert (rule, vendor, component).
type State struct {
	Key       string // AlertKey(Rule, Vendor, Component)
	Rule      string
	Vendor    string
	Component string
	Phase     Phase
	Severity  upstat.Severity
	// Since is when the condition started to hold (pending began).
	Since time.Time
	// FiredAt is when the alert fired; zero while pending.
	FiredAt time.Time
	// ClearSince is when the condition stopped holding (resolving).
	ClearSince time.Time
	// NotifiedAt is when a firing notification (or reminder) was last
	// enqueued, for repeat_interval.
	NotifiedAt time.Time
	Labels     map[string]string
	// Notify is the rule's notifier ids when it fired: the resolution goes
	// to the same receivers even if the rule has since been removed.
	Notify []string
}

// SentRetention is how long a store keeps sent notifications in the
// outbox (failed ones are kept for inspection). Every store prunes by it.
const SentRetention = 7 * 24 * time.Hour

// DeliveryState is where a notification stands in the outbox.
type DeliveryState string

// Delivery states. Sent and failed are final; failed deliveries are kept
// for inspection.
const (
	DeliveryPending DeliveryState = "pending"
	DeliverySent    DeliveryState = "sent"
	DeliveryFailed  DeliveryState = "failed"
)

// Delivery is one notification for one notifier in the outbox.
type Delivery struct {
	ID            int64 // assigned by the store, increasing
	Notifier      string
	AlertKey      string
	Notification  Notification
	State         DeliveryState
	Attempts      int
	NextAttemptAt time.Time
	LastError     string // scrubbed of secrets
	// Refresh marks a re-send to a Refresher: attempted once, never retried
	// (the next refresh follows anyway).
	Refresh   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Change is what one evaluation writes, atomically: alert states to upsert
// (by Key), alert keys to delete, and deliveries to enqueue.
type Change struct {
	Put     []State
	Delete  []string
	Enqueue []Delivery
	// Term is the leadership term the change was computed in (see
	// Options.Leader; 0 without leadership). A store fenced by the leader
	// lease refuses a change whose term this replica no longer holds.
	Term int64
}

func (c Change) empty() bool { return len(c.Put)+len(c.Delete)+len(c.Enqueue) == 0 }

// Store persists alert states and the notification outbox. Apply must be
// atomic: a crash leaves either all of a Change or none of it, so an alert
// that fired has its notifications enqueued.
type Store interface {
	// AlertStates returns every stored alert state.
	AlertStates(ctx context.Context) ([]State, error)
	// Apply writes c in one transaction; enqueued deliveries get their IDs.
	Apply(ctx context.Context, c Change) error
	// DueDeliveries returns up to limit pending deliveries whose
	// NextAttemptAt is not after now, by ID; for each (notifier, alert key)
	// only the oldest pending one is eligible, so a resolution never
	// overtakes its firing.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// UpdateDelivery stores the outcome of an attempt (by ID).
	UpdateDelivery(ctx context.Context, d Delivery) error
	// Deliveries lists deliveries in state st, newest first, at most limit.
	Deliveries(ctx context.Context, st DeliveryState, limit int) ([]Delivery, error)
}

// Claimer is a Store that several replicas share (PostgreSQL). The engine
// claims the deliveries it attempts through it, so that each is attempted
// by one replica at a time.
type Claimer interface {
	// ClaimDeliveries is DueDeliveries for one of several consumers: it
	// returns the due head-of-line deliveries that no other consumer has
	// claimed, claimed until until. Another call does not return them
	// before then, unless UpdateDelivery stored an outcome (which ends the
	// claim). A consumer that dies leaves them to the next after until.
	ClaimDeliveries(ctx context.Context, now, until time.Time, limit int) ([]Delivery, error)
}

// MemStore is a Store in memory, for tests and for running without a
// database. It is safe for concurrent use.
type MemStore struct {
	mu         sync.Mutex
	states     map[string]State
	deliveries []Delivery // by ID
	nextID     int64
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{states: map[string]State{}} }

// AlertStates implements Store.
func (m *MemStore) AlertStates(ctx context.Context) ([]State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]State, 0, len(m.states))
	for _, s := range m.states {
		out = append(out, cloneState(s))
	}
	slices.SortFunc(out, func(a, b State) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}

// Apply implements Store.
func (m *MemStore) Apply(ctx context.Context, c Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range c.Put {
		m.states[s.Key] = cloneState(s)
	}
	for _, k := range c.Delete {
		delete(m.states, k)
	}
	for i := range c.Enqueue {
		m.nextID++
		c.Enqueue[i].ID = m.nextID
		m.deliveries = append(m.deliveries, c.Enqueue[i])
	}
	return nil
}

// DueDeliveries implements Store.
func (m *MemStore) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Delivery
	head := map[[2]string]bool{}
	for _, d := range m.deliveries {
		if d.State != DeliveryPending {
			continue
		}
		k := [2]string{d.Notifier, d.AlertKey}
		if head[k] {
			continue
		}
		head[k] = true
		if !d.NextAttemptAt.After(now) && len(out) < limit {
			out = append(out, d)
		}
	}
	return out, nil
}

// UpdateDelivery implements Store.
func (m *MemStore) UpdateDelivery(ctx context.Context, d Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := slices.BinarySearchFunc(m.deliveries, d.ID, func(x Delivery, id int64) int { return cmp.Compare(x.ID, id) })
	if !ok {
		return fmt.Errorf("update delivery %d: %w", d.ID, upstat.ErrNotFound)
	}
	m.deliveries[i] = d
	return nil
}

// Deliveries implements Store.
func (m *MemStore) Deliveries(ctx context.Context, st DeliveryState, limit int) ([]Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Delivery
	for i := len(m.deliveries) - 1; i >= 0 && len(out) < limit; i-- {
		if m.deliveries[i].State == st {
			out = append(out, m.deliveries[i])
		}
	}
	return out, nil
}

func cloneState(s State) State {
	s.Labels = maps.Clone(s.Labels)
	s.Notify = slices.Clone(s.Notify)
	return s
}
