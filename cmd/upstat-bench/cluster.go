package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upstat/upstat/fixtures"
)

// ClusterReport is the JSON output of a cluster run: -replicas upstat
// serve processes sharing a fresh PostgreSQL schema.
type ClusterReport struct {
	Started     time.Time `json:"started"`
	Vendors     int       `json:"vendors"`
	Replicas    int       `json:"replicas"`
	Interval    string    `json:"interval"`
	LeaseTTL    string    `json:"lease_ttl"`
	Window      string    `json:"window"`
	Cores       int       `json:"cores"`
	LoadAvg     string    `json:"loadavg"` // /proc/loadavg at the end of the window
	PollsPerSec float64   `json:"polls_per_sec"`
	NotModified float64   `json:"not_modified_fraction"`
	// PostgresCores is the CPU of every process named postgres over the
	// window, in cores (-1: not readable).
	PostgresCores    float64          `json:"postgres_cores_avg"`
	PerReplica       []ReplicaFigures `json:"per_replica"`
	Changes          int              `json:"changes"`
	Detected         int              `json:"detected"`
	DetectFromChange Percentiles      `json:"detect_from_change"`
	DetectFromPoll   Percentiles      `json:"detect_from_poll"`
	APIIncidents     Percentiles      `json:"api_incidents"`
	APISummary       Percentiles      `json:"api_summary"`
	// Takeover is, per kill, the time from the SIGKILL until every
	// vendor the killed replica held was polled again by a survivor.
	Takeover     Percentiles `json:"takeover"`
	TakeoverLost int         `json:"takeover_vendors_not_repolled"`
	// KillError is why the kill rounds stopped early (the window's
	// figures and the takeovers measured until then still stand).
	KillError string `json:"kill_error,omitempty"`
}

// ReplicaFigures is one replica's share of the window.
type ReplicaFigures struct {
	Base        string      `json:"base"`
	Leases      int         `json:"leases"` // vendors held at the end of the window
	CoresPolls  float64     `json:"cores_avg_polls_only"`
	Cores       float64     `json:"cores_avg_with_api"`
	RSSPeakMiB  float64     `json:"rss_peak_mib"`
	RSSSteadyMB float64     `json:"rss_steady_mib"`
	APIVendor   Percentiles `json:"api_vendor"`
}

// replica is one running upstat serve of a cluster run.
type replica struct {
	cmd  *exec.Cmd
	base string
	mem  *memSampler
	log  *os.File
}

