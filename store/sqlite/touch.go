package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultTouchDelay is how long DB.Touch holds poll times before they are
// written (with every other touch queued meanwhile, in one transaction).
const DefaultTouchDelay = time.Second

// ErrClosed is returned by DB.Touch on a closed DB.
var ErrClosed = errors.New("sqlite: closed")

// pollTimes are the poll times of a vendor or a source waiting to be
// written.
type pollTimes struct {
	checked, success *time.Time
}

// merge keeps the later of each time.
func (p *pollTimes) merge(checked, success *time.Time) {
	p.checked, p.success = later(p.checked, checked), later(p.success, success)
}

func later(a, b *time.Time) *time.Time {
	if a == nil || (b != nil && b.After(*a)) {
		return b
	}
	return a
}

// touches queues poll times and writes them in batches.
type touches struct {
	delay time.Duration

	mu      sync.Mutex
	closed  bool
	timer   *time.Timer // set while a flush is scheduled
	vendors map[string]*pollTimes
	sources map[sourceKey]*pollTimes
	// running counts scheduled flushes not yet finished; Close waits
	// for them.
	running sync.WaitGroup
}

type sourceKey struct {
	vendor string
	idx    int
}

// Touch queues the poll times of ch (LastCheckedAt and LastSuccessAt of
// ch.Vendor and of each of ch.Sources, nothing else) to be written within
// about a second, in one transaction with every other touch: a poll that
// changed nothing else costs no transaction of its own. A queued time never
// replaces a later one already stored (an Apply in between wins). A crash
// loses at most the last second of poll times; Close writes what is
// queued. Use Apply for anything else: it commits at once.
func (db *DB) Touch(ch *Change) error {
	t := &db.touches
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return fmt.Errorf("sqlite: touch %s: %w", ch.VendorID, ErrClosed)
	}
	if t.vendors == nil {
		t.vendors, t.sources = map[string]*pollTimes{}, map[sourceKey]*pollTimes{}
	}
	if v := ch.Vendor; v != nil {
		p := t.vendors[ch.VendorID]
		if p == nil {
			p = &pollTimes{}
			t.vendors[ch.VendorID] = p
		}
		p.merge(v.LastCheckedAt, v.LastSuccessAt)
	}
	for _, s := range ch.Sources {
		k := sourceKey{ch.VendorID, s.Idx}
		p := t.sources[k]
		if p == nil {
			p = &pollTimes{}
			t.sources[k] = p
		}
		p.merge(s.LastCheckedAt, s.LastSuccessAt)
	}
	if t.timer == nil {
		delay := t.delay
		if delay <= 0 {
			delay = DefaultTouchDelay
		}
		t.running.Add(1)
		t.timer = time.AfterFunc(delay, func() {
			defer t.running.Done()
			// A failed flush keeps its times queued for the next one.
			_ = db.FlushTouches(context.Background())
		})
	}
	return nil
}

// SetTouchDelay sets how long Touch holds poll times (default
// DefaultTouchDelay); it applies from the next batch.
func (db *DB) SetTouchDelay(d time.Duration) {
	db.touches.mu.Lock()
	defer db.touches.mu.Unlock()
	db.touches.delay = d
}

// FlushTouches writes every queued poll time now, in one transaction. On
// error the times stay queued.
func (db *DB) FlushTouches(ctx context.Context) error {
	t := &db.touches
	t.mu.Lock()
	vendors, sources := t.vendors, t.sources
	t.vendors, t.sources = nil, nil
	if t.timer != nil {
		if t.timer.Stop() {
			t.running.Done() // it will not run
		}
		t.timer = nil
	}
	t.mu.Unlock()
	if len(vendors) == 0 && len(sources) == 0 {
		return nil
	}
	err := db.writeTouches(ctx, vendors, sources)
	if err != nil {
		db.requeue(vendors, sources)
		return fmt.Errorf("sqlite: flush poll times: %w", err)
	}
	return nil
}

// requeue puts back the times of a failed flush (unless closed: Close has
// reported the error).
func (db *DB) requeue(vendors map[string]*pollTimes, sources map[sourceKey]*pollTimes) {
	for id, p := range vendors {
		_ = db.Touch(&Change{VendorID: id, Vendor: &Vendor{LastCheckedAt: p.checked, LastSuccessAt: p.success}})
	}
	for k, p := range sources {
		_ = db.Touch(&Change{VendorID: k.vendor, Sources: []Source{{Idx: k.idx, LastCheckedAt: p.checked, LastSuccessAt: p.success}}})
	}
}

// latestTime sets a time column to the later of its value and the
// parameter param (as "?1"): a NULL parameter changes nothing.
func latestTime(col, param string) string {
	return col + ` = CASE WHEN ` + param + ` IS NOT NULL AND (` + col + ` IS NULL OR ` + col + ` < ` + param +
		`) THEN ` + param + ` ELSE ` + col + ` END`
}

func (db *DB) writeTouches(ctx context.Context, vendors map[string]*pollTimes, sources map[sourceKey]*pollTimes) error {
	var rows int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		ts := newTxStmts(ctx, tx)
		for id, p := range vendors {
			if _, err := ts.exec(db.stmts.touchVendor, nullMillis(p.checked), nullMillis(p.success), id); err != nil {
				return fmt.Errorf("vendor %s: %w", id, err)
			}
		}
		for k, p := range sources {
			if _, err := ts.exec(db.stmts.touchSource, nullMillis(p.checked), nullMillis(p.success), k.vendor, k.idx); err != nil {
				return fmt.Errorf("source %s/%d: %w", k.vendor, k.idx, err)
			}
		}
		rows = ts.rows
		return nil
	})
	if err == nil {
		db.rowsWritten.Add(rows)
	}
	return err
}

// closeTouches stops scheduling flushes, waits for a running one and
// writes what is left.
func (db *DB) closeTouches(ctx context.Context) error {
	t := &db.touches
	t.mu.Lock()
	t.closed = true
	if t.timer != nil && t.timer.Stop() {
		t.running.Done()
		t.timer = nil
	}
	t.mu.Unlock()
	t.running.Wait()
	return db.FlushTouches(ctx)
}
