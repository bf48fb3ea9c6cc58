package api

import (
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// ReportWindow reads a report's window from query or flag values: from
// and to are dates (YYYY-MM-DD, UTC), to inclusive. Without from, the
// window is the 30 days ending today; without to, it ends today. It
// returns the half-open [from, to+1 day) the ReportReader takes. A bad
// value wraps upstat.ErrInvalid and names the parameter.
func ReportWindow(fromParam, toParam string, now time.Time) (from, to time.Time, err error) {
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	to = today
	if toParam != "" {
		if to, err = time.Parse(time.DateOnly, toParam); err != nil {
			return from, to, badParam("to", "%q is not a date (YYYY-MM-DD)", toParam)
		}
	}
	from = to.AddDate(0, 0, -29)
	if fromParam != "" {
		if from, err = time.Parse(time.DateOnly, fromParam); err != nil {
			return from, to, badParam("from", "%q is not a date (YYYY-MM-DD)", fromParam)
		}
	}
	if to.Before(from) {
		return from, to, badParam("to", "%s is before from (%s)", toParam, from.Format(time.DateOnly))
	}
	return from, to.AddDate(0, 0, 1), nil
}

// handleReport serves GET /api/v1/vendors/{id}/report.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	q := r.URL.Query()
	for _, k := range []string{"from", "to", "format"} {
		if len(q[k]) > 1 {
			s.writeError(w, r, badParam(k, "given more than once"))
			return
		}
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		s.writeError(w, r, badParam("format", "%q is not json or csv", format))
		return
	}
	from, to, err := ReportWindow(q.Get("from"), q.Get("to"), s.opt.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.opt.Reports == nil {
		s.writeError(w, r, &apiError{kind: errUnavailable, msg: "reports are not served by this server"})
		return
	}
	rep, err := s.opt.Reports.VendorReport(r.Context(), id, from, to)
	var apiErr *apiError
	switch {
	case errors.Is(err, upstat.ErrInvalid) && !errors.As(err, &apiErr):
		s.writeError(w, r, badParam("from", "%s", strings.TrimPrefix(err.Error(), "invalid: ")))
		return
	case err != nil:
		s.writeError(w, r, readerError(err, "unknown vendor %q", id))
		return
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(rep.Vendor)+`-report.csv"`)
		w.WriteHeader(http.StatusOK)
		if err := WriteReportCSV(w, rep); err != nil {
			s.log.Warn("api: write report csv", "err", err)
		}
		return
	}
	s.writeJSON(w, r, http.StatusOK, rep)
}

// WriteReportCSV writes a report's days as CSV: one row per subject and
// day, then one "total" row per subject. Incidents and gaps are in the
// JSON form. Cells a spreadsheet would read as a formula (a component
// named "=cmd|...") are prefixed with a quote.
func WriteReportCSV(w io.Writer, rep *upstat.Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"vendor", "component", "date", "worst", "uptime", "window_s", "measured_s", "operational_s",
		"degraded_s", "partial_outage_s", "major_outage_s", "maintenance_s", "unobserved_s", "incidents"})
	row := func(component, date, worst string, u upstat.ReportUptime, incs []string) {
		n := func(v int64) string { return strconv.FormatInt(v, 10) }
		sec := u.Seconds
		_ = cw.Write([]string{safeCell(rep.Vendor), safeCell(component), date, worst, u.Percent, n(sec.Window), n(sec.Measured),
			n(sec.Operational), n(sec.Degraded), n(sec.Partial), n(sec.Major), n(sec.Maintenance), n(sec.Unobserved),
			safeCell(strings.Join(incs, " "))})
	}
	for _, s := range rep.Subjects {
		for _, d := range s.Days {
			row(s.Component, d.Date, d.Worst.String(), d.Uptime, d.Incidents)
		}
	}
	for _, s := range rep.Subjects {
		row(s.Component, "total", "", s.Total, nil)
	}
	cw.Flush()
	return cw.Error()
}

// safeCell defuses a cell a spreadsheet would evaluate.
func safeCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
