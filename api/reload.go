package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/upstat/upstat"
)

// reloadResponse is the body of a successful POST /api/v1/reload.
type reloadResponse struct {
	Status string `json:"status"`
}

// handleReload serves POST /api/v1/reload (admin token only): it calls
// Options.Reload and answers 200 {"status":"reloaded"}. A configuration
// error (wrapping upstat.ErrInvalid) is a 400 with its message, so the
// operator sees what to fix; without a Reload function it is a 503.
func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	if s.opt.Reload == nil {
		s.writeError(w, r, &apiError{kind: errUnavailable, msg: "reload is not available"})
		return
	}
	start := time.Now()
	if err := s.opt.Reload(r.Context()); err != nil {
		if errors.Is(err, upstat.ErrInvalid) { // a 500 is logged by writeError
			s.log.Warn("api: reload refused", "err", err)
		}
		s.writeError(w, r, err)
		return
	}
	s.log.Info("api: configuration reloaded", "duration", time.Since(start))
	s.writeJSON(w, r, http.StatusOK, reloadResponse{Status: "reloaded"})
}