func cmdCluster(ctx context.Context, f runFlags, stdout, stderr io.Writer) error {
	if f.storage == "" || f.replicas < 1 {
		return fmt.Errorf("%w: -replicas and -kills need -storage postgres://... and -replicas >= 1", errUsage)
	}
	if f.kills > 0 && f.replicas < 2 {
		return fmt.Errorf("%w: -kills needs -replicas >= 2", errUsage)
	}
	work, cleanup, err := workDir(f.keep, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	dsn, drop, err := freshSchema(ctx, f.storage)
	if err != nil {
		return err
	}
	if !f.keep {
		defer drop()
	}
	rep, err := clusterRun(ctx, f, dsn, work, stderr)
	if err != nil {
		return err
	}
	printClusterTable(stdout, rep)
	return writeReport(stdout, f.out, rep)
}

// freshSchema creates an empty schema in the database of dsn and returns
// a DSN whose search_path is that schema, and a func dropping it.
func freshSchema(ctx context.Context, dsn string) (string, func(), error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("-storage: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "bench_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("-storage: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		return "", nil, fmt.Errorf("-storage: create schema: %w", err)
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE")
			_ = c.Close(context.Background())
		}
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// clusterRun is loadRun for N replicas: simulation up, replicas up and
// warmed, the measurement window (polls only, then API load spread over
// the replicas), then -kills kill-and-restart rounds.
func clusterRun(ctx context.Context, f runFlags, dsn, work string, log io.Writer) (*ClusterReport, error) {
	rep := &ClusterReport{Started: time.Now().UTC(), Vendors: f.n, Replicas: f.replicas, Interval: f.interval.String(),
		LeaseTTL: f.leaseTTL.String(), Cores: numCPU()}
	if f.leaseTTL == 0 {
		rep.LeaseTTL = "upstat's default"
	}
	sim, targets, closeSim, err := startSim(f, log)
	if err != nil {
		return nil, err
	}
	defer closeSim()
	hits, targets, closeHits, err := recordHits(sim, targets)
	if err != nil {
		return nil, err
	}
	defer closeHits()
	bin, err := upstatBinary(ctx, f.upstatBin, work, log)
	if err != nil {
		return nil, err
	}
	cfg := benchConfig("127.0.0.1:0", dsn, f, targets)
	if f.leaseTTL > 0 {
		cfg["cluster"] = map[string]any{"lease_ttl": f.leaseTTL.String()}
	}
	cfgPath := filepath.Join(work, "bench.yaml")
	if err := writeYAML(cfgPath, cfg); err != nil {
		return nil, err
	}
	var started int
	start := func() (*replica, error) {
		listen, err := freeAddr()
		if err != nil {
			return nil, err
		}
		started++
		lf, err := os.Create(filepath.Join(work, fmt.Sprintf("upstat-%d.log", started)))
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "serve", "--config", cfgPath, "--listen", listen, "--log-level", f.upstatLogLevel)
		cmd.Stdout, cmd.Stderr = lf, lf
		if len(f.upstatEnv) > 0 {
			cmd.Env = append(os.Environ(), f.upstatEnv...)
		}
		if err := cmd.Start(); err != nil {
			lf.Close()
			return nil, fmt.Errorf("start upstat: %w", err)
		}
		return &replica{cmd: cmd, base: "http://" + listen, mem: &memSampler{pid: cmd.Process.Pid}, log: lf}, nil
	}
	stop := func(r *replica) {
		_ = r.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = r.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = r.cmd.Process.Kill()
			<-done
		}
		r.log.Close()
	}
	reps := make([]*replica, f.replicas)
	defer func() {
		for _, r := range reps {
			if r != nil {
				stop(r)
			}
		}
	}()
	for i := range reps {
		if reps[i], err = start(); err != nil {
			return nil, err
		}
		logf(log, "replica %d: pid %d on %s", i, reps[i].cmd.Process.Pid, reps[i].base)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 512}}
	all := make(samplers, len(reps))
	for i, r := range reps {
		all[i] = r.mem
	}
	logf(log, "waiting for every vendor's first poll")
	limit := 2*f.interval + 2*time.Minute + time.Duration(f.n/50)*time.Second
	for _, r := range reps {
		if err := waitReady(ctx, client, r.base, f.n, limit, all); err != nil {
			return nil, fmt.Errorf("%s: %w (logs in %s: -keep)", r.base, err, work)
		}
	}
	logf(log, "all vendors polled once; settling one interval")
	if err := sleepSampling(ctx, f.interval, all); err != nil {
		return nil, err
	}

	logf(log, "measuring for %s", f.duration)
	det := newDetector(sim)
	sseCtx, stopSSE := context.WithCancel(ctx)
	defer stopSSE()
	go det.follow(sseCtx, reps[0].base, log)
	if err := det.waitConnected(ctx); err != nil {
		return nil, err
	}
	type csample struct {
		at    time.Time
		cpu   []time.Duration
		pg    time.Duration
		polls float64
		nm    float64
	}
	snap := func() csample {
		s := csample{at: time.Now(), pg: postgresCPU()}
		for _, r := range reps {
			c, _ := procCPU(r.cmd.Process.Pid)
			s.cpu = append(s.cpu, c)
		}
		st := sim.Stats()
		s.polls, s.nm = float64(st.Polls), float64(st.PollsNotModified)
		return s
	}
	s0 := snap()
	memFrom := make([]int, len(reps))
	for i, r := range reps {
		memFrom[i] = r.mem.count()
	}
	winCtx, endWindow := context.WithTimeout(ctx, f.duration)
	defer endWindow()
	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = t.Vendor
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); det.drive(winCtx, f, ids, log) }()
	go func() { defer wg.Done(); sampleEverySecond(winCtx, all) }()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(f.duration / 2):
	}
	sA := snap()
	logf(log, "phase A over (polls only); adding the API load, spread over %d replicas", len(reps))
	vendorLat := make([]*latencies, len(reps))
	for i := range vendorLat {
		vendorLat[i] = &latencies{}
	}
	incLat, sumLat := &latencies{}, &latencies{}
	n := len(reps)
	wg.Add(3)
	go func() {
		defer wg.Done()
		rateBy(winCtx, f.vendorRate, client, func(i int) (string, *latencies) {
			return reps[i%n].base + "/api/v1/vendors/" + ids[(i*7919)%len(ids)], vendorLat[i%n]
		})
	}()
	go func() {
		defer wg.Done()
		rate(winCtx, f.incidentRate, client, incLat, func(i int) string { return reps[i%n].base + incidentQuery(i, ids) })
	}()
	go func() {
		defer wg.Done()
		rate(winCtx, f.summaryRate, client, sumLat, func(i int) string { return reps[i%n].base + "/api/v1/summary" })
	}()
	wg.Wait()
	s1 := snap()
	rep.LoadAvg = loadAvg()
	all.sample()
	leases, _ := leaseCounts(client, reps[0].base)
	logf(log, "window over; waiting up to %s for the last changes to show", f.interval+5*time.Second)
	det.waitDone(ctx, f.interval+5*time.Second)

	elapsed := s1.at.Sub(s0.at)
	rep.Window = elapsed.Round(time.Second).String()
	if polls := s1.polls - s0.polls; polls > 0 {
		rep.PollsPerSec = polls / elapsed.Seconds()
		rep.NotModified = (s1.nm - s0.nm) / polls
	}
	rep.PostgresCores = -1
	if s1.pg > 0 {
		rep.PostgresCores = (s1.pg - s0.pg).Seconds() / elapsed.Seconds()
	}
	for i, r := range reps {
		r.mem.mu.Lock()
		peak := float64(r.mem.hwm) / (1 << 20)
		r.mem.mu.Unlock()
		rep.PerReplica = append(rep.PerReplica, ReplicaFigures{
			Base:        r.base,
			Leases:      leases[selfID(client, r.base)],
			CoresPolls:  (sA.cpu[i] - s0.cpu[i]).Seconds() / sA.at.Sub(s0.at).Seconds(),
			Cores:       (s1.cpu[i] - sA.cpu[i]).Seconds() / s1.at.Sub(sA.at).Seconds(),
			RSSPeakMiB:  peak,
			RSSSteadyMB: float64(r.mem.steady(memFrom[i])) / (1 << 20),
			APIVendor:   vendorLat[i].percentiles(),
		})
	}
	rep.Changes, rep.Detected, rep.DetectFromChange, rep.DetectFromPoll = det.results()
	rep.APIIncidents, rep.APISummary = incLat.percentiles(), sumLat.percentiles()
	stopSSE()

	if f.kills > 0 {
		tk := &latencies{}
		for k := 0; k < f.kills; k++ {
			i := k % len(reps)
			d, lost, err := killAndTakeover(ctx, client, reps, i, hits, f, log)
			if err != nil {
				rep.KillError = err.Error()
				logf(log, "kills stopped: %v", err)
				break
			}
			rep.TakeoverLost += lost
			if lost == 0 {
				tk.add(d)
			} else {
				tk.fail()
			}
			reps[i].log.Close()
			if reps[i], err = start(); err != nil {
				return nil, err
			}
			// The next kill is made on a full cluster again.
			if _, _, err := waitHolding(ctx, client, reps[i], 2*f.interval+time.Minute); err != nil {
				rep.KillError = err.Error()
				logf(log, "kills stopped: %v", err)
				break
			}
		}
		rep.Takeover = tk.percentiles()
	}
	return rep, nil
}

