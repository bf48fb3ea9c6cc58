package web

import (
	"context"
	"strconv"
	"time"

	"github.com/upstat/upstat"
)

// StatusHistory is implemented by a Reader that keeps the status changes
// it observed (the aggregator does): the dashboard then measures uptime
// from observed states as well as from incidents.
type StatusHistory interface {
	// StatusChanges returns the vendor.status_changed and
	// component.status_changed events of vendor at or after since,
	// oldest first.
	StatusChanges(ctx context.Context, vendor string, since time.Time) ([]upstat.Event, error)
}

// ObservedStates turns what upstat observed of one subject (the vendor
// for component "", else the component of that key) into closed
// pseudo-incidents, one per stretch of time it was seen degraded, in an
// outage or in maintenance, between from and now. changes are the
// vendor's status changes since from, oldest first; current is the
// subject's status now (its state throughout when nothing changed). The
// state before the first change is that change's From. Time in unknown
// or operational states gives none. Merged with the reported incidents,
// an outage upstat saw counts even when the vendor reported no incident.
func ObservedStates(changes []upstat.Event, component string, current upstat.Severity, from, now time.Time) []upstat.Incident {
	typ := upstat.EventVendorStatusChanged
	if component != "" {
		typ = upstat.EventComponentStatusChanged
	}
	var out []upstat.Incident
	emit := func(sev upstat.Severity, a, b time.Time) {
		if !b.After(a) || sev == upstat.Unknown || sev == upstat.Operational {
			return
		}
		inc := upstat.Incident{ID: "observed:" + component + ":" + strconv.Itoa(len(out)),
			Title: "Observed: " + severityLabel(sev), Kind: upstat.KindIncident, Severity: sev,
			Status: upstat.StateResolved, StartedAt: a, UpdatedAt: b, ResolvedAt: &b}
		if sev == upstat.Maintenance {
			inc.Kind, inc.Status = upstat.KindMaintenance, upstat.StateCompleted
		}
		out = append(out, inc)
	}
	state, at, first := current, from, true
	for _, c := range changes {
		if c.Type != typ || c.Component != component || c.At.Before(from) {
			continue
		}
		if first {
			state, first = c.From, false
		}
		emit(state, at, c.At)
		state, at = c.To, c.At
	}
	emit(state, at, now)
	return out
}
