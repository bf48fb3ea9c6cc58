package statuspage

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/upstat/upstat/fixtures"
	"github.com/upstat/upstat/sources"
)

// retainedSources is how many Sources the retained-heap measurement keeps.
const retainedSources = 1000

// maxRetainedPerSource is the ceiling of TestRetainedHeapPerSource: what
// one Source may keep between polls, on average, for a population of
// realistic Statuspage pages (its cached state and its validators). At
// 10,000 vendors that is at most ~20 MB of the process's 300 MiB budget.
// (Keeping the decoded documents, as the adapter once did, took ~14.8 kB.)
const maxRetainedPerSource = 2 << 10

// retainedPerSource starts a load simulation with retainedSources
// Statuspage vendors, polls each once through its own Source (history
// included) and returns the heap those Sources retain, per Source, after
// a GC: the heap before they existed is subtracted, with the simulation's
// own reply cache already warm so that it is not counted.
func retainedPerSource(tb testing.TB) float64 {
	tb.Helper()
	// 1,250 vendors with the default mix hold 1,000 Statuspage pages.
	l, err := fixtures.StartLoad("127.0.0.1:0", fixtures.LoadOptions{Vendors: retainedSources * 5 / 4, Seed: 7})
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	var targets []fixtures.LoadTarget
	for _, tg := range l.Targets() {
		if tg.Kind == Kind && len(targets) < retainedSources {
			targets = append(targets, tg)
		}
	}
	if len(targets) != retainedSources {
		tb.Fatalf("simulation has %d Statuspage vendors, want %d", len(targets), retainedSources)
	}
	ctx := context.Background()
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tg := range targets { // render and cache every reply once
		for _, p := range []string{summaryPath, incidentsPath, maintenancesPath} {
			warm(tb, ctx, client, tg.URL+p)
		}
	}
	client.CloseIdleConnections()

	fetcher := sources.NewFetcher(sources.FetchOptions{Retries: -1, Timeout: 10 * time.Second})
	before := heapAfterGC()
	srcs := make([]*Source, len(targets))
	for i, tg := range targets {
		s, err := New(sources.Spec{Kind: Kind, URL: tg.URL, Vendor: tg.Vendor}, sources.Env{Fetcher: fetcher})
		if err != nil {
			tb.Fatal(err)
		}
		snap, err := s.Poll(ctx)
		if err != nil {
			tb.Fatalf("%s: poll: %v", tg.Vendor, err)
		}
		commit(snap)
		if snap.NotModified || len(snap.Components) != tg.Components {
			tb.Fatalf("%s: NotModified=%v with %d components, want %d", tg.Vendor, snap.NotModified, len(snap.Components), tg.Components)
		}
		srcs[i] = s
	}
	after := heapAfterGC()
	runtime.KeepAlive(srcs)
	runtime.KeepAlive(fetcher)
	return float64(int64(after)-int64(before)) / float64(len(srcs))
}

// warm fetches url once with a plain client and discards the body.
func warm(tb testing.TB, ctx context.Context, c *http.Client, url string) {
	tb.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatalf("warm %s: %v", url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

// heapAfterGC returns the live heap after two full collections.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestRetainedHeapPerSource keeps the memory a Source holds between polls
// under maxRetainedPerSource (go test -run RetainedHeap -v prints it).
func TestRetainedHeapPerSource(t *testing.T) {
	if testing.Short() {
		t.Skip("polls 1,000 simulated pages")
	}
	per := retainedPerSource(t)
	t.Logf("retained heap: %.0f B per Source (%d Statuspage sources)", per, retainedSources)
	if per > maxRetainedPerSource {
		t.Errorf("retained heap %.0f B per Source, want at most %d", per, maxRetainedPerSource)
	}
}

// BenchmarkRetainedHeap reports the retained heap per Source as a metric
// (B/source); the loop itself does nothing.
func BenchmarkRetainedHeap(b *testing.B) {
	per := retainedPerSource(b)
	for b.Loop() {
	}
	b.ReportMetric(per, "B/source")
}
