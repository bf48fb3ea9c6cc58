package poll

import (
	"container/heap"
	"context"
	"errors"
	"time"

	"github.com/upstat/upstat/sources"
)

// DefaultTick is the dispatcher's default granularity. At 2,000 sources
// every 10s it serves about 20 polls per wake-up, where a timer per source
// woke the process for each one; it delays a poll by at most 100ms, well
// inside the interval + 1s detection bound.
const DefaultTick = 100 * time.Millisecond

// entry is one target in the scheduler. Under Scheduler.mu it is in one
// place at a time: the due queue (index >= 0), the ready list (waiting for
// a worker), or running in a worker. A running entry's failures and
// lastErr belong to its worker. Only a running entry has a context (an
// idle one holding a cancelCtx and its children map cost about 550 bytes
// a source).
type entry struct {
	t     Target
	due   time.Time
	index int // in the due queue; -1 when not queued

	running bool
	cancel  context.CancelFunc // the running poll's
	removed bool               // Replace dropped it: never queued again
	done    chan struct{}      // set by Replace on a removed running entry; closed when its poll ends

	failures int
	lastErr  string
}

// dueQueue is a min-heap of entries by due time.
type dueQueue []*entry

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q dueQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}

// Push adds x (an *entry); use heap.Push.
func (q *dueQueue) Push(x any) {
	e := x.(*entry)
	e.index = len(*q)
	*q = append(*q, e)
}

// Pop removes the last entry; use heap.Pop.
func (q *dueQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	e.index = -1
	return e
}

// queueLocked puts e in the due queue and wakes the dispatcher early when
// e is due before its planned wake-up.
func (s *Scheduler) queueLocked(e *entry) {
	heap.Push(&s.queue, e)
	if s.wakeAt.IsZero() || e.due.Before(s.wakeAt) {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// removeLocked drops e for good. When a poll of e is in flight it is
// cancelled, and the returned channel closes once it has ended.
func (s *Scheduler) removeLocked(e *entry) chan struct{} {
	e.removed = true
	switch {
	case e.index >= 0:
		heap.Remove(&s.queue, e.index)
	case e.running:
		e.cancel()
		e.done = make(chan struct{})
		return e.done
	}
	return nil // in the ready list: the worker that takes it drops it
}

// release wakes every worker once polling ends, so they return.
func (s *Scheduler) release() {
	s.mu.Lock()
	s.stopped = true
	s.workers.Broadcast()
	s.mu.Unlock()
}

// dispatch is the only timer of the polling: it sleeps until the earliest
// due time, rounded up to the tick, then moves every entry due by then to
// the ready list and wakes as many idle workers as there are new entries.
func (s *Scheduler) dispatch(ctx context.Context) {
	defer s.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		now := time.Now()
		n := 0
		for len(s.queue) > 0 && !s.queue[0].due.After(now) {
			s.ready = append(s.ready, heap.Pop(&s.queue).(*entry))
			n++
		}
		for i := 0; i < min(n, s.idle); i++ {
			s.workers.Signal()
		}
		var sleep time.Duration = -1
		if len(s.queue) > 0 {
			s.wakeAt = ceilTick(s.queue[0].due, s.o.Tick)
			sleep = s.wakeAt.Sub(now)
		} else {
			s.wakeAt = time.Time{}
		}
		s.mu.Unlock()
		timer.Stop()
		var fire <-chan time.Time
		if sleep >= 0 {
			timer.Reset(sleep)
			fire = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-fire:
		case <-s.wake:
		}
		s.wakes.Add(1)
	}
}

// ceilTick rounds t up to a multiple of tick (since the Unix epoch), so
// that polls due close together share a wake-up.
func ceilTick(t time.Time, tick time.Duration) time.Time {
	if rem := time.Duration(t.UnixNano() % int64(tick)); rem != 0 {
		return t.Add(tick - rem)
	}
	return t
}

// work is one of the Concurrency workers: it takes ready entries in due
// order, polls each, and queues it again for its next poll.
func (s *Scheduler) work() {
	defer s.wg.Done()
	s.mu.Lock()
	for {
		for len(s.ready) == 0 && !s.stopped {
			s.idle++
			s.workers.Wait()
			s.idle--
		}
		if s.stopped {
			s.mu.Unlock()
			return
		}
		e := s.ready[0]
		s.ready[0] = nil
		s.ready = s.ready[1:]
		if e.removed {
			continue
		}
		ctx, cancel := context.WithCancel(s.ctx)
		e.running, e.cancel = true, cancel
		s.mu.Unlock()

		started := time.Now()
		err := s.pollOnce(ctx, e.t)
		next := s.next(ctx, e, started, err)

		s.mu.Lock()
		e.running, e.cancel = false, nil
		cancel()
		if e.removed || s.ctx.Err() != nil {
			if e.done != nil {
				close(e.done)
			}
			continue
		}
		e.due = next
		s.queueLocked(e)
	}
}

// next returns when e is polled again given this poll's outcome. A
// successful target is polled every interval from due time to due time:
// the tick, a queue for a worker or a slow vendor do not stretch its
// period (a poll that ends after its next due time is followed at once).
// A failing one backs off from the end of the failed poll.
func (s *Scheduler) next(ctx context.Context, e *entry, started time.Time, err error) time.Time {
	t := &e.t
	now := time.Now()
	if err == nil {
		if e.failures > 0 {
			s.o.Log.Info("poll recovered", "vendor", t.Vendor, "source", t.Index, "kind", t.Kind, "after_failures", e.failures)
		}
		e.failures, e.lastErr = 0, ""
		// The base is the due time unless the poll was started late by
		// more than an interval (a long outage of every worker).
		base := e.due
		if started.Sub(base) > t.Interval {
			base = started
		}
		return maxTime(base.Add(jitter(t.Interval, steadyJitter)), now)
	}
	e.failures++
	delay := backoff(t.Interval, e.failures, s.o.MaxBackoff)
	var he *sources.HTTPError
	if errors.As(err, &he) && he.RetryAfter > delay {
		delay = min(he.RetryAfter, max(s.o.MaxBackoff, t.Interval))
	}
	delay = jitter(delay, backoffJitter)
	// Log a failure when it starts or changes, not every poll.
	if msg := err.Error(); msg != e.lastErr && ctx.Err() == nil {
		s.o.Log.Warn("poll failed", "vendor", t.Vendor, "source", t.Index, "kind", t.Kind, "err", msg, "failures", e.failures, "next_in", delay.String())
		e.lastErr = msg
	}
	return now.Add(delay)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
