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
func cmdFloor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	urlsFile := fs.String("urls", "", "file of URLs to poll (written by run)")
	duration := fs.Duration("duration", time.Minute, "how long to poll")
	concurrency := fs.Int("concurrency", 256, "concurrent requests")
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
	client := &http.Client{Transport: t, Timeout: 15 * time.Second}
	var res FloorResult
	var polls, requests, notMod, errs atomic.Int64
	sem := make(chan struct{}, *concurrency)
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
				status, tag, err := bareGet(ctx, client, u.url, etag)
				<-sem
				if ctx.Err() != nil {
					return
				}
				requests.Add(1)
				if u.primary {
					polls.Add(1)
				}
				switch {
				case err != nil:
					errs.Add(1)
				case status == http.StatusNotModified:
					notMod.Add(1)
				default:
					etag = tag
				}
				timer.Reset(u.every)
			}
		}()
	}
	wg.Wait()
	res.Polls, res.Requests, res.NotModified, res.Errors = polls.Load(), requests.Load(), notMod.Load(), errs.Load()
	return json.NewEncoder(stdout).Encode(res)
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