// killAndTakeover waits until replica i holds leases, SIGKILLs it and
// times how long until every vendor it held was polled again (by the
// others: it is dead). lost counts vendors not polled again within
// lease_ttl + 2 intervals + 30 s.
func killAndTakeover(ctx context.Context, client *http.Client, reps []*replica, i int, hits *hitRecorder, f runFlags, log io.Writer) (time.Duration, int, error) {
	victim := reps[i]
	id, held, err := waitHolding(ctx, client, victim, 2*f.interval+time.Minute)
	if err != nil {
		return 0, 0, err
	}
	if err := victim.cmd.Process.Kill(); err != nil {
		return 0, 0, err
	}
	killed := time.Now()
	_ = victim.cmd.Wait()
	ttl := f.leaseTTL
	if ttl == 0 {
		ttl = 30 * time.Second
	}
	limit := killed.Add(ttl + 2*f.interval + 30*time.Second)
	var last time.Time
	for {
		last = time.Time{}
		missing := 0
		for _, v := range held {
			at, ok := hits.firstAfter(v, killed)
			if !ok {
				missing++
				continue
			}
			if at.After(last) {
				last = at
			}
		}
		if missing == 0 {
			d := last.Sub(killed)
			logf(log, "kill %s (%d vendors held): all polled again after %s", id, len(held), d.Round(10*time.Millisecond))
			return d, 0, nil
		}
		if time.Now().After(limit) {
			logf(log, "kill %s: %d of %d vendors not polled again by %s", id, missing, len(held), limit.Sub(killed))
			return 0, missing, nil
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return 0, 0, err
		}
	}
}

