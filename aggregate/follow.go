package aggregate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/upstat/upstat"
)

// DefaultFollowEvery is how often Follow reads the event log even when
// no notification came: the bound on how far behind the read model can
// be if a notification is lost.
const DefaultFollowEvery = time.Second

// follower is the state of Follow, for a store shared by several
// replicas (Options.Shared).
type follower struct {
	mu sync.Mutex
	// cursor is the Seq of the last event handed to subscribers.
	cursor int64
	// local are the Seqs this replica wrote and has not yet handed out:
	// their vendors are current in memory already.
	local map[int64]bool
	// dirty are vendors another replica changed (from the change feed);
	// all is set when the feed may have missed some.
	dirty map[string]bool
	all   bool
	// touchCursor is where the poll times written by the others were read
	// up to (TouchFeed).
	touchCursor int64
	// wake is signalled when there is something to catch up.
	wake chan struct{}
}

func newFollower() *follower {
	return &follower{local: map[int64]bool{}, dirty: map[string]bool{}, wake: make(chan struct{}, 1)}
}

func (f *follower) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// written notes events this replica committed and wakes the follower,
// which hands them to subscribers in Seq order with the others'.
func (f *follower) written(events []upstat.Event) {
	f.mu.Lock()
	for _, e := range events {
		if e.Seq > f.cursor {
			f.local[e.Seq] = true
		}
	}
	f.mu.Unlock()
	f.signal()
}

// changed notes a vendor another replica changed ("" for every vendor).
func (f *follower) changed(vendor string) {
	f.mu.Lock()
	if vendor == "" {
		f.all = true
	} else {
		f.dirty[vendor] = true
	}
	f.mu.Unlock()
	f.signal()
}

// Follow keeps the read model of a replica in step with the others
// sharing its store (Options.Shared): it watches feed for the vendors
// they change, reloads those from the store, and reads the event log
// from its cursor, handing every event to subscribers once, in Seq order
// (this replica's own with the others'), so every replica's stream is
// the same. It also reads the log every `every` (default
// DefaultFollowEvery) in case a notification is lost, and reloads every
// vendor when the feed breaks. Every `every` it also reads the poll times
// the others wrote since it last did (when the store is a TouchFeed): a
// poll that changed nothing else sends no notification. It runs until ctx
// ends.
func (s *Service) Follow(ctx context.Context, feed upstat.ChangeFeed, every time.Duration) {
	if every <= 0 {
		every = DefaultFollowEvery
	}
	f := s.follow
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			err := feed.WatchChanges(ctx, f.changed)
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("change feed lost: reloading every vendor", "err", err)
			f.changed("")
			t := time.NewTimer(every)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
		}
	}()
	defer wg.Wait()
	tick := time.NewTicker(every)
	defer tick.Stop()
	touches, _ := s.db.(TouchFeed)
	for {
		sweep := false
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
		case <-tick.C:
			sweep = true
		}
		if err := s.CatchUp(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("catch up with the shared store", "err", err)
		}
		if sweep && touches != nil {
			if err := s.followTouches(ctx, touches); err != nil && ctx.Err() == nil {
				s.log.Warn("read the poll times of the shared store", "err", err)
			}
		}
	}
}

