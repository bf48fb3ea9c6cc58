package web

import (
	"math"
	"slices"
	"time"

	"github.com/upstat/upstat"
)

// How the dashboard turns an incident history into daily bars and uptime.
//
// Days are UTC calendar days. An incident covers the interval
// [start, end) where start is StartedAt (ScheduledFor for a maintenance
// that has no start yet) and end is, in order of preference, ResolvedAt,
// now for an incident that is still active, ScheduledUntil for a closed
// maintenance, and UpdatedAt for any other closed incident. A maintenance
// that is only scheduled covers nothing yet.
//
// A day's colour is the worst severity of the incidents overlapping it;
// maintenance (Kind maintenance) always counts as the maintenance severity
// so it is shown apart, and informational incidents (severity
// operational) are listed without colouring the day.
//
// Uptime over a window is 1 - down/measured, where measured is the window
// (from upstat's first read of the vendor on: before it there is no data,
// and a vendor never read has none) minus the time covered by any
// maintenance, and down is the time covered
// by at least one non-maintenance incident of severity partial_outage or
// worse, outside maintenance. Time covered only by degraded incidents is
// reported as Degraded and does not lower the uptime.

// span is a half-open time interval [from, to).
type span struct{ from, to time.Time }

// incidentSpan returns the interval an incident covers, or ok=false when it
// covers nothing (a maintenance still in the future, no start time).
func incidentSpan(inc *upstat.Incident, now time.Time) (s span, ok bool) {
	s.from = inc.StartedAt
	if s.from.IsZero() && inc.ScheduledFor != nil {
		s.from = *inc.ScheduledFor
	}
	if s.from.IsZero() || inc.Status == upstat.StateScheduled {
		return span{}, false
	}
	switch {
	case inc.ResolvedAt != nil:
		s.to = *inc.ResolvedAt
	case inc.Active():
		s.to = now
	case inc.Kind == upstat.KindMaintenance && inc.ScheduledUntil != nil:
		s.to = *inc.ScheduledUntil
	case inc.Status.Closed():
		s.to = inc.UpdatedAt
	default:
		s.to = now
	}
	if s.to.After(now) {
		s.to = now
	}
	if !s.to.After(s.from) {
		return span{}, false
	}
	return s, true
}

// barSeverity is the severity an incident gives the days it covers.
func barSeverity(inc *upstat.Incident) upstat.Severity {
	if inc.Kind == upstat.KindMaintenance {
		return upstat.Maintenance
	}
	return inc.Severity
}

