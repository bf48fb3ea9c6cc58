// Package reliability measures how late a vendor admits trouble: for
// each incident it posts, when upstat saw trouble first (a failing probe,
// or a component change polled before the incident was posted) against
// the incident's start as posted, and how many failures upstat observed
// that the vendor never acknowledged. It reads the event log through
// upstat.Reader, so it needs no state of its own.
package reliability

import (
	"context"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/upstat/upstat"
)

// DefaultWindow is the period a report covers.
const DefaultWindow = 90 * 24 * time.Hour

// Lag is one incident the vendor posted: when upstat detected trouble
// (nil when the vendor posted first), when the vendor acknowledged it
// (the incident's start as posted) and the difference, never negative.
type Lag struct {
	IncidentID     string     `json:"incident_id"`
	DetectedAt     *time.Time `json:"detected_at"`
	AcknowledgedAt time.Time  `json:"acknowledged_at"`
	LagSeconds     float64    `json:"lag_seconds"`
}

// Report is a vendor's reliability over a window.
type Report struct {
	Vendor string    `json:"vendor"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	// Incidents are the incidents the vendor posted in the window, oldest
	// first (maintenance excluded).
	Incidents []Lag `json:"incidents"`
	// MedianLagSeconds and P90LagSeconds are over Incidents; null without
	// any.
	MedianLagSeconds *float64 `json:"median_lag_seconds"`
	P90LagSeconds    *float64 `json:"p90_lag_seconds"`
	// Unacknowledged counts the failures upstat's probes observed (failing,
	// then ok) with no incident posted meanwhile.
	Unacknowledged int `json:"unacknowledged"`
	// Grade is A to F (see GradeFor); "" when the window holds neither an
	// incident nor an observed failure.
	Grade string `json:"grade"`
}

// Tracker follows one vendor's events, oldest first, and pairs each
// incident posted with the trouble upstat saw before it. Feed it every
// event of the vendor; the zero Tracker is ready.
type Tracker struct {
	troubleSince *time.Time      // start of the current episode of trouble
	degraded     map[string]bool // components not operational (or maintenance)
	failing      bool            // the probes say failing
	acknowledged bool            // an incident was posted during the episode
}

// Feed folds ev in. inc is the incident of an incident.opened event (nil
// otherwise); the result is its Lag when ev is a vendor's incident posted
// as it happened (not a backfill, not a maintenance). unacked reports an
// observed failure that ended without an incident.
func (t *Tracker) Feed(ev upstat.Event, inc *upstat.Incident) (lag *Lag, unacked bool) {
	if t.degraded == nil {
		t.degraded = map[string]bool{}
	}
	switch ev.Type {
	case upstat.EventVendorObservedFailing:
		t.failing = true
		t.start(ev.At)
	case upstat.EventVendorObservedOK:
		unacked = t.failing && !t.acknowledged
		t.failing = false
		t.maybeEnd()
	case upstat.EventComponentStatusChanged:
		if ev.To >= upstat.Degraded && ev.To != upstat.Unknown {
			t.degraded[ev.Component] = true
			t.start(ev.At)
		} else {
			delete(t.degraded, ev.Component)
			t.maybeEnd()
		}
	case upstat.EventIncidentOpened:
		if ev.Backfill || inc == nil || inc.Kind == upstat.KindMaintenance {
			return nil, false
		}
		l := Lag{IncidentID: inc.ID, AcknowledgedAt: inc.StartedAt.UTC()}
		if t.troubleSince != nil && t.troubleSince.Before(inc.StartedAt) {
			d := t.troubleSince.UTC()
			l.DetectedAt = &d
			l.LagSeconds = inc.StartedAt.Sub(d).Seconds()
		}
		t.acknowledged = true
		return &l, false
	}
	return nil, unacked
}

func (t *Tracker) start(at time.Time) {
	if t.troubleSince == nil {
		t.troubleSince = &at
		t.acknowledged = false
	}
}

// maybeEnd closes the episode once nothing is wrong any more.
func (t *Tracker) maybeEnd() {
	if !t.failing && len(t.degraded) == 0 {
		t.troubleSince, t.acknowledged = nil, false
	}
}

// VendorEvents is implemented by a Reader that can list one vendor's
// events by time from an index (the aggregator): Compute then reads only
// those instead of the whole log.
type VendorEvents interface {
	// VendorEvents returns vendor's events of the given types at or after
	// since, oldest first.
	VendorEvents(ctx context.Context, vendor string, since time.Time, types ...upstat.EventType) ([]upstat.Event, error)
}

// feedTypes are the event types a Tracker reads.
var feedTypes = []upstat.EventType{upstat.EventVendorObservedFailing, upstat.EventVendorObservedOK,
	upstat.EventComponentStatusChanged, upstat.EventIncidentOpened}

// Compute builds vendor's report for the window ending at now, replaying
// the event log (events older than the window by a day are read too, so
// an episode that began before it is seen whole): through VendorEvents
// when r implements it, else the whole log page by page. Errors are the
// Reader's.
func Compute(ctx context.Context, r upstat.Reader, vendor string, now time.Time, window time.Duration) (*Report, error) {
	from := now.Add(-window)
	rep := &Report{Vendor: vendor, From: from.UTC(), To: now.UTC(), Incidents: []Lag{}}
	var t Tracker
	feed := func(ev upstat.Event) error {
		if ev.Vendor != vendor || ev.At.Before(from.Add(-24*time.Hour)) {
			return nil
		}
		var inc *upstat.Incident
		if ev.Type == upstat.EventIncidentOpened && !ev.Backfill {
			var err error
			if inc, err = r.Incident(ctx, ev.IncidentID); errors.Is(err, upstat.ErrNotFound) {
				inc = nil // pruned since: nothing to pair
			} else if err != nil {
				return err
			}
		}
		lag, unacked := t.Feed(ev, inc)
		if ev.At.Before(from) {
			return nil
		}
		if lag != nil {
			rep.Incidents = append(rep.Incidents, *lag)
		}
		if unacked {
			rep.Unacknowledged++
		}
		return nil
	}
	if ve, ok := r.(VendorEvents); ok {
		evs, err := ve.VendorEvents(ctx, vendor, from.Add(-24*time.Hour), feedTypes...)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			if err := feed(ev); err != nil {
				return nil, err
			}
		}
	} else {
		const page = 1000
		for after := int64(0); ; {
			evs, err := r.Events(ctx, after, page)
			if err != nil {
				return nil, err
			}
			for _, ev := range evs {
				after = ev.Seq
				if err := feed(ev); err != nil {
					return nil, err
				}
			}
			if len(evs) < page {
				break
			}
		}
	}
	lags := make([]float64, len(rep.Incidents))
	for i, l := range rep.Incidents {
		lags[i] = l.LagSeconds
	}
	if len(lags) > 0 {
		slices.Sort(lags)
		med, p90 := quantile(lags, .5), quantile(lags, .9)
		rep.MedianLagSeconds, rep.P90LagSeconds = &med, &p90
	}
	rep.Grade = GradeFor(rep.P90LagSeconds, len(rep.Incidents), rep.Unacknowledged)
	return rep, nil
}

// quantile is the nearest-rank q-quantile of sorted xs.
func quantile(xs []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[max(i, 0)]
}

// GradeFor grades a vendor from the p90 of its acknowledgement lag and
// its unacknowledged failures, taking the worse of the two:
//
//	grade  p90 lag      unacknowledged / (incidents + unacknowledged)
//	A      ≤ 5 min      0
//	B      ≤ 15 min     ≤ 10 %
//	C      ≤ 30 min     ≤ 25 %
//	D      ≤ 60 min     ≤ 50 %
//	F      more         more
//
// With neither incidents nor unacknowledged failures it returns "" (no
// data: a quiet vendor is not graded).
func GradeFor(p90 *float64, incidents, unacknowledged int) string {
	if incidents == 0 && unacknowledged == 0 {
		return ""
	}
	grades := "ABCDF"
	lagAt := len(grades) - 1
	for i, limit := range []float64{5 * 60, 15 * 60, 30 * 60, 60 * 60} {
		if p90 == nil || *p90 <= limit {
			lagAt = i
			break
		}
	}
	share := float64(unacknowledged) / float64(incidents+unacknowledged)
	unackAt := len(grades) - 1
	for i, limit := range []float64{0, .10, .25, .50} {
		if share <= limit {
			unackAt = i
			break
		}
	}
	return string(grades[max(lagAt, unackAt)])
}
