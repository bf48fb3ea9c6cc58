package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// summaryResponse is the body of GET /api/v1/summary.
type summaryResponse struct {
	Status upstat.Severity `json:"status"`
	// Unknown counts the vendors without data, which Status leaves out.
	Unknown     int                    `json:"unknown"`
	GeneratedAt time.Time              `json:"generated_at"`
	Vendors     []upstat.VendorSummary `json:"vendors"`
}

// EncodedSummarizer is implemented by a Reader that keeps the summary's
// vendors encoded (the aggregator does): GET /api/v1/summary then writes
// them as they are instead of encoding thousands of vendors per request.
type EncodedSummarizer interface {
	// EncodedSummary returns the JSON array of the vendors Summary lists,
	// every time in UTC, with their totals. The bytes are shared: the
	// caller must not modify them.
	EncodedSummary(ctx context.Context) (vendors []byte, totals upstat.SummaryTotals, err error)
}

// summaryHead is the body of GET /api/v1/summary but for its vendors.
type summaryHead struct {
	Status      upstat.Severity `json:"status"`
	Unknown     int             `json:"unknown"`
	GeneratedAt time.Time       `json:"generated_at"`
}

// handleSummary serves GET /api/v1/summary.
func (s *Server) handleSummary(w http.ResponseWriter, r *http.Request) {
	if es, ok := s.opt.Reader.(EncodedSummarizer); ok {
		s.writeEncodedSummary(w, r, es)
		return
	}
	vs, err := s.opt.Reader.Summary(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var totals upstat.SummaryTotals
	out := summaryResponse{
		GeneratedAt: s.opt.Now().UTC(),
		Vendors:     make([]upstat.VendorSummary, len(vs)),
	}
	for i, v := range vs {
		out.Vendors[i] = summaryUTC(v)
		totals.Add(v.Status)
	}
	out.Status, out.Unknown = totals.Status(), totals.Unknown
	s.writeJSON(w, r, http.StatusOK, out)
}

// writeEncodedSummary answers GET /api/v1/summary with the vendors es
// keeps encoded: the same body as encoding summaryResponse.
func (s *Server) writeEncodedSummary(w http.ResponseWriter, r *http.Request, es EncodedSummarizer) {
	vendors, totals, err := es.EncodedSummary(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	head, err := json.Marshal(summaryHead{Status: totals.Status(), Unknown: totals.Unknown, GeneratedAt: s.opt.Now().UTC()})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	head = append(head[:len(head)-1], `,"vendors":`...)
	sw, ok := w.(sharedWriter)
	if !ok {
		s.writeJSONParts(w, http.StatusOK, head, vendors, []byte("}\n"))
		return
	}
	// Behind the request timeout's buffer: the shared vendors array is
	// queued, not copied.
	s.writeJSONParts(w, http.StatusOK, head)
	for _, p := range [][]byte{vendors, []byte("}\n")} {
		if err := sw.writeShared(p); err != nil {
			return
		}
	}
}

// handleVendor serves GET /api/v1/vendors/{id}.
func (s *Server) handleVendor(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	v, err := s.opt.Reader.Vendor(r.Context(), id)
	if err != nil {
		s.writeError(w, r, readerError(err, "unknown vendor %q", id))
		return
	}
	s.writeJSON(w, r, http.StatusOK, vendorUTC(*v))
}

// incidentsResponse is the body of GET /api/v1/incidents.
type incidentsResponse struct {
	Incidents  []upstat.Incident `json:"incidents"`
	NextCursor string            `json:"next_cursor"`
}

// handleIncidents serves GET /api/v1/incidents.
func (s *Server) handleIncidents(w http.ResponseWriter, r *http.Request) {
	f, err := parseIncidentQuery(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Vendor != "" {
		if _, err := s.opt.Reader.Vendor(r.Context(), f.Vendor); err != nil {
			s.writeError(w, r, readerError(err, "unknown vendor %q", f.Vendor))
			return
		}
	}
	ins, next, err := s.opt.Reader.Incidents(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := incidentsResponse{Incidents: make([]upstat.Incident, len(ins)), NextCursor: encodeIncidentCursor(next)}
	for i, in := range ins {
		out.Incidents[i] = incidentUTC(in)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// incidentDetail always shows the updates list, even when empty (the shared
// type omits it in listings).
type incidentDetail struct {
	upstat.Incident
	Updates []upstat.Update `json:"updates"`
}

// handleIncident serves GET /api/v1/incidents/{id}.
func (s *Server) handleIncident(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	in, err := s.opt.Reader.Incident(r.Context(), id)
	if err != nil {
		s.writeError(w, r, readerError(err, "unknown incident %q", id))
		return
	}
	out := incidentUTC(*in)
	s.writeJSON(w, r, http.StatusOK, incidentDetail{Incident: out, Updates: out.Updates})
}

// alertsResponse is the body of GET /api/v1/alerts.
type alertsResponse struct {
	Alerts []upstat.Alert `json:"alerts"`
}

// handleAlerts serves GET /api/v1/alerts.
func (s *Server) handleAlerts(w http.ResponseWriter, r *http.Request) {
	out := alertsResponse{Alerts: []upstat.Alert{}}
	if s.opt.Alerts != nil {
		as, err := s.opt.Alerts.Firing(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, a := range as {
			a.Since, a.FiredAt = a.Since.UTC(), a.FiredAt.UTC()
			out.Alerts = append(out.Alerts, a)
		}
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// statusBody is the body of the health probes.
type statusBody struct {
	Status string `json:"status"`
}

// handleHealthz serves GET /healthz: the process is up.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, statusBody{Status: "ok"})
}

// handleReadyz serves GET /readyz: 503 while Options.Ready fails. The
// reason is logged, not shown (the probe is unauthenticated).
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if s.opt.Ready != nil {
		if err := s.opt.Ready(); err != nil {
			s.log.Warn("api: not ready", "err", err)
			s.writeError(w, r, &apiError{kind: errUnavailable, msg: "not ready"})
			return
		}
	}
	s.writeJSON(w, r, http.StatusOK, statusBody{Status: "ready"})
}

// readerError turns a Reader's not-found error into a client-facing one
// (the Reader's own wording stays internal); other errors pass through.
func readerError(err error, format string, args ...any) error {
	if errors.Is(err, upstat.ErrNotFound) {
		return notFound(format, args...)
	}
	return err
}

// wantsEventStream reports whether the client asked for SSE.
func wantsEventStream(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// The helpers below return copies with every time in UTC and every list
// non-nil, so the API's shape does not depend on how a Reader stores them.
// They never modify what the Reader returned (it may be shared).

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func summaryUTC(v upstat.VendorSummary) upstat.VendorSummary {
	v.LastCheckedAt = utcPtr(v.LastCheckedAt)
	v.LastSuccessAt = utcPtr(v.LastSuccessAt)
	v.StatusChangedAt = utcPtr(v.StatusChangedAt)
	v.FirstSuccessAt = utcPtr(v.FirstSuccessAt)
	if v.Observed != nil {
		o := *v.Observed // a copy: the Reader's may be shared
		o.Since = o.Since.UTC()
		v.Observed = &o
	}
	return v
}

func vendorUTC(v upstat.Vendor) upstat.Vendor {
	v.VendorSummary = summaryUTC(v.VendorSummary)
	cs := make([]upstat.Component, len(v.Components))
	for i, c := range v.Components {
		c.UpdatedAt = c.UpdatedAt.UTC()
		cs[i] = c
	}
	ins := make([]upstat.Incident, len(v.Incidents))
	for i, in := range v.Incidents {
		ins[i] = incidentUTC(in)
	}
	srcs := make([]upstat.SourceStatus, len(v.Sources))
	for i, src := range v.Sources {
		src.LastCheckedAt = utcPtr(src.LastCheckedAt)
		src.LastSuccessAt = utcPtr(src.LastSuccessAt)
		srcs[i] = src
	}
	v.Components, v.Incidents, v.Sources = cs, ins, srcs
	return v
}

func incidentUTC(in upstat.Incident) upstat.Incident {
	in.StartedAt, in.UpdatedAt = in.StartedAt.UTC(), in.UpdatedAt.UTC()
	in.ResolvedAt = utcPtr(in.ResolvedAt)
	in.ScheduledFor = utcPtr(in.ScheduledFor)
	in.ScheduledUntil = utcPtr(in.ScheduledUntil)
	if in.Components == nil {
		in.Components = []string{}
	} else {
		in.Components = slices.Clone(in.Components)
	}
	ups := make([]upstat.Update, len(in.Updates))
	for i, u := range in.Updates {
		u.At = u.At.UTC()
		ups[i] = u
	}
	in.Updates = ups
	return in
}
