package probe

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRunner: a vendor's endpoint starts failing at T; its observed
// signal turns failing within interval × K + 1 s, names the probe, and
// recovers once the endpoint does; the metric follows.
func TestRunner(t *testing.T) {
	var down atomic.Bool
	check := func(_ context.Context, s *Spec) error {
		if s.Name == "api" && down.Load() {
			return errors.New("http 503")
		}
		return nil
	}
	var mu sync.Mutex
	var changes []Observed
	reg := prometheus.NewRegistry()
	r, err := New(Options{Check: check, Registry: reg, StartSpread: time.Millisecond,
		OnChange: func(vendor string, o Observed) {
			mu.Lock()
			defer mu.Unlock()
			if vendor == "acme" {
				changes = append(changes, o)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	const interval, k = 100 * time.Millisecond, 3
	spec := func(name string) Spec {
		return Spec{Vendor: "acme", Name: name, Kind: KindHTTP, Interval: interval, Timeout: time.Second, FailAfter: k, RecoverAfter: 2}
	}
	if o, ok := r.Observed("acme"); ok {
		t.Fatalf("before Start: %+v", o)
	}
	r.Start(context.Background(), []Spec{spec("api"), spec("smtp")})
	defer r.Stop()
	observed := func() Observed { o, _ := r.Observed("acme"); return o }
	waitUntil(t, 5*time.Second, "observed ok", func() bool { return observed().Status == StatusOK })

	down.Store(true)
	start := time.Now()
	waitUntil(t, 10*time.Second, "observed failing", func() bool { return observed().Status == StatusFailing })
	if took, limit := time.Since(start), interval*k+time.Second; took > limit {
		t.Fatalf("failing after %s, want within %s", took, limit)
	}
	if o := observed(); len(o.Failing) != 1 || o.Failing[0] != "api" {
		t.Fatalf("failing = %v, want [api]", o.Failing)
	}
	if v := testutil.ToFloat64(r.up.WithLabelValues("acme", "api")); v != 0 {
		t.Fatalf("upstat_probe_up{api} = %v, want 0", v)
	}
	down.Store(false)
	waitUntil(t, 10*time.Second, "observed ok again", func() bool { return observed().Status == StatusOK })
	if v := testutil.ToFloat64(r.up.WithLabelValues("acme", "api")); v != 1 {
		t.Fatalf("upstat_probe_up{api} = %v, want 1", v)
	}
	mu.Lock()
	defer mu.Unlock()
	var seq []Status
	for _, c := range changes {
		seq = append(seq, c.Status)
	}
	if len(seq) != 3 || seq[0] != StatusOK || seq[1] != StatusFailing || seq[2] != StatusOK {
		t.Fatalf("changes = %v, want ok, failing, ok", seq)
	}
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
