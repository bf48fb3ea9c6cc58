package cluster

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Store keeps what every replica of a cluster sees: the registered
// replicas and the leases. store/postgres implements it.
type Store interface {
	// Heartbeat registers replica id (or refreshes it), alive until expires.
	Heartbeat(ctx context.Context, id string, now, expires time.Time) error
	// Live returns the replicas whose registration has not expired at
	// now, by id, without their leases.
	Live(ctx context.Context, now time.Time) ([]Replica, error)
	// Acquire takes or renews for id, until expires, the lease on each key
	// that is free, expired at now, or already id's. Taking a key from
	// another holder (its lease expired or released) adds one to its
	// generation; renewing keeps it. It returns the leases id holds among
	// keys afterwards.
	Acquire(ctx context.Context, id string, keys []string, now, expires time.Time) ([]Lease, error)
	// Release ends id's leases on keys now, so another replica may take
	// them at once. Keys id does not hold are ignored.
	Release(ctx context.Context, id string, keys []string, now time.Time) error
	// Leave releases every lease of id and ends its registration at now.
	Leave(ctx context.Context, id string, now time.Time) error
	// Replicas lists the registered replicas (live, and dead ones until
	// they are pruned) with their unexpired leases, by id.
	Replicas(ctx context.Context, now time.Time) ([]Replica, error)
}

// LeasedOptions configures a Leased membership.
type LeasedOptions struct {
	// ID names this replica; unique in the cluster (default hostname-pid,
	// chosen by the caller).
	ID string
	// TTL is how long a heartbeat and a lease last; default 30s. A dead
	// replica's keys move to the others within TTL.
	TTL time.Duration
	// Heartbeat is how often registration and leases are renewed; default
	// TTL/3, so two missed renewals still leave the lease held.
	Heartbeat time.Duration
	// Now is the clock (time.Now when nil). Replicas compare each other's
	// expiry times: their clocks must agree to well within TTL (NTP).
	Now func() time.Time
	Log *slog.Logger
}

// Leased shares the keys among the replicas of a Store. Every Heartbeat
// (and when another replica's registration runs out) a replica renews its
// registration, lists the live replicas, assigns every key by rendezvous
// hashing over them, releases what it no longer should hold, and takes
// or renews the leases on its share. Owns is true only for a key whose
// lease this replica holds and has not yet expired by its own clock: a
// replica that cannot reach the store stops polling when its leases run
// out, a heartbeat before anyone else may take them.
type Leased struct {
	o     LeasedOptions
	store Store

	mu   sync.Mutex
	keys []string
	held map[string]Lease // key → the lease this replica holds
	// handover are keys this replica stopped owning at the last tick
	// (another replica is now assigned them); their leases are released at
	// the next tick, so a poll already in flight has a heartbeat to finish
	// before the new owner may start.
	handover []string
	// nextWake is how long after the last tick's start the next one is due.
	nextWake time.Duration
	// nextAt is when the next tick is due (the last tick's start +
	// nextWake), so the time a tick takes does not delay the next.
	nextAt time.Time
}

var _ Membership = (*Leased)(nil)

