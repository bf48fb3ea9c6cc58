package web

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/upstat/upstat"
)

// MaxReportDays bounds a report's window.
const MaxReportDays = 400

var _ upstat.ReportReader = (*Dashboard)(nil)

// VendorReport builds the SLA evidence of vendor id over the UTC days
// [from, to) from the same evidence and the same computation as the
// vendor page's bars (Observed.Days and Observed.Uptime), so a report's
// day agrees with the bar's cell for that day. from and to must be
// midnights UTC with from before to and at most MaxReportDays apart
// (else ErrInvalid); the window is cut at now.
func (d *Dashboard) VendorReport(ctx context.Context, id string, from, to time.Time) (*upstat.Report, error) {
	from, to = from.UTC(), to.UTC()
	if !isMidnight(from) || !isMidnight(to) || !from.Before(to) {
		return nil, fmt.Errorf("%w: a report covers whole UTC days: from before to, both dates", upstat.ErrInvalid)
	}
	days := int(to.Sub(from) / (24 * time.Hour))
	if days > MaxReportDays {
		return nil, fmt.Errorf("%w: a report covers at most %d days, not %d", upstat.ErrInvalid, MaxReportDays, days)
	}
	v, err := d.opts.Reader.Vendor(ctx, id)
	if err != nil {
		return nil, err
	}
	now := d.opts.Now().UTC()
	end := minTime(to, now)
	if !from.Before(end) {
		return nil, fmt.Errorf("%w: the report starts in the future", upstat.ErrInvalid)
	}
	days = int((end.Sub(from) + 24*time.Hour - 1) / (24 * time.Hour))
	ev, err := d.evidence(ctx, v, from, end)
	if err != nil {
		return nil, err
	}
	rep := &upstat.Report{Vendor: v.ID, Name: v.Name, From: from, To: end, GeneratedAt: now,
		Incidents: []upstat.Incident{}, Gaps: []upstat.ReportGap{}}
	rep.Subjects = append(rep.Subjects, subjectReport("", ev.vendor(), ev.obs, from, end, days))
	for _, c := range v.Components {
		rep.Subjects = append(rep.Subjects, subjectReport(c.Key(), ev.component(c), ev.obs, from, end, days))
	}
	for _, inc := range ev.reported {
		if s, ok := incidentSpan(&inc, end); ok && s.to.After(from) && s.from.Before(end) {
			inc.Updates = nil
			rep.Incidents = append(rep.Incidents, inc)
		}
	}
	slices.SortFunc(rep.Incidents, func(a, b upstat.Incident) int { return a.StartedAt.Compare(b.StartedAt) })
	if v.FirstSuccessAt == nil || v.FirstSuccessAt.After(from) {
		gapEnd := end
		if v.FirstSuccessAt != nil && v.FirstSuccessAt.Before(end) {
			gapEnd = *v.FirstSuccessAt
		}
		rep.Gaps = append(rep.Gaps, upstat.ReportGap{From: from, To: gapEnd, Reason: "before upstat first read the vendor"})
	}
	for _, g := range ev.obs.Gaps {
		g.From, g.To = maxTime(g.From, from), minTime(g.To, end)
		if g.To.After(g.From) {
			rep.Gaps = append(rep.Gaps, upstat.ReportGap{From: g.From, To: g.To, Reason: g.Reason})
		}
	}
	return rep, nil
}

// subjectReport is one subject's days and total. A day's figures are the
// bar cell's own (Day.Uptime); only the split of outage time between
// partial and major is measured beside it, the same way.
func subjectReport(component string, incs []upstat.Incident, obs Observed, from, end time.Time, days int) upstat.ReportSubject {
	var major []upstat.Incident
	for _, inc := range incs {
		if inc.Kind != upstat.KindMaintenance && inc.Severity >= upstat.MajorOutage {
			major = append(major, inc)
		}
	}
	out := upstat.ReportSubject{Component: component,
		Total: reportUptime(obs.Uptime(incs, from, end), obs.Uptime(major, from, end))}
	for _, day := range obs.Days(incs, from, days, end) {
		dayEnd := minTime(day.Date.AddDate(0, 0, 1), end)
		rd := upstat.ReportDay{Date: day.Date.Format(time.DateOnly), Worst: cellWorst(day),
			Uptime: reportUptime(day.Uptime, obs.Uptime(major, day.Date, dayEnd)), Incidents: []string{}}
		for _, inc := range day.Incidents {
			if !isObserved(inc.ID) {
				rd.Incidents = append(rd.Incidents, inc.ID)
			}
		}
		out.Days = append(out.Days, rd)
	}
	return out
}

// cellWorst is what a bar cell shows: its worst severity, or unknown on
// a day upstat did not see at all and for which nothing was reported
// (the bar's grey "no data" cell; never operational).
func cellWorst(d Day) upstat.Severity {
	if d.NoData && len(d.Incidents) == 0 {
		return upstat.Unknown
	}
	return d.Worst
}

// reportUptime turns u into seconds, with its outage time split by the
// major-outage-only measure m of the same period.
func reportUptime(u, m Uptime) upstat.ReportUptime {
	sec := func(d time.Duration) int64 { return int64(math.Round(d.Seconds())) }
	out := upstat.ReportUptime{NoData: u.NoData, Percent: u.Percent(), Seconds: upstat.ReportSeconds{
		Window: sec(u.Window), Measured: sec(u.Measured), Degraded: sec(u.Degraded), Major: sec(m.Down),
		Partial: sec(u.Down - m.Down), Maintenance: sec(u.Maintenance), Unobserved: sec(u.Unobserved),
		Operational: sec(u.Measured - u.Down - u.Degraded),
	}}
	if !u.NoData {
		r := u.Ratio()
		out.Ratio = &r
	}
	return out
}

// isObserved reports whether an incident id is one of ObservedStates'
// pseudo-incidents (a state upstat saw, not an incident the vendor
// reported).
func isObserved(id string) bool { return len(id) > 9 && id[:9] == "observed:" }

func isMidnight(t time.Time) bool { return t.Equal(t.Truncate(24 * time.Hour)) }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
