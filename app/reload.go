package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/poll"
)

// alertsRunner holds the current alert engine; a reload swaps it. The API
// and dashboard see it through Firing.
type alertsRunner struct {
	cur  atomic.Pointer[alert.Engine]
	mu   sync.Mutex
	stop context.CancelFunc
	done chan struct{}
}

// Firing lists the alerts firing now on the current engine.
func (r *alertsRunner) Firing(ctx context.Context) ([]upstat.Alert, error) {
	return r.cur.Load().Firing(ctx)
}

// start runs e in the background, replacing (and stopping) the previous
// engine.
// RuleCount reports how many alert rules the engine in force has.
func (r *alertsRunner) RuleCount() int { return r.cur.Load().RuleCount() }

func (r *alertsRunner) start(ctx context.Context, e *alert.Engine, a *App) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
	r.cur.Store(e)
	rctx, cancel := context.WithCancel(ctx)
	r.stop, r.done = cancel, make(chan struct{})
	done := r.done
	go func() {
		defer close(done)
		if err := e.Run(rctx); err != nil {
			a.log.Error("alert engine stopped", "err", err)
		}
	}()
}

func (r *alertsRunner) stopLocked() {
	if r.stop != nil {
		r.stop()
		<-r.done
		r.stop, r.done = nil, nil
	}
}

// shutdown stops the running engine and waits for it.
func (r *alertsRunner) shutdown() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
}

// newEngine builds an alert engine for cfg on the app's store.
func (a *App) newEngine(cfg *config.Config) (*alert.Engine, error) {
	notifiers, err := alert.NewNotifiers(cfg.NotifierSpecs, alert.Env{Now: a.opts.Now, Log: a.log})
	if err != nil {
		return nil, fmt.Errorf("notifiers: %w", err)
	}
	e, err := alert.New(alert.Options{Store: a.alertStore, Reader: a.agg, Notifiers: notifiers, Rules: cfg.AlertRules,
		Services: cfg.ServiceConfigs(), Now: a.opts.Now, Log: a.log, Registry: a.reg, Leader: a.alertTerm})
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return e, nil
}

// ErrNoConfigFile is returned by Reload when upstat runs without a file.
var ErrNoConfigFile = fmt.Errorf("%w: no configuration file to reload (started without --config)", upstat.ErrInvalid)

// Reload re-reads the configuration file and applies it without a
// restart: sources whose settings are unchanged keep polling undisturbed
// (their state and validators kept), removed ones stop, new ones start,
// vendors' names, labels and rules take effect, and alert rules and
// notifiers are rebuilt on the same persisted alert state. An invalid file
// is refused with an error wrapping upstat.ErrInvalid and the running
// configuration stays. listen, storage, api tokens and poll.stale_after
// need a restart; a change to them is logged and otherwise ignored.
func (a *App) Reload(ctx context.Context) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	if a.stopping.Load() || a.runCtx == nil {
		return errors.New("reload: upstat is not running")
	}
	if a.cfg.File == "" || a.cfg.File[0] == '(' {
		return ErrNoConfigFile
	}
	next, err := config.Load(a.cfg.File)
	if err != nil {
		return fmt.Errorf("%w: %v", upstat.ErrInvalid, err)
	}
	targets, err := Targets(next, a.fetcher, a.log, a.opts.Now)
	if err != nil {
		return fmt.Errorf("%w: %v", upstat.ErrInvalid, err)
	}
	eps, err := hookEndpoints(next)
	if err != nil {
		return fmt.Errorf("%w: %v", upstat.ErrInvalid, err)
	}
	var engine *alert.Engine
	// Rules selecting services watch what the services depend on.
	alertsChanged := next.AlertsFingerprint() != a.cfg.AlertsFingerprint() ||
		!reflect.DeepEqual(next.ServiceConfigs(), a.cfg.ServiceConfigs())
	if alertsChanged {
		// Build the new engine before touching anything: a notifier that
		// cannot be built refuses the whole reload.
		old := a.alerts.cur.Load()
		old.Unregister(a.reg)
		if engine, err = a.newEngine(next); err != nil {
			a.restoreMetrics(old)
			return fmt.Errorf("%w: %v", upstat.ErrInvalid, err)
		}
	}
	for _, w := range restartOnly(a.cfg, next) {
		a.log.Warn("reload: change needs a restart, ignored", "key", w)
	}
	// Stop what goes away (waiting for in-flight polls), reconfigure the
	// aggregator, then start what is new.
	running := map[string]poll.Target{}
	for _, t := range a.targets {
		running[t.Key] = t
	}
	var unchanged []poll.Target
	for i, t := range targets {
		if old, ok := running[t.Key]; ok {
			targets[i] = old // the running loop keeps its adapter and state
			unchanged = append(unchanged, old)
		}
	}
	a.sched.Replace(unchanged)
	if err := a.agg.Configure(ctx, vendorConfigs(next)); err != nil {
		a.sched.Replace(a.targets) // put the old set back
		if engine != nil {
			engine.Unregister(a.reg)
			a.restoreMetrics(a.alerts.cur.Load())
		}
		return fmt.Errorf("reload: %w", err)
	}
	a.agg.SetServices(next.ServiceConfigs())
	a.member.SetKeys(clusterKeys(next))
	a.sched.Replace(targets)
	a.hooks.Configure(eps)
	if engine != nil {
		a.alerts.start(a.runCtx, engine, a)
	}
	added := len(targets) - len(unchanged)
	a.log.Info("configuration reloaded", "file", a.cfg.File, "vendors", len(next.Vendors), "sources", len(targets),
		"sources_kept", len(unchanged), "sources_started", added, "alerts_rebuilt", alertsChanged)
	a.cfg, a.targets = next, targets
	a.requestEvaluation("")
	return nil
}

