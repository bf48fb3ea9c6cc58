// Package poll schedules the sources: each source on a jittered interval,
// capped exponential backoff on failure (honouring Retry-After), a bound
// on concurrent polls, and clean shutdown. One dispatcher wakes on a
// coarse tick and hands every poll due by then to a fixed pool of
// workers, so one wake-up serves many polls (sched.go). Each poll's result
// goes to a Recorder (the aggregator).
package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
)

// Recorder stores what a poll found. The aggregator implements it.
type Recorder interface {
	Record(ctx context.Context, vendorID string, sourceIdx int, snap *upstat.Snapshot, pollErr error) error
	CheckStale(ctx context.Context) error
}

// ChangeRecorder is a Recorder that also says whether a poll changed what
// readers see (an event, an error appearing or clearing). The scheduler
// prefers it when the Recorder implements it, and then calls OnRecorded
// only for polls that changed something: at hundreds of polls a second,
// most of them 304s, re-evaluating every alert rule after each one is the
// largest cost of all (the alert engine also evaluates on its own timer).
type ChangeRecorder interface {
	RecordChange(ctx context.Context, vendorID string, sourceIdx int, snap *upstat.Snapshot, pollErr error) (changed bool, err error)
}

// Target is one source to poll.
type Target struct {
	// Key identifies the target across reloads: a target whose Key is
	// unchanged keeps running untouched.
	Key      string
	Vendor   string
	Index    int
	Kind     string
	Source   sources.Source
	Interval time.Duration
	Timeout  time.Duration
	// Transform, if set, is applied to every fresh snapshot before it is
	// recorded (component ignore/rename rules).
	Transform func(*upstat.Snapshot)
}

// Options configures a Scheduler.
type Options struct {
	Recorder    Recorder
	Concurrency int // concurrent polls (fetch and record): the workers; default 64
	// Tick is the dispatcher's granularity: polls due within one tick
	// start together, at most a tick late. Default DefaultTick.
	Tick time.Duration
	// StartSpread bounds the random delay before a target's first poll
	// (never more than its interval); default 2s. With many targets the
	// first polls are spread further, see FirstPollRate.
	StartSpread time.Duration
	// FirstPollRate caps how many first polls a second a large target set
	// starts with: the spread grows to len(targets)/FirstPollRate (up to
	// the interval), since a first poll writes every component and
	// incident. Default 200.
	FirstPollRate float64
	// StaleCheck is how often Recorder.CheckStale runs; default 5s.
	StaleCheck time.Duration
	// MaxBackoff caps the delay after repeated failures; default 5m (never
	// less than the target's interval).
	MaxBackoff time.Duration
	Registry   prometheus.Registerer
	Log        *slog.Logger
	// OnRecorded is called after each poll is recorded (alert evaluation);
	// with a ChangeRecorder, only after polls that changed something.
	OnRecorded func(vendor string)
}

// Scheduler runs the polls. Start it once; Replace swaps targets; Stop
// cancels in-flight polls and waits for the dispatcher and workers to end.
type Scheduler struct {
	o        Options
	duration *prometheus.HistogramVec
	errs     *prometheus.CounterVec
	polls    *prometheus.CounterVec

	replaceMu sync.Mutex // one Replace at a time

	mu      sync.Mutex
	ctx     context.Context
	cancel  context.CancelFunc
	stopped bool
	entries map[string]*entry
	queue   dueQueue   // entries waiting for their time
	ready   []*entry   // entries due, waiting for a worker
	workers *sync.Cond // on mu: signalled when ready grows or on stop
	idle    int        // workers waiting on the cond
	wakeAt  time.Time  // the dispatcher's next wake-up; zero: none planned
	wake    chan struct{}
	wakes   atomic.Int64 // dispatcher wake-ups
	wg      sync.WaitGroup
}

// New builds a Scheduler and registers its metrics on o.Registry.
func New(o Options) (*Scheduler, error) {
	if o.Recorder == nil {
		return nil, errors.New("poll: no recorder")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.StartSpread <= 0 {
		o.StartSpread = 2 * time.Second
	}
	if o.StaleCheck <= 0 {
		o.StaleCheck = 5 * time.Second
	}
	if o.FirstPollRate <= 0 {
		o.FirstPollRate = 200
	}
	if o.Tick <= 0 {
		o.Tick = DefaultTick
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{
		o:    o,
		wake: make(chan struct{}, 1),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "upstat_poll_duration_seconds",
			Help:    "Time taken by one poll of one source (fetch and parse), by source kind.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "upstat_poll_errors_total",
			Help: "Polls that failed, by vendor.",
		}, []string{"vendor"}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "upstat_polls_total",
			Help: "Polls by source kind and result (ok, not_modified, error).",
		}, []string{"kind", "result"}),
		entries: map[string]*entry{},
	}
	s.workers = sync.NewCond(&s.mu)
	if o.Registry != nil {
		for _, c := range []prometheus.Collector{s.duration, s.errs, s.polls} {
			if err := o.Registry.Register(c); err != nil {
				return nil, fmt.Errorf("poll: register metrics: %w", err)
			}
		}
	}
	return s, nil
}

// Start begins polling targets and the periodic stale check. It returns at
// once; polling runs until ctx ends or Stop is called.
func (s *Scheduler) Start(ctx context.Context, targets []Target) {
	s.mu.Lock()
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.mu.Unlock()
	context.AfterFunc(s.ctx, s.release)
	s.wg.Add(2 + s.o.Concurrency)
	go s.staleLoop(s.ctx)
	go s.dispatch(s.ctx)
	for range s.o.Concurrency {
		go s.work()
	}
	s.Replace(targets)
}

