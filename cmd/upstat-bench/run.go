package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
)

// runFlags are the knobs of one load run.
type runFlags struct {
	n              int
	interval       time.Duration
	duration       time.Duration
	change         float64
	concurrency    int
	tick           time.Duration
	hosts          int
	vendorRate     float64
	incidentRate   float64
	summaryRate    float64
	historyEvery   time.Duration
	upstatBin      string
	out            string
	keep           bool
	cpuProfile     string
	heapProfile    string
	seed           uint64
	skipFloor      bool
	upstatLogLevel string
	upstatEnv      []string
	// storage, replicas, kills and leaseTTL select the cluster run
	// (cluster.go): N replicas on a fresh PostgreSQL schema.
	storage  string
	replicas int
	kills    int
	leaseTTL time.Duration
}

// Report is the JSON output of a run (and the source of its table).
type Report struct {
	Started     time.Time `json:"started"`
	Vendors     int       `json:"vendors"`
	Sources     int       `json:"sources"`
	Hosts       int       `json:"hosts"` // loopback addresses serving them
	Interval    string    `json:"interval"`
	Window      string    `json:"window"`
	ChangeFrac  float64   `json:"change_fraction"`
	Concurrency int       `json:"concurrency"`
	Cores       int       `json:"cores"`
	PollsPerSec float64   `json:"polls_per_sec"`
	NotModified float64   `json:"not_modified_fraction"`
	// PollErrors is upstat_poll_errors_total over the whole run, read
	// from /metrics once the measurements are taken (-1: no answer).
	PollErrors  float64 `json:"poll_errors"`
	FixtureRPS  float64 `json:"fixture_requests_per_sec"`
	Fixture304  float64 `json:"fixture_not_modified_fraction"`
	UpstatCPU   float64 `json:"upstat_cpu_seconds"`
	UpstatCores float64 `json:"upstat_cores_avg"` // polls + API load (phase B)
	// UpstatCoresPolls is the average with polls only (phase A).
	UpstatCoresPolls float64 `json:"upstat_cores_avg_polls_only"`
	CPUPer1000       float64 `json:"upstat_cpu_seconds_per_1000_polls"`
	RSSPeakMiB       float64 `json:"upstat_rss_peak_mib"`
	RSSSteadyMiB     float64 `json:"upstat_rss_steady_mib"`
	DBSizeMiB        float64 `json:"db_size_mib"`
	// MetricsScrapeSec and MetricsRSSPeakMiB are the time of that one
	// /metrics scrape and upstat's RSS peak after it: at 10,000 vendors a
	// series per component makes it the costliest request there is, so
	// it is made after the window, not inside it.
	MetricsScrapeSec  float64 `json:"metrics_scrape_seconds"`
	MetricsRSSPeakMiB float64 `json:"metrics_rss_peak_mib"`

	Changes          int         `json:"changes"`
	Detected         int         `json:"detected"`
	DetectFromChange Percentiles `json:"detect_from_change"`
	DetectFromPoll   Percentiles `json:"detect_from_poll"`

	APIVendor    Percentiles `json:"api_vendor"`
	APIIncidents Percentiles `json:"api_incidents"`
	APISummary   Percentiles `json:"api_summary"`
	VendorRate   float64     `json:"api_vendor_rate"`
	IncRate      float64     `json:"api_incidents_rate"`
	SummaryRate  float64     `json:"api_summary_rate"`

	FloorPolls      int64   `json:"floor_polls"`
	FloorCPU        float64 `json:"floor_cpu_seconds"`
	FloorCPUPer1000 float64 `json:"floor_cpu_seconds_per_1000_polls"`
	FloorRatio      float64 `json:"upstat_over_floor_cpu_ratio"`
	// The burst floor: the same GETs sent in batches from one ticker by a
	// fixed pool of workers (what a client that wakes up rarely pays).
	BurstPolls      int64   `json:"burst_floor_polls"`
	BurstCPU        float64 `json:"burst_floor_cpu_seconds"`
	BurstCPUPer1000 float64 `json:"burst_floor_cpu_seconds_per_1000_polls"`
	BurstRatio      float64 `json:"upstat_over_burst_floor_cpu_ratio"`

	Targets []TargetResult `json:"targets"`
}

