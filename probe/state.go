package probe

import (
	"slices"
	"time"

	"github.com/upstat/upstat"
)

// Status is what one probe observes (upstat.ObservedStatus): unknown until
// its first FailAfter failures or RecoverAfter successes in a row.
type Status = upstat.ObservedStatus

// Statuses of a probe.
const (
	StatusUnknown = upstat.ObservedUnknown
	StatusOK      = upstat.ObservedOK
	StatusFailing = upstat.ObservedFailing
)

// Observed is a vendor's observed signal (upstat.Observed).
type Observed = upstat.Observed

// tracker is one probe's threshold state.
type tracker struct {
	status       Status
	since        time.Time
	fails, succs int // consecutive
	lastErr      string
}

// record folds one check's outcome in and reports whether the probe's
// status changed.
func (t *tracker) record(spec *Spec, err error, now time.Time) bool {
	if err != nil {
		t.fails, t.succs, t.lastErr = t.fails+1, 0, err.Error()
	} else {
		t.succs, t.fails, t.lastErr = t.succs+1, 0, ""
	}
	next := t.status
	switch {
	case t.fails >= max(spec.FailAfter, 1):
		next = StatusFailing
	case t.succs >= max(spec.RecoverAfter, 1):
		next = StatusOK
	}
	if next == t.status {
		return false
	}
	t.status, t.since = next, now
	return true
}

// delay is the time to the next check: the interval, stretched while the
// probe is failing (doubling per failure past the threshold, at most 4×
// the interval) so a vendor that is down is not hammered.
func (t *tracker) delay(spec *Spec) time.Duration {
	d := spec.Interval
	if t.status != StatusFailing {
		return d
	}
	for i := max(spec.FailAfter, 1); i < t.fails && d < 4*spec.Interval; i++ {
		d *= 2
	}
	return min(d, 4*spec.Interval)
}

// vendorObserved combines a vendor's probe states (names[i] is the name
// of states[i]); prev is the vendor's last Observed, whose Since is kept
// when the status does not change.
func vendorObserved(names []string, states []tracker, prev Observed, now time.Time) Observed {
	out := Observed{Status: StatusOK, Failing: []string{}}
	unknown := false
	for i, st := range states {
		switch st.status {
		case StatusFailing:
			out.Failing = append(out.Failing, names[i])
		case StatusUnknown, "":
			unknown = true
		}
	}
	switch {
	case len(out.Failing) > 0:
		out.Status = StatusFailing
	case unknown || len(states) == 0:
		out.Status = StatusUnknown
	}
	slices.Sort(out.Failing)
	out.Since = prev.Since
	if out.Status != prev.Status || out.Since.IsZero() {
		out.Since = now
	}
	return out
}
