package probe

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func TestTrackerThresholds(t *testing.T) {
	spec := &Spec{Interval: 10 * time.Second, FailAfter: 3, RecoverAfter: 2}
	tr := tracker{status: StatusUnknown}
	fail := errors.New("http 503")
	steps := []struct {
		err     error
		changed bool
		want    Status
	}{
		{nil, false, StatusUnknown}, {nil, true, StatusOK}, // 2 successes: ok
		{fail, false, StatusOK}, {fail, false, StatusOK}, {fail, true, StatusFailing}, // 3 failures: failing
		{nil, false, StatusFailing}, {fail, false, StatusFailing}, // a lone success resets nothing
		{nil, false, StatusFailing}, {nil, true, StatusOK},
	}
	for i, s := range steps {
		at := t0.Add(time.Duration(i) * time.Second)
		if changed := tr.record(spec, s.err, at); changed != s.changed || tr.status != s.want {
			t.Fatalf("step %d: changed %v, status %s; want %v, %s", i, changed, tr.status, s.changed, s.want)
		}
		if s.changed && !tr.since.Equal(at) {
			t.Fatalf("step %d: since %v, want %v", i, tr.since, at)
		}
	}
}

// TestTrackerBackoff: while failing, checks slow down to at most 4× the
// interval; ok and unknown probes keep the interval.
func TestTrackerBackoff(t *testing.T) {
	spec := &Spec{Interval: 10 * time.Second, FailAfter: 2, RecoverAfter: 1}
	tr := tracker{status: StatusUnknown}
	var got []time.Duration
	for range 6 {
		tr.record(spec, errors.New("down"), t0)
		got = append(got, tr.delay(spec))
	}
	want := []time.Duration{10e9, 10e9, 20e9, 40e9, 40e9, 40e9}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("delays = %v, want %v", got, want)
	}
	tr.record(spec, nil, t0)
	if d := tr.delay(spec); d != spec.Interval {
		t.Fatalf("delay after recovery = %v, want the interval", d)
	}
}

func TestVendorObserved(t *testing.T) {
	names := []string{"api", "smtp", "dns"}
	st := func(s ...Status) []tracker {
		out := make([]tracker, len(s))
		for i := range s {
			out[i].status = s[i]
		}
		return out
	}
	prev := Observed{Status: StatusUnknown, Since: t0}
	at := t0.Add(time.Minute)
	for _, c := range []struct {
		states []tracker
		want   Observed
	}{
		{st(StatusOK, StatusOK, StatusOK), Observed{Status: StatusOK, Since: at, Failing: []string{}}},
		{st(StatusOK, StatusUnknown, StatusOK), Observed{Status: StatusUnknown, Since: t0, Failing: []string{}}},
		{st(StatusFailing, StatusUnknown, StatusFailing), Observed{Status: StatusFailing, Since: at, Failing: []string{"api", "dns"}}},
	} {
		if got := vendorObserved(names, c.states, prev, at); !reflect.DeepEqual(got, c.want) {
			t.Errorf("vendorObserved(%v) = %+v, want %+v", c.states, got, c.want)
		}
	}
}
