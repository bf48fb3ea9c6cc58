package alert

import (
	"fmt"
	"time"

	"github.com/upstat/upstat"
)

// Signal is what a vendor rule watches (RuleConfig.Signal).
type Signal string

// Signals. The zero value is SignalReported.
const (
	SignalReported Signal = "reported"
	SignalObserved Signal = "observed"
	SignalAny      Signal = "any"
	SignalBoth     Signal = "both"
)

func (s Signal) validate() error {
	switch s {
	case "", SignalReported, SignalObserved, SignalAny, SignalBoth:
		return nil
	}
	return fmt.Errorf("%q: want reported, observed, any or both", string(s))
}

// usesObserved reports whether the signal reads the vendor's probes.
func (s Signal) usesObserved() bool { return s == SignalObserved || s == SignalAny || s == SignalBoth }

// observedBy is what upstat's own probes say of v, as an observation:
// active while failing; not known while unknown or without probes (the
// alert then stays as it is). Probes say "failing", not how bad: the
// severity is unknown.
func observedBy(v *upstat.Vendor) observation {
	o := v.Observed
	if o == nil || o.Status == upstat.ObservedUnknown {
		return observation{severity: upstat.Unknown}
	}
	since := o.Since
	return observation{severity: upstat.Unknown, known: true, active: o.Status == upstat.ObservedFailing, changedAt: &since}
}

// combine applies the signal to a vendor's reported and observed
// observations. any: active when either is (known when either active
// one, or both, are known); both: active when both are (known when both
// are, or when one known side is clear, which decides). The severity is
// the reported one whenever the reported side holds.
func (s Signal) combine(reported, observed observation) observation {
	switch s {
	case SignalObserved:
		return observed
	case SignalAny:
		out := observation{active: reported.active || observed.active, severity: upstat.Unknown}
		out.known = (reported.known && reported.active) || (observed.known && observed.active) ||
			(reported.known && observed.known)
		out.changedAt = latestTime(reported.changedAt, observed.changedAt)
		if reported.active {
			out.severity = reported.severity
		}
		return out
	case SignalBoth:
		out := observation{active: reported.active && observed.active, severity: reported.severity}
		out.known = (reported.known && observed.known) || (reported.known && !reported.active) ||
			(observed.known && !observed.active)
		out.changedAt = latestTime(reported.changedAt, observed.changedAt)
		return out
	}
	return reported
}

// latestTime returns the later of two optional times.
func latestTime(a, b *time.Time) *time.Time {
	if a == nil || (b != nil && b.After(*a)) {
		return b
	}
	return a
}
