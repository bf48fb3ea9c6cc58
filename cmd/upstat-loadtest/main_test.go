package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestSmallLoadPasses runs the whole harness at a tiny scale: upstat and
// the simulated vendors in-process, a few clients and subscribers, and
// checks the report it prints as JSON.
func TestSmallLoadPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs upstat for a few seconds")
	}
	var stdout, stderr bytes.Buffer
	code, err := runMain(t.Context(), []string{"-json", "-duration", "1s", "-clients", "4", "-sse", "10",
		"-vendors", "3", "-components", "2", "-flips", "3", "-poll", "1s", "-settle", "20s"}, &stdout, &stderr)
	if err != nil || code != 0 {
		t.Fatalf("exit %d, %v\nstdout:\n%s\nstderr:\n%s", code, err, &stdout, &stderr)
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, &stdout)
	}
	if len(rep.Failures) != 0 || rep.Requests == 0 || rep.Errors != 0 {
		t.Errorf("report: %d requests, %d errors, failures %q", rep.Requests, rep.Errors, rep.Failures)
	}
	if len(rep.Endpoints) != len(endpoints) {
		t.Errorf("endpoints %+v", rep.Endpoints)
	}
	for _, e := range rep.Endpoints {
		if e.Requests == 0 || e.P50 <= 0 || e.P50 > e.P99 || e.P99 > e.Max {
			t.Errorf("endpoint %+v: want requests and ordered latencies", e)
		}
	}
	s := rep.SSE
	if s.Connected != 10 || s.Dropped != 0 || s.Errors != 0 || s.EventsCommitted == 0 ||
		s.MinPerClient < int64(s.EventsCommitted) || s.EventsReceived < 10*int64(s.EventsCommitted) {
		t.Errorf("sse %+v: want 10 subscribers each receiving every committed event", s)
	}
	if rep.Before.Goroutines == 0 || rep.End.Goroutines <= rep.Before.Goroutines {
		t.Errorf("snapshots before %+v end %+v: the load should show", rep.Before, rep.End)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-duration", "0s"}, {"-vendors", "0"}, {"-log-level", "loud"}, {"extra"}} {
		var out, errOut bytes.Buffer
		if code, err := runMain(t.Context(), args, &out, &errOut); code != 2 || err == nil {
			t.Errorf("%q: exit %d, %v; want 2 and an error", args, code, err)
		}
	}
}

func TestPercentile(t *testing.T) {
	ds := make([]time.Duration, 100)
	for i := range ds {
		ds[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{ds[:1], 99, time.Millisecond},
		{ds, 50, 50 * time.Millisecond},
		{ds, 99, 99 * time.Millisecond},
		{ds, 100, 100 * time.Millisecond},
		{ds[:10], 99, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(tt.ds, tt.p); got != tt.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(tt.ds), tt.p, got, tt.want)
		}
	}
}

func TestCheckReportsEveryFailure(t *testing.T) {
	c := defaultLoadConfig()
	c.Subscribers = 2
	r := &Report{Errors: 3, SSE: sseStats{Connected: 1, Dropped: 1, Errors: 2, EventsCommitted: 5, MinPerClient: 4},
		Before: Snapshot{Goroutines: 100, HeapInuseMiB: 10}, After: Snapshot{Goroutines: 200, HeapInuseMiB: 100}}
	r.check(c)
	got := strings.Join(r.Failures, "\n")
	for _, want := range []string{"3 API requests failed", "2 event-stream errors", "1 event streams dropped",
		"1 of 2 subscribers connected", "received 4 events of the 5", "100 more goroutines", "grew by 90 MiB"} {
		if !strings.Contains(got, want) {
			t.Errorf("failures lack %q:\n%s", want, got)
		}
	}
}