// Replace makes targets the running set: targets whose Key is gone are
// stopped (an in-flight poll of theirs is cancelled and waited for), new
// ones start within the first-poll spread, and unchanged ones keep their
// schedule and state (backoff, last error) untouched.
func (s *Scheduler) Replace(targets []Target) {
	s.replaceMu.Lock()
	defer s.replaceMu.Unlock()
	s.mu.Lock()
	if s.ctx == nil || s.ctx.Err() != nil {
		s.mu.Unlock()
		return
	}
	want := make(map[string]Target, len(targets))
	for _, t := range targets {
		want[t.Key] = t
	}
	var running []chan struct{}
	for key, e := range s.entries {
		if _, ok := want[key]; ok {
			continue
		}
		delete(s.entries, key)
		if done := s.removeLocked(e); done != nil {
			running = append(running, done)
		}
	}
	spread := firstSpread(s.o.StartSpread, len(targets), s.o.FirstPollRate)
	now := time.Now()
	for key, t := range want {
		if _, ok := s.entries[key]; ok {
			continue
		}
		e := &entry{t: t, index: -1}
		e.due = now.Add(time.Duration(rand.Int64N(int64(min(spread, t.Interval)) + 1)))
		s.entries[key] = e
		s.queueLocked(e)
	}
	s.mu.Unlock()
	for _, done := range running {
		<-done
	}
}

// Stop cancels every in-flight poll and waits for polling to end.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	s.release()
	s.wg.Wait()
}

func (s *Scheduler) staleLoop(ctx context.Context) {
	defer s.wg.Done()
	tick := time.NewTicker(s.o.StaleCheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := s.o.Recorder.CheckStale(ctx); err != nil && ctx.Err() == nil {
				s.o.Log.Error("stale check failed", "err", err)
			}
		}
	}
}

// firstSpread is how far apart n targets' first polls are spread.
func firstSpread(base time.Duration, n int, rate float64) time.Duration {
	return max(base, time.Duration(float64(n)/rate*float64(time.Second)))
}

// backoff doubles the interval per consecutive failure, capped.
func backoff(interval time.Duration, failures int, capAt time.Duration) time.Duration {
	limit := max(capAt, interval)
	d := interval
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Jitter of the delay before the next poll, as a fraction of it. The
// first polls are already spread (StartSpread, FirstPollRate): between
// successful polls a small jitter keeps loops from locking together while
// a target's period stays within 2% of its interval, so a change is seen
// within interval+2%. After failures (often a shared outage, where every
// loop backs off at once) the loops are spread further.
const (
	steadyJitter  = 0.02
	backoffJitter = 0.10
)

// jitter spreads d by ±frac so loops started together drift apart.
func jitter(d time.Duration, frac float64) time.Duration {
	if d <= 0 {
		return 0
	}
	spread := int64(float64(d) * frac)
	return d - time.Duration(spread) + time.Duration(rand.Int64N(2*spread+1))
}

// pollOnce polls one target and records the outcome. It returns the
// poll's error (nil on success) for the loop's backoff.
//
// A worker runs it whole: the worker is busy until the poll is recorded,
// so a snapshot waiting for the recorder (a first poll's every component
// and incident, while the database writes others) counts against
// Concurrency, and a slow writer cannot pile up thousands of them.
func (s *Scheduler) pollOnce(ctx context.Context, t Target) error {
	start := time.Now()
	snap, err := s.safePoll(ctx, t)
	s.duration.WithLabelValues(t.Kind).Observe(time.Since(start).Seconds())
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: an aborted poll is not the vendor's fault
	}
	result := "ok"
	switch {
	case err != nil:
		result = "error"
		s.errs.WithLabelValues(t.Vendor).Inc()
	case snap.NotModified:
		result = "not_modified"
	case t.Transform != nil:
		t.Transform(snap)
	}
	s.polls.WithLabelValues(t.Kind, result).Inc()
	changed, rerr := true, error(nil)
	if cr, ok := s.o.Recorder.(ChangeRecorder); ok {
		changed, rerr = cr.RecordChange(ctx, t.Vendor, t.Index, snap, err)
	} else {
		rerr = s.o.Recorder.Record(ctx, t.Vendor, t.Index, snap, err)
	}
	if rerr != nil && ctx.Err() == nil {
		s.o.Log.Error("record failed", "vendor", t.Vendor, "source", t.Index, "err", rerr)
	}
	if rerr == nil && err == nil && snap.Commit != nil {
		snap.Commit()
	}
	if s.o.OnRecorded != nil && (changed || rerr != nil) {
		s.o.OnRecorded(t.Vendor)
	}
	return err
}

// safePoll runs the adapter under the target's timeout and turns a panic
// in adapter code into an error, so one bad page cannot stop upstat.
func (s *Scheduler) safePoll(ctx context.Context, t Target) (snap *upstat.Snapshot, err error) {
	pctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			s.o.Log.Error("adapter panicked", "vendor", t.Vendor, "kind", t.Kind, "panic", fmt.Sprint(r))
			snap, err = nil, fmt.Errorf("adapter panic: %v", r)
		}
	}()
	snap, err = t.Source.Poll(pctx)
	if err == nil && snap == nil {
		err = errors.New("adapter returned no snapshot")
	}
	if err != nil && pctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		err = fmt.Errorf("timeout after %s: %w", t.Timeout, err)
	}
	return snap, err
}