// NewLeased returns the membership of replica o.ID in store. It holds
// nothing until its first Tick (Run ticks at once).
func NewLeased(store Store, o LeasedOptions) (*Leased, error) {
	if o.ID == "" {
		return nil, errors.New("cluster: no replica id")
	}
	if o.TTL <= 0 {
		o.TTL = 30 * time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = o.TTL / 3
	}
	if o.Heartbeat >= o.TTL {
		return nil, errors.New("cluster: heartbeat must be shorter than lease_ttl")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Leased{o: o, store: store, held: map[string]Lease{}, nextWake: o.Heartbeat}, nil
}

// Self implements Membership.
func (l *Leased) Self() string { return l.o.ID }

// Owns implements Membership. It turns false one heartbeat before the
// lease expires by this replica's clock (renewed leases never get that
// close): a replica cut off from the store stops starting polls a
// heartbeat before anyone else may take its keys, so a poll in flight has
// that long to end.
func (l *Leased) Owns(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls, ok := l.held[key]
	return ok && l.o.Now().Add(l.o.Heartbeat).Before(ls.ExpiresAt)
}

// Lease returns the lease this replica holds on key while it owns it (see
// Owns), for fencing: a write made on the strength of the lease can carry
// its Generation, and the store refuse it once the key changed hands.
func (l *Leased) Lease(key string) (Lease, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls, ok := l.held[key]
	if !ok || !l.o.Now().Add(l.o.Heartbeat).Before(ls.ExpiresAt) {
		return Lease{}, false
	}
	return ls, true
}

// Owned returns the keys this replica owns now, sorted.
func (l *Leased) Owned() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.o.Now().Add(l.o.Heartbeat)
	var out []string
	for k, ls := range l.held {
		if now.Before(ls.ExpiresAt) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// SetKeys implements Membership. A key removed is released at the next
// tick; a key added is taken at the next tick if it is this replica's.
func (l *Leased) SetKeys(keys []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys = slices.Compact(slices.Sorted(slices.Values(keys)))
}

// Run implements Membership: Tick at once, then every Heartbeat, or
// sooner when another replica's registration is about to run out (so its
// keys are taken over as soon as they are free).
func (l *Leased) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if err := l.Tick(ctx); err != nil && ctx.Err() == nil {
			l.o.Log.Warn("cluster heartbeat failed", "replica", l.o.ID, "err", err)
		}
		l.mu.Lock()
		t.Reset(max(l.nextAt.Sub(l.o.Now()), 0))
		l.mu.Unlock()
	}
}

// Tick renews this replica's registration and leases once and
// rebalances; Run calls it. On an error the leases held stay until their
// expiry.
func (l *Leased) Tick(ctx context.Context) error {
	now := l.o.Now()
	l.mu.Lock()
	// After a failure, try again a heartbeat from now.
	l.nextWake, l.nextAt = l.o.Heartbeat, now.Add(l.o.Heartbeat)
	l.mu.Unlock()
	if err := l.store.Heartbeat(ctx, l.o.ID, now, now.Add(l.o.TTL)); err != nil {
		return err
	}
	live, err := l.store.Live(ctx, now)
	if err != nil {
		return err
	}
	ids := []string{l.o.ID}
	wake := l.o.Heartbeat
	for _, r := range live {
		if r.ID == l.o.ID {
			continue
		}
		ids = append(ids, r.ID)
		// Wake just after another replica would expire: if it is dead, its
		// keys are free then.
		if d := r.ExpiresAt.Sub(now) + time.Millisecond; d > 0 && d < wake {
			wake = d
		}
	}

	l.mu.Lock()
	var want []string
	wanted := map[string]bool{}
	for _, k := range l.keys {
		if Assign(k, ids) == l.o.ID {
			want = append(want, k)
			wanted[k] = true
		}
	}
	var release []string
	for _, k := range l.handover {
		if !wanted[k] {
			release = append(release, k)
		}
	}
	l.handover = l.handover[:0]
	for k := range l.held {
		if !wanted[k] {
			l.handover = append(l.handover, k)
			delete(l.held, k) // stop polling it now; release it next tick
		}
	}
	l.nextWake, l.nextAt = wake, now.Add(wake)
	l.mu.Unlock()

	if len(release) > 0 {
		if err := l.store.Release(ctx, l.o.ID, release, now); err != nil {
			return err
		}
	}
	leases, err := l.store.Acquire(ctx, l.o.ID, want, now, now.Add(l.o.TTL))
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range want {
		delete(l.held, k) // a lease lost while the store was unreachable
	}
	for _, ls := range leases {
		if wanted[ls.Key] && ls.Replica == l.o.ID {
			l.held[ls.Key] = ls
		}
	}
	return nil
}

// Leave implements Membership: this replica stops owning anything at
// once, then releases its leases and registration.
func (l *Leased) Leave(ctx context.Context) error {
	l.mu.Lock()
	l.held = map[string]Lease{}
	l.handover = nil
	l.mu.Unlock()
	return l.store.Leave(ctx, l.o.ID, l.o.Now())
}

// Replicas implements Membership.
func (l *Leased) Replicas(ctx context.Context) ([]Replica, error) {
	return l.store.Replicas(ctx, l.o.Now())
}

// NextTick is how long Run waits after the last Tick before the next.
func (l *Leased) NextTick() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nextWake
}
