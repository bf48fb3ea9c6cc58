package alert

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/upstat/upstat"
)

// Options configures an Engine. Store, Reader and Rules' notifiers are
// required; zero values elsewhere take the defaults.
type Options struct {
	Store     Store
	Reader    upstat.Reader
	Notifiers map[string]Notifier // by notifier id
	Rules     []RuleConfig
	// Services are the configured services, for rules that select
	// services; a rule naming none of them is an error.
	Services []upstat.ServiceConfig
	Now      func() time.Time
	Log      *slog.Logger
	// Registry receives upstat_alerts_firing and upstat_notifications_total;
	// nil leaves them unregistered.
	Registry *prometheus.Registry
	// EvalInterval is how often Run evaluates the rules; default 1s.
	EvalInterval time.Duration
	Retry        RetryPolicy
	// Leader, if set, says whether this replica evaluates the rules (the
	// holder of the cluster's alert-engine lease) and in which term (the
	// lease's generation, which changes whenever the lease changes hands):
	// alert state transitions are made by one replica at a time. A replica
	// that is not the leader skips evaluation. The states in memory are
	// trusted only within the term they were loaded in: a leader reads
	// them afresh at the start of each term (another leader may have
	// written them since) and after a failed save. Each Change carries its
	// term, so a store fenced by the lease can refuse a change computed in
	// a term that has ended.
	Leader func() (term int64, leader bool)
}

// RetryPolicy says how the outbox retries a delivery that failed with a
// retryable error. Zero values take the defaults.
type RetryPolicy struct {
	MinBackoff  time.Duration // first wait; default 5s, doubled per attempt
	MaxBackoff  time.Duration // cap on the wait; default 5m
	MaxAttempts int           // then the delivery fails; default 12 (about 45m)
	Timeout     time.Duration // per attempt; default 15s
}

// Engine evaluates alert rules and delivers their notifications. Its
// methods are safe for concurrent use.
type Engine struct {
	store     Store
	reader    upstat.Reader
	notifiers map[string]Notifier
	rules     []RuleConfig
	services  []upstat.ServiceConfig
	byName    map[string]*RuleConfig
	now       func() time.Time
	log       *slog.Logger
	every     time.Duration
	retry     RetryPolicy
	wake      chan struct{}
	leader    func() (int64, bool)

	firing        *prometheus.GaugeVec
	notifications *prometheus.CounterVec

	mu     sync.Mutex // guards the fields below; held by Evaluate
	loaded bool
	// term is the leadership term the states were loaded in (0: not
	// loaded as the leader, or no leadership).
	term      int64
	states    map[string]State
	lastTrue  map[string]time.Time            // alert key → last time its condition held (this process)
	refreshed map[string]map[string]time.Time // alert key → Refresher id → last refresh

	deliverMu sync.Mutex // one outbox pass at a time
}

// New builds an Engine. The rules are validated against the notifiers;
// errors wrap upstat.ErrInvalid. Stored alert states are loaded on first
// use.
func New(o Options) (*Engine, error) {
	if o.Store == nil || o.Reader == nil {
		return nil, fmt.Errorf("%w: alert: Store and Reader are required", upstat.ErrInvalid)
	}
	if err := ValidateRules(o.Rules, slices.Collect(maps.Keys(o.Notifiers))); err != nil {
		return nil, err
	}
	if err := ValidateServices(o.Rules, o.Services); err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.EvalInterval <= 0 {
		o.EvalInterval = time.Second
	}
	o.Retry.setDefaults()
	e := &Engine{
		store: o.Store, reader: o.Reader, notifiers: o.Notifiers, rules: slices.Clone(o.Rules),
		services: o.Services,
		byName:   map[string]*RuleConfig{}, now: o.Now, log: o.Log, every: o.EvalInterval, retry: o.Retry,
		wake:      make(chan struct{}, 1),
		leader:    o.Leader,
		lastTrue:  map[string]time.Time{},
		refreshed: map[string]map[string]time.Time{},
		firing: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "upstat_alerts_firing", Help: "Alerts firing now, by rule.",
		}, []string{"rule"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "upstat_notifications_total", Help: "Notification delivery attempts by notifier id and result (sent, retry, failed).",
		}, []string{"notifier", "result"}),
	}
	for i := range e.rules {
		e.byName[e.rules[i].Name] = &e.rules[i]
		e.firing.WithLabelValues(e.rules[i].Name)
	}
	if o.Registry != nil {
		for _, c := range []prometheus.Collector{e.firing, e.notifications} {
			if err := o.Registry.Register(c); err != nil {
				return nil, fmt.Errorf("alert: register metrics: %w", err)
			}
		}
	}
	return e, nil
}

