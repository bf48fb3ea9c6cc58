package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// floorURL is one URL the bare client polls, and how often.
type floorURL struct {
	url     string
	every   time.Duration
	primary bool // the first request of a poll (the rest are history fetches)
}

// FloorResult is what `upstat-bench floor` prints when it ends.
type FloorResult struct {
	Polls       int64 `json:"polls"`
	Requests    int64 `json:"requests"`
	NotModified int64 `json:"not_modified"`
	Errors      int64 `json:"errors"`
}

// writeFloorURLs writes the floor's URL list: "primary|history SECONDS URL" per line.
func writeFloorURLs(path string, urls []floorURL) error {
	var b strings.Builder
	for _, u := range urls {
		kind := "history"
		if u.primary {
			kind = "primary"
		}
		fmt.Fprintf(&b, "%s %g %s\n", kind, u.every.Seconds(), u.url)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func readFloorURLs(path string) ([]floorURL, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("floor urls: %w", err)
	}
	defer fh.Close()
	var out []floorURL
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		var kind, url string
		var secs float64
		if _, err := fmt.Sscanf(sc.Text(), "%s %g %s", &kind, &secs, &url); err != nil {
			return nil, fmt.Errorf("floor urls: line %q: %w", sc.Text(), err)
		}
		out = append(out, floorURL{url: url, every: time.Duration(secs * float64(time.Second)), primary: kind == "primary"})
	}
	return out, sc.Err()
}

// cmdFloor is the bare client: it GETs each URL at its interval with
// If-None-Match, reads and discards the body, and neither parses nor
// stores anything. Its CPU is the floor upstat is compared with.
//
// Two shapes: -mode paced gives every URL its own timer and goroutine
// (each request wakes the process on its own), -mode burst keeps one
// ticker that sends every URL due in a tick to a fixed pool of workers
// (one wake-up serves many requests). Their difference is the price of
// waking up.
func cmdFloor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	urlsFile := fs.String("urls", "", "file of URLs to poll (written by run)")
	duration := fs.Duration("duration", time.Minute, "how long to poll")
	concurrency := fs.Int("concurrency", 256, "concurrent requests")
	mode := fs.String("mode", "paced", "paced (a timer per URL) or burst (one ticker, a worker pool)")
	tick := fs.Duration("tick", 100*time.Millisecond, "burst mode: the ticker's period")
	if err := fs.Parse(args); err != nil {
		return err
	}
	urls, err := readFloorURLs(*urlsFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 1024, 64
	fc := &floorClient{client: &http.Client{Transport: t, Timeout: 15 * time.Second}}
	switch *mode {
	case "paced":
		fc.paced(ctx, urls, *concurrency)
	case "burst":
		fc.burst(ctx, urls, *concurrency, *tick)
	default:
		return fmt.Errorf("%w: -mode %q (paced or burst)", errUsage, *mode)
	}
	return json.NewEncoder(stdout).Encode(fc.result())
}

// floorClient does the floor's GETs and counts them.
type floorClient struct {
	client                        *http.Client
	polls, requests, notMod, errs atomic.Int64
}

// get GETs u once with the ETag it last saw and counts the outcome; it
// returns the ETag to send next time.
func (fc *floorClient) get(ctx context.Context, u floorURL, etag string) string {
	status, tag, err := bareGet(ctx, fc.client, u.url, etag)
	if ctx.Err() != nil {
		return etag
	}
	fc.requests.Add(1)
	if u.primary {
		fc.polls.Add(1)
	}
	switch {
	case err != nil:
		fc.errs.Add(1)
	case status == http.StatusNotModified:
		fc.notMod.Add(1)
	default:
		return tag
	}
	return etag
}

func (fc *floorClient) result() FloorResult {
	return FloorResult{Polls: fc.polls.Load(), Requests: fc.requests.Load(), NotModified: fc.notMod.Load(), Errors: fc.errs.Load()}
}

// paced: a goroutine and a timer per URL.
func (fc *floorClient) paced(ctx context.Context, urls []floorURL, concurrency int) {
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for _, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			etag := ""
			timer := time.NewTimer(time.Duration(rand.Int64N(int64(u.every))))
			defer timer.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
				sem <- struct{}{}
				etag = fc.get(ctx, u, etag)
				<-sem
				if ctx.Err() != nil {
					return
				}
				timer.Reset(u.every)
			}
		}()
	}
	wg.Wait()
}

// burstURL is one URL of the burst floor.
type burstURL struct {
	floorURL
	etag string      // owned by the worker holding it
	busy atomic.Bool // queued or in flight: not queued again
	due  time.Time   // owned by the ticker loop
}

// burst: one ticker; at each tick every due URL goes to a fixed pool of
// workers.
func (fc *floorClient) burst(ctx context.Context, urls []floorURL, concurrency int, tick time.Duration) {
	now := time.Now()
	all := make([]*burstURL, len(urls))
	for i, u := range urls {
		all[i] = &burstURL{floorURL: u, due: now.Add(time.Duration(rand.Int64N(int64(u.every))))}
	}
	work := make(chan *burstURL, len(all))
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				u.etag = fc.get(ctx, u.floorURL, u.etag)
				u.busy.Store(false)
			}
		}()
	}
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case now := <-ticker.C:
			for _, u := range all {
				if !u.due.After(now) && u.busy.CompareAndSwap(false, true) {
					u.due = u.due.Add(u.every)
					work <- u
				}
			}
		}
	}
	close(work)
	wg.Wait()
}

func bareGet(ctx context.Context, client *http.Client, url, etag string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, "", err
	}
	return resp.StatusCode, resp.Header.Get("ETag"), nil
}
