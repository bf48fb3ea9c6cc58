package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat/fixtures"
)

// peersFlags are the knobs of `upstat-bench peers`.
type peersFlags struct {
	sizes        []int
	interval     time.Duration
	window       time.Duration
	upstatBin    string
	gatusBin     string
	exporterBin  string
	exporterArgs string
	exporterPath string
	concurrency  int
	out          string
}

// PeerResult is one poller at one size.
type PeerResult struct {
	Peer       string  `json:"peer"`
	Vendors    int     `json:"vendors"`
	Window     string  `json:"window"`
	Requests   int64   `json:"requests"` // GETs the simulation served it in the window
	PollsPerS  float64 `json:"polls_per_sec"`
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUPerPoll float64 `json:"cpu_ms_per_poll"`
	RSSPeakMiB float64 `json:"rss_peak_mib"`
	Skipped    string  `json:"skipped,omitempty"`
}

// cmdPeers runs upstat, the burst floor and any peer binary given, one
// at a time, against the same simulated Statuspage vendors, and reports
// CPU per poll. A poll is a GET the simulation served the poller in the
// window (upstat's history fetches are set to once an hour, so after its
// first poll a poll is one GET, as for the peers).
func cmdPeers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f peersFlags
	fs := flag.NewFlagSet("peers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("n", "500,2000", "vendor counts, comma-separated (every poller runs at each)")
	fs.DurationVar(&f.interval, "interval", 10*time.Second, "poll interval of every poller")
	fs.DurationVar(&f.window, "duration", 30*time.Second, "measurement window per poller and size, after a warm-up")
	fs.StringVar(&f.upstatBin, "upstat", "", "upstat binary (default: go build ./cmd/upstat)")
	fs.StringVar(&f.gatusBin, "gatus", "", "Gatus binary (skipped when empty or absent)")
	fs.StringVar(&f.exporterBin, "exporter", "", "a Prometheus statuspage exporter binary (skipped when empty or absent)")
	fs.StringVar(&f.exporterArgs, "exporter-args", "--config.file={config} --web.listen-address={listen}",
		"the exporter's arguments; {config} (YAML list of statuspages: name, url), {urls} (one page URL a line) and {listen} are filled in")
	fs.StringVar(&f.exporterPath, "exporter-scrape", "/metrics", "path the harness scrapes every interval (an exporter fetches on scrape); empty: none")
	fs.IntVar(&f.concurrency, "concurrency", 256, "upstat poll.concurrency and the floor's workers")
	fs.StringVar(&f.out, "out", "bench-peers.json", "write the JSON results here (empty: don't)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("%w: -n %q", errUsage, *sizes)
		}
		f.sizes = append(f.sizes, n)
	}
	work, err := os.MkdirTemp("", "upstat-peers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if f.upstatBin, err = upstatBinary(ctx, f.upstatBin, work, stderr); err != nil {
		return err
	}
	var results []PeerResult
	for _, n := range f.sizes {
		rs, err := peersAt(ctx, f, n, work, stderr)
		if err != nil {
			return err
		}
		results = append(results, rs...)
	}
	printPeers(stdout, results)
	return writeReport(stdout, f.out, results)
}

// peer is one poller: how to configure and start it.
type peer struct {
	name string
	bin  string // empty: built in (upstat-bench itself)
	// start writes the peer's configuration in dir and returns its command.
	start func(ctx context.Context, dir string) (*exec.Cmd, error)
	// scrape, if set, is fetched every interval while the peer runs.
	scrape string
}

