package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/upstat/upstat/app"
	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
)

// loadConfig is what one load run does.
type loadConfig struct {
	Duration       time.Duration // how long the clients run
	Clients        int           // closed-loop API clients
	Subscribers    int           // event-stream subscribers
	Vendors        int           // simulated vendors
	Components     int           // components per vendor
	FlipsPerSecond int           // component changes per second
	PollInterval   time.Duration
	Settle         time.Duration // longest wait for goroutines to return
	GoroutineSlack int           // goroutines above the baseline accepted
	HeapSlackMiB   int64         // in-use heap above the baseline accepted
	MemProfile     string        // heap profile written after settling ("" none)
	CPUProfile     string        // CPU profile of the load phase ("" none)
	Log            *slog.Logger  // upstat's own log
	Progress       io.Writer     // progress lines; nil for none
}

// run starts the simulated vendors and upstat, measures the baseline, runs
// the load, lets the process settle and returns the report. An error means
// the run could not happen; failed checks are in Report.Failures.
func run(ctx context.Context, c loadConfig) (*Report, error) {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	rep := &Report{Config: reportConfig{Duration: c.Duration.String(), Clients: c.Clients, Subscribers: c.Subscribers,
		Vendors: c.Vendors, Components: c.Components, FlipsPerSecond: c.FlipsPerSecond, PollInterval: c.PollInterval.String()}}
	if n, err := raiseFileLimit(); err != nil {
		c.progress("could not raise the open-file limit (%d): %v", n, err)
	} else {
		rep.Config.OpenFileLimit = n
	}

	dir, err := os.MkdirTemp("", "upstat-loadtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer sim.Close()
	ids := seedVendors(sim, c.Vendors, c.Components)

	base, stopApp, err := startApp(ctx, c, sim, ids, filepath.Join(dir, "load.db"))
	if err != nil {
		return nil, err
	}
	defer stopApp()
	tr := newTransport()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	c.progress("upstat at %s, %d simulated vendors at %s; waiting for the first poll of each", base, len(ids), sim.Addr())
	if err := waitPolled(ctx, hc, base, len(ids)); err != nil {
		return nil, err
	}
	tr.CloseIdleConnections()
	rep.Before = measure()
	c.progress("baseline: %s", rep.Before)

	flipCtx, stopFlips := context.WithCancel(ctx)
	flipsDone := make(chan struct{})
	go func() { defer close(flipsDone); flip(flipCtx, sim, ids, c.Components, c.FlipsPerSecond) }()
	defer func() { stopFlips(); <-flipsDone }()

	subs := newSubscribers(hc, base)
	c.progress("opening %d event streams", c.Subscribers)
	if err := subs.open(ctx, c.Subscribers); err != nil {
		return nil, err
	}
	// Every stream is subscribed now: each must get every event from here.
	firstEvent, err := eventsEnd(ctx, hc, base, "")
	if err != nil {
		return nil, err
	}
	api := newAPIClients(hc, base, ids)
	c.progress("running %d API clients for %s", c.Clients, c.Duration)
	stopCPU, err := startCPUProfile(c.CPUProfile)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	api.start(c.Clients)
	watchProgress(ctx, c, start, api, subs)
	api.stop()
	stopCPU()
	elapsed := time.Since(start)
	stopFlips()
	<-flipsDone
	rep.End = measure()
	c.progress("waiting for the last changes to be polled and streamed")
	committed, err := quietCount(ctx, hc, base, firstEvent, 2*c.PollInterval)
	if err != nil {
		return nil, err
	}
	waitDelivered(ctx, subs, int64(committed), 30*time.Second)
	subs.close()
	c.progress("load done in %s; settling (up to %s)", elapsed.Round(time.Millisecond), c.Settle)

	tr.CloseIdleConnections()
	rep.After = settle(ctx, rep.Before.Goroutines+c.GoroutineSlack, c.Settle)
	if c.MemProfile != "" {
		if err := writeHeapProfile(c.MemProfile); err != nil {
			return nil, err
		}
	}
	rep.fill(elapsed, api, subs, committed)
	rep.check(c)
	return rep, nil
}

// progress prints one progress line.
func (c loadConfig) progress(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, "loadtest: "+format+"\n", args...)
	}
}

// watchProgress waits for the load's duration (or ctx), printing a line
// every 10s.
func watchProgress(ctx context.Context, c loadConfig, start time.Time, api *apiClients, subs *subscribers) {
	end := time.NewTimer(c.Duration)
	defer end.Stop()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-end.C:
			return
		case <-tick.C:
			reqs, errs := api.totals()
			c.progress("%4.0fs: %d requests (%d errors), %d streams open, %d events received, %s",
				time.Since(start).Seconds(), reqs, errs, subs.active.Load(), subs.events.Load(), measure())
		}
	}
}

// startCPUProfile profiles the CPU into path until stop ("" does nothing).
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeHeapProfile writes the heap profile to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("heap profile: %w", err)
	}
	return f.Close()
}

// raiseFileLimit lifts the soft open-file limit to the hard one: the load
// holds well over a thousand connections, each counted twice (both ends
// live in this process). It returns the limit in force.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return lim.Cur, fmt.Errorf("setrlimit: %w", err)
		}
	}
	return lim.Cur, nil
}

