package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/ical"
)

// Calendar window and bounds of GET /api/v1/maintenance.ics.
const (
	// calendarLookback is how far back a maintenance may have been
	// scheduled (or started) and still be listed: long in-progress windows
	// and recently cancelled ones stay on the calendar.
	calendarLookback = 30 * 24 * time.Hour
	// calendarMaxPages bounds the incident pages read for one calendar
	// (at the store's maximum page size, 10,000 incidents of the window).
	calendarMaxPages = 20
	calendarPageSize = 500
)

// handleMaintenanceCalendar serves GET /api/v1/maintenance.ics: the
// scheduled, in-progress and cancelled maintenances of every vendor (or of
// ?vendor=) as an RFC 5545 calendar. An event's UID derives from the
// incident id only, so a calendar app updates a changed maintenance instead
// of adding a second one.
func (s *Server) handleMaintenanceCalendar(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := singleValued(q, "vendor"); err != nil {
		s.writeError(w, r, err)
		return
	}
	vendor := q.Get("vendor")
	if vendor != "" && !validVendorID(vendor) {
		s.writeError(w, r, badParam("vendor", "%q is not a vendor id ([a-z0-9-]+)", vendor))
		return
	}
	names, err := s.vendorNames(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, ok := names[vendor]; vendor != "" && !ok {
		s.writeError(w, r, notFound("unknown vendor %q", vendor))
		return
	}
	ins, err := s.maintenances(r.Context(), vendor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cal := ical.Calendar{Name: "upstat maintenance", Stamp: s.opt.Now()}
	for _, in := range ins {
		cal.Events = append(cal.Events, maintenanceEvent(in, names[in.Vendor]))
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(cal.Encode())
	}
}

// vendorNames maps every configured vendor's id to its display name.
func (s *Server) vendorNames(ctx context.Context) (map[string]string, error) {
	vs, err := s.opt.Reader.Summary(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(vs))
	for _, v := range vs {
		names[v.ID] = v.Name
	}
	return names, nil
}

// maintenances reads the maintenances of the calendar window (of vendor,
// or all when ""), newest first, keeping those a calendar should show.
func (s *Server) maintenances(ctx context.Context, vendor string) ([]upstat.Incident, error) {
	since := s.opt.Now().Add(-calendarLookback)
	f := upstat.IncidentFilter{Vendor: vendor, Since: &since, Limit: calendarPageSize}
	var out []upstat.Incident
	for range calendarMaxPages {
		page, next, err := s.opt.Reader.Incidents(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, in := range page {
			if onCalendar(in) {
				out = append(out, in)
			}
		}
		if next == nil {
			break
		}
		f.After = next
	}
	return out, nil
}

// onCalendar reports whether in belongs on the maintenance calendar: a
// maintenance still scheduled, in progress or being verified, or one
// cancelled (so calendar apps strike it out). A maintenance that completed
// after its window began is over and left out.
func onCalendar(in upstat.Incident) bool {
	if in.Kind != upstat.KindMaintenance {
		return false
	}
	return in.Status == upstat.StateScheduled || in.Active() || cancelled(in)
}

// cancelled reports whether a maintenance was called off: the schema has
// no cancelled state (adapters map a vendor's "cancelled" to completed), so
// it is a maintenance closed before its scheduled window began.
func cancelled(in upstat.Incident) bool {
	return in.Status.Closed() && in.ScheduledFor != nil && in.ResolvedAt != nil &&
		in.ResolvedAt.Before(*in.ScheduledFor)
}

// maintenanceEvent renders one maintenance as a calendar event. The
// window is the scheduled one; without it, the maintenance's start (and
// end, once closed).
func maintenanceEvent(in upstat.Incident, vendorName string) ical.Event {
	if vendorName == "" {
		vendorName = in.Vendor
	}
	ev := ical.Event{
		UID:          in.ID + "@upstat",
		Summary:      vendorName + ": " + in.Title,
		URL:          in.URL,
		Start:        in.StartedAt,
		LastModified: in.UpdatedAt,
		Categories:   []string{in.Vendor},
		Cancelled:    cancelled(in),
	}
	if in.ScheduledFor != nil {
		ev.Start = *in.ScheduledFor
	}
	switch {
	case in.ScheduledUntil != nil:
		ev.End = *in.ScheduledUntil
	case in.ResolvedAt != nil && in.ResolvedAt.After(ev.Start):
		ev.End = *in.ResolvedAt
	}
	ev.Description = "Status: " + string(in.Status)
	if len(in.Components) > 0 {
		ev.Description += "\nComponents: " + strings.Join(in.Components, ", ")
	}
	return ev
}
