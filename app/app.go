// Package app wires upstat together from a configuration: the store, the
// aggregator, the source adapters and their scheduler, the API, the
// dashboard and the HTTP server. cmd/upstat parses flags and calls it;
// the end-to-end tests run it in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/aggregate"
	"github.com/upstat/upstat/alert"
	_ "github.com/upstat/upstat/alert/all" // register the notifiers
	"github.com/upstat/upstat/api"
	"github.com/upstat/upstat/cluster"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/hooks"
	"github.com/upstat/upstat/normalize"
	"github.com/upstat/upstat/poll"
	"github.com/upstat/upstat/probe"
	"github.com/upstat/upstat/redact"
	"github.com/upstat/upstat/sources"
	_ "github.com/upstat/upstat/sources/all" // register the adapters
	"github.com/upstat/upstat/store"
	"github.com/upstat/upstat/web"
)

// Options are what the command line adds to a configuration.
type Options struct {
	Log *slog.Logger
	// Listen overrides the config's listen address when set.
	Listen string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// StaleCheck is how often staleness is re-evaluated; default 5s.
	StaleCheck time.Duration
	// Transport overrides the fetcher's HTTP transport (tests).
	Transport http.RoundTripper
	// Cluster is the store through which several replicas share the
	// polling (a lease per vendor) and the alert evaluation. Nil: the
	// storage's own (PostgreSQL's); with SQLite, this replica is alone and
	// owns everything.
	Cluster cluster.Store
}

// App is a running upstat.
type App struct {
	cfg     *config.Config
	opts    Options
	log     *slog.Logger
	db      *store.Store
	feed    upstat.ChangeFeed // set when other replicas share the store
	agg     *aggregate.Service
	fetcher *sources.Fetcher
	sched   *poll.Scheduler
	member  cluster.Membership
	// alertStore is the alert engines' store: the database's, fenced by
	// the alert-engine lease and claiming in this replica's name when
	// replicas share it.
	alertStore alert.Store
	hooks      *hooks.Receiver
	probes     *probe.Runner
	lag        *prometheus.HistogramVec
	alerts     *alertsRunner
	evalReq    chan struct{}
	// targets is the running poll set; runCtx the context Run runs under.
	targets  []poll.Target
	runCtx   context.Context
	reloadMu sync.Mutex
	reg      *prometheus.Registry
	srv      *http.Server
	ln       net.Listener
	ready    atomic.Bool
	stopping atomic.Bool
}

