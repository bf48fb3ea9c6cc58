package probe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// CheckFunc runs one check of a probe (Checker.Check).
type CheckFunc func(ctx context.Context, spec *Spec) error

// Options are a Runner's dependencies and settings.
type Options struct {
	// Check runs one check (required): Checker.Check in production.
	Check CheckFunc
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnChange, if set, is called with a vendor's Observed each time it
	// changes (never concurrently).
	OnChange func(vendor string, obs Observed)
	// Registry receives upstat_probe_up and upstat_probe_duration_seconds;
	// nil registers nothing.
	Registry prometheus.Registerer
	// Log receives one line per probe status change; nil discards.
	Log *slog.Logger
	// StartSpread bounds the random delay before a probe's first check
	// (never more than its interval); zero means 2s.
	StartSpread time.Duration
}

// Runner checks every probe on its own loop: the interval with ±10 %
// jitter, stretched while failing (see tracker.delay).
type Runner struct {
	o        Options
	up       *prometheus.GaugeVec
	duration *prometheus.HistogramVec

	mu      sync.Mutex // guards vendors and serialises OnChange
	vendors map[string]*vendorProbes
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// vendorProbes is the state of one vendor's probes.
type vendorProbes struct {
	names    []string
	states   []tracker
	observed Observed
}

// New builds a Runner and registers its metrics.
func New(o Options) (*Runner, error) {
	if o.Check == nil {
		return nil, errors.New("probe: no check function")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.StartSpread <= 0 {
		o.StartSpread = 2 * time.Second
	}
	r := &Runner{
		o: o,
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "upstat_probe_up",
			Help: "Whether a probe of a vendor is ok (1) or failing (0) after its thresholds; absent while unknown.",
		}, []string{"vendor", "probe"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "upstat_probe_duration_seconds",
			Help:    "Time taken by one check of a probe, by probe kind.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"kind"}),
		vendors: map[string]*vendorProbes{},
	}
	if o.Registry != nil {
		for _, c := range []prometheus.Collector{r.up, r.duration} {
			if err := o.Registry.Register(c); err != nil {
				return nil, fmt.Errorf("probe: register metrics: %w", err)
			}
		}
	}
	return r, nil
}

// Start checks specs until ctx ends or Stop is called. Every vendor with
// probes starts unknown.
func (r *Runner) Start(ctx context.Context, specs []Spec) {
	ctx, cancel := context.WithCancel(ctx)
	r.mu.Lock()
	r.cancel = cancel
	now := r.o.Now()
	idx := make([]int, len(specs))
	for i, s := range specs {
		vp := r.vendors[s.Vendor]
		if vp == nil {
			vp = &vendorProbes{observed: Observed{Status: StatusUnknown, Since: now, Failing: []string{}}}
			r.vendors[s.Vendor] = vp
		}
		idx[i] = len(vp.names)
		vp.names = append(vp.names, s.Name)
		vp.states = append(vp.states, tracker{status: StatusUnknown, since: now})
	}
	r.mu.Unlock()
	for i := range specs {
		r.wg.Add(1)
		go r.loop(ctx, specs[i], idx[i])
	}
}

// Stop ends every loop and waits for them.
func (r *Runner) Stop() {
	r.mu.Lock()
	cancel := r.cancel
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	r.wg.Wait()
}

// Observed returns a vendor's observed signal; ok is false for a vendor
// without probes.
func (r *Runner) Observed(vendor string) (obs Observed, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	vp := r.vendors[vendor]
	if vp == nil {
		return Observed{}, false
	}
	obs = vp.observed
	obs.Failing = append([]string{}, obs.Failing...)
	return obs, true
}

// loop checks one probe until ctx ends.
func (r *Runner) loop(ctx context.Context, spec Spec, i int) {
	defer r.wg.Done()
	timer := time.NewTimer(time.Duration(rand.Int64N(int64(min(r.o.StartSpread, spec.Interval)) + 1)))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		started := time.Now()
		err := r.o.Check(ctx, &spec)
		if ctx.Err() != nil {
			return // cancelled mid-check: not an observation
		}
		r.duration.WithLabelValues(spec.Kind).Observe(time.Since(started).Seconds())
		timer.Reset(jitter(r.record(&spec, i, err)))
	}
}

// record folds a check into the probe's and its vendor's state and
// returns the delay to the next check.
func (r *Runner) record(spec *Spec, i int, err error) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	vp := r.vendors[spec.Vendor]
	st := &vp.states[i]
	now := r.o.Now()
	if st.record(spec, err, now) {
		r.o.Log.Info("probe status changed", "vendor", spec.Vendor, "probe", spec.Name, "status", st.status, "error", st.lastErr)
		v := 0.0
		if st.status == StatusOK {
			v = 1
		}
		r.up.WithLabelValues(spec.Vendor, spec.Name).Set(v)
		obs := vendorObserved(vp.names, vp.states, vp.observed, now)
		if obs.Status != vp.observed.Status || !slices.Equal(obs.Failing, vp.observed.Failing) {
			vp.observed = obs
			if r.o.OnChange != nil {
				r.o.OnChange(spec.Vendor, obs)
			}
		}
	}
	return st.delay(spec)
}

// jitter spreads d by ±10 %.
func jitter(d time.Duration) time.Duration {
	f := 0.9 + 0.2*rand.Float64()
	return time.Duration(float64(d) * f)
}