// waitHolding waits until replica r holds at least one vendor lease and
// returns its id and the vendors it holds.
func waitHolding(ctx context.Context, client *http.Client, r *replica, limit time.Duration) (string, []string, error) {
	deadline := time.Now().Add(limit)
	for {
		if id := selfID(client, r.base); id != "" {
			if held := heldBy(client, r.base, id); len(held) > 0 {
				return id, held, nil
			}
		}
		if time.Now().After(deadline) {
			return "", nil, fmt.Errorf("replica %s holds no lease after %s", r.base, limit)
		}
		if err := sleepCtx(ctx, 500*time.Millisecond); err != nil {
			return "", nil, err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// clusterJSON is the part of GET /api/v1/cluster a run reads.
type clusterJSON struct {
	Self     string `json:"self"`
	Replicas []struct {
		ID     string `json:"id"`
		Live   bool   `json:"live"`
		Leases []struct {
			Key     string `json:"key"`
			Replica string `json:"replica"`
		} `json:"leases"`
	} `json:"replicas"`
}

func getCluster(client *http.Client, base string) (clusterJSON, error) {
	var c clusterJSON
	resp, err := client.Get(base + "/api/v1/cluster")
	if err != nil {
		return c, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c, fmt.Errorf("cluster: http %d", resp.StatusCode)
	}
	return c, json.NewDecoder(resp.Body).Decode(&c)
}

func selfID(client *http.Client, base string) string {
	c, _ := getCluster(client, base)
	return c.Self
}

// heldBy lists the vendors replica id holds (not the alert-engine lease).
func heldBy(client *http.Client, base, id string) []string {
	c, err := getCluster(client, base)
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range c.Replicas {
		for _, l := range r.Leases {
			if l.Replica == id && !strings.HasPrefix(l.Key, "upstat:") {
				out = append(out, l.Key)
			}
		}
	}
	return out
}

// leaseCounts is the number of vendor leases per replica id.
func leaseCounts(client *http.Client, base string) (map[string]int, error) {
	c, err := getCluster(client, base)
	if err != nil {
		return map[string]int{}, err
	}
	out := map[string]int{}
	for _, r := range c.Replicas {
		for _, l := range r.Leases {
			if !strings.HasPrefix(l.Key, "upstat:") {
				out[l.Replica]++
			}
		}
	}
	return out, nil
}

// hitRecorder fronts the simulation and remembers, per vendor, the times
// upstat's requests arrived (the simulation itself only counts them).
type hitRecorder struct {
	next http.Handler
	mu   sync.Mutex
	at   map[string][]time.Time
}

// recordHits serves the simulation again on one free loopback port per
// distinct host of targets (keeping the spread of -hosts), recording
// upstat's requests per vendor; targets come back pointing at them.
func recordHits(sim *fixtures.Load, targets []fixtures.LoadTarget) (*hitRecorder, []fixtures.LoadTarget, func(), error) {
	h := &hitRecorder{at: map[string][]time.Time{}}
	var servers []*http.Server
	closeAll := func() {
		for _, s := range servers {
			_ = s.Close()
		}
	}
	front := map[string]string{}
	out := make([]fixtures.LoadTarget, len(targets))
	for i, t := range targets {
		u, err := url.Parse(t.URL)
		if err != nil {
			closeAll()
			return nil, nil, nil, err
		}
		if _, ok := front[u.Host]; !ok {
			host, _, _ := strings.Cut(u.Host, ":")
			ln, err := net.Listen("tcp", host+":0")
			if err != nil {
				closeAll()
				return nil, nil, nil, err
			}
			srv := &http.Server{Handler: h.wrap(sim), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
			go func() { _ = srv.Serve(ln) }()
			servers = append(servers, srv)
			front[u.Host] = ln.Addr().String()
		}
		t.URL = strings.Replace(t.URL, u.Host, front[u.Host], 1)
		out[i] = t
	}
	return h, out, closeAll, nil
}

// wrap records the vendor of each upstat request, then serves it.
func (h *hitRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("User-Agent"), "upstat/") {
			rest := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/v/"), "/p/")
			id, _, _ := strings.Cut(rest, "/")
			now := time.Now()
			h.mu.Lock()
			ts := append(h.at[id], now)
			if len(ts) > 64 {
				ts = ts[len(ts)-64:]
			}
			h.at[id] = ts
			h.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// firstAfter is the first request for vendor id at or after t.
func (h *hitRecorder) firstAfter(id string, t time.Time) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, at := range h.at[id] {
		if !at.Before(t) {
			return at, true
		}
	}
	return time.Time{}, false
}

// postgresCPU is the CPU time of every process named postgres (0 when
// none is readable).
func postgresCPU() time.Duration {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var t time.Duration
	for _, e := range ents {
		pid := 0
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil || pid <= 0 {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		if c, err := procCPU(pid); err == nil {
			t += c
		}
	}
	return t
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// sampleEverySecond samples s once a second until ctx ends.
func sampleEverySecond(ctx context.Context, s sampler) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.sample()
		}
	}
}

func printClusterTable(w io.Writer, r *ClusterReport) {
	fmt.Fprintf(w, "\nupstat cluster run: %d vendors, %d replicas on PostgreSQL, interval %s, lease_ttl %s, window %s, %d cores, load %s\n\n",
		r.Vendors, r.Replicas, r.Interval, r.LeaseTTL, r.Window, r.Cores, r.LoadAvg)
	row := func(k, v string) { fmt.Fprintf(w, "  %-40s %s\n", k, v) }
	pct := func(p Percentiles, unit float64, u string) string {
		return fmt.Sprintf("p50 %.1f%s  p99 %.1f%s  max %.1f%s  (n=%d, errors %d)", p.P50/unit, u, p.P99/unit, u, p.Max/unit, u, p.Count, p.Errors)
	}
	row("polls/s (sustained, all replicas)", fmt.Sprintf("%.1f (want %.1f); not modified %.3f", r.PollsPerSec, float64(r.Vendors)/mustDur(r.Interval).Seconds(), r.NotModified))
	row("PostgreSQL cores (avg, window)", fmt.Sprintf("%.3f", r.PostgresCores))
	for i, p := range r.PerReplica {
		row(fmt.Sprintf("replica %d (%s)", i, p.Base), fmt.Sprintf("%d leases; cores %.3f polls only, %.3f with API; RSS peak %.0f, steady %.0f MiB",
			p.Leases, p.CoresPolls, p.Cores, p.RSSPeakMiB, p.RSSSteadyMB))
		row(fmt.Sprintf("  GET /vendors/{id} on replica %d", i), pct(p.APIVendor, 1, "ms"))
	}
	row("changes / detected", fmt.Sprintf("%d / %d", r.Changes, r.Detected))
	row("detection from change", pct(r.DetectFromChange, 1000, "s"))
	row("detection from the poll that saw it", pct(r.DetectFromPoll, 1, "ms"))
	row("GET /incidents?... (spread)", pct(r.APIIncidents, 1, "ms"))
	row("GET /summary (spread)", pct(r.APISummary, 1, "ms"))
	if r.Takeover.Count+r.Takeover.Errors > 0 {
		row("takeover after kill -9", pct(r.Takeover, 1000, "s"))
		row("vendors not polled again (all kills)", fmt.Sprintf("%d", r.TakeoverLost))
	}
	if r.KillError != "" {
		row("kills stopped early", r.KillError)
	}
	fmt.Fprintln(w)
}

func mustDur(s string) time.Duration {
	d, _ := time.ParseDuration(s)
	if d <= 0 {
		return time.Second
	}
	return d
}