// TargetResult is one target of the issue, met or not.
type TargetResult struct {
	Name   string  `json:"name"`
	Want   string  `json:"want"`
	Got    float64 `json:"got"`
	Passed bool    `json:"passed"`
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f runFlags
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&f.n, "n", 1000, "simulated vendors (80% Statuspage, 15% feeds, 5% HTML)")
	fs.DurationVar(&f.interval, "interval", 30*time.Second, "upstat's poll interval (and the change cycle)")
	fs.DurationVar(&f.duration, "duration", 60*time.Second, "measurement window, after warm-up")
	fs.Float64Var(&f.change, "change", 0.02, "fraction of vendors changed per cycle")
	fs.IntVar(&f.concurrency, "concurrency", config.DefaultConcurrency, "upstat poll.concurrency (default: upstat's own)")
	fs.DurationVar(&f.tick, "tick", 0, "upstat poll.tick (0: upstat's default)")
	fs.IntVar(&f.hosts, "hosts", 1, "serve the vendors from this many loopback addresses (127.0.0.1 to 127.0.0.N), round-robin, as real vendors are on distinct hosts")
	fs.Float64Var(&f.vendorRate, "vendor-rps", 500, "GET /api/v1/vendors/{id} per second")
	fs.Float64Var(&f.incidentRate, "incidents-rps", 50, "GET /api/v1/incidents?... per second")
	fs.Float64Var(&f.summaryRate, "summary-rps", 20, "GET /api/v1/summary per second")
	fs.DurationVar(&f.historyEvery, "history-interval", 5*time.Minute, "Statuspage history_interval")
	fs.StringVar(&f.upstatBin, "upstat", "", "upstat binary (default: go build ./cmd/upstat into the work dir)")
	fs.StringVar(&f.out, "out", "bench-load.json", "write the JSON report here (empty: don't)")
	fs.BoolVar(&f.keep, "keep", false, "keep the work dir (config, database, upstat log)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "run upstat as `upstat-bench serve` (same code, plus pprof) and write its CPU profile of the window here")
	fs.StringVar(&f.heapProfile, "heapprofile", "", "like -cpuprofile: write upstat's heap profile (in use) at the end of the window here")
	fs.Uint64Var(&f.seed, "seed", 1, "simulation seed")
	fs.BoolVar(&f.skipFloor, "no-floor", false, "skip the bare-client floor")
	fs.StringVar(&f.upstatLogLevel, "upstat-log-level", "warn", "upstat's --log-level")
	fs.Func("upstat-env", "KEY=VALUE added to upstat's environment alone (repeatable), e.g. GOMEMLIMIT=120MiB or GOGC=50", func(v string) error {
		if !strings.Contains(v, "=") {
			return fmt.Errorf("%q is not KEY=VALUE", v)
		}
		f.upstatEnv = append(f.upstatEnv, v)
		return nil
	})
	fs.StringVar(&f.storage, "storage", "", "PostgreSQL DSN: run -replicas upstat serve processes on a fresh schema in it (cluster run)")
	fs.IntVar(&f.replicas, "replicas", 1, "upstat serve replicas sharing the work (needs -storage)")
	fs.IntVar(&f.kills, "kills", 0, "cluster run: kill -9 a replica this many times after the window, restarting it, and time the takeover")
	fs.DurationVar(&f.leaseTTL, "lease-ttl", 0, "cluster run: cluster.lease_ttl (0: upstat's default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.storage != "" || f.replicas > 1 || f.kills > 0 {
		return cmdCluster(ctx, f, stdout, stderr)
	}
	work, cleanup, err := workDir(f.keep, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	rep, err := loadRun(ctx, f, work, stderr)
	if err != nil {
		return err
	}
	printTable(stdout, rep)
	return writeReport(stdout, f.out, rep)
}

// writeReport writes v as indented JSON to path (nothing when path is
// empty) and says where.
func writeReport(stdout io.Writer, path string, v any) error {
	if path == "" {
		return nil
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "JSON report:", path)
	return nil
}

// workDir makes a run's work dir; cleanup removes it unless keep (then
// its path is printed on stderr).
func workDir(keep bool, stderr io.Writer) (dir string, cleanup func(), err error) {
	dir, err = os.MkdirTemp("", "upstat-bench-")
	if err != nil {
		return "", nil, err
	}
	if keep {
		fmt.Fprintln(stderr, "work dir:", dir)
		return dir, func() {}, nil
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

func logf(w io.Writer, format string, a ...any) {
	fmt.Fprintf(w, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

// loadRun is one run: simulation up, upstat up and warmed, then the
// measurement window with changes, API load and the floor.
func loadRun(ctx context.Context, f runFlags, work string, log io.Writer) (*Report, error) {
	rep := &Report{Started: time.Now().UTC(), Vendors: f.n, Interval: f.interval.String(), ChangeFrac: f.change,
		Concurrency: f.concurrency, Cores: numCPU()}
	sim, targets, closeSim, err := startSim(f, log)
	if err != nil {
		return nil, err
	}
	defer closeSim()
	rep.Sources, rep.Hosts = len(targets), f.hosts

	bin, err := upstatBinary(ctx, f.upstatBin, work, log)
	if err != nil {
		return nil, err
	}
	listen, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(work, "bench.yaml")
	dbPath := filepath.Join(work, "bench.db")
	if err := writeConfig(cfgPath, dbPath, listen, f, targets); err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(work, "upstat.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	upCtx, stopUpstat := context.WithCancel(ctx)
	defer stopUpstat()
	up := exec.CommandContext(upCtx, bin, "serve", "--config", cfgPath, "--log-level", f.upstatLogLevel)
	profiled := f.cpuProfile != "" || f.heapProfile != ""
	pprofBase := ""
	if profiled {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		pprofAddr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		pprofBase = "http://" + pprofAddr
		up = exec.CommandContext(upCtx, self, "serve", "--config", cfgPath, "-log-level", f.upstatLogLevel, "-pprof", pprofAddr)
	}
	up.Stdout, up.Stderr = logFile, logFile
	if len(f.upstatEnv) > 0 {
		up.Env = append(os.Environ(), f.upstatEnv...)
	}
	up.Cancel = func() error { return up.Process.Signal(os.Interrupt) }
	up.WaitDelay = 10 * time.Second
	if err := up.Start(); err != nil {
		return nil, fmt.Errorf("start upstat: %w", err)
	}
	defer func() { stopUpstat(); _ = up.Wait() }()
	pid := up.Process.Pid
	mem := &memSampler{pid: pid}
	base := "http://" + listen
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 512}}

	logf(log, "upstat pid %d on %s; waiting for every vendor's first poll", pid, base)
	// First polls write every component and incident: on a shared
	// machine 10,000 of them can take minutes, hence a second per 50.
	if err := waitReady(ctx, client, base, f.n, 2*f.interval+2*time.Minute+time.Duration(f.n/50)*time.Second, mem); err != nil {
		return nil, fmt.Errorf("%w (see %s)", err, logFile.Name())
	}
	// One more interval so the first-poll burst (every incident and
	// component new) is behind us.
	logf(log, "all vendors polled once; settling one interval")
	if err := sleepSampling(ctx, f.interval, mem); err != nil {
		return nil, err
	}

	// Measurement window.
	logf(log, "measuring for %s", f.duration)
	det := newDetector(sim)
	sseCtx, stopSSE := context.WithCancel(ctx)
	defer stopSSE()
	go det.follow(sseCtx, base, log)
	if err := det.waitConnected(ctx); err != nil {
		return nil, err
	}

	// Phase A (first half): polls and changes only, with the bare client
	// running alongside: CPU per poll, upstat against the floor. Phase B
	// (second half): the same plus the API load: cores, latencies.
	half := f.duration / 2
	var floors []*floorRun
	if !f.skipFloor {
		urlsPath := filepath.Join(work, "floor-urls.txt")
		if err := writeFloorURLs(urlsPath, floorURLs(targets, f)); err != nil {
			return nil, err
		}
		for _, mode := range []string{"paced", "burst"} {
			fr, err := startFloor(ctx, mode, urlsPath, half, f, log)
			if err != nil {
				return nil, err
			}
			floors = append(floors, fr)
		}
	}
	snap := func() (sample, error) { return takeSample(pid, sim) }
	s0, err := snap()
	if err != nil {
		return nil, err
	}
	memFrom := mem.count()

	winCtx, endWindow := context.WithTimeout(ctx, f.duration)
	defer endWindow()
	var wg sync.WaitGroup
	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = t.Vendor
	}
	wg.Add(2)
	go func() { defer wg.Done(); det.drive(winCtx, f, ids, log) }()
	go func() { defer wg.Done(); sampleEverySecond(winCtx, mem) }()
	if f.cpuProfile != "" {
		go saveProfile(client, pprofBase+fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(min(f.duration, 120*time.Second).Seconds())),
			f.cpuProfile, min(f.duration, 120*time.Second), log)
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(half):
	}
	sA, err := snap()
	if err != nil {
		return nil, err
	}
	logf(log, "phase A over (polls only); adding the API load")
	vendorLat, incLat, sumLat := &latencies{}, &latencies{}, &latencies{}
	wg.Add(3)
	go func() {
		defer wg.Done()
		rate(winCtx, f.vendorRate, client, vendorLat, func(i int) string { return base + "/api/v1/vendors/" + ids[(i*7919)%len(ids)] })
	}()
	go func() {
		defer wg.Done()
		rate(winCtx, f.incidentRate, client, incLat, func(i int) string { return base + incidentQuery(i, ids) })
	}()
	go func() {
		defer wg.Done()
		rate(winCtx, f.summaryRate, client, sumLat, func(int) string { return base + "/api/v1/summary" })
	}()
	wg.Wait()
	s1, err := snap()
	if err != nil {
		return nil, err
	}
	if f.heapProfile != "" {
		saveProfile(client, pprofBase+"/debug/pprof/heap?gc=1", f.heapProfile, 0, log)
	}
	mem.sample()
	mem.mu.Lock()
	rep.RSSPeakMiB = float64(mem.hwm) / (1 << 20)
	mem.mu.Unlock()
	// Poll errors come from /metrics, whose scrape is costly at 10,000
	// vendors (a series per component, held in memory by the Prometheus
	// client): it is taken once, after every measurement, and reported
	// apart.
	scrapeStart := time.Now()
	rep.PollErrors = scrapeErrors(client, base)
	rep.MetricsScrapeSec = time.Since(scrapeStart).Seconds()
	if _, hwm, err := procMem(pid); err == nil {
		rep.MetricsRSSPeakMiB = float64(hwm) / (1 << 20)
	}
	// Changes made near the end may need up to an interval to be seen.
	logf(log, "window over; waiting up to %s for the last changes to show", f.interval+5*time.Second)
	det.waitDone(ctx, f.interval+5*time.Second)

	elapsed := s1.at.Sub(s0.at)
	rep.Window = elapsed.Round(time.Second).String()
	polls := s1.polls - s0.polls
	rep.PollsPerSec = polls / elapsed.Seconds()
	if polls > 0 {
		rep.NotModified = (s1.notMod - s0.notMod) / polls
	}
	reqs := float64(s1.sim.Requests - s0.sim.Requests)
	rep.FixtureRPS = reqs / elapsed.Seconds()
	if reqs > 0 {
		rep.Fixture304 = float64(s1.sim.NotModified-s0.sim.NotModified) / reqs
	}
	rep.UpstatCPU = (s1.cpu - s0.cpu).Seconds()
	rep.UpstatCoresPolls = (sA.cpu - s0.cpu).Seconds() / sA.at.Sub(s0.at).Seconds()
	rep.UpstatCores = (s1.cpu - sA.cpu).Seconds() / s1.at.Sub(sA.at).Seconds()
	if pa := sA.polls - s0.polls; pa > 0 {
		rep.CPUPer1000 = (sA.cpu - s0.cpu).Seconds() / pa * 1000
	}
	rep.RSSSteadyMiB = float64(mem.steady(memFrom)) / (1 << 20)
	rep.Changes, rep.Detected, rep.DetectFromChange, rep.DetectFromPoll = det.results()
	rep.APIVendor, rep.APIIncidents, rep.APISummary = vendorLat.percentiles(), incLat.percentiles(), sumLat.percentiles()
	phaseB := s1.at.Sub(sA.at).Seconds()
	rep.VendorRate = float64(rep.APIVendor.Count+rep.APIVendor.Errors) / phaseB
	rep.IncRate = float64(rep.APIIncidents.Count+rep.APIIncidents.Errors) / phaseB
	rep.SummaryRate = float64(rep.APISummary.Count+rep.APISummary.Errors) / phaseB
	if fi, err := os.Stat(dbPath); err == nil {
		rep.DBSizeMiB = float64(fi.Size()) / (1 << 20)
	}
	for _, fl := range floors {
		fr, err := fl.wait()
		if err != nil {
			return nil, err
		}
		per1000, ratio := 0.0, 0.0
		if fr.Polls > 0 {
			per1000 = fl.cpu.Seconds() / float64(fr.Polls) * 1000
		}
		if per1000 > 0 {
			ratio = rep.CPUPer1000 / per1000
		}
		if fl.mode == "burst" {
			rep.BurstPolls, rep.BurstCPU, rep.BurstCPUPer1000, rep.BurstRatio = fr.Polls, fl.cpu.Seconds(), per1000, ratio
		} else {
			rep.FloorPolls, rep.FloorCPU, rep.FloorCPUPer1000, rep.FloorRatio = fr.Polls, fl.cpu.Seconds(), per1000, ratio
		}
	}
	rep.Targets = judge(rep, f)
	return rep, nil
}

// floorRun is one bare-client process of phase A.
type floorRun struct {
	mode string
	cmd  *exec.Cmd
	out  bytes.Buffer
	cpu  time.Duration
}

// startFloor execs `upstat-bench floor -mode MODE` for d.
func startFloor(ctx context.Context, mode, urlsPath string, d time.Duration, f runFlags, log io.Writer) (*floorRun, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	fl := &floorRun{mode: mode}
	fl.cmd = exec.CommandContext(ctx, self, "floor", "-mode", mode, "-urls", urlsPath, "-duration", d.String(),
		"-concurrency", fmt.Sprint(f.concurrency))
	fl.cmd.Stdout, fl.cmd.Stderr = &fl.out, log
	if err := fl.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s floor: %w", mode, err)
	}
	return fl, nil
}

// wait waits for the floor to end and returns what it counted.
func (fl *floorRun) wait() (FloorResult, error) {
	var fr FloorResult
	if err := fl.cmd.Wait(); err != nil {
		return fr, fmt.Errorf("%s floor: %w", fl.mode, err)
	}
	fl.cpu = fl.cmd.ProcessState.UserTime() + fl.cmd.ProcessState.SystemTime()
	if err := json.Unmarshal(fl.out.Bytes(), &fr); err != nil {
		return fr, fmt.Errorf("%s floor output %q: %w", fl.mode, fl.out.String(), err)
	}
	return fr, nil
}

func numCPU() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "\nprocessor") + 1
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// writeConfig writes upstat's YAML config for the simulated vendors.
func writeConfig(path, db, listen string, f runFlags, targets []fixtures.LoadTarget) error {
	return writeYAML(path, benchConfig(listen, "sqlite:"+db, f, targets))
}

