package poll

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
)

type recorder struct {
	mu      sync.Mutex
	records map[string]int
	errs    map[string][]error
}

func newRecorder() *recorder {
	return &recorder{records: map[string]int{}, errs: map[string][]error{}}
}

func (r *recorder) Record(_ context.Context, vendor string, _ int, _ *upstat.Snapshot, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records[vendor]++
	if err != nil {
		r.errs[vendor] = append(r.errs[vendor], err)
	}
	return nil
}

func (r *recorder) CheckStale(context.Context) error { return nil }

func (r *recorder) count(vendor string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.records[vendor]
}

func (r *recorder) lastErr(vendor string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.errs[vendor]; len(e) > 0 {
		return e[len(e)-1]
	}
	return nil
}

type funcSource func(ctx context.Context) (*upstat.Snapshot, error)

func (f funcSource) Poll(ctx context.Context) (*upstat.Snapshot, error) { return f(ctx) }

var _ sources.Source = funcSource(nil)

func hanging(ctx context.Context) (*upstat.Snapshot, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func quick(context.Context) (*upstat.Snapshot, error) { return &upstat.Snapshot{}, nil }

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHangingVendorDoesNotDelayOthers(t *testing.T) {
	defer goleak.VerifyNone(t)
	rec := newRecorder()
	// Concurrency 1 is the harshest case: the hanging poll holds the only
	// slot until its own timeout, so the fast vendor may only lose that.
	// A fine tick: the fast vendor's 20ms interval is not rounded up to
	// the default 100ms.
	s, err := New(Options{Recorder: rec, Concurrency: 1, StartSpread: time.Millisecond, Tick: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background(), []Target{
		{Key: "slow", Vendor: "slow", Kind: "test", Source: funcSource(hanging), Interval: time.Hour, Timeout: 300 * time.Millisecond},
		{Key: "fast", Vendor: "fast", Kind: "test", Source: funcSource(quick), Interval: 20 * time.Millisecond, Timeout: time.Second},
	})
	start := time.Now()
	waitFor(t, 3*time.Second, "fast vendor polled 10 times", func() bool { return rec.count("fast") >= 10 })
	// 10 polls at 20ms ≈ 200ms; one blocked slot adds at most the slow
	// vendor's 300ms timeout. A serial scheduler would block far longer.
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("fast vendor needed %s for 10 polls", took)
	}
	waitFor(t, 3*time.Second, "slow vendor timed out and recorded", func() bool { return rec.count("slow") >= 1 })
	if err := rec.lastErr("slow"); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow vendor error = %v, want a timeout", err)
	}
	s.Stop()
}