// seedVendors adds n simulated vendors of components each, all
// operational, and returns their ids.
func seedVendors(sim *fixtures.Server, n, components int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("load-%04d", i)
		cs := make([]fixtures.Component, components)
		for j := range cs {
			cs[j] = fixtures.Component{Name: fmt.Sprintf("Component %d", j), Status: fixtures.Operational}
			if j%2 == 1 {
				cs[j].Group = "Group"
			}
		}
		sim.AddVendor(ids[i], fmt.Sprintf("Load vendor %d", i), cs...)
	}
	return ids
}

// startApp runs upstat in-process on a free local port over the simulated
// vendors. stop cancels it and waits for its shutdown.
func startApp(ctx context.Context, c loadConfig, sim *fixtures.Server, ids []string, db string) (base string, stop func(), err error) {
	cfg := &config.Config{
		File:    "(loadtest)",
		Listen:  "127.0.0.1:0",
		Storage: "sqlite:" + db,
		Poll: config.Poll{
			Interval:             c.PollInterval,
			Timeout:              max(c.PollInterval, 5*time.Second),
			StaleAfter:           max(10*c.PollInterval, time.Minute),
			AllowPrivateNetworks: true,
		},
	}
	for _, id := range ids {
		cfg.Vendors = append(cfg.Vendors, config.Vendor{ID: id, Name: id,
			Sources: []config.Source{{Kind: "statuspage", URL: sim.URL(id)}}})
	}
	if err := cfg.Complete(); err != nil {
		return "", nil, fmt.Errorf("config: %w", err)
	}
	a, err := app.New(ctx, cfg, app.Options{Log: c.Log})
	if err != nil {
		return "", nil, fmt.Errorf("start upstat: %w", err)
	}
	addr, err := a.Listen()
	if err != nil {
		return "", nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				c.Log.Error("upstat stopped with an error", "err", err)
			}
		})
	}
	return "http://" + addr.String(), stop, nil
}

// waitPolled waits until every vendor of the summary has been checked once.
func waitPolled(ctx context.Context, hc *http.Client, base string, vendors int) error {
	checked := 0
	err := until(ctx, 2*time.Minute, 100*time.Millisecond, func() bool {
		var sum struct {
			Vendors []struct {
				LastCheckedAt *time.Time `json:"last_checked_at"`
			} `json:"vendors"`
		}
		checked = 0
		if err := getJSON(ctx, hc, base+"/api/v1/summary", &sum); err == nil {
			for _, v := range sum.Vendors {
				if v.LastCheckedAt != nil {
					checked++
				}
			}
		}
		return checked == vendors
	})
	if err != nil {
		return fmt.Errorf("waiting for the first poll: %d of %d vendors checked: %w", checked, vendors, err)
	}
	return nil
}

// until checks cond every interval until it holds (nil), limit passes or
// ctx ends (the context's error).
func until(ctx context.Context, limit, every time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// flip changes perSecond random components every second until ctx ends,
// each to a status other than its current one (as far as flip knows), so
// every change is an event.
func flip(ctx context.Context, sim *fixtures.Server, ids []string, components, perSecond int) {
	if perSecond == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []string{fixtures.Operational, fixtures.Degraded, fixtures.Partial, fixtures.Operational}
	state := map[string]int{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for range perSecond {
			v := ids[rng.IntN(len(ids))]
			c := fmt.Sprintf("%s-c%d", v, rng.IntN(components))
			state[c] = (state[c] + 1) % len(statuses)
			_ = sim.SetComponent(v, c, statuses[state[c]])
		}
	}
}

// getJSON GETs url and decodes a 200 JSON answer into v.
func getJSON(ctx context.Context, hc *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// eventsEnd pages the event listing from cursor to its end and returns the
// cursor there.
func eventsEnd(ctx context.Context, hc *http.Client, base, cursor string) (string, error) {
	_, end, err := pageEvents(ctx, hc, base, cursor)
	return end, err
}

// quietCount counts the events committed after cursor once no new one
// came for quiet (the changes made so far are all polled).
func quietCount(ctx context.Context, hc *http.Client, base, cursor string, quiet time.Duration) (int, error) {
	n, last, err := pageEvents(ctx, hc, base, cursor)
	for err == nil {
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(quiet):
		}
		var more int
		more, last, err = pageEvents(ctx, hc, base, last)
		if more == 0 {
			break
		}
		n += more
	}
	return n, err
}

// waitDelivered waits (up to limit) until every subscriber has received
// at least want events.
func waitDelivered(ctx context.Context, subs *subscribers, want int64, limit time.Duration) {
	_ = until(ctx, limit, 50*time.Millisecond, func() bool { return subs.fewest() >= want })
}

// pageEvents reads the event listing after cursor to its end: how many
// events there were and the cursor after them.
func pageEvents(ctx context.Context, hc *http.Client, base, cursor string) (int, string, error) {
	n := 0
	for {
		var page struct {
			Events     []json.RawMessage `json:"events"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := getJSON(ctx, hc, base+"/api/v1/events?limit=1000&since="+cursor, &page); err != nil {
			return n, cursor, fmt.Errorf("list events: %w", err)
		}
		n += len(page.Events)
		if len(page.Events) == 0 {
			return n, page.NextCursor, nil
		}
		if page.NextCursor == cursor {
			return n, cursor, errors.New("list events: the cursor did not advance")
		}
		cursor = page.NextCursor
	}
}