// Unregister removes the engine's metrics from reg, so that a replacement
// engine (after a configuration reload) can register its own.
func (e *Engine) Unregister(reg *prometheus.Registry) {
	if reg == nil {
		return
	}
	reg.Unregister(e.firing)
	reg.Unregister(e.notifications)
}

// Reregister puts the engine's metrics back on reg after Unregister.
func (e *Engine) Reregister(reg *prometheus.Registry) error {
	for _, c := range []prometheus.Collector{e.firing, e.notifications} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("alert: register metrics: %w", err)
		}
	}
	return nil
}

func (p *RetryPolicy) setDefaults() {
	if p.MinBackoff <= 0 {
		p.MinBackoff = 5 * time.Second
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 5 * time.Minute
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 12
	}
	if p.Timeout <= 0 {
		p.Timeout = 15 * time.Second
	}
}

// loadLocked reads the stored states once. e.mu must be held.
func (e *Engine) loadLocked(ctx context.Context) error {
	if e.loaded {
		return nil
	}
	states, err := e.store.AlertStates(ctx)
	if err != nil {
		return fmt.Errorf("alert: load states: %w", err)
	}
	e.states = make(map[string]State, len(states))
	for _, s := range states {
		e.states[s.Key] = s
	}
	e.loaded = true
	return nil
}

// RuleCount reports how many rules the engine evaluates (0: alerting is
// not configured).
func (e *Engine) RuleCount() int { return len(e.rules) }

// Firing returns the alerts firing now (including those whose condition
// is gone but not yet for the rule's "for"), by rule, vendor, component.
func (e *Engine) Firing(ctx context.Context) ([]upstat.Alert, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.loadLocked(ctx); err != nil {
		return nil, err
	}
	out := []upstat.Alert{}
	for _, s := range e.states {
		if s.Phase != PhasePending {
			out = append(out, s.alert())
		}
	}
	slices.SortFunc(out, func(a, b upstat.Alert) int {
		return cmp.Or(cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Vendor, b.Vendor), cmp.Compare(a.Component, b.Component))
	})
	return out, nil
}

// FailedDeliveries lists the notifications that could not be delivered,
// newest first, at most limit.
func (e *Engine) FailedDeliveries(ctx context.Context, limit int) ([]Delivery, error) {
	return e.store.Deliveries(ctx, DeliveryFailed, limit)
}

func (s State) alert() upstat.Alert {
	return upstat.Alert{
		Rule: s.Rule, Vendor: s.Vendor, Component: s.Component, Severity: s.Severity,
		Since: s.Since, FiredAt: s.FiredAt, Labels: maps.Clone(s.Labels),
	}
}

// pass is one evaluation in progress: the next states and what to write.
type pass struct {
	now     time.Time
	states  map[string]State
	change  Change
	vendors map[string]*upstat.Vendor
}

func (p *pass) put(s State) { p.states[s.Key] = s; p.change.Put = append(p.change.Put, s) }

func (p *pass) del(key string) {
	delete(p.states, key)
	p.change.Put = slices.DeleteFunc(p.change.Put, func(s State) bool { return s.Key == key })
	p.change.Delete = append(p.change.Delete, key)
}