func TestStopCancelsInFlightPolls(t *testing.T) {
	defer goleak.VerifyNone(t)
	rec := newRecorder()
	started := make(chan struct{})
	var once sync.Once
	src := funcSource(func(ctx context.Context) (*upstat.Snapshot, error) {
		once.Do(func() { close(started) })
		return hanging(ctx)
	})
	s, err := New(Options{Recorder: rec, StartSpread: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background(), []Target{{Key: "x", Vendor: "x", Kind: "test", Source: src, Interval: time.Minute, Timeout: time.Hour}})
	<-started
	done := make(chan struct{})
	go func() { s.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Stop did not return while a poll hung")
	}
	if n := rec.count("x"); n != 0 {
		t.Errorf("a poll aborted by shutdown was recorded %d times", n)
	}
}

func TestAdapterPanicIsContained(t *testing.T) {
	defer goleak.VerifyNone(t)
	rec := newRecorder()
	s, err := New(Options{Recorder: rec, StartSpread: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background(), []Target{
		{Key: "p", Vendor: "p", Kind: "test", Interval: time.Hour, Timeout: time.Second,
			Source: funcSource(func(context.Context) (*upstat.Snapshot, error) { panic("bad page") })},
	})
	waitFor(t, 3*time.Second, "panic recorded as an error", func() bool { return rec.lastErr("p") != nil })
	if got := rec.lastErr("p").Error(); got != "adapter panic: bad page" {
		t.Errorf("error = %q", got)
	}
	s.Stop()
}

func TestReplaceKeepsUnchangedLoops(t *testing.T) {
	defer goleak.VerifyNone(t)
	rec := newRecorder()
	s, err := New(Options{Recorder: rec, StartSpread: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	a := Target{Key: "a", Vendor: "a", Kind: "test", Source: funcSource(quick), Interval: time.Hour, Timeout: time.Second}
	b := Target{Key: "b", Vendor: "b", Kind: "test", Source: funcSource(quick), Interval: time.Hour, Timeout: time.Second}
	s.Start(context.Background(), []Target{a})
	waitFor(t, 3*time.Second, "a polled", func() bool { return rec.count("a") == 1 })
	s.Replace([]Target{a, b})
	waitFor(t, 3*time.Second, "b polled", func() bool { return rec.count("b") == 1 })
	// a's loop kept running on its hourly timer: it was not restarted
	// (a restart would poll it again within StartSpread).
	if n := rec.count("a"); n != 1 {
		t.Errorf("unchanged target polled %d times after Replace, want 1", n)
	}
	s.Stop()
}

func TestBackoff(t *testing.T) {
	cases := []struct {
		interval time.Duration
		failures int
		cap      time.Duration
		want     time.Duration
	}{
		{time.Minute, 1, 5 * time.Minute, time.Minute},
		{time.Minute, 2, 5 * time.Minute, 2 * time.Minute},
		{time.Minute, 3, 5 * time.Minute, 4 * time.Minute},
		{time.Minute, 4, 5 * time.Minute, 5 * time.Minute},
		{time.Minute, 40, 5 * time.Minute, 5 * time.Minute},
		{10 * time.Minute, 3, 5 * time.Minute, 10 * time.Minute}, // never below the interval
		{time.Second, 3, 1500 * time.Millisecond, 1500 * time.Millisecond},
	}
	for _, c := range cases {
		if got := backoff(c.interval, c.failures, c.cap); got != c.want {
			t.Errorf("backoff(%s, %d, %s) = %s, want %s", c.interval, c.failures, c.cap, got, c.want)
		}
	}
	for _, frac := range []float64{steadyJitter, backoffJitter} {
		lo, hi := time.Duration(float64(time.Second)*(1-frac)), time.Duration(float64(time.Second)*(1+frac))
		for i := 0; i < 1000; i++ {
			if d := jitter(time.Second, frac); d < lo || d > hi {
				t.Fatalf("jitter(1s, %v) = %s, outside [%s, %s]", frac, d, lo, hi)
			}
		}
	}
}

// changeRecorder reports a change for vendors named "changing" only.
type changeRecorder struct{ *recorder }

func (c changeRecorder) RecordChange(ctx context.Context, vendor string, idx int, snap *upstat.Snapshot, err error) (bool, error) {
	return vendor == "changing", c.Record(ctx, vendor, idx, snap, err)
}

func TestOnRecordedOnlyAfterChanges(t *testing.T) {
	defer goleak.VerifyNone(t)
	rec := newRecorder()
	var mu sync.Mutex
	notified := map[string]int{}
	s, err := New(Options{Recorder: changeRecorder{rec}, StartSpread: time.Millisecond, OnRecorded: func(v string) {
		mu.Lock()
		defer mu.Unlock()
		notified[v]++
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background(), []Target{
		{Key: "a", Vendor: "changing", Kind: "x", Source: funcSource(quick), Interval: 5 * time.Millisecond, Timeout: time.Second},
		{Key: "b", Vendor: "quiet", Kind: "x", Source: funcSource(quick), Interval: 5 * time.Millisecond, Timeout: time.Second},
	})
	waitFor(t, 5*time.Second, "several polls of both", func() bool { return rec.count("changing") >= 3 && rec.count("quiet") >= 3 })
	s.Stop()
	mu.Lock()
	defer mu.Unlock()
	if notified["changing"] == 0 || notified["quiet"] != 0 {
		t.Errorf("notified = %v, want only the vendor whose polls changed something", notified)
	}
}

func TestFirstSpread(t *testing.T) {
	cases := []struct {
		base time.Duration
		n    int
		want time.Duration
	}{
		{2 * time.Second, 10, 2 * time.Second},
		{2 * time.Second, 400, 2 * time.Second},
		{2 * time.Second, 1000, 5 * time.Second},
		{2 * time.Second, 10000, 50 * time.Second},
	}
	for _, c := range cases {
		if got := firstSpread(c.base, c.n, 200); got != c.want {
			t.Errorf("firstSpread(%s, %d) = %s, want %s", c.base, c.n, got, c.want)
		}
	}
}

// TestPeriodFromStartToStart: a successful target's polls start an
// interval apart however long each takes (not interval plus the poll).
func TestPeriodFromStartToStart(t *testing.T) {
	defer goleak.VerifyNone(t)
	const interval, pollTakes, polls = 250 * time.Millisecond, 200 * time.Millisecond, 5
	var mu sync.Mutex
	var starts []time.Time
	slow := func(ctx context.Context) (*upstat.Snapshot, error) {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		// The vendor answers slowly.
		select {
		case <-time.After(pollTakes):
		case <-ctx.Done():
		}
		return &upstat.Snapshot{}, nil
	}
	s, err := New(Options{Recorder: newRecorder(), StartSpread: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background(), []Target{{Key: "s", Vendor: "s", Kind: "test", Source: funcSource(slow), Interval: interval, Timeout: time.Second}})
	waitFor(t, 10*time.Second, "5 polls", func() bool { mu.Lock(); defer mu.Unlock(); return len(starts) >= polls })
	s.Stop()
	mu.Lock()
	defer mu.Unlock()
	// Start to start: 250ms ± 2% jitter; end to start would be 450ms.
	if mean := starts[polls-1].Sub(starts[0]) / (polls - 1); mean > interval+pollTakes/2 {
		t.Errorf("mean period %v, want about %v", mean, interval)
	}
}

// slowRecorder takes a while to record, like a database writer behind
// first polls, and counts what is in flight.
type slowRecorder struct {
	inFlight *atomic.Int64 // polls being fetched or recorded
	recorded atomic.Int64
}

func (r *slowRecorder) Record(context.Context, string, int, *upstat.Snapshot, error) error {
	<-time.After(2 * time.Millisecond) // the writer is slow
	r.inFlight.Add(-1)
	r.recorded.Add(1)
	return nil
}

func (r *slowRecorder) CheckStale(context.Context) error { return nil }

// TestSlowRecorderBoundsSnapshots: a poll holds its slot until recorded,
// so with a slow recorder no more than Concurrency snapshots are fetched
// and waiting at any time.
func TestSlowRecorderBoundsSnapshots(t *testing.T) {
	defer goleak.VerifyNone(t)
	const concurrency = 2
	var inFlight, worst atomic.Int64
	rec := &slowRecorder{inFlight: &inFlight}
	src := funcSource(func(context.Context) (*upstat.Snapshot, error) {
		n := inFlight.Add(1)
		for w := worst.Load(); n > w && !worst.CompareAndSwap(w, n); w = worst.Load() {
		}
		return &upstat.Snapshot{}, nil
	})
	s, err := New(Options{Recorder: rec, Concurrency: concurrency, StartSpread: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var targets []Target
	for i := range 8 {
		k := fmt.Sprint("t", i)
		targets = append(targets, Target{Key: k, Vendor: k, Kind: "test", Source: src, Interval: 5 * time.Millisecond, Timeout: time.Second})
	}
	s.Start(context.Background(), targets)
	waitFor(t, 10*time.Second, "50 polls recorded", func() bool { return rec.recorded.Load() >= 50 })
	s.Stop()
	if w := worst.Load(); w > concurrency {
		t.Errorf("%d snapshots fetched or awaiting the recorder at once, want at most %d", w, concurrency)
	}
}