// benchConfig is upstat's config for the simulated vendors on storage.
func benchConfig(listen, storage string, f runFlags, targets []fixtures.LoadTarget) map[string]any {
	type source map[string]any
	type vendor struct {
		ID      string   `yaml:"id"`
		Name    string   `yaml:"name"`
		Sources []source `yaml:"sources"`
	}
	var vs []vendor
	for _, t := range targets {
		s := source{"kind": t.Kind, "url": t.URL}
		for k, v := range t.Options {
			s[k] = v
		}
		if t.Kind == "statuspage" {
			s["history_interval"] = f.historyEvery.String()
		}
		vs = append(vs, vendor{ID: t.Vendor, Name: t.Name, Sources: []source{s}})
	}
	poll := map[string]any{
		"interval": f.interval.String(), "timeout": "10s", "stale_after": "10m",
		"concurrency": f.concurrency, "allow_private_networks": true,
	}
	if f.tick > 0 {
		poll["tick"] = f.tick.String()
	}
	return map[string]any{"listen": listen, "storage": storage, "poll": poll, "vendors": vs}
}

// floorURLs are the GETs upstat makes: every source's URL at the
// interval, plus a Statuspage page's two history endpoints at the history
// interval.
func floorURLs(targets []fixtures.LoadTarget, f runFlags) []floorURL {
	var out []floorURL
	for _, t := range targets {
		if t.Kind != "statuspage" {
			out = append(out, floorURL{url: t.URL, every: f.interval, primary: true})
			continue
		}
		out = append(out, floorURL{url: t.URL + "/api/v2/summary.json", every: f.interval, primary: true},
			floorURL{url: t.URL + "/api/v2/incidents.json", every: f.historyEvery},
			floorURL{url: t.URL + "/api/v2/scheduled-maintenances.json", every: f.historyEvery})
	}
	return out
}