// merge sorts spans and joins the overlapping or touching ones.
func merge(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && !s.from.After(out[n-1].to) {
			if s.to.After(out[n-1].to) {
				out[n-1].to = s.to
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// clip returns the merged spans restricted to [from, to).
func clip(spans []span, from, to time.Time) []span {
	var out []span
	for _, s := range spans {
		if s.from.Before(from) {
			s.from = from
		}
		if s.to.After(to) {
			s.to = to
		}
		if s.to.After(s.from) {
			out = append(out, s)
		}
	}
	return out
}

// total is the length of merged spans.
func total(spans []span) time.Duration {
	var d time.Duration
	for _, s := range spans {
		d += s.to.Sub(s.from)
	}
	return d
}

// overlap is the length of the intersection of two merged span lists.
func overlap(a, b []span) time.Duration {
	var d time.Duration
	for i, j := 0, 0; i < len(a) && j < len(b); {
		from, to := a[i].from, a[i].to
		if b[j].from.After(from) {
			from = b[j].from
		}
		if b[j].to.Before(to) {
			to = b[j].to
		}
		if to.After(from) {
			d += to.Sub(from)
		}
		if a[i].to.Before(b[j].to) {
			i++
		} else {
			j++
		}
	}
	return d
}

// Uptime is the availability of a vendor or component over a window.
type Uptime struct {
	// NoData is true when upstat observed none of the window (the vendor
	// was never read, or only after it): nothing is claimed.
	NoData bool
	// Window is the length of the period looked at.
	Window time.Duration
	// Maintenance is the time covered by maintenance, excluded from Measured.
	Maintenance time.Duration
	// Measured is Window minus Maintenance.
	Measured time.Duration
	// Down is the time outside maintenance covered by an incident of
	// severity partial_outage or worse.
	Down time.Duration
	// Degraded is the time outside maintenance and Down covered by a
	// degraded incident.
	Degraded time.Duration
	// Unobserved is the time in gaps (see Observed): excluded from
	// Measured, neither up nor down.
	Unobserved time.Duration
}

// Ratio returns the uptime as a fraction in [0, 1]; 1 when nothing was
// measured.
func (u Uptime) Ratio() float64 {
	if u.Measured <= 0 {
		return 1
	}
	return 1 - float64(u.Down)/float64(u.Measured)
}

// Percent formats the uptime with two decimals, rounding down so that any
// downtime never shows as "100%": "100%", "99.95%", "0%"; "no data" when
// nothing of the window was observed.
func (u Uptime) Percent() string {
	if u.NoData {
		return "no data"
	}
	if u.Down <= 0 {
		return "100%"
	}
	p := math.Floor(u.Ratio()*10000) / 100
	if p <= 0 {
		return "0%"
	}
	return trimZeros(p) + "%"
}

// ComputeUptime measures incs over [from, to). Incidents that are still
// open count until to.
func ComputeUptime(incs []upstat.Incident, from, to time.Time) Uptime {
	return computeUptime(incs, from, to, nil)
}

// computeUptime is ComputeUptime with unseen time (gaps) taken out:
// neither up nor down nor maintenance, counted as Unobserved.
func computeUptime(incs []upstat.Incident, from, to time.Time, unseen []span) Uptime {
	var maint, down, degraded []span
	for i := range incs {
		inc := &incs[i]
		s, ok := incidentSpan(inc, to)
		if !ok {
			continue
		}
		switch sev := barSeverity(inc); {
		case sev == upstat.Maintenance:
			maint = append(maint, s)
		case sev >= upstat.PartialOutage:
			down = append(down, s)
		case sev == upstat.Degraded:
			degraded = append(degraded, s)
		}
	}
	maint = clip(merge(maint), from, to)
	down = clip(merge(down), from, to)
	degraded = clip(merge(degraded), from, to)
	unseen = clip(merge(slices.Clone(unseen)), from, to)
	off := merge(append(slices.Clone(maint), unseen...)) // neither up nor down
	either := merge(append(slices.Clone(down), degraded...))
	u := Uptime{Window: to.Sub(from), Unobserved: total(unseen)}
	u.Maintenance = total(maint) - overlap(maint, unseen)
	u.Measured = u.Window - total(off)
	u.Down = total(down) - overlap(down, off)
	// Degraded time inside a down span is already down.
	u.Degraded = total(either) - overlap(either, off) - u.Down
	u.NoData = u.Window-u.Unobserved <= 0
	return u
}

// Gap is a stretch of time upstat did not see a vendor (its sources
// failing past the staleness window): neither up nor down.
type Gap struct {
	From, To time.Time
	// Reason says why, in a few words ("stale: sources failing").
	Reason string
}

// Observed is what of time upstat saw of a vendor: from Since (its first
// successful read; nil: never) on, except the Gaps.
type Observed struct {
	Since *time.Time
	Gaps  []Gap
}

// unseen returns the gaps as spans.
func (o Observed) unseen() []span {
	out := make([]span, 0, len(o.Gaps))
	for _, g := range o.Gaps {
		if g.To.After(g.From) {
			out = append(out, span{g.From, g.To})
		}
	}
	return out
}

// ObservedUptime is ComputeUptime over the part of [from, to) upstat
// observed: from since (the vendor's first successful read) on. With
// since nil, or not before to, nothing was observed: NoData. Time before
// since is neither up nor down.
func ObservedUptime(incs []upstat.Incident, since *time.Time, from, to time.Time) Uptime {
	return Observed{Since: since}.Uptime(incs, from, to)
}

// Uptime is ObservedUptime with the gaps taken out as well: time in a gap
// is Unobserved, neither up nor down; a window wholly unseen is NoData.
func (o Observed) Uptime(incs []upstat.Incident, from, to time.Time) Uptime {
	if o.Since == nil || !o.Since.Before(to) {
		return Uptime{NoData: true, Window: to.Sub(from), Unobserved: to.Sub(from)}
	}
	if o.Since.After(from) {
		from = *o.Since
	}
	return computeUptime(incs, from, to, o.unseen())
}

// DayIncident is what a day's cell says about one incident.
type DayIncident struct {
	ID       string
	Title    string
	Severity upstat.Severity
	Kind     upstat.Kind
}

// Day is one cell of a daily bar: one UTC calendar day.
type Day struct {
	// Date is the day's midnight, UTC.
	Date time.Time
	// Worst is the worst severity of the incidents overlapping the day
	// (maintenance as upstat.Maintenance), Operational when none did.
	Worst upstat.Severity
	// Incidents overlapping the day, in the order given.
	Incidents []DayIncident
	// Uptime of the day (the part of today that has passed, and of the
	// day upstat started watching, the part after it).
	Uptime Uptime
	// NoData is true for a day wholly before upstat first read the vendor:
	// without incidents it is shown as "no data", never as operational.
	NoData bool
}

// DailyBar returns one Day per UTC day for the last days days, oldest
// first, the last one being today (up to now). since is when upstat
// first read the vendor (nil: never): days before it have no data of
// upstat's own (incidents the vendor reported for them still show).
func DailyBar(incs []upstat.Incident, since *time.Time, now time.Time, days int) []Day {
	return Observed{Since: since}.DailyBar(incs, now, days)
}

// DailyBar is the package's DailyBar with the gaps taken out of each
// day's uptime; a day wholly in gaps (or before Since) has NoData.
func (o Observed) DailyBar(incs []upstat.Incident, now time.Time, days int) []Day {
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return o.Days(incs, today.AddDate(0, 0, 1-days), days, now)
}

// Days returns days Day cells from the UTC day of first on, the time of
// each capped at now: the cells of the bars and of the reports.
func (o Observed) Days(incs []upstat.Incident, first time.Time, days int, now time.Time) []Day {
	first = first.UTC()
	first = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)
	out := make([]Day, days)
	for i := range out {
		date := first.AddDate(0, 0, i)
		end := date.AddDate(0, 0, 1)
		if end.After(now) {
			end = now
		}
		out[i] = Day{Date: date, Worst: upstat.Operational}
		var touching []upstat.Incident
		for j := range incs {
			inc := &incs[j]
			s, ok := incidentSpan(inc, now)
			if !ok || !s.from.Before(date.AddDate(0, 0, 1)) || !s.to.After(date) {
				continue
			}
			touching = append(touching, *inc)
			out[i].Worst = upstat.Worse(out[i].Worst, barSeverity(inc))
			out[i].Incidents = append(out[i].Incidents, DayIncident{ID: inc.ID, Title: inc.Title, Severity: inc.Severity, Kind: inc.Kind})
		}
		out[i].Uptime = o.Uptime(touching, date, end)
		out[i].NoData = out[i].Uptime.NoData
	}
	return out
}

// ForComponent returns the incidents that name the component, by its name
// or its group-qualified key.
func ForComponent(incs []upstat.Incident, c upstat.Component) []upstat.Incident {
	var out []upstat.Incident
	for _, inc := range incs {
		if slices.Contains(inc.Components, c.Name) || slices.Contains(inc.Components, c.Key()) {
			out = append(out, inc)
		}
	}
	return out
}
