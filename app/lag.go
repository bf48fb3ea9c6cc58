package app

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/reliability"
)

// newLagHistogram is upstat_vendor_ack_lag_seconds.
func newLagHistogram() *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "upstat_vendor_ack_lag_seconds",
		Help:    "Time from upstat first seeing trouble (a failing probe, a degraded component) to the start of the incident the vendor posted; 0 when the vendor posted first.",
		Buckets: []float64{0, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200},
	}, []string{"vendor"})
}

// trackLag follows the aggregator's events until ctx ends and observes
// each incident's acknowledgement lag as it is posted. A subscription
// dropped for falling behind is taken up again (the episodes under way
// start afresh).
func (a *App) trackLag(ctx context.Context) {
	trackers := map[string]*reliability.Tracker{}
	for ctx.Err() == nil {
		ch, cancel := a.agg.Subscribe()
		for open := true; open; {
			select {
			case <-ctx.Done():
				cancel()
				return
			case ev, ok := <-ch:
				if !ok {
					open = false
					break
				}
				a.feedLag(ctx, trackers, ev)
			}
		}
		cancel()
		clear(trackers)
	}
}

func (a *App) feedLag(ctx context.Context, trackers map[string]*reliability.Tracker, ev upstat.Event) {
	t := trackers[ev.Vendor]
	if t == nil {
		t = &reliability.Tracker{}
		trackers[ev.Vendor] = t
	}
	var inc *upstat.Incident
	if ev.Type == upstat.EventIncidentOpened && !ev.Backfill {
		var err error
		if inc, err = a.agg.Incident(ctx, ev.IncidentID); err != nil {
			a.log.Warn("ack lag: incident not readable", "incident", ev.IncidentID, "err", err)
			return
		}
	}
	if lag, _ := t.Feed(ev, inc); lag != nil {
		a.lag.WithLabelValues(ev.Vendor).Observe(lag.LagSeconds)
	}
}