// Evaluate reads every vendor and advances every alert's state machine,
// persisting transitions and enqueuing their notifications in one Store
// change. It never waits for a delivery.
func (e *Engine) Evaluate(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var term int64
	if e.leader != nil {
		t, ok := e.leader()
		if !ok {
			e.loaded, e.term = false, 0 // another replica moves the states on: read them afresh
			return nil
		}
		if t != e.term {
			e.loaded = false // a new term: another leader may have written since the last read
		}
		term = t
	}
	if err := e.loadLocked(ctx); err != nil {
		return err
	}
	e.term = term
	if len(e.rules) == 0 && len(e.states) == 0 {
		// Nothing to evaluate and nothing to resolve: reading every
		// vendor would be wasted (it is the costliest read there is).
		return nil
	}
	vendors, err := e.reader.Vendors(ctx)
	if err != nil {
		return fmt.Errorf("alert: read vendors: %w", err)
	}
	p := &pass{now: e.now().UTC(), states: maps.Clone(e.states), vendors: map[string]*upstat.Vendor{}}
	p.change.Term = term
	for i := range vendors {
		p.vendors[vendors[i].ID] = &vendors[i]
	}
	seen := map[string]bool{}
	for ri := range e.rules {
		r := &e.rules[ri]
		for vi := range vendors {
			v := &vendors[vi]
			for _, sel := range selections(r, e.services, v.ID) {
				for _, o := range observe(sel, v) {
					key := AlertKey(r.Name, v.ID, o.component)
					if seen[key] {
						continue // a component two services' globs both match
					}
					seen[key] = true
					e.step(p, sel, v, key, o)
				}
			}
		}
	}
	// Alerts nothing observed any more: the vendor, the component or the
	// rule is gone, so the condition no longer holds.
	for _, key := range slices.Sorted(maps.Keys(e.states)) {
		s := e.states[key]
		if seen[key] {
			continue
		}
		v := p.vendors[s.Vendor]
		if v == nil {
			v = &upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: s.Vendor, Status: upstat.Unknown}}
		}
		r := e.byName[s.Rule]
		if r == nil {
			if s.Phase != PhasePending {
				e.resolve(p, s, v)
			} else {
				p.del(key)
			}
			continue
		}
		e.step(p, r, v, key, observation{component: s.Component, severity: s.Severity, known: true})
	}
	refreshed := e.refresh(p)
	if !p.change.empty() {
		if err := e.store.Apply(ctx, p.change); err != nil {
			// What is stored is the truth (refused by the fence: another
			// replica leads now; or a commit whose outcome is unknown):
			// read it afresh before the next pass.
			e.loaded = false
			return fmt.Errorf("alert: save: %w", err)
		}
	}
	e.states = p.states
	for k, m := range refreshed {
		e.refreshed[k] = m
	}
	for k := range e.refreshed {
		if _, ok := e.states[k]; !ok {
			delete(e.refreshed, k)
		}
	}
	for k := range e.lastTrue {
		if _, ok := e.states[k]; !ok {
			delete(e.lastTrue, k) // resolved or dropped, and saved
		}
	}
	e.updateGauge()
	if len(p.change.Enqueue) > 0 {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// step advances one alert given what its rule observes now.
func (e *Engine) step(p *pass, r *RuleConfig, v *upstat.Vendor, key string, o observation) {
	if !o.known {
		return
	}
	old, exists := p.states[key]
	s := old
	if o.active {
		e.lastTrue[key] = p.now
	}
	switch {
	case !exists:
		if !o.active {
			return
		}
		s = State{
			Key: key, Rule: r.Name, Vendor: v.ID, Component: o.component, Phase: PhasePending,
			Severity: o.severity, Since: p.now, Labels: maps.Clone(r.Labels), Notify: slices.Clone(r.Notify),
		}
		if r.For <= 0 {
			e.fire(p, &s, v)
		}
	case s.Phase == PhasePending:
		if !o.active {
			p.del(key)
			return
		}
		s.Severity = o.severity
		if p.now.Sub(s.Since) >= r.For {
			e.fire(p, &s, v)
		}
	case o.active: // firing, or resolving and back again
		s.Phase, s.ClearSince, s.Severity = PhaseFiring, time.Time{}, o.severity
		if r.RepeatInterval > 0 && p.now.Sub(s.NotifiedAt) >= r.RepeatInterval {
			s.NotifiedAt = p.now
			e.enqueue(p, s, v, StatusFiring, true, "")
		}
	default: // firing or resolving, and the condition does not hold
		if s.Phase == PhaseFiring {
			s.Phase, s.ClearSince = PhaseResolving, e.clearSince(key, s, o.changedAt, p.now)
		}
		if p.now.Sub(s.ClearSince) >= r.For {
			e.resolve(p, s, v)
			return
		}
	}
	if !exists || !sameState(old, s) {
		p.put(s)
	}
}

func sameState(a, b State) bool {
	return a.Phase == b.Phase && a.Severity == b.Severity && a.FiredAt.Equal(b.FiredAt) &&
		a.ClearSince.Equal(b.ClearSince) && a.NotifiedAt.Equal(b.NotifiedAt)
}

// clearSince is when a firing alert's condition stopped holding: the time
// the data says the value changed, when that is after the condition was
// last seen holding (so an alert that cleared while upstat was down
// resolves on time), otherwise now.
func (e *Engine) clearSince(key string, s State, changedAt *time.Time, now time.Time) time.Time {
	floor := s.FiredAt
	if t := e.lastTrue[key]; t.After(floor) {
		floor = t
	}
	if changedAt != nil && changedAt.After(floor) && !changedAt.After(now) {
		return changedAt.UTC()
	}
	return now
}

func (e *Engine) fire(p *pass, s *State, v *upstat.Vendor) {
	s.Phase, s.FiredAt, s.NotifiedAt = PhaseFiring, p.now, p.now
	e.log.Info("alert fired", "rule", s.Rule, "vendor", s.Vendor, "component", s.Component, "severity", s.Severity.String())
	e.enqueue(p, *s, v, StatusFiring, false, "")
}

func (e *Engine) resolve(p *pass, s State, v *upstat.Vendor) {
	e.log.Info("alert resolved", "rule", s.Rule, "vendor", s.Vendor, "component", s.Component)
	e.enqueue(p, s, v, StatusResolved, false, "")
	p.del(s.Key)
}

// enqueue adds a notification of s for each of its notifiers (or only the
// one named by only) to the pass's change.
func (e *Engine) enqueue(p *pass, s State, v *upstat.Vendor, status Status, reminder bool, only string) {
	for _, id := range s.Notify {
		if only != "" && id != only {
			continue
		}
		if _, ok := e.notifiers[id]; !ok {
			e.log.Warn("alert notifier not configured", "rule", s.Rule, "notifier", id)
			continue
		}
		n := Notification{
			Status: status, Alert: s.alert(), Vendor: v.VendorSummary, Incident: pickIncident(v, s.Component),
			Key: s.Key, Reminder: reminder,
		}
		if status == StatusResolved {
			at := p.now
			n.ResolvedAt = &at
		}
		p.change.Enqueue = append(p.change.Enqueue, Delivery{
			Notifier: id, AlertKey: s.Key, Notification: n, State: DeliveryPending,
			NextAttemptAt: p.now, CreatedAt: p.now, UpdatedAt: p.now, Refresh: only != "",
		})
	}
}

// refresh enqueues a re-send of each firing alert to each of its
// Refresher notifiers whose interval has passed. It returns the refresh
// times to record once the pass is saved.
func (e *Engine) refresh(p *pass) map[string]map[string]time.Time {
	out := map[string]map[string]time.Time{}
	for _, key := range slices.Sorted(maps.Keys(p.states)) {
		s := p.states[key]
		if s.Phase == PhasePending {
			continue
		}
		for _, id := range s.Notify {
			rf, ok := e.notifiers[id].(Refresher)
			if !ok || rf.RefreshInterval() <= 0 {
				continue
			}
			last := e.refreshed[key][id]
			if last.Before(s.NotifiedAt) {
				last = s.NotifiedAt
			}
			if p.now.Sub(last) < rf.RefreshInterval() {
				continue
			}
			v := p.vendors[s.Vendor]
			if v == nil {
				v = &upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: s.Vendor, Status: upstat.Unknown}}
			}
			e.enqueue(p, s, v, StatusFiring, false, id)
			if out[key] == nil {
				out[key] = maps.Clone(e.refreshed[key])
				if out[key] == nil {
					out[key] = map[string]time.Time{}
				}
			}
			out[key][id] = p.now
		}
	}
	return out
}

