package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a load run (the -json output).
type Report struct {
	Config      reportConfig    `json:"config"`
	Elapsed     string          `json:"elapsed"`
	Requests    int64           `json:"requests"`
	Errors      int64           `json:"errors"`
	PerSecond   float64         `json:"requests_per_second"`
	Endpoints   []endpointStats `json:"endpoints"`
	ErrorSample []string        `json:"error_sample,omitempty"`
	SSE         sseStats        `json:"sse"`
	Before      Snapshot        `json:"before"`
	End         Snapshot        `json:"end"`
	After       Snapshot        `json:"after_settle"`
	Failures    []string        `json:"failures"`
}

// reportConfig echoes the load that ran.
type reportConfig struct {
	Duration       string `json:"duration"`
	Clients        int    `json:"clients"`
	Subscribers    int    `json:"subscribers"`
	Vendors        int    `json:"vendors"`
	Components     int    `json:"components"`
	FlipsPerSecond int    `json:"flips_per_second"`
	PollInterval   string `json:"poll_interval"`
	OpenFileLimit  uint64 `json:"open_file_limit"`
}

// endpointStats are one endpoint's successful requests and latencies in
// milliseconds.
type endpointStats struct {
	Endpoint string  `json:"endpoint"`
	Requests int     `json:"requests"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
}

// sseStats is what the subscribers saw. EventsCommitted is how many events
// the store gained while every subscriber was connected: each must have
// received at least that many (more: those committed while the others
// were still connecting).
type sseStats struct {
	Subscribers     int      `json:"subscribers"`
	Connected       int64    `json:"connected"`
	Dropped         int64    `json:"dropped"`
	Errors          int64    `json:"errors"`
	EventsReceived  int64    `json:"events_received"`
	EventsCommitted int      `json:"events_committed"`
	MinPerClient    int64    `json:"min_events_per_subscriber"`
	MaxPerClient    int64    `json:"max_events_per_subscriber"`
	ErrorSample     []string `json:"error_sample,omitempty"`
}

// Snapshot is the process's state at one moment (after a GC).
type Snapshot struct {
	Goroutines   int    `json:"goroutines"`
	HeapInuseMiB uint64 `json:"heap_inuse_mib"`
	RSSMiB       uint64 `json:"rss_mib"`
}

func (s Snapshot) String() string {
	return fmt.Sprintf("%d goroutines, heap in use %d MiB, RSS %d MiB", s.Goroutines, s.HeapInuseMiB, s.RSSMiB)
}

// measure collects garbage and takes a Snapshot. It collects twice: what
// sync.Pools held at the first collection is freed only at the second.
func measure() Snapshot {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Snapshot{Goroutines: runtime.NumGoroutine(), HeapInuseMiB: ms.HeapInuse >> 20, RSSMiB: rssKiB() >> 10}
}

// settle waits (up to limit) for the goroutine count to fall to target,
// then returns a Snapshot.
func settle(ctx context.Context, target int, limit time.Duration) Snapshot {
	_ = until(ctx, limit, 100*time.Millisecond, func() bool { return runtime.NumGoroutine() <= target })
	return measure()
}

// rssKiB reads the resident set size from /proc (0 where there is none).
func rssKiB() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:")); ok {
			f := bytes.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseUint(string(f[0]), 10, 64)
				return n
			}
		}
	}
	return 0
}

// fill computes the report's figures from the clients.
func (r *Report) fill(elapsed time.Duration, api *apiClients, subs *subscribers, committed int) {
	r.Elapsed = elapsed.Round(time.Millisecond).String()
	r.Requests, r.Errors = api.totals()
	r.PerSecond = float64(r.Requests) / elapsed.Seconds()
	r.ErrorSample = api.errs
	for _, ep := range endpoints {
		ds := api.samples[ep]
		slices.Sort(ds)
		r.Endpoints = append(r.Endpoints, endpointStats{Endpoint: ep, Requests: len(ds),
			P50: ms(percentile(ds, 50)), P99: ms(percentile(ds, 99)), Max: ms(percentile(ds, 100))})
	}
	r.SSE = sseStats{
		Subscribers: r.Config.Subscribers, Connected: subs.opened.Load(), Dropped: subs.dropped.Load(),
		Errors: subs.failures.Load(), EventsReceived: subs.events.Load(), EventsCommitted: committed,
		ErrorSample: subs.errs,
	}
	r.SSE.MinPerClient, r.SSE.MaxPerClient = subs.fewest(), subs.most()
}

// check records every failed acceptance check.
func (r *Report) check(c loadConfig) {
	fail := func(format string, args ...any) { r.Failures = append(r.Failures, fmt.Sprintf(format, args...)) }
	if r.Errors > 0 {
		fail("%d API requests failed", r.Errors)
	}
	if r.SSE.Errors > 0 {
		fail("%d event-stream errors", r.SSE.Errors)
	}
	if r.SSE.Dropped > 0 {
		fail("%d event streams dropped by the server", r.SSE.Dropped)
	}
	if r.SSE.Connected != int64(c.Subscribers) {
		fail("%d of %d subscribers connected", r.SSE.Connected, c.Subscribers)
	}
	if c.Subscribers > 0 && r.SSE.MinPerClient < int64(r.SSE.EventsCommitted) {
		fail("a subscriber received %d events of the %d committed while all were connected",
			r.SSE.MinPerClient, r.SSE.EventsCommitted)
	}
	if g := r.After.Goroutines - r.Before.Goroutines; g > c.GoroutineSlack {
		fail("%d more goroutines after settling than before the load (slack %d)", g, c.GoroutineSlack)
	}
	if h := int64(r.After.HeapInuseMiB) - int64(r.Before.HeapInuseMiB); h > c.HeapSlackMiB {
		fail("heap in use grew by %d MiB (slack %d MiB)", h, c.HeapSlackMiB)
	}
	if r.Failures == nil {
		r.Failures = []string{}
	}
}

// percentile returns the p-th percentile (nearest rank) of sorted ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(ds))+0.5) - 1
	return ds[min(max(rank, 0), len(ds)-1)]
}

// ms converts d to milliseconds with a tenth.
func ms(d time.Duration) float64 {
	return float64(d.Round(100*time.Microsecond)) / float64(time.Millisecond)
}

// writeTable prints the report for people.
func (r *Report) writeTable(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "load: %d API clients, %d SSE subscribers, %s; %d vendors x %d components polled every %s, %d flips/s; open files %d\n\n",
		c.Clients, c.Subscribers, r.Elapsed, c.Vendors, c.Components, c.PollInterval, c.FlipsPerSecond, c.OpenFileLimit)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\trequests\tp50 ms\tp99 ms\tmax ms\t")
	for _, e := range r.Endpoints {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t\n", e.Endpoint, e.Requests, e.P50, e.P99, e.Max)
	}
	fmt.Fprintf(tw, "all\t%d\t\t\t\t\n", r.Requests)
	_ = tw.Flush()
	fmt.Fprintf(w, "\nrequests: %d (%.0f/s), errors: %d\n", r.Requests, r.PerSecond, r.Errors)
	for _, e := range r.ErrorSample {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	s := r.SSE
	fmt.Fprintf(w, "sse: %d/%d connected, %d dropped, %d errors; %d events received (%d committed meanwhile; per subscriber %d..%d)\n",
		s.Connected, s.Subscribers, s.Dropped, s.Errors, s.EventsReceived, s.EventsCommitted, s.MinPerClient, s.MaxPerClient)
	for _, e := range s.ErrorSample {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	fmt.Fprintf(w, "\nbefore: %s\nend:    %s\nafter:  %s\n", r.Before, r.End, r.After)
	if len(r.Failures) == 0 {
		fmt.Fprintln(w, "\nPASS")
		return
	}
	fmt.Fprintln(w, "\nFAIL")
	for _, f := range r.Failures {
		fmt.Fprintf(w, "  %s\n", f)
	}
}
