package poll

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/upstat/upstat"
)

// countingSource counts its polls and records their start times.
type countingSource struct {
	mu     sync.Mutex
	starts []time.Time
}

func (c *countingSource) Poll(context.Context) (*upstat.Snapshot, error) {
	c.mu.Lock()
	c.starts = append(c.starts, time.Now())
	c.mu.Unlock()
	return &upstat.Snapshot{}, nil
}

func (c *countingSource) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.starts)
}

// TestOneWakeUpServesManyPolls: with 200 sources every 500ms (400 polls a
// second) and a 100ms tick, the dispatcher wakes about ten times a second,
// not once per poll.
func TestOneWakeUpServesManyPolls(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n, interval, tick = 200, 500 * time.Millisecond, 100 * time.Millisecond
	src := &countingSource{}
	s, err := New(Options{Recorder: newRecorder(), Concurrency: 8, StartSpread: interval, Tick: tick})
	if err != nil {
		t.Fatal(err)
	}
	var targets []Target
	for i := range n {
		k := fmt.Sprint("t", i)
		targets = append(targets, Target{Key: k, Vendor: k, Kind: "test", Source: src, Interval: interval, Timeout: time.Second})
	}
	start := time.Now()
	s.Start(context.Background(), targets)
	waitFor(t, 20*time.Second, "1000 polls", func() bool { return src.count() >= 1000 })
	s.Stop()
	elapsed, polls, wakes := time.Since(start), src.count(), s.wakes.Load()
	// About one wake-up per tick: a timer per tick, plus an early one
	// when a poll is queued before the planned wake-up (at Start, or when
	// a loaded machine has every source waiting for a worker).
	if limit := 2*int64(elapsed/tick) + 5; wakes > limit {
		t.Errorf("%d dispatcher wake-ups for %d polls in %s, want at most %d (about one per tick)", wakes, polls, elapsed, limit)
	}
	if polls < 10*int(wakes) {
		t.Errorf("%d polls per wake-up (%d polls, %d wake-ups), want at least 10", polls/int(wakes), polls, wakes)
	}
}

// TestGoroutinesBoundedByWorkers: however many polls are due at once,
// the scheduler runs them on Concurrency workers; it starts no goroutine
// per poll or per source.
func TestGoroutinesBoundedByWorkers(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n, concurrency = 500, 4
	base := runtime.NumGoroutine()
	var worst, polls atomic.Int64
	src := funcSource(func(context.Context) (*upstat.Snapshot, error) {
		g := int64(runtime.NumGoroutine())
		for w := worst.Load(); g > w && !worst.CompareAndSwap(w, g); w = worst.Load() {
		}
		polls.Add(1)
		return &upstat.Snapshot{}, nil
	})
	s, err := New(Options{Recorder: newRecorder(), Concurrency: concurrency, StartSpread: time.Millisecond, FirstPollRate: 1e9, Tick: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var targets []Target
	for i := range n {
		k := fmt.Sprint("t", i)
		targets = append(targets, Target{Key: k, Vendor: k, Kind: "test", Source: src, Interval: time.Hour, Timeout: time.Second})
	}
	s.Start(context.Background(), targets)
	waitFor(t, 10*time.Second, "every first poll", func() bool { return polls.Load() >= n })
	s.Stop()
	// The workers, the dispatcher, the stale check and a context
	// callback or two; never one per due poll.
	if limit := int64(base + concurrency + 4); worst.Load() > limit {
		t.Errorf("%d goroutines while %d polls were due at once, want at most %d", worst.Load(), n, limit)
	}
}

// TestTickBoundsLateness: a source is polled once per interval from due
// time to due time; the tick delays a poll by at most one tick and does
// not add up over polls.
func TestTickBoundsLateness(t *testing.T) {
	defer goleak.VerifyNone(t)
	const interval, tick, polls = 200 * time.Millisecond, 100 * time.Millisecond, 9
	src := &countingSource{}
	s, err := New(Options{Recorder: newRecorder(), StartSpread: time.Millisecond, Tick: tick})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background(), []Target{{Key: "s", Vendor: "s", Kind: "test", Source: src, Interval: interval, Timeout: time.Second}})
	waitFor(t, 10*time.Second, "polls", func() bool { return src.count() >= polls })
	s.Stop()
	src.mu.Lock()
	defer src.mu.Unlock()
	// Due every 200ms ± 2%, each started on the next 100ms tick: the mean
	// period is the interval. Were each period counted from the poll's
	// start, the wait for a tick would add up: 250-300ms.
	mean := src.starts[polls-1].Sub(src.starts[0]) / (polls - 1)
	if mean < interval*9/10 || mean > interval+tick*2/5 {
		t.Errorf("mean period %s, want about %s", mean, interval)
	}
}

// TestReplaceStopsARunningPoll: Replace without a target whose poll hangs
// cancels that poll and returns once it has ended; the others go on.
func TestReplaceStopsARunningPoll(t *testing.T) {
	defer goleak.VerifyNone(t)
	rec := newRecorder()
	started, cancelled := make(chan struct{}), make(chan struct{})
	hang := funcSource(func(ctx context.Context) (*upstat.Snapshot, error) {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	})
	fast := &countingSource{}
	s, err := New(Options{Recorder: rec, Concurrency: 2, StartSpread: time.Millisecond, Tick: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h := Target{Key: "h", Vendor: "h", Kind: "test", Source: hang, Interval: time.Hour, Timeout: time.Hour}
	f := Target{Key: "f", Vendor: "f", Kind: "test", Source: fast, Interval: 20 * time.Millisecond, Timeout: time.Second}
	s.Start(context.Background(), []Target{h, f})
	<-started
	s.Replace([]Target{f})
	select {
	case <-cancelled:
	default:
		t.Fatal("Replace returned before the removed target's poll ended")
	}
	n := fast.count()
	waitFor(t, 5*time.Second, "the kept target polled on", func() bool { return fast.count() >= n+3 })
	s.Stop()
	if got := rec.count("h"); got != 0 {
		t.Errorf("a poll cancelled by Replace was recorded %d times", got)
	}
}

// TestIdleSourceMemory: between polls a source costs the scheduler its
// queue entry and little else (no timer, goroutine or context).
func TestIdleSourceMemory(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 10000
	targets := make([]Target, n)
	for i := range targets {
		k := fmt.Sprint("t", i)
		targets[i] = Target{Key: k, Vendor: k, Kind: "test", Source: funcSource(quick), Interval: 24 * time.Hour, Timeout: time.Second}
	}
	s, err := New(Options{Recorder: newRecorder(), StartSpread: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s.Start(context.Background(), targets)
	runtime.GC()
	runtime.ReadMemStats(&after)
	s.Stop()
	runtime.KeepAlive(targets)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("%d bytes of heap per idle source", per)
	if per > 300 {
		t.Errorf("%d bytes of heap per idle source, want at most 300", per)
	}
}
