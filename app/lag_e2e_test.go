package app

import (
	"math"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upstat/upstat/fixtures"
	"github.com/upstat/upstat/reliability"
)

// offsetClock is the real clock moved forward by Advance: timers, polls
// and probes run in real time, while the times upstat and the simulated
// page record can jump ahead.
type offsetClock struct{ off atomic.Int64 }

// Now is time.Now plus every Advance so far.
func (c *offsetClock) Now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

// Advance moves the clock forward by d.
func (c *offsetClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// TestAckLagSixtySeconds is the acceptance run for the lag: the vendor's
// endpoint starts failing at T and its page posts an incident at T+60 s
// (on a clock the app and the page share, moved forward instead of
// waiting); the incident's lag is recorded as ≈ 60 s, on
// /api/v1/vendors/{id}/reliability and in upstat_vendor_ack_lag_seconds.
func TestAckLagSixtySeconds(t *testing.T) {
	endpoint, down := flakyEndpoint(t)
	clock := &offsetClock{}
	h := newHarness(t)
	h.now, h.sim.Now = clock.Now, clock.Now
	const interval, k = 200 * time.Millisecond, 2
	// stale_after is long: the clock's jump must not make the vendor
	// stale before its next poll.
	h.cfg = h.probedConfig(endpoint, interval, k, "10m", "")
	h.start()
	defer h.stop()
	observed := func() string {
		var v struct{ Observed *struct{ Status string } }
		h.get("/api/v1/vendors/acme", &v)
		if v.Observed == nil {
			return ""
		}
		return v.Observed.Status
	}
	h.waitFor("acme operational", func() bool { return h.vendor("acme").Status == "operational" })
	h.waitFor("observed ok", func() bool { return observed() == "ok" })

	failedAt := clock.Now() // T
	down.Store(true)
	h.waitFor("observed failing", func() bool { return observed() == "failing" })
	detectBy := clock.Now()
	if detectBy.Sub(failedAt) > interval*k*11/10+time.Second {
		t.Fatalf("observed failing %s after T, want within interval × K + 1s", detectBy.Sub(failedAt))
	}

	// The page posts its incident at T+60 s.
	clock.Advance(failedAt.Add(60 * time.Second).Sub(clock.Now()))
	postedAt := clock.Now()
	must(t, h.sim.OpenIncident("acme", "late60", "API errors", "major", fixtures.Major, "We are investigating.", "api"))

	var rep reliability.Report
	h.waitFor("the incident in the reliability report", func() bool {
		h.get("/api/v1/vendors/acme/reliability", &rep)
		return len(rep.Incidents) > 0
	})
	if len(rep.Incidents) != 1 || rep.Incidents[0].IncidentID != "acme:late60" || rep.Incidents[0].DetectedAt == nil {
		t.Fatalf("reliability = %+v, want acme:late60 detected", rep)
	}
	l := rep.Incidents[0]
	// Detected between T and when the API said failing; acknowledged at
	// the incident's start as posted (the page's times are milliseconds).
	if l.DetectedAt.Before(failedAt) || l.DetectedAt.After(detectBy) {
		t.Fatalf("detected_at %v, want between T %v and %v", l.DetectedAt, failedAt, detectBy)
	}
	if d := l.AcknowledgedAt.Sub(postedAt); d < -time.Millisecond || d > 100*time.Millisecond {
		t.Fatalf("acknowledged_at %v, want the incident's start %v", l.AcknowledgedAt, postedAt)
	}
	// ≈ 60 s: less only by how long detection took, more only by the
	// instant between moving the clock and posting.
	lo, hi := 60-detectBy.Sub(failedAt).Seconds(), 60.1
	if l.LagSeconds < lo || l.LagSeconds > hi || l.LagSeconds != l.AcknowledgedAt.Sub(*l.DetectedAt).Seconds() {
		t.Fatalf("lag %+v, want acknowledged_at − detected_at within [%.3f, %.1f] s", l, lo, hi)
	}
	if rep.MedianLagSeconds == nil || *rep.MedianLagSeconds != l.LagSeconds {
		t.Fatalf("median %v, want the one lag %v", rep.MedianLagSeconds, l.LagSeconds)
	}

	h.waitFor("the lag histogram", func() bool { return h.metric(`upstat_vendor_ack_lag_seconds_count{vendor="acme"}`) == "1" })
	sum, err := strconv.ParseFloat(h.metric(`upstat_vendor_ack_lag_seconds_sum{vendor="acme"}`), 64)
	if err != nil || math.Abs(sum-l.LagSeconds) > 1e-3 {
		t.Fatalf("upstat_vendor_ack_lag_seconds_sum = %v (%v), want the lag %v", sum, err, l.LagSeconds)
	}
}
