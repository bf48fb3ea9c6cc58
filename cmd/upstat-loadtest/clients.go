package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// newTransport is the one transport every client shares, with room for
// every connection of the load to stay open and be reused.
func newTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// requestTimeout bounds one API request of the load (a request slower
// than this counts as an error).
const requestTimeout = 30 * time.Second

// Endpoints the API clients call, in the order each client cycles through
// them.
const (
	epSummary   = "summary"
	epVendor    = "vendor"
	epIncidents = "incidents"
	epEvents    = "events"
)

var endpoints = []string{epSummary, epVendor, epIncidents, epEvents}

// apiClients runs closed-loop API clients: each sends its next request as
// soon as the previous answer was read.
type apiClients struct {
	hc      *http.Client
	base    string
	vendors []string

	halt     chan struct{}
	wg       sync.WaitGroup
	requests atomic.Int64
	failures atomic.Int64

	mu      sync.Mutex
	samples map[string][]time.Duration // latencies of successful requests
	errs    []string                   // the first few failures
}

func newAPIClients(hc *http.Client, base string, vendors []string) *apiClients {
	return &apiClients{hc: hc, base: base, vendors: vendors, halt: make(chan struct{}),
		samples: map[string][]time.Duration{}}
}

// start launches n clients.
func (a *apiClients) start(n int) {
	for i := range n {
		a.wg.Go(func() { a.loop(i) })
	}
}

// stop asks the clients to finish their current request and waits for
// them.
func (a *apiClients) stop() {
	close(a.halt)
	a.wg.Wait()
}

// totals returns requests and failures so far.
func (a *apiClients) totals() (int64, int64) { return a.requests.Load(), a.failures.Load() }

// loop is one client: it cycles through the endpoints (starting at its own
// offset) and follows the event listing from its own cursor, as a poller
// would.
func (a *apiClients) loop(id int) {
	samples := map[string][]time.Duration{}
	defer a.merge(samples)
	cursor := ""
	for n := id; ; n++ {
		select {
		case <-a.halt:
			return
		default:
		}
		ep := endpoints[n%len(endpoints)]
		vendor := a.vendors[(id*7+n)%len(a.vendors)]
		var target string
		switch ep {
		case epSummary:
			target = "/api/v1/summary"
		case epVendor:
			target = "/api/v1/vendors/" + vendor
		case epIncidents:
			target = "/api/v1/incidents?limit=50&vendor=" + vendor
		case epEvents:
			target = "/api/v1/events?since=" + url.QueryEscape(cursor)
		}
		start := time.Now()
		body, err := a.get(target)
		took := time.Since(start)
		a.requests.Add(1)
		if err == nil && ep == epEvents {
			cursor, err = nextCursor(body)
		}
		if err != nil {
			a.fail(fmt.Errorf("%s: %w", target, err))
			continue
		}
		samples[ep] = append(samples[ep], took)
	}
}

// get fetches target and returns its body, or an error for a transport
// failure or any status but 2xx.
func (a *apiClients) get(target string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+target, nil)
	if err != nil {
		return nil, err
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("%s: %.200s", resp.Status, body)
	}
	return body, nil
}

// nextCursor reads next_cursor from an event listing.
func nextCursor(body []byte) (string, error) {
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return "", fmt.Errorf("decode events: %w", err)
	}
	if page.NextCursor == "" {
		return "", fmt.Errorf("events: empty next_cursor")
	}
	return page.NextCursor, nil
}

// fail counts a failed request and keeps the first few messages.
func (a *apiClients) fail(err error) {
	a.failures.Add(1)
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.errs) < 10 {
		a.errs = append(a.errs, err.Error())
	}
}

// merge adds one client's latencies to the totals.
func (a *apiClients) merge(samples map[string][]time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for ep, ds := range samples {
		a.samples[ep] = append(a.samples[ep], ds...)
	}
}

// subscribers holds the event-stream clients. A stream that ends before
// close is dropped; one that cannot open, or fails while reading, is an
// error.
type subscribers struct {
	hc   *http.Client
	base string

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	active   atomic.Int64
	opened   atomic.Int64
	dropped  atomic.Int64
	failures atomic.Int64
	events   atomic.Int64

	received []atomic.Int64 // events per subscriber
	mu       sync.Mutex
	errs     []string
}

func newSubscribers(hc *http.Client, base string) *subscribers {
	ctx, cancel := context.WithCancel(context.Background())
	return &subscribers{hc: hc, base: base, ctx: ctx, cancel: cancel}
}

// openConcurrency is how many streams open at once (the listen backlog
// and the TLS-less handshake are cheap, but a thundering herd of a
// thousand is not what browsers do either).
const openConcurrency = 50

// open starts n subscribers and returns once each has its answer (or
// failed to get one). An error means ctx ended first.
func (s *subscribers) open(ctx context.Context, n int) error {
	s.received = make([]atomic.Int64, n)
	sem := make(chan struct{}, openConcurrency)
	var ready sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		ready.Add(1)
		s.wg.Go(func() {
			s.subscribe(&s.received[i], func() { <-sem; ready.Done() })
		})
	}
	ready.Wait()
	return ctx.Err()
}

// subscribe is one subscriber: it opens the stream, calls opened once the
// answer is in (or failed), then counts events into count until the
// stream ends.
func (s *subscribers) subscribe(count *atomic.Int64, opened func()) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, s.base+"/api/v1/events", nil)
	if err != nil {
		opened()
		s.fail(err)
		return
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := s.hc.Do(req)
	opened()
	if err != nil {
		s.fail(err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		s.fail(fmt.Errorf("open stream: %s: %s", resp.Status, body))
		return
	}
	s.opened.Add(1)
	s.active.Add(1)
	defer s.active.Add(-1)
	br := bufio.NewReaderSize(resp.Body, 16<<10)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			switch {
			case s.ctx.Err() != nil: // closed by us
			case err == io.EOF:
				s.dropped.Add(1)
			default:
				s.fail(fmt.Errorf("read stream: %w", err))
			}
			return
		}
		if bytes.HasPrefix(line, []byte("event: ")) {
			count.Add(1)
			s.events.Add(1)
		}
	}
}

// fail counts a subscriber error, keeping the first few messages.
func (s *subscribers) fail(err error) {
	if s.ctx.Err() != nil {
		return // closing
	}
	s.failures.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) < 10 {
		s.errs = append(s.errs, err.Error())
	}
}

// fewest returns the fewest events any subscriber has received.
func (s *subscribers) fewest() int64 {
	if len(s.received) == 0 {
		return 0
	}
	least := s.received[0].Load()
	for i := range s.received {
		least = min(least, s.received[i].Load())
	}
	return least
}

// most returns the most events any subscriber has received.
func (s *subscribers) most() int64 {
	var most int64
	for i := range s.received {
		most = max(most, s.received[i].Load())
	}
	return most
}

// close ends every stream and waits for the subscribers.
func (s *subscribers) close() {
	s.cancel()
	s.wg.Wait()
}