// New opens the store and builds every part, but polls and serves
// nothing until Run.
func New(ctx context.Context, cfg *config.Config, opts Options) (*App, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &App{cfg: cfg, opts: opts, log: opts.Log, reg: prometheus.NewRegistry()}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	var err error
	a.db, err = store.Open(ctx, cfg.Storage)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	// A store other replicas write too (PostgreSQL) is followed: see Run.
	a.feed, _ = a.db.Vendors.(upstat.ChangeFeed)
	a.agg = aggregate.New(a.db.Vendors, aggregate.Options{Shared: a.feed != nil, Now: opts.Now, StaleAfter: cfg.Poll.StaleAfter, Log: a.log,
		MaxActiveIncidents: cfg.Limits.MaxActiveIncidents, Retention: cfg.Retention})
	a.fetcher = sources.NewFetcher(sources.FetchOptions{Timeout: cfg.Poll.Timeout, MaxBody: cfg.Poll.MaxBodyBytes, Transport: opts.Transport, Log: a.log,
		PublicOnly: true, AllowPrivateNetworks: cfg.Poll.AllowPrivateNetworks, Proxy: cfg.Poll.ProxyURL()})
	a.evalReq = make(chan struct{}, 1)
	if opts.Cluster == nil && a.db.Cluster != nil {
		opts.Cluster = a.db.Cluster // replicas sharing the database share the work
	}
	if a.member, err = newMembership(cfg, opts); err != nil {
		a.db.Close()
		return nil, err
	}
	a.member.SetKeys(clusterKeys(cfg))
	a.alertStore = a.db.Alerts
	if opts.Cluster == a.db.Cluster {
		a.alertStore = clusterAlerts(a.db.Alerts, a.db.Cluster, a.member, opts.Now)
		if r, ok := a.alertStore.(interface {
			ReleaseClaims(context.Context) (int64, error)
		}); ok {
			if _, err := r.ReleaseClaims(ctx); err != nil {
				a.db.Close()
				return nil, err
			}
		}
	}
	a.sched, err = poll.New(poll.Options{Recorder: a.agg, Concurrency: cfg.Poll.Concurrency, Tick: cfg.Poll.Tick, Registry: a.reg, Log: a.log,
		StaleCheck: opts.StaleCheck, OnRecorded: a.requestEvaluation,
		Owns: func(vendor string, _ int) bool { return a.member.Owns(vendor) }})
	if err != nil {
		a.db.Close()
		return nil, err
	}
	a.lag = newLagHistogram()
	a.reg.MustRegister(a.lag)
	checker := probe.NewChecker(sources.NewNetPolicy(true, cfg.Poll.AllowPrivateNetworks), nil)
	a.probes, err = probe.New(probe.Options{Check: checker.Check, Now: opts.Now, Registry: a.reg, Log: a.log,
		OnChange: a.setObserved})
	if err != nil {
		a.db.Close()
		return nil, err
	}
	a.hooks = hooks.NewReceiver(hooks.ReceiverOptions{Pusher: a.agg, PollNow: a.sched.PollNow,
		OnChange: a.requestEvaluation, Log: a.log})
	eps, err := hookEndpoints(cfg)
	if err != nil {
		a.db.Close()
		return nil, err
	}
	a.hooks.Configure(eps)
	engine, err := a.newEngine(cfg)
	if err != nil {
		a.db.Close()
		return nil, err
	}
	a.alerts = &alertsRunner{}
	a.alerts.cur.Store(engine)
	if err := a.agg.Configure(ctx, vendorConfigs(cfg)); err != nil {
		a.db.Close()
		return nil, fmt.Errorf("configure: %w", err)
	}
	a.agg.SetServices(cfg.ServiceConfigs())
	dash, err := web.New(web.Options{Reader: a.agg, Events: a.agg, Alerts: a.alerts, Services: a.agg, Now: opts.Now, Log: a.log, GroupBy: groupBy(cfg)})
	if err != nil {
		a.db.Close()
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	apiSrv := api.New(api.Options{
		Reader: a.agg, Events: a.agg, Alerts: a.alerts, Services: a.agg, Reports: dash, Registry: a.reg, Log: a.log, Now: opts.Now, Reload: a.Reload,
		Hooks:              a.hooks,
		NoComponentMetrics: !cfg.Metrics.ComponentSeriesOn(), Cluster: a.member,
		ReadToken: cfg.API.ReadToken, AdminToken: cfg.API.AdminToken,
		Ready: func() error {
			if !a.ready.Load() {
				return errors.New("starting")
			}
			return nil
		},
	})
	for pattern, h := range dash.Routes() {
		apiSrv.AddRoute(pattern, h)
	}
	a.srv = &http.Server{
		Handler:           apiSrv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// No WriteTimeout: event streams live long; the API bounds each
		// stream write itself.
	}
	return a, nil
}

// pruneEvery is how often what is older than the retention is pruned.
const pruneEvery = time.Hour

// requestEvaluation asks for an alert evaluation after a poll; requests
// that arrive while one is pending coalesce into it.
func (a *App) requestEvaluation(string) {
	select {
	case a.evalReq <- struct{}{}:
	default:
	}
}

// evaluateOnRequest runs alert evaluations requested by polls.
func (a *App) evaluateOnRequest(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.evalReq:
			if err := a.alerts.cur.Load().Evaluate(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("alert evaluation failed", "err", err)
			}
		}
	}
}

// groupBy picks the vendor label the overview groups by: "tier" when any
// vendor has one, else "team", else none.
func groupBy(cfg *config.Config) string {
	for _, key := range []string{"tier", "team"} {
		for _, v := range cfg.Vendors {
			if v.Labels[key] != "" {
				return key
			}
		}
	}
	return ""
}

func vendorConfigs(cfg *config.Config) []aggregate.VendorConfig {
	out := make([]aggregate.VendorConfig, 0, len(cfg.Vendors))
	for _, v := range cfg.Vendors {
		vc := aggregate.VendorConfig{ID: v.ID, Name: v.Name, Labels: v.Labels}
		for _, s := range v.Sources {
			// Stored and shown (API, dashboard): never with its credentials.
			vc.Sources = append(vc.Sources, aggregate.SourceConfig{Kind: s.Kind, URL: redact.URL(s.URL)})
		}
		out = append(out, vc)
	}
	return out
}

