// Package poll schedules the sources: one loop per source (a timer, not
// a goroutine) on a jittered interval, a bound on concurrent fetches, capped exponential backoff on
// failure (honouring Retry-After), and clean shutdown. Each poll's result
// goes to a Recorder (the aggregator).
package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
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
	Concurrency int // concurrent polls (fetch and record); default 64
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

// Scheduler runs the poll loops. Start it once; Replace swaps targets;
// Stop cancels in-flight polls and waits for every loop to end.
type Scheduler struct {
	o        Options
	sem      chan struct{}
	duration *prometheus.HistogramVec
	errs     *prometheus.CounterVec
	polls    *prometheus.CounterVec

	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
	loops  map[string]*loop
	wg     sync.WaitGroup
}

type loop struct {
	t      Target
	cancel context.CancelFunc
	done   chan struct{}
	state  *loopState
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
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{
		o:   o,
		sem: make(chan struct{}, o.Concurrency),
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
		loops: map[string]*loop{},
	}
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
// once; the loops run until ctx ends or Stop is called.
func (s *Scheduler) Start(ctx context.Context, targets []Target) {
	s.mu.Lock()
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.mu.Unlock()
	s.wg.Add(1)
	go s.staleLoop(s.ctx)
	s.Replace(targets)
}

// Replace makes targets the running set: loops whose Key is gone or whose
// target changed are stopped, new ones started, unchanged ones untouched.
func (s *Scheduler) Replace(targets []Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil || s.ctx.Err() != nil {
		return
	}
	want := map[string]Target{}
	for _, t := range targets {
		want[t.Key] = t
	}
	spread := firstSpread(s.o.StartSpread, len(targets), s.o.FirstPollRate)
	for key, l := range s.loops {
		if _, ok := want[key]; !ok {
			l.cancel()
			<-l.done
			delete(s.loops, key)
		}
	}
	for key, t := range want {
		if _, ok := s.loops[key]; ok {
			continue
		}
		lctx, cancel := context.WithCancel(s.ctx)
		l := &loop{t: t, cancel: cancel, done: make(chan struct{})}
		s.loops[key] = l
		s.wg.Add(1)
		l.state = s.run(lctx, t, spread, func() {
			close(l.done)
			s.wg.Done()
		})
	}
}

// Stop cancels every loop and in-flight poll and waits for them to end.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
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

// loopState is one target's loop between polls: a timer, no goroutine (a
// goroutine per target would hold a stack each, over 100 MB at 10,000
// targets). The timer's callback polls, then re-arms it.
type loopState struct {
	s     *Scheduler
	t     Target
	ctx   context.Context
	endFn func() // called once when the loop has ended

	mu       sync.Mutex
	timer    *time.Timer
	ended    bool
	failures int
	lastErr  string
}

// run starts one target's loop; its first poll comes at a random time
// within spread (at most its interval). end is called once the loop has
// ended (ctx done and no poll in flight). It returns the loop's state.
func (s *Scheduler) run(ctx context.Context, t Target, spread time.Duration, end func()) *loopState {
	spread = min(spread, t.Interval)
	l := &loopState{s: s, t: t, ctx: ctx, endFn: end}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.timer = time.AfterFunc(time.Duration(rand.Int64N(int64(spread)+1)), l.fire)
	context.AfterFunc(ctx, l.stop)
	return l
}

// stop ends the loop now unless a poll is in flight: fire ends it then.
func (l *loopState) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer.Stop() {
		l.endLocked()
	}
}

func (l *loopState) endLocked() {
	if !l.ended {
		l.ended = true
		l.endFn()
	}
}

// fire polls once and arms the timer for the next poll.
func (l *loopState) fire() {
	if l.ctx.Err() != nil {
		l.mu.Lock()
		l.endLocked()
		l.mu.Unlock()
		return
	}
	started := time.Now()
	err := l.s.pollOnce(l.ctx, l.t)
	delay := l.next(started, err)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ctx.Err() != nil {
		l.endLocked()
		return
	}
	l.timer.Reset(delay)
}

// next returns the delay before the next poll given this one's outcome.
func (l *loopState) next(started time.Time, err error) time.Duration {
	t, s := &l.t, l.s
	// A successful target is polled every interval from start to start:
	// the time the poll took (a queue for a fetch slot, a slow vendor)
	// does not stretch its period.
	delay := t.Interval - time.Since(started)
	spread := steadyJitter
	if err != nil {
		spread = backoffJitter
		l.failures++
		delay = backoff(t.Interval, l.failures, s.o.MaxBackoff)
		var he *sources.HTTPError
		if errors.As(err, &he) && he.RetryAfter > delay {
			delay = min(he.RetryAfter, max(s.o.MaxBackoff, t.Interval))
		}
		// Log a failure when it starts or changes, not every poll.
		if msg := err.Error(); msg != l.lastErr && l.ctx.Err() == nil {
			s.o.Log.Warn("poll failed", "vendor", t.Vendor, "source", t.Index, "kind", t.Kind, "err", msg, "failures", l.failures, "next_in", delay.String())
			l.lastErr = msg
		}
	} else {
		if l.failures > 0 {
			s.o.Log.Info("poll recovered", "vendor", t.Vendor, "source", t.Index, "kind", t.Kind, "after_failures", l.failures)
		}
		l.failures, l.lastErr = 0, ""
	}
	return max(jitter(delay, spread), 0)
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
func (s *Scheduler) pollOnce(ctx context.Context, t Target) error {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	// The slot is held until the poll is recorded: a snapshot waiting for
	// the recorder (a first poll's every component and incident, while
	// the database writes others) counts against Concurrency, so a slow
	// writer cannot pile up thousands of them in memory.
	defer func() { <-s.sem }()
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
