package web

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/reliability"
)

// historyPageSize is how many past incidents a vendor page lists at once.
const historyPageSize = 20

// vendorRow is one vendor on the overview.
type vendorRow struct {
	upstat.VendorSummary
	// Incidents are the vendor's active incidents and maintenance.
	Incidents []upstat.Incident
	// Filter is the lower-case text the filter box matches against.
	Filter string
	// UnknownReason, for a vendor whose status is unknown and not already
	// shown as stale, says why: its last error, or that it was never read.
	UnknownReason string
	// StatusPage is the vendor's own status page (see statusPage).
	StatusPage string
}

// vendorGroup is a titled list of vendors on the overview.
type vendorGroup struct {
	Name    string
	Vendors []vendorRow
}

// severityCount is one entry of the overview's headline counts.
type severityCount struct {
	Severity upstat.Severity
	Count    int
}

// overviewData is the overview template's data.
type overviewData struct {
	Query     string
	GroupBy   string
	GroupKeys []string
	Groups    []vendorGroup
	Counts    []severityCount
	Total     int
	Shown     int
	Worst     upstat.Severity
	Problems  int
	// Unknown counts vendors whose status is unknown; Headline is the
	// headline's colour: the worst status, but never "operational" while
	// any vendor is unknown (upstat cannot see it, so not all is well).
	Unknown  int
	Headline upstat.Severity
	// Services are the team's services, shown first when configured.
	Services []upstat.ServiceStatus
}

