package api

import (
	"net/http"

	"github.com/upstat/upstat/reliability"
)

// handleReliability serves GET /api/v1/vendors/{id}/reliability: how late
// the vendor acknowledged each incident it posted in the last 90 days,
// median and p90 of that lag, the failures upstat observed that it never
// acknowledged, and a grade (see reliability.GradeFor).
func (s *Server) handleReliability(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.opt.Reader.Vendor(r.Context(), id); err != nil {
		s.writeError(w, r, readerError(err, "unknown vendor %q", id))
		return
	}
	rep, err := reliability.Compute(r.Context(), s.opt.Reader, id, s.opt.Now(), reliability.DefaultWindow)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, rep)
}