func (e *Engine) updateGauge() {
	counts := map[string]int{}
	for _, s := range e.states {
		if s.Phase != PhasePending {
			counts[s.Rule]++
		}
	}
	for _, r := range e.rules {
		e.firing.WithLabelValues(r.Name).Set(float64(counts[r.Name]))
	}
}

// Run evaluates the rules every EvalInterval and delivers the outbox until
// ctx ends; then it waits for its delivery worker and returns nil.
// Evaluation errors are logged (once until they change).
func (e *Engine) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.deliverLoop(ctx)
	}()
	defer wg.Wait()
	tick := time.NewTicker(e.every)
	defer tick.Stop()
	var lastErr string
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		err := e.Evaluate(ctx)
		switch {
		case err != nil && ctx.Err() == nil && err.Error() != lastErr:
			e.log.Error("alert evaluation failed", "err", Scrub(err).Error())
			lastErr = err.Error()
		case err == nil:
			lastErr = ""
		}
	}
}

func (e *Engine) deliverLoop(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if _, err := e.Deliver(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("alert outbox failed", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-e.wake:
		}
	}
}

// Deliver makes one pass over the outbox: each due delivery is attempted
// once, and its outcome stored (sent; retry later with backoff; failed).
// It returns the number of attempts. A delivery interrupted by ctx ending
// is left as it was, to be attempted again (after a restart if need be).
func (e *Engine) Deliver(ctx context.Context) (int, error) {
	e.deliverMu.Lock()
	defer e.deliverMu.Unlock()
	due, err := e.dueDeliveries(ctx)
	if err != nil {
		return 0, fmt.Errorf("alert: due deliveries: %w", err)
	}
	n := 0
	for _, d := range due {
		if ctx.Err() != nil {
			break
		}
		if e.attempt(ctx, d) {
			n++
		}
	}
	return n, nil
}