func (a *App) restoreMetrics(e *alert.Engine) {
	if e == nil {
		return
	}
	// Re-register the running engine's metrics after a refused reload.
	if err := e.Reregister(a.reg); err != nil {
		a.log.Warn("reload: restore alert metrics", "err", err)
	}
}

// restartOnly lists the changed keys that a reload cannot apply.
func restartOnly(old, next *config.Config) []string {
	var out []string
	if old.Listen != next.Listen {
		out = append(out, "listen")
	}
	if old.Storage != next.Storage {
		out = append(out, "storage")
	}
	if old.API != next.API {
		out = append(out, "api")
	}
	if old.Poll.StaleAfter != next.Poll.StaleAfter {
		out = append(out, "poll.stale_after")
	}
	if old.Metrics.ComponentSeriesOn() != next.Metrics.ComponentSeriesOn() {
		out = append(out, "metrics.component_series")
	}
	if old.Poll.Concurrency != next.Poll.Concurrency {
		out = append(out, "poll.concurrency")
	}
	if old.Poll.Tick != next.Poll.Tick {
		out = append(out, "poll.tick")
	}
	if !reflect.DeepEqual(probeSpecs(old), probeSpecs(next)) {
		out = append(out, "vendors[].probes")
	}
	// The fetcher (and the validators it remembers) is built once.
	if old.Poll.Timeout != next.Poll.Timeout {
		out = append(out, "poll.timeout (per-attempt fetch limit; the per-source poll deadline does reload)")
	}
	if old.Poll.MaxBodyBytes != next.Poll.MaxBodyBytes {
		out = append(out, "poll.max_body_bytes")
	}
	if old.Poll.AllowPrivateNetworks != next.Poll.AllowPrivateNetworks {
		out = append(out, "poll.allow_private_networks")
	}
	if old.Cluster != next.Cluster {
		out = append(out, "cluster")
	}
	if old.Poll.Proxy != next.Poll.Proxy {
		out = append(out, "poll.proxy") // the key only: a proxy URL may hold credentials
	}
	return out
}

// targetKey identifies a source's polling setup, vendor rules included:
// a reload restarts a source exactly when its key changes.
func targetKey(v *config.Vendor, i int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%v|%v|%v", v.Sources[i].Fingerprint(), v.SeverityMap, v.Components.Ignore, v.Components.Rename))
	return fmt.Sprintf("%s/%d/%s", v.ID, i, hex.EncodeToString(sum[:8]))
}
