// Package clustertest checks a cluster.Store through cluster.Leased:
// several replicas on one store under a simulated clock, each ticking
// when its Run loop would, asserting that no key is ever owned by two
// replicas, that every key is owned once the cluster settles, that a dead
// replica's keys are taken over within the lease TTL, and that keys
// rebalance when a replica joins or leaves.
package clustertest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat/cluster"
)

// TTL and Heartbeat are the lease settings of the simulated replicas.
const (
	TTL       = 30 * time.Second
	Heartbeat = 10 * time.Second
)

// Clock is a manual clock shared by the simulated replicas.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// sim is a set of simulated replicas, each with its own store handle.
type sim struct {
	t     *testing.T
	clock *Clock
	open  func() cluster.Store
	keys  []string
	reps  map[string]*rep
}

type rep struct {
	m    *cluster.Leased
	due  time.Time
	dead bool
}

func (s *sim) join(id string) *rep {
	s.t.Helper()
	m, err := cluster.NewLeased(s.open(), cluster.LeasedOptions{ID: id, TTL: TTL, Heartbeat: Heartbeat, Now: s.clock.Now})
	if err != nil {
		s.t.Fatal(err)
	}
	m.SetKeys(s.keys)
	r := &rep{m: m, due: s.clock.Now()}
	s.reps[id] = r
	return r
}

// step advances the clock to the next due tick and runs it (as Run
// would), then checks that no key has two owners.
func (s *sim) step() {
	s.t.Helper()
	var next *rep
	for _, id := range slices.Sorted(maps.Keys(s.reps)) {
		r := s.reps[id]
		if !r.dead && (next == nil || r.due.Before(next.due)) {
			next = r
		}
	}
	if next.due.After(s.clock.Now()) {
		s.clock.Set(next.due)
	}
	if err := next.m.Tick(context.Background()); err != nil {
		s.t.Fatalf("%s: tick: %v", next.m.Self(), err)
	}
	next.due = s.clock.Now().Add(next.m.NextTick())
	s.checkExclusive()
}

// owners maps each key to the replicas (live or dead: a dead replica's
// process may still be polling) that own it now.
func (s *sim) owners() map[string][]string {
	out := map[string][]string{}
	for id, r := range s.reps {
		for _, k := range s.keys {
			if r.m.Owns(k) {
				out[k] = append(out[k], id)
			}
		}
	}
	return out
}

func (s *sim) checkExclusive() {
	s.t.Helper()
	for k, o := range s.owners() {
		if len(o) > 1 {
			s.t.Fatalf("at %s key %s is owned by %v", s.clock.Now().Format(time.TimeOnly), k, o)
		}
	}
}

// settled reports whether every key has exactly one owner, and it is the
// rendezvous choice among the replicas that are not dead.
func (s *sim) settled() bool {
	var ids []string
	for id, r := range s.reps {
		if !r.dead {
			ids = append(ids, id)
		}
	}
	o := s.owners()
	for _, k := range s.keys {
		if len(o[k]) != 1 || o[k][0] != cluster.Assign(k, ids) {
			return false
		}
	}
	return true
}

// runUntil steps until cond holds, failing if that takes longer than
// limit of simulated time.
func (s *sim) runUntil(what string, limit time.Duration, cond func() bool) time.Duration {
	s.t.Helper()
	start := s.clock.Now()
	for !cond() {
		if s.clock.Now().Sub(start) > limit {
			s.t.Fatalf("%s: not within %s (owners %v)", what, limit, s.owners())
		}
		s.step()
	}
	return s.clock.Now().Sub(start)
}

// Suite runs the scenario on stores made by open: every call must return
// a handle on the same shared store (one per replica, as separate
// processes would have).
func Suite(t *testing.T, open func() cluster.Store) {
	clock := &Clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := &sim{t: t, clock: clock, open: open, reps: map[string]*rep{}}
	for i := range 40 {
		s.keys = append(s.keys, fmt.Sprintf("vendor-%02d", i))
	}
	for _, id := range []string{"a", "b", "c"} {
		s.join(id)
	}
	// Start: the first replica takes everything, then hands over.
	s.runUntil("three replicas share the keys", 3*Heartbeat, s.settled)
	for id, r := range s.reps {
		if n := len(r.m.Owned()); n == 0 || n == len(s.keys) {
			t.Fatalf("replica %s owns %d of %d keys: not shared", id, n, len(s.keys))
		}
	}

	// Death: c stops renewing without releasing. Its keys must be polled
	// by a survivor within TTL of its last renewal.
	c := s.reps["c"]
	c.dead = true
	deadAt := clock.Now()
	took := s.runUntil("takeover of a dead replica", TTL, s.settled)
	t.Logf("takeover after %s (ttl %s)", took, TTL)
	if clock.Now().Sub(deadAt) > TTL+time.Millisecond {
		t.Fatalf("takeover took %s, more than ttl %s", clock.Now().Sub(deadAt), TTL)
	}
	reps, err := s.reps["a"].m.Replicas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	gens := map[string]int64{}
	for _, r := range reps {
		if r.ID == "c" && r.Live {
			t.Fatalf("dead replica c listed as live: %+v", r)
		}
		for _, l := range r.Leases {
			gens[l.Key] = l.Generation
		}
	}
	moved := 0
	for _, k := range s.keys {
		if cluster.Assign(k, []string{"a", "b", "c"}) == "c" {
			moved++
			// a took it first, c from a, a or b from c: at least 3 holders.
			if gens[k] < 3 {
				t.Fatalf("key %s taken from a dead replica has generation %d, want ≥ 3", k, gens[k])
			}
		}
	}
	if moved == 0 {
		t.Fatal("c owned nothing: the scenario proves nothing")
	}

	// Join: d arrives and receives its rendezvous share; keys that stay
	// with a or b never change hands.
	before := s.owners()
	s.join("d")
	s.runUntil("rebalance on join", 3*Heartbeat, s.settled)
	for k, o := range s.owners() {
		if o[0] != "d" && o[0] != before[k][0] {
			t.Fatalf("key %s moved from %s to %s, though d did not win it", k, before[k][0], o[0])
		}
	}
	if len(s.reps["d"].m.Owned()) == 0 {
		t.Fatal("joining replica d owns nothing")
	}

	// Leave: b shuts down gracefully; its keys move at the others' next
	// tick, well within one heartbeat.
	if err := s.reps["b"].m.Leave(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.reps["b"].dead = true
	s.runUntil("takeover after a graceful leave", Heartbeat, s.settled)
}
