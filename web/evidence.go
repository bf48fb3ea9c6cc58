package web

import (
	"context"
	"slices"
	"time"

	"github.com/upstat/upstat"
)

// HealthHistory is implemented by a Reader that keeps when each vendor
// went stale and recovered (the aggregator does): the time between is a
// gap, neither up nor down, in the bars and the reports.
type HealthHistory interface {
	// HealthChanges returns the vendor.stale and vendor.recovered events
	// of vendor at or after since, oldest first.
	HealthChanges(ctx context.Context, vendor string, since time.Time) ([]upstat.Event, error)
}

// evidence is everything a vendor's bars and reports are computed from,
// over [from, now): the incidents it reported, the states upstat
// observed, and what upstat saw at all.
type evidence struct {
	v        *upstat.Vendor
	reported []upstat.Incident
	changes  []upstat.Event
	from     time.Time // when the observed states count from
	observed bool      // changes were read
	now      time.Time
	obs      Observed
}

// evidence reads v's evidence from from to now.
func (d *Dashboard) evidence(ctx context.Context, v *upstat.Vendor, from, now time.Time) (*evidence, error) {
	reported, err := d.history(ctx, v, from)
	if err != nil {
		return nil, err
	}
	changes, cfrom, observed, err := d.statusChanges(ctx, v, from)
	if err != nil {
		return nil, err
	}
	ev := &evidence{v: v, reported: reported, changes: changes, from: cfrom, observed: observed, now: now,
		obs: Observed{Since: v.FirstSuccessAt}}
	if hh, ok := d.opts.Reader.(HealthHistory); ok && v.FirstSuccessAt != nil {
		health, err := hh.HealthChanges(ctx, v.ID, from)
		if err != nil {
			return nil, err
		}
		ev.obs.Gaps = staleGaps(health, v.Stale, from, now)
	}
	return ev, nil
}

// vendor returns the incidents of the vendor as a whole: reported ones
// and the states upstat observed.
func (e *evidence) vendor() []upstat.Incident {
	return append(slices.Clone(e.reported), e.states("", e.v.Status)...)
}

// component returns the incidents of one component: the reported ones
// naming it and the states upstat observed of it.
func (e *evidence) component(c upstat.Component) []upstat.Incident {
	return append(ForComponent(e.reported, c), e.states(c.Key(), c.Status)...)
}

func (e *evidence) states(component string, current upstat.Severity) []upstat.Incident {
	if !e.observed {
		return nil
	}
	return ObservedStates(e.changes, component, current, e.from, e.now)
}

// staleGaps pairs vendor.stale with the following vendor.recovered: each
// pair is a gap from when upstat declared the vendor stale. A vendor stale
// now has a gap open until now (its stale event may be before from).
func staleGaps(events []upstat.Event, staleNow bool, from, now time.Time) []Gap {
	var out []Gap
	var open *time.Time
	for _, e := range events {
		switch e.Type {
		case upstat.EventVendorStale:
			if open == nil {
				at := e.At
				open = &at
			}
		case upstat.EventVendorRecovered:
			start := from
			if open != nil {
				start = *open
			}
			out = append(out, Gap{From: start, To: e.At, Reason: "stale: its sources were failing"})
			open = nil
		}
	}
	if staleNow {
		start := from
		if open != nil {
			start = *open
		}
		out = append(out, Gap{From: start, To: now, Reason: "stale: its sources are failing"})
	}
	return out
}