// peersAt measures every poller against n simulated Statuspage vendors.
func peersAt(ctx context.Context, f peersFlags, n int, work string, log io.Writer) ([]PeerResult, error) {
	// Statuspage only: the peers read Statuspage pages. (A share must be
	// positive to override the default mix; this one rounds to none.)
	sim, err := fixtures.StartLoad("127.0.0.1:0", fixtures.LoadOptions{Vendors: n, FeedShare: 1e-9, HTMLShare: 1e-9, Seed: 1})
	if err != nil {
		return nil, err
	}
	defer sim.Close()
	targets := sim.Targets()
	var out []PeerResult
	for _, p := range peerList(f, targets) {
		r := PeerResult{Peer: p.name, Vendors: n}
		if p.bin != "" {
			if _, err := os.Stat(p.bin); err != nil {
				r.Skipped = fmt.Sprintf("binary %s: %v", p.bin, err)
				logf(log, "%s at %d vendors: skipped (%s)", p.name, n, r.Skipped)
				out = append(out, r)
				continue
			}
		}
		dir := filepath.Join(work, fmt.Sprintf("%s-%d", p.name, n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		logf(log, "%s at %d vendors", p.name, n)
		if err := measurePeer(ctx, f, p, dir, n, sim, &r); err != nil {
			return nil, fmt.Errorf("%s at %d vendors: %w", p.name, n, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// peerList is upstat, the burst floor, and the peers given by path.
func peerList(f peersFlags, targets []fixtures.LoadTarget) []peer {
	listen, _ := freeAddr()
	ps := []peer{
		{name: "upstat", start: func(ctx context.Context, dir string) (*exec.Cmd, error) {
			rf := runFlags{interval: f.interval, concurrency: f.concurrency, historyEvery: time.Hour}
			cfg := filepath.Join(dir, "upstat.yaml")
			addr, err := freeAddr()
			if err != nil {
				return nil, err
			}
			if err := writeConfig(cfg, filepath.Join(dir, "upstat.db"), addr, rf, targets); err != nil {
				return nil, err
			}
			return exec.CommandContext(ctx, f.upstatBin, "serve", "--config", cfg, "--log-level", "warn"), nil
		}},
		{name: "burst-floor", start: func(ctx context.Context, dir string) (*exec.Cmd, error) {
			urls := filepath.Join(dir, "urls.txt")
			if err := writeFloorURLs(urls, floorURLs(targets, runFlags{interval: f.interval, historyEvery: time.Hour})); err != nil {
				return nil, err
			}
			self, err := os.Executable()
			if err != nil {
				return nil, err
			}
			return exec.CommandContext(ctx, self, "floor", "-mode", "burst", "-urls", urls, "-duration", "24h",
				"-concurrency", fmt.Sprint(f.concurrency)), nil
		}},
	}
	if f.gatusBin != "" {
		ps = append(ps, peer{name: "gatus", bin: f.gatusBin, start: func(ctx context.Context, dir string) (*exec.Cmd, error) {
			cfg := filepath.Join(dir, "gatus.yaml")
			if err := writeGatusConfig(cfg, f.interval, targets); err != nil {
				return nil, err
			}
			cmd := exec.CommandContext(ctx, f.gatusBin)
			cmd.Env = append(os.Environ(), "GATUS_CONFIG_PATH="+cfg)
			cmd.Dir = dir
			return cmd, nil
		}})
	}
	if f.exporterBin != "" {
		p := peer{name: "exporter", bin: f.exporterBin}
		if f.exporterPath != "" {
			p.scrape = "http://" + listen + f.exporterPath
		}
		p.start = func(ctx context.Context, dir string) (*exec.Cmd, error) {
			cfg, urls := filepath.Join(dir, "exporter.yaml"), filepath.Join(dir, "urls.txt")
			if err := writeExporterConfig(cfg, urls, targets); err != nil {
				return nil, err
			}
			args := strings.Fields(strings.NewReplacer("{config}", cfg, "{urls}", urls, "{listen}", listen).Replace(f.exporterArgs))
			cmd := exec.CommandContext(ctx, f.exporterBin, args...)
			cmd.Dir = dir
			return cmd, nil
		}
		ps = append(ps, p)
	}
	return ps
}

// measurePeer starts p, lets it warm up (first polls spread, one more
// interval), then measures its CPU, RSS and the GETs it made for the
// window, and stops it.
func measurePeer(ctx context.Context, f peersFlags, p peer, dir string, n int, sim *fixtures.Load, r *PeerResult) error {
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	cmd, err := p.start(pctx, dir)
	if err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(dir, "log.txt"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { stop(); <-exited }()
	mem := &memSampler{pid: cmd.Process.Pid}
	if p.scrape != "" {
		go scrapeEvery(pctx, p.scrape, f.interval)
	}
	// upstat spreads its first polls over n/200 s; the others start at
	// once or within an interval. Then one interval more.
	warm := firstPollsFor(n) + 2*f.interval
	if err := sleepOrExit(ctx, warm, mem, exited); err != nil {
		return fmt.Errorf("%w (log: %s)", err, logFile.Name())
	}
	cpu0, err := procCPU(cmd.Process.Pid)
	if err != nil {
		return err
	}
	req0, t0 := sim.Stats().Requests, time.Now()
	if err := sleepOrExit(ctx, f.window, mem, exited); err != nil {
		return fmt.Errorf("%w (log: %s)", err, logFile.Name())
	}
	cpu1, err := procCPU(cmd.Process.Pid)
	if err != nil {
		return err
	}
	elapsed := time.Since(t0)
	r.Window = elapsed.Round(time.Second).String()
	r.Requests = sim.Stats().Requests - req0
	r.PollsPerS = float64(r.Requests) / elapsed.Seconds()
	r.CPUSeconds = (cpu1 - cpu0).Seconds()
	if r.Requests > 0 {
		r.CPUPerPoll = r.CPUSeconds / float64(r.Requests) * 1000
	}
	mem.mu.Lock()
	r.RSSPeakMiB = float64(mem.hwm) / (1 << 20)
	mem.mu.Unlock()
	return nil
}

// firstPollsFor is how long upstat spreads n first polls (FirstPollRate).
func firstPollsFor(n int) time.Duration { return time.Duration(n/200+2) * time.Second }

// sleepOrExit waits d, sampling memory, and fails if the process exits
// (exited may be nil).
func sleepOrExit(ctx context.Context, d time.Duration, mem sampler, exited <-chan error) error {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		mem.sample()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-exited:
			return fmt.Errorf("exited early: %v", err)
		case <-time.After(min(time.Second, time.Until(end))):
		}
	}
	return nil
}

// scrapeEvery GETs url every interval until ctx ends.
func scrapeEvery(ctx context.Context, url string, every time.Duration) {
	client := &http.Client{Timeout: every}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if resp, err := client.Get(url); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}

// writeGatusConfig writes a Gatus configuration: one endpoint per vendor
// on its summary.json, in memory, web UI on a free port.
func writeGatusConfig(path string, interval time.Duration, targets []fixtures.LoadTarget) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	_, port, _ := strings.Cut(addr, ":")
	portN, _ := strconv.Atoi(port)
	type endpoint struct {
		Name       string   `yaml:"name"`
		URL        string   `yaml:"url"`
		Interval   string   `yaml:"interval"`
		Conditions []string `yaml:"conditions"`
	}
	var eps []endpoint
	for _, t := range targets {
		eps = append(eps, endpoint{Name: t.Vendor, URL: t.URL + "/api/v2/summary.json", Interval: interval.String(),
			Conditions: []string{"[STATUS] == 200"}})
	}
	cfg := map[string]any{
		"storage":   map[string]any{"type": "memory"},
		"web":       map[string]any{"address": "127.0.0.1", "port": portN},
		"endpoints": eps,
	}
	return writeYAML(path, cfg)
}

// writeExporterConfig writes the exporter's inputs: a YAML list of
// statuspages (name, url) and the same page URLs one a line.
func writeExporterConfig(cfgPath, urlsPath string, targets []fixtures.LoadTarget) error {
	type page struct {
		Name string `yaml:"name"`
		URL  string `yaml:"url"`
	}
	var pages []page
	var urls strings.Builder
	for _, t := range targets {
		pages = append(pages, page{Name: t.Vendor, URL: t.URL})
		fmt.Fprintln(&urls, t.URL)
	}
	if err := writeYAML(cfgPath, map[string]any{"statuspages": pages}); err != nil {
		return err
	}
	return os.WriteFile(urlsPath, []byte(urls.String()), 0o644)
}

func writeYAML(path string, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func printPeers(w io.Writer, rs []PeerResult) {
	fmt.Fprintf(w, "\n  %-12s %8s %10s %12s %14s %12s\n", "poller", "vendors", "polls/s", "CPU s", "CPU ms/poll", "RSS peak MiB")
	for _, r := range rs {
		if r.Skipped != "" {
			fmt.Fprintf(w, "  %-12s %8d  skipped: %s\n", r.Peer, r.Vendors, r.Skipped)
			continue
		}
		fmt.Fprintf(w, "  %-12s %8d %10.1f %12.2f %14.3f %12.0f\n", r.Peer, r.Vendors, r.PollsPerS, r.CPUSeconds, r.CPUPerPoll, r.RSSPeakMiB)
	}
	fmt.Fprintln(w)
}