// waitReady waits until /readyz answers and every vendor has been checked.
func waitReady(ctx context.Context, client *http.Client, base string, n int, limit time.Duration, mem sampler) error {
	deadline := time.Now().Add(limit)
	last := -1
	for time.Now().Before(deadline) {
		mem.sample()
		checked, err := checkedVendors(client, base)
		if err == nil && checked >= n {
			return nil
		}
		if checked != last && err == nil {
			last = checked
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return fmt.Errorf("upstat not ready after %s (%d of %d vendors checked)", limit, last, n)
}

func checkedVendors(client *http.Client, base string) (int, error) {
	resp, err := client.Get(base + "/api/v1/summary")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("summary: http %d", resp.StatusCode)
	}
	var s struct {
		Vendors []struct {
			LastCheckedAt *time.Time `json:"last_checked_at"`
		} `json:"vendors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return 0, err
	}
	n := 0
	for _, v := range s.Vendors {
		if v.LastCheckedAt != nil {
			n++
		}
	}
	return n, nil
}

func sleepSampling(ctx context.Context, d time.Duration, mem sampler) error {
	return sleepOrExit(ctx, d, mem, nil)
}

// upstatBinary is bin, or upstat built into work when bin is empty.
func upstatBinary(ctx context.Context, bin, work string, log io.Writer) (string, error) {
	if bin != "" {
		return bin, nil
	}
	bin = filepath.Join(work, "upstat")
	logf(log, "building upstat")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/upstat")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build upstat (run from the module root, or pass -upstat): %w", err)
	}
	return bin, nil
}

// rate sends GETs at a fixed rate (open loop: a slow answer does not slow
// the schedule), recording each latency; at most 256 are in flight.
func rate(ctx context.Context, perSec float64, client *http.Client, lat *latencies, next func(i int) string) {
	rateBy(ctx, perSec, client, func(i int) (string, *latencies) { return next(i), lat })
}

// rateBy is rate with the latencies each request counts in chosen with
// its URL (one set per replica in a cluster run).
func rateBy(ctx context.Context, perSec float64, client *http.Client, next func(i int) (string, *latencies)) {
	if perSec <= 0 {
		return
	}
	every := time.Duration(float64(time.Second) / perSec)
	sem := make(chan struct{}, 256)
	var wg sync.WaitGroup
	defer wg.Wait()
	t0 := time.Now()
	for i := 0; ; i++ {
		at := t0.Add(time.Duration(i) * every)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(at)):
		}
		u, lat := next(i)
		select {
		case sem <- struct{}{}:
		default:
			lat.fail() // too many in flight: counts as a failure to keep the rate
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			resp, err := client.Get(u)
			if err != nil {
				lat.fail()
				return
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				lat.fail()
				return
			}
			lat.add(time.Since(start))
		}()
	}
}

// incidentQuery rotates through the incident listings the API offers.
func incidentQuery(i int, ids []string) string {
	v := ids[(i*104729)%len(ids)]
	since := url.QueryEscape(time.Now().Add(-7 * 24 * time.Hour).UTC().Format(time.RFC3339))
	switch i % 5 {
	case 0:
		return "/api/v1/incidents?vendor=" + v
	case 1:
		return "/api/v1/incidents?state=active"
	case 2:
		return "/api/v1/incidents?min_severity=partial_outage&limit=100"
	case 3:
		return "/api/v1/incidents?state=resolved&since=" + since
	}
	return "/api/v1/incidents?vendor=" + v + "&state=all&since=" + since
}

// saveProfile fetches a profile of upstat-bench serve (url) that takes d.
func saveProfile(client *http.Client, url, path string, d time.Duration, log io.Writer) {
	c := &http.Client{Timeout: d + 30*time.Second}
	resp, err := c.Get(url)
	if err != nil {
		logf(log, "pprof: %v", err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		logf(log, "pprof: http %d", resp.StatusCode)
		return
	}
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		logf(log, "pprof: %v", err)
	}
}

// detector matches the simulation's changes with the events upstat
// publishes, for detection latency.
type detector struct {
	sim       *fixtures.Load
	mu        sync.Mutex
	pending   map[string]fixtures.LoadChange
	changes   int
	fromChg   latencies
	fromPoll  latencies
	connected chan struct{}
	once      sync.Once
	cursor    string
	streamErr atomic.Value
}

func newDetector(sim *fixtures.Load) *detector {
	return &detector{sim: sim, pending: map[string]fixtures.LoadChange{}, connected: make(chan struct{})}
}

func (d *detector) waitConnected(ctx context.Context) error {
	select {
	case <-d.connected:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(15 * time.Second):
		return errors.New("event stream did not connect")
	}
}

// drive changes the configured fraction of vendors per interval, spread
// evenly over it, each vendor at most once while its last change is
// undetected.
func (d *detector) drive(ctx context.Context, f runFlags, ids []string, log io.Writer) {
	perCycle := f.change * float64(len(ids))
	if perCycle <= 0 {
		return
	}
	every := time.Duration(float64(f.interval) / perCycle)
	rng := rand.New(rand.NewPCG(f.seed, 7))
	t0 := time.Now()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(t0.Add(time.Duration(i) * every))):
		}
		for tries := 0; tries < 20; tries++ {
			id := ids[rng.IntN(len(ids))]
			d.mu.Lock()
			_, busy := d.pending[id]
			if busy {
				d.mu.Unlock()
				continue
			}
			ch, ok, err := d.sim.Step(id)
			if err != nil {
				d.mu.Unlock()
				logf(log, "change %s: %v", id, err)
				return
			}
			if ok {
				d.pending[id] = ch
				d.changes++
			}
			d.mu.Unlock()
			if ok {
				break
			}
		}
	}
}

// follow reads /api/v1/events as SSE, reconnecting from the last id.
func (d *detector) follow(ctx context.Context, base string, log io.Writer) {
	client := &http.Client{}
	for ctx.Err() == nil {
		u := base + "/api/v1/events"
		if d.cursor != "" {
			u += "?since=" + url.QueryEscape(d.cursor)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				logf(log, "event stream: %v", err)
				time.Sleep(200 * time.Millisecond)
			}
			continue
		}
		d.once.Do(func() { close(d.connected) })
		d.read(resp.Body)
		resp.Body.Close()
	}
}

func (d *detector) read(body io.Reader) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "id: "); ok {
			d.cursor = id
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var ev struct {
			Vendor string `json:"vendor"`
		}
		if json.Unmarshal([]byte(data), &ev) != nil {
			continue
		}
		d.observe(ev.Vendor, time.Now())
	}
}

// observe counts the first event of a vendor after its pending change.
func (d *detector) observe(vendor string, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ch, ok := d.pending[vendor]
	if !ok || at.Before(ch.At) {
		return
	}
	delete(d.pending, vendor)
	d.fromChg.add(at.Sub(ch.At))
	if seen, ok := d.sim.SeenAt(vendor); ok {
		d.fromPoll.add(at.Sub(seen))
	}
}

// waitDone waits until every change was detected or limit passes.
func (d *detector) waitDone(ctx context.Context, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		d.mu.Lock()
		n := len(d.pending)
		d.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (d *detector) results() (changes, detected int, fromChange, fromPoll Percentiles) {
	d.mu.Lock()
	changes = d.changes
	d.mu.Unlock()
	fromChange, fromPoll = d.fromChg.percentiles(), d.fromPoll.percentiles()
	return changes, fromChange.Count, fromChange, fromPoll
}

// sample is the counters at one instant.
type sample struct {
	at            time.Time
	cpu           time.Duration
	polls, notMod float64
	sim           fixtures.LoadStats
}

// takeSample reads the counters but poll errors (scrapeErrors). Polls are
// counted where they arrive (the simulation counts upstat's requests by
// User-Agent): /metrics lists one series per component, and at 10,000
// vendors it is too slow to scrape during a run.
func takeSample(pid int, sim *fixtures.Load) (sample, error) {
	s := sample{at: time.Now(), sim: sim.Stats()}
	var err error
	if s.cpu, err = procCPU(pid); err != nil {
		return sample{}, err
	}
	s.polls, s.notMod = float64(s.sim.Polls), float64(s.sim.PollsNotModified)
	return s, nil
}

// scrapeErrors returns upstat_poll_errors_total summed from /metrics, or -1
// when it does not answer within 30s.
func scrapeErrors(client *http.Client, base string) float64 {
	quick := &http.Client{Timeout: 30 * time.Second, Transport: client.Transport}
	m, err := scrapeCounters(quick, base+"/metrics", "upstat_poll_errors_total")
	if err != nil {
		return -1
	}
	return sumMatching(m, "upstat_poll_errors_total")
}

// judge compares a report with the targets.
func judge(r *Report, f runFlags) []TargetResult {
	i := f.interval.Seconds()
	out := []TargetResult{
		{Name: "sustained polls/s", Want: fmt.Sprintf(">= %.0f (N/I)", float64(f.n)/i), Got: r.PollsPerSec, Passed: r.PollsPerSec >= 0.98*float64(f.n)/i},
		{Name: "upstat cores (avg)", Want: "<= 1", Got: r.UpstatCores, Passed: r.UpstatCores <= 1},
		{Name: "upstat cores, polls only (avg)", Want: "<= 0.1", Got: r.UpstatCoresPolls, Passed: r.UpstatCoresPolls <= 0.1},
		{Name: "upstat RSS peak MiB", Want: "<= 150", Got: r.RSSPeakMiB, Passed: r.RSSPeakMiB <= 150},
		{Name: "detection p99 after the poll (ms)", Want: "<= 1000", Got: r.DetectFromPoll.P99, Passed: r.DetectFromPoll.Count > 0 && r.DetectFromPoll.P99 <= 1000},
		{Name: "detection p99 after the change (s)", Want: fmt.Sprintf("<= %.0f (I+1s)", i+1), Got: r.DetectFromChange.P99 / 1000, Passed: r.DetectFromChange.Count > 0 && r.DetectFromChange.P99 <= (i+1)*1000},
		{Name: "changes detected", Want: fmt.Sprintf("= %d", r.Changes), Got: float64(r.Detected), Passed: r.Detected == r.Changes},
		{Name: "GET vendor p99 (ms)", Want: "<= 10", Got: r.APIVendor.P99, Passed: r.APIVendor.Count > 0 && r.APIVendor.P99 <= 10},
		{Name: "GET summary p99 (ms)", Want: "<= 100", Got: r.APISummary.P99, Passed: r.APISummary.Count > 0 && r.APISummary.P99 <= 100},
	}
	if r.BurstRatio > 0 {
		out = append(out, TargetResult{Name: "CPU/poll vs burst floor", Want: "<= 2x", Got: r.BurstRatio, Passed: r.BurstRatio <= 2})
	}
	return out
}

func printTable(w io.Writer, r *Report) {
	fmt.Fprintf(w, "\nupstat load run: %d vendors (%d sources on %d hosts), interval %s, %.1f%% changing per cycle, window %s, %d cores\n\n",
		r.Vendors, r.Sources, r.Hosts, r.Interval, r.ChangeFrac*100, r.Window, r.Cores)
	row := func(k, v string) { fmt.Fprintf(w, "  %-40s %s\n", k, v) }
	row("polls/s (sustained)", fmt.Sprintf("%.1f", r.PollsPerSec))
	row("304 / not-modified fraction", fmt.Sprintf("%.3f (fixture side %.3f, %.1f req/s)", r.NotModified, r.Fixture304, r.FixtureRPS))
	row("poll errors (whole run)", fmt.Sprintf("%.0f", r.PollErrors))
	row("upstat CPU", fmt.Sprintf("%.1f s; cores avg %.2f polls only, %.2f with API load", r.UpstatCPU, r.UpstatCoresPolls, r.UpstatCores))
	row("upstat CPU s / 1000 polls (polls only)", fmt.Sprintf("%.3f", r.CPUPer1000))
	row("paced floor CPU s / 1000 polls", fmt.Sprintf("%.3f (%d polls, %.1f s)", r.FloorCPUPer1000, r.FloorPolls, r.FloorCPU))
	row("burst floor CPU s / 1000 polls", fmt.Sprintf("%.3f (%d polls, %.1f s)", r.BurstCPUPer1000, r.BurstPolls, r.BurstCPU))
	row("upstat / floor CPU per poll", fmt.Sprintf("%.2fx paced, %.2fx burst", r.FloorRatio, r.BurstRatio))
	row("RSS peak / steady", fmt.Sprintf("%.0f / %.0f MiB", r.RSSPeakMiB, r.RSSSteadyMiB))
	row("database size", fmt.Sprintf("%.1f MiB", r.DBSizeMiB))
	row("one /metrics scrape (after the window)", fmt.Sprintf("%.1f s; RSS peak after it %.0f MiB", r.MetricsScrapeSec, r.MetricsRSSPeakMiB))
	row("changes / detected", fmt.Sprintf("%d / %d", r.Changes, r.Detected))
	pct := func(p Percentiles, unit float64, u string) string {
		return fmt.Sprintf("p50 %.1f%s  p99 %.1f%s  max %.1f%s  (n=%d, errors %d)", p.P50/unit, u, p.P99/unit, u, p.Max/unit, u, p.Count, p.Errors)
	}
	row("detection from change", pct(r.DetectFromChange, 1000, "s"))
	row("detection from the poll that saw it", pct(r.DetectFromPoll, 1, "ms"))
	row(fmt.Sprintf("GET /vendors/{id} @ %.0f/s", r.VendorRate), pct(r.APIVendor, 1, "ms"))
	row(fmt.Sprintf("GET /incidents?... @ %.0f/s", r.IncRate), pct(r.APIIncidents, 1, "ms"))
	row(fmt.Sprintf("GET /summary @ %.0f/s", r.SummaryRate), pct(r.APISummary, 1, "ms"))
	fmt.Fprintf(w, "\n  %-40s %-14s %-12s %s\n", "target", "want", "got", "")
	for _, t := range r.Targets {
		mark := "ok"
		if !t.Passed {
			mark = "MISSED"
		}
		fmt.Fprintf(w, "  %-40s %-14s %-12.2f %s\n", t.Name, t.Want, t.Got, mark)
	}
	fmt.Fprintln(w)
}