func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request) {
	vendors, err := d.opts.Reader.Vendors(r.Context())
	if err != nil {
		d.fail(w, r, fmt.Errorf("overview: %w", err))
		return
	}
	q := r.URL.Query()
	data := overviewData{Query: strings.TrimSpace(q.Get("q")), GroupBy: d.opts.GroupBy, Total: len(vendors), Worst: upstat.Operational}
	if q.Has("group") {
		data.GroupBy = q.Get("group")
	}
	counts := map[upstat.Severity]int{}
	keys := map[string]bool{}
	var rows []vendorRow
	for _, v := range vendors {
		row := vendorRow{VendorSummary: v.VendorSummary}
		if len(v.Sources) > 0 {
			row.StatusPage = statusPage(v.Sources[0].URL)
		}
		parts := []string{v.ID, v.Name, severityLabel(v.Status)}
		for _, inc := range v.Incidents {
			if inc.Active() {
				row.Incidents = append(row.Incidents, inc)
				parts = append(parts, inc.Title)
			}
		}
		for k, val := range v.Labels {
			keys[k] = true
			parts = append(parts, val)
		}
		row.Filter = strings.ToLower(strings.Join(parts, " "))
		if v.Status == upstat.Unknown {
			data.Unknown++
			if !v.Stale {
				row.UnknownReason = cmp.Or(v.LastError, "not read yet")
			}
		}
		counts[v.Status]++
		data.Worst = upstat.Worse(data.Worst, v.Status)
		if v.Status != upstat.Operational || v.Stale {
			data.Problems++
		}
		if data.Query == "" || strings.Contains(row.Filter, strings.ToLower(data.Query)) {
			rows = append(rows, row)
		}
	}
	data.Shown = len(rows)
	data.Headline = data.Worst
	if data.Unknown > 0 && data.Worst <= upstat.Maintenance {
		data.Headline = upstat.Unknown
	}
	for _, s := range []upstat.Severity{upstat.MajorOutage, upstat.PartialOutage, upstat.Degraded, upstat.Unknown, upstat.Maintenance, upstat.Operational} {
		if counts[s] > 0 {
			data.Counts = append(data.Counts, severityCount{s, counts[s]})
		}
	}
	for k := range keys {
		data.GroupKeys = append(data.GroupKeys, k)
	}
	slices.Sort(data.GroupKeys)
	slices.SortStableFunc(rows, func(a, b vendorRow) int {
		return cmp.Or(cmp.Compare(rank(a.Status), rank(b.Status)),
			cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	data.Groups = groupVendors(rows, data.GroupBy)
	if d.opts.Services != nil {
		if data.Services, err = d.opts.Services.Services(r.Context()); err != nil {
			d.fail(w, r, fmt.Errorf("overview services: %w", err))
			return
		}
	}
	p := d.newPage(r, overviewTitle(data), "overview")
	p.Data = data
	d.render(w, r, http.StatusOK, "overview", p)
}

// overviewTitle puts the state in the tab title, for a glance at a tab.
func overviewTitle(data overviewData) string {
	if data.Problems == 0 {
		return "All operational"
	}
	return fmt.Sprintf("%d with issues", data.Problems)
}

// groupVendors splits sorted rows by a label value; groups are ordered by
// their worst vendor, then name, with unlabelled vendors last.
func groupVendors(rows []vendorRow, key string) []vendorGroup {
	if key == "" {
		return []vendorGroup{{Vendors: rows}}
	}
	var groups []vendorGroup
	index := map[string]int{}
	for _, row := range rows {
		name, ok := row.Labels[key]
		if !ok || name == "" {
			name = "No " + key
		}
		i, seen := index[name]
		if !seen {
			i = len(groups)
			index[name] = i
			groups = append(groups, vendorGroup{Name: name})
		}
		groups[i].Vendors = append(groups[i].Vendors, row)
	}
	noLabel := "No " + key
	slices.SortStableFunc(groups, func(a, b vendorGroup) int {
		if (a.Name == noLabel) != (b.Name == noLabel) {
			if a.Name == noLabel {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(rank(a.Vendors[0].Status), rank(b.Vendors[0].Status)), cmp.Compare(a.Name, b.Name))
	})
	return groups
}

// bar is a daily bar with its uptimes.
type bar struct {
	Days       []Day
	Up30, Up90 Uptime
	// Quiet is true when no incident touched the bar's days.
	Quiet bool
}

// compactAbove is the number of components above which a vendor page
// shows quiet components as one line instead of a bar of empty days, so
// that vendors with hundreds of components keep a small page.
const compactAbove = 25

// componentRow is a component with its bar.
type componentRow struct {
	upstat.Component
	Bar bar
}

// componentGroup is the vendor's own grouping of its components.
type componentGroup struct {
	Name       string
	Worst      upstat.Severity
	Components []componentRow
}

// vendorData is the vendor template's data.
type vendorData struct {
	V        *upstat.Vendor
	Groups   []componentGroup
	Active   []upstat.Incident
	Upcoming []upstat.Incident
	Bar      bar
	Days     int
	History  []upstat.Incident
	Older    string
	Paged    bool
	// Compact is set when quiet components are shown without their bar.
	Compact bool
	// Affects names the configured services that depend on the vendor.
	Affects []string
	// Reliability is how late the vendor acknowledged trouble (90 days).
	Reliability *reliability.Report
}

func (d *Dashboard) vendor(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := d.opts.Reader.Vendor(ctx, r.PathValue("id"))
	if err != nil {
		d.fail(w, r, fmt.Errorf("vendor: %w", err))
		return
	}
	before, err := decodeCursor(r.URL.Query().Get("before"))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	now := d.opts.Now()
	ev, err := d.evidence(ctx, v, now.Add(-time.Duration(max(d.opts.HistoryDays, 90))*24*time.Hour), now)
	if err != nil {
		d.fail(w, r, fmt.Errorf("vendor %s history: %w", v.ID, err))
		return
	}
	history := ev.reported
	page, next, err := d.opts.Reader.Incidents(ctx, upstat.IncidentFilter{Vendor: v.ID, Limit: historyPageSize, After: before})
	if err != nil {
		d.fail(w, r, fmt.Errorf("vendor %s incidents: %w", v.ID, err))
		return
	}
	data := vendorData{V: v, Days: d.opts.HistoryDays, History: page, Older: encodeCursor(next), Paged: before != nil,
		Bar: d.bar(ev.vendor(), ev.obs, now), Compact: len(v.Components) > compactAbove}
	if data.Affects, err = d.affects(r, v.ID); err != nil {
		d.fail(w, r, fmt.Errorf("vendor %s services: %w", v.ID, err))
		return
	}
	if data.Reliability, err = reliability.Compute(ctx, d.opts.Reader, v.ID, now, reliability.DefaultWindow); err != nil {
		d.fail(w, r, fmt.Errorf("vendor %s reliability: %w", v.ID, err))
		return
	}
	for _, inc := range v.Incidents {
		if inc.Active() {
			data.Active = append(data.Active, inc)
		}
	}
	for _, inc := range history {
		if inc.Kind == upstat.KindMaintenance && inc.Status == upstat.StateScheduled &&
			inc.ScheduledFor != nil && inc.ScheduledFor.After(now) {
			data.Upcoming = append(data.Upcoming, inc)
		}
	}
	slices.SortFunc(data.Upcoming, func(a, b upstat.Incident) int { return a.ScheduledFor.Compare(*b.ScheduledFor) })
	index := map[string]int{}
	for _, c := range v.Components {
		i, ok := index[c.Group]
		if !ok {
			i = len(data.Groups)
			index[c.Group] = i
			data.Groups = append(data.Groups, componentGroup{Name: c.Group, Worst: upstat.Operational})
		}
		g := &data.Groups[i]
		g.Worst = upstat.Worse(g.Worst, c.Status)
		g.Components = append(g.Components, componentRow{Component: c, Bar: d.bar(ev.component(c), ev.obs, now)})
	}
	p := d.newPage(r, v.Name, "")
	p.Vendor = v.ID
	p.Data = data
	d.render(w, r, http.StatusOK, "vendor", p)
}

// bar computes a daily bar and the 30- and 90-day uptimes, counting
// only what upstat observed: from the vendor's first read, gaps excluded.
func (d *Dashboard) bar(incs []upstat.Incident, obs Observed, now time.Time) bar {
	b := bar{
		Days:  obs.DailyBar(incs, now, d.opts.HistoryDays),
		Up30:  obs.Uptime(incs, now.Add(-30*24*time.Hour), now),
		Up90:  obs.Uptime(incs, now.Add(-90*24*time.Hour), now),
		Quiet: true,
	}
	for _, day := range b.Days {
		if len(day.Incidents) > 0 {
			b.Quiet = false
		}
	}
	return b
}

// statusChanges reads the status changes upstat observed of v from from
// on, and from when they count: from or the vendor's first read,
// whichever is later. observed is false when there is nothing to read (a
// Reader that keeps no changes, a vendor never read).
func (d *Dashboard) statusChanges(ctx context.Context, v *upstat.Vendor, from time.Time) (changes []upstat.Event, _ time.Time, observed bool, err error) {
	if v.FirstSuccessAt != nil && v.FirstSuccessAt.After(from) {
		from = *v.FirstSuccessAt
	}
	sh, ok := d.opts.Reader.(StatusHistory)
	if !ok || v.FirstSuccessAt == nil {
		return nil, from, false, nil
	}
	changes, err = sh.StatusChanges(ctx, v.ID, from)
	return changes, from, err == nil, err
}

// maxHistoryPages bounds how much history one vendor page reads.
const maxHistoryPages = 20

// history reads the vendor's incidents started from since on (and the
// active ones, which may have started before it), paging with the cursor.
func (d *Dashboard) history(ctx context.Context, v *upstat.Vendor, since time.Time) ([]upstat.Incident, error) {
	f := upstat.IncidentFilter{Vendor: v.ID, Since: &since, Limit: 500}
	seen := map[string]bool{}
	var out []upstat.Incident
	for range maxHistoryPages {
		incs, next, err := d.opts.Reader.Incidents(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, inc := range incs {
			if !seen[inc.ID] {
				seen[inc.ID] = true
				out = append(out, inc)
			}
		}
		if next == nil || len(incs) == 0 {
			break
		}
		f.After = next
	}
	for _, inc := range v.Incidents {
		if !seen[inc.ID] {
			seen[inc.ID] = true
			out = append(out, inc)
		}
	}
	return out, nil
}

// encodeCursor makes an incident cursor into a URL parameter.
func encodeCursor(c *upstat.IncidentCursor) string {
	if c == nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(c.StartedAt.UTC().Format(time.RFC3339Nano) + "|" + c.ID))
}

// decodeCursor reads the "before" parameter; "" is no cursor.
func decodeCursor(s string) (*upstat.IncidentCursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		at, id, ok := strings.Cut(string(b), "|")
		var t time.Time
		if t, err = time.Parse(time.RFC3339Nano, at); err == nil && ok {
			return &upstat.IncidentCursor{StartedAt: t, ID: id}, nil
		}
	}
	return nil, fmt.Errorf("%w: parameter before: not a cursor", upstat.ErrInvalid)
}

// incidentData is the incident template's data.
type incidentData struct {
	I          *upstat.Incident
	VendorName string
	Duration   string
	Ongoing    bool
	// Updates are newest first.
	Updates []upstat.Update
	Source  string
}

func (d *Dashboard) incident(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	inc, err := d.opts.Reader.Incident(ctx, r.PathValue("id"))
	if err != nil {
		d.fail(w, r, fmt.Errorf("incident: %w", err))
		return
	}
	data := incidentData{I: inc, VendorName: inc.Vendor, Source: safeURL(inc.URL), Ongoing: inc.ResolvedAt == nil}
	if v, err := d.opts.Reader.Vendor(ctx, inc.Vendor); err == nil {
		data.VendorName = v.Name
	} else if !errors.Is(err, upstat.ErrNotFound) {
		d.fail(w, r, fmt.Errorf("incident %s vendor: %w", inc.ID, err))
		return
	}
	end := d.opts.Now()
	if inc.ResolvedAt != nil {
		end = *inc.ResolvedAt
	}
	if !inc.StartedAt.IsZero() {
		data.Duration = Duration(end.Sub(inc.StartedAt))
	}
	data.Updates = slices.Clone(inc.Updates)
	slices.SortStableFunc(data.Updates, func(a, b upstat.Update) int { return b.At.Compare(a.At) })
	p := d.newPage(r, inc.Title, "")
	p.Vendor, p.Incident = inc.Vendor, inc.ID
	p.Data = data
	d.render(w, r, http.StatusOK, "incident", p)
}

// alertRow is one firing alert with its vendor's name.
type alertRow struct {
	upstat.Alert
	VendorName string
}

// alertsData is the alerts template's data.
type alertsData struct {
	Configured bool
	Alerts     []alertRow
}

func (d *Dashboard) alerts(w http.ResponseWriter, r *http.Request) {
	data := alertsData{Configured: d.opts.Alerts != nil}
	if rc, ok := d.opts.Alerts.(RuleCounter); ok && rc.RuleCount() == 0 {
		data.Configured = false
	}
	if data.Configured {
		firing, err := d.opts.Alerts.Firing(r.Context())
		if err != nil {
			d.fail(w, r, fmt.Errorf("alerts: %w", err))
			return
		}
		names := map[string]string{}
		summary, err := d.opts.Reader.Summary(r.Context())
		if err != nil { // the page still works with vendor ids
			d.opts.Log.Warn("alerts page: vendor names", "err", err)
		}
		for _, v := range summary {
			names[v.ID] = v.Name
		}
		for _, a := range firing {
			data.Alerts = append(data.Alerts, alertRow{Alert: a, VendorName: cmp.Or(names[a.Vendor], a.Vendor)})
		}
		slices.SortStableFunc(data.Alerts, func(a, b alertRow) int {
			return cmp.Or(cmp.Compare(rank(a.Severity), rank(b.Severity)), a.Since.Compare(b.Since))
		})
	}
	title := "Alerts"
	if n := len(data.Alerts); n > 0 {
		title = fmt.Sprintf("%d alerts firing", n)
	}
	p := d.newPage(r, title, "alerts")
	p.Data = data
	d.render(w, r, http.StatusOK, "alerts", p)
}
