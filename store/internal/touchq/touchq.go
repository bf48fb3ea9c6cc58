// Package touchq queues poll times (when a vendor or a source was last
// checked and last read successfully) and hands them to a store in
// batches: a poll that changed nothing else costs no transaction of its
// own. store/sqlite and store/postgres share it.
package touchq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/upstat/upstat"
)

// DefaultDelay is how long a Queue holds poll times before they are
// written (with every other touch queued meanwhile, in one batch).
const DefaultDelay = time.Second

// ErrClosed is returned by Queue.Add on a closed Queue.
var ErrClosed = errors.New("store closed")

// Times are the poll times of a vendor or a source waiting to be written.
type Times struct {
	Checked, Success *time.Time
}

// merge keeps the later of each time.
func (p *Times) merge(checked, success *time.Time) {
	p.Checked, p.Success = later(p.Checked, checked), later(p.Success, success)
}

func later(a, b *time.Time) *time.Time {
	if a == nil || (b != nil && b.After(*a)) {
		return b
	}
	return a
}

// SourceKey names a source: its vendor and its index.
type SourceKey struct {
	Vendor string
	Idx    int
}

// WriteFunc writes one batch in one transaction; the store's statements
// keep the later of a queued and a stored time.
type WriteFunc func(ctx context.Context, vendors map[string]*Times, sources map[SourceKey]*Times) error

// Queue queues poll times and writes them in batches through its
// WriteFunc. It is safe for concurrent use.
type Queue struct {
	write WriteFunc

	mu      sync.Mutex
	delay   time.Duration
	closed  bool
	timer   *time.Timer // set while a flush is scheduled
	vendors map[string]*Times
	sources map[SourceKey]*Times
	// running counts scheduled flushes not yet finished; Close waits for
	// them.
	running sync.WaitGroup
}

// New returns a Queue writing through write.
func New(write WriteFunc) *Queue { return &Queue{write: write} }

// Add queues the poll times of ch (LastCheckedAt and LastSuccessAt of
// ch.Vendor and of each of ch.Sources, nothing else) to be written within
// the delay. On a closed Queue it returns an error wrapping ErrClosed.
func (q *Queue) Add(ch *upstat.VendorChange) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return fmt.Errorf("touch %s: %w", ch.VendorID, ErrClosed)
	}
	if q.vendors == nil {
		q.vendors, q.sources = map[string]*Times{}, map[SourceKey]*Times{}
	}
	if v := ch.Vendor; v != nil {
		p := q.vendors[ch.VendorID]
		if p == nil {
			p = &Times{}
			q.vendors[ch.VendorID] = p
		}
		p.merge(v.LastCheckedAt, v.LastSuccessAt)
	}
	for _, s := range ch.Sources {
		k := SourceKey{ch.VendorID, s.Idx}
		p := q.sources[k]
		if p == nil {
			p = &Times{}
			q.sources[k] = p
		}
		p.merge(s.LastCheckedAt, s.LastSuccessAt)
	}
	if q.timer == nil {
		delay := q.delay
		if delay <= 0 {
			delay = DefaultDelay
		}
		q.running.Add(1)
		q.timer = time.AfterFunc(delay, func() {
			defer q.running.Done()
			// A failed flush keeps its times queued for the next one.
			_ = q.Flush(context.Background())
		})
	}
	return nil
}

// SetDelay sets how long Add holds poll times (default DefaultDelay); it
// applies from the next batch.
func (q *Queue) SetDelay(d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.delay = d
}

// Flush writes every queued poll time now, in one batch. On error the
// times stay queued.
func (q *Queue) Flush(ctx context.Context) error {
	q.mu.Lock()
	vendors, sources := q.vendors, q.sources
	q.vendors, q.sources = nil, nil
	if q.timer != nil {
		if q.timer.Stop() {
			q.running.Done() // it will not run
		}
		q.timer = nil
	}
	q.mu.Unlock()
	if len(vendors) == 0 && len(sources) == 0 {
		return nil
	}
	if err := q.write(ctx, vendors, sources); err != nil {
		q.requeue(vendors, sources)
		return fmt.Errorf("flush poll times: %w", err)
	}
	return nil
}

// requeue puts back the times of a failed flush (unless closed: Close has
// reported the error).
func (q *Queue) requeue(vendors map[string]*Times, sources map[SourceKey]*Times) {
	for id, p := range vendors {
		_ = q.Add(&upstat.VendorChange{VendorID: id, Vendor: &upstat.VendorRecord{LastCheckedAt: p.Checked, LastSuccessAt: p.Success}})
	}
	for k, p := range sources {
		_ = q.Add(&upstat.VendorChange{VendorID: k.Vendor, Sources: []upstat.SourceRecord{{Idx: k.Idx, LastCheckedAt: p.Checked, LastSuccessAt: p.Success}}})
	}
}

// Close stops scheduling flushes, waits for a running one and writes what
// is left.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	q.closed = true
	if q.timer != nil && q.timer.Stop() {
		q.running.Done()
		q.timer = nil
	}
	q.mu.Unlock()
	q.running.Wait()
	return q.Flush(ctx)
}