// claimBatch is how many deliveries a replica sharing the outbox claims at
// once: each claim lasts long enough to attempt them all.
const claimBatch = 4

// dueDeliveries returns the deliveries to attempt now: claimed, when the
// store is shared by several replicas.
func (e *Engine) dueDeliveries(ctx context.Context) ([]Delivery, error) {
	now := e.now().UTC()
	if c, ok := e.store.(Claimer); ok {
		until := now.Add(claimBatch*e.retry.Timeout + 30*time.Second)
		return c.ClaimDeliveries(ctx, now, until, claimBatch)
	}
	return e.store.DueDeliveries(ctx, now, 32)
}

func (e *Engine) attempt(ctx context.Context, d Delivery) bool {
	var retry bool
	var err error
	if nt, ok := e.notifiers[d.Notifier]; ok {
		actx, cancel := context.WithTimeout(ctx, e.retry.Timeout)
		retry, err = nt.Notify(actx, d.Notification)
		cancel()
		if err != nil && ctx.Err() != nil {
			return false // failed because we are shutting down: not an attempt
		}
	} else {
		err = fmt.Errorf("notifier %q is not configured", d.Notifier)
	}
	now := e.now().UTC()
	d.Attempts++
	d.UpdatedAt = now
	log := e.log.With("notifier", d.Notifier, "rule", d.Notification.Alert.Rule, "vendor", d.Notification.Alert.Vendor,
		"component", d.Notification.Alert.Component, "status", string(d.Notification.Status), "attempt", d.Attempts)
	var result string
	switch {
	case err == nil:
		d.State, d.LastError, result = DeliverySent, "", "sent"
		log.Info("notification sent")
	case retry && !d.Refresh && d.Attempts < e.retry.MaxAttempts:
		d.LastError, result = Scrub(err).Error(), "retry"
		d.NextAttemptAt = now.Add(e.backoff(d.Attempts, err))
		log.Warn("notification failed, will retry", "err", d.LastError, "next_attempt_at", d.NextAttemptAt)
	default:
		d.State, d.LastError, result = DeliveryFailed, Scrub(err).Error(), "failed"
		log.Error("notification failed", "err", d.LastError)
	}
	e.notifications.WithLabelValues(d.Notifier, result).Inc()
	// Record the outcome even when shutdown has begun: a notification that
	// went out but was not recorded would be sent again after a restart.
	rctx, cancelRecord := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancelRecord()
	if err := e.store.UpdateDelivery(rctx, d); err != nil {
		e.log.Error("alert outbox update failed", "delivery", d.ID, "err", err.Error())
	}
	return true
}

// backoff is the wait before attempt n+1: MinBackoff doubled per attempt,
// capped at MaxBackoff, or the receiver's Retry-After when longer (at most
// an hour).
func (e *Engine) backoff(attempts int, err error) time.Duration {
	wait := e.retry.MinBackoff
	for i := 1; i < attempts && wait < e.retry.MaxBackoff; i++ {
		wait *= 2
	}
	wait = min(wait, e.retry.MaxBackoff)
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > wait {
		wait = min(he.RetryAfter, time.Hour)
	}
	return wait
}