// CatchUp brings the read model up to the shared store now: it reloads
// the vendors other replicas changed (and those their events name), then
// hands the events after its cursor to subscribers in Seq order. Follow
// calls it; it is exported for a caller that needs the model current at
// once. On error what was read so far is kept and the rest is read next
// time.
func (s *Service) CatchUp(ctx context.Context) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	f := s.follow
	f.mu.Lock()
	dirty, all := f.dirty, f.all
	f.dirty, f.all = map[string]bool{}, false
	f.mu.Unlock()
	if all {
		s.mu.RLock()
		for _, id := range s.order {
			dirty[id] = true
		}
		s.mu.RUnlock()
	}
	if err := s.reload(ctx, dirty); err != nil {
		f.mu.Lock()
		for id := range dirty {
			f.dirty[id] = true // tried again next time
		}
		f.mu.Unlock()
		return err
	}
	for {
		f.mu.Lock()
		after := f.cursor
		f.mu.Unlock()
		evs, err := s.db.Events(ctx, after, upstat.MaxEventLimit)
		if err != nil || len(evs) == 0 {
			return err
		}
		remote := map[string]bool{}
		var mine []upstat.Event
		f.mu.Lock()
		for _, e := range evs {
			if f.local[e.Seq] {
				mine = append(mine, e)
			} else {
				remote[e.Vendor] = true
			}
		}
		f.mu.Unlock()
		if err := s.reload(ctx, remote); err != nil {
			return err
		}
		f.mu.Lock()
		for _, e := range evs {
			delete(f.local, e.Seq)
		}
		f.cursor = evs[len(evs)-1].Seq
		f.mu.Unlock()
		s.logEvents(ctx, mine) // the others are logged by the replica that wrote them
		s.hub.publish(evs)
	}
}

// reload replaces the in-memory state of the configured vendors among ids
// with what the store holds. s.writeMu must be held.
func (s *Service) reload(ctx context.Context, ids map[string]bool) error {
	for id := range ids {
		if _, err := s.state(id); err != nil {
			continue // not configured here
		}
		if _, err := s.reloadVendor(ctx, id); err != nil {
			return err
		}
		for k := range s.listings {
			if k.vendor == id {
				delete(s.listings, k) // counted by the replica that polls it
			}
		}
	}
	return nil
}

// maxConflictRetries bounds how often one write is recomputed because
// another replica wrote the vendor first.
const maxConflictRetries = 3

// withFreshState runs attempt (which computes a change from old and
// writes it); when the write conflicts (another replica changed the
// vendor since this one read it: upstat.ErrConflict) it reloads the
// vendor and runs attempt again from what the other wrote, so a
// transition is recorded once. It returns the state attempt last ran
// from. s.writeMu must be held.
func (s *Service) withFreshState(ctx context.Context, old *vendorState, attempt func(old *vendorState) error) (*vendorState, error) {
	err := attempt(old)
	for try := 0; errors.Is(err, upstat.ErrConflict) && try < maxConflictRetries; try++ {
		fresh, lerr := s.reloadVendor(ctx, old.row.ID)
		if lerr != nil {
			return old, lerr
		}
		old = fresh
		err = attempt(old)
	}
	return old, err
}

// reloadVendor replaces the in-memory state of a configured vendor with
// what the store holds, except poll times, which only move forward: the
// store may not have this replica's yet (queued in a touch batch), or
// hold older ones another replica wrote with its change. s.writeMu must
// be held.
func (s *Service) reloadVendor(ctx context.Context, id string) (*vendorState, error) {
	st, err := s.db.LoadVendor(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("aggregate: reload %s: %w", id, err)
	}
	v := newVendorState(st)
	if old, err := s.state(id); err == nil {
		if merged := v.withPollTimes(old.pollTimes()); merged != nil {
			v = merged
		}
	}
	s.swap(id, v, true)
	return v, nil
}

// apply writes r's change; on success the next state has the version the
// store gave it.
func (s *Service) apply(ctx context.Context, r *recorder) error {
	if err := s.db.Apply(ctx, &r.ch); err != nil {
		return err
	}
	r.next.row.Version = r.old.row.Version + 1
	return nil
}

// startCursor sets where the follower starts handing out events: after
// the newest event stored when the service is first configured.
func (s *Service) startCursor(ctx context.Context) error {
	f := s.follow
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cursor != 0 {
		return nil
	}
	seq, err := s.db.LastEventSeq(ctx)
	if err != nil {
		return err
	}
	f.cursor = seq
	for k := range f.local {
		if k <= seq {
			delete(f.local, k)
		}
	}
	return nil
}