// Targets builds the poll targets of cfg, each with its adapter.
func Targets(cfg *config.Config, f *sources.Fetcher, log *slog.Logger, now func() time.Time) ([]poll.Target, error) {
	var out []poll.Target
	for _, v := range cfg.Vendors {
		mapper, err := normalize.NewMapper(v.SeverityMap)
		if err != nil {
			return nil, fmt.Errorf("vendor %s: %w", v.ID, err)
		}
		rules := normalize.ComponentRules{Ignore: v.Components.Ignore, Rename: v.Components.Rename}
		for i := range v.Sources {
			s := &v.Sources[i]
			src, err := sources.New(s.Spec(v.ID), sources.Env{Fetcher: f, Mapper: mapper, Now: now, Log: sourceLogger(log, v.ID, s.Kind)})
			if err != nil {
				return nil, fmt.Errorf("vendor %s source %d: %w", v.ID, i, err)
			}
			out = append(out, poll.Target{
				Key:      targetKey(&v, i),
				Vendor:   v.ID,
				Index:    i,
				Kind:     s.Kind,
				Source:   src,
				Interval: s.Interval,
				Timeout:  s.Timeout,
				Transform: func(snap *upstat.Snapshot) {
					rules.Apply(snap)
				},
			})
		}
	}
	return out, nil
}

// currentTargets returns the running poll targets.
func (a *App) currentTargets() []poll.Target {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	return a.targets
}

// currentConfig returns the configuration in force.
func (a *App) currentConfig() *config.Config {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	return a.cfg
}

// Reader is the aggregator's read side (for tests and the check command).
func (a *App) Reader() upstat.Reader { return a.agg }

// Listen binds the HTTP listener (so callers can learn the address before
// Run). Run calls it if it was not called.
func (a *App) Listen() (net.Addr, error) {
	if a.ln != nil {
		return a.ln.Addr(), nil
	}
	addr := a.cfg.Listen
	if a.opts.Listen != "" {
		addr = a.opts.Listen
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	a.ln = ln
	return ln.Addr(), nil
}

// Run polls and serves until ctx ends, then shuts down: in-flight polls
// are cancelled, the HTTP server drains for up to 5s, the store closes.
func (a *App) Run(ctx context.Context) error {
	addr, err := a.Listen()
	if err != nil {
		a.db.Close()
		return err
	}
	targets, err := Targets(a.cfg, a.fetcher, a.log, a.opts.Now)
	if err != nil {
		a.ln.Close()
		a.db.Close()
		return err
	}
	a.reloadMu.Lock()
	a.runCtx, a.targets = ctx, targets
	alertCtx, stopAlerts := context.WithCancel(ctx)
	evalDone := make(chan struct{})
	go func() { defer close(evalDone); a.evaluateOnRequest(alertCtx) }()
	pruneDone := make(chan struct{})
	go func() { defer close(pruneDone); a.agg.PruneEvery(alertCtx, pruneEvery) }()
	followDone := make(chan struct{})
	go func() {
		defer close(followDone)
		if a.feed != nil {
			a.agg.Follow(alertCtx, a.feed, aggregate.DefaultFollowEvery)
		}
	}()
	a.alerts.start(alertCtx, a.alerts.cur.Load(), a)
	leave := a.runMembership(ctx)
	a.sched.Start(ctx, targets)
	a.startProbes(ctx)
	lagDone := make(chan struct{})
	go func() { defer close(lagDone); a.trackLag(alertCtx) }()
	vendors := len(a.cfg.Vendors)
	a.reloadMu.Unlock()
	// Requests derive from baseCtx, so long-lived event streams end when
	// shutdown begins instead of holding it up.
	baseCtx, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	a.srv.BaseContext = func(net.Listener) context.Context { return baseCtx }
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.srv.Serve(a.ln) }()
	a.ready.Store(true)
	a.log.Info("upstat started", "listen", addr.String(), "vendors", vendors, "sources", len(targets))

	select {
	case <-ctx.Done():
	case err = <-serveErr:
		a.log.Error("http server failed", "err", err)
	}
	a.ready.Store(false)
	a.stopping.Store(true)
	cancelBase()
	a.sched.Stop()
	a.probes.Stop()
	a.reloadMu.Lock() // no reload may start engines or loops from here on
	defer a.reloadMu.Unlock()
	stopAlerts()
	<-evalDone
	<-lagDone
	<-pruneDone
	<-followDone
	a.alerts.shutdown()
	leave() // nothing polls or evaluates any more: hand the leases over
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := a.srv.Shutdown(shutdownCtx); serr != nil {
		a.log.Warn("http shutdown", "err", serr)
		_ = a.srv.Close()
	}
	if cerr := a.db.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close store: %w", cerr)
	}
	a.log.Info("upstat stopped")
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
