package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/upstat/upstat"
)

// Error kinds of the API itself, beside the shared ones in package upstat.
var (
	errMethodNotAllowed = errors.New("method not allowed")
	errUnavailable      = errors.New("unavailable")
	errTimeout          = errors.New("timeout")
	errTooLarge         = errors.New("request body too large")
	errURITooLong       = errors.New("query too long")
)

// errorKinds is the one table from error kinds to HTTP answers. The first
// kind that errors.Is matches wins; anything else is a 500.
var errorKinds = []struct {
	kind   error
	status int
	code   string
}{
	{upstat.ErrNotFound, http.StatusNotFound, "not_found"},
	{upstat.ErrInvalid, http.StatusBadRequest, "bad_request"},
	{upstat.ErrUnauthorized, http.StatusUnauthorized, "unauthorized"},
	{errMethodNotAllowed, http.StatusMethodNotAllowed, "method_not_allowed"},
	{errUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{errTimeout, http.StatusServiceUnavailable, "timeout"},
	{errTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{errURITooLong, http.StatusRequestURITooLong, "uri_too_long"},
}

// apiError is an error whose message is written for the API client. Its
// kind (one of errorKinds) chooses the status.
type apiError struct {
	kind error
	msg  string
}

func (e *apiError) Error() string { return e.msg }
func (e *apiError) Unwrap() error { return e.kind }

// notFound returns a not-found error with a client-facing message.
func notFound(format string, args ...any) error {
	return &apiError{kind: upstat.ErrNotFound, msg: fmt.Sprintf(format, args...)}
}

// badParam returns the 400 error for query parameter name.
func badParam(name, format string, args ...any) error {
	return &apiError{kind: upstat.ErrInvalid,
		msg: fmt.Sprintf("invalid parameter %q: %s", name, fmt.Sprintf(format, args...))}
}

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with err's status and the JSON error shape. Client
// errors carry their message (an apiError's own message when there is one);
// anything unexpected becomes a generic 500 and is logged in full.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		err = tooLarge(-1)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.timedOut(r) // a 503, not a 500
	}
	status, code := http.StatusInternalServerError, "internal"
	for _, k := range errorKinds {
		if errors.Is(err, k.kind) {
			status, code = k.status, k.code
			break
		}
	}
	var body errorBody
	body.Error.Code = code
	var ae *apiError
	switch {
	case status == http.StatusInternalServerError:
		s.log.Error("api: request failed", "method", r.Method, "path", loggedPath(r.URL.Path), "err", err)
		body.Error.Message = "internal error"
	case errors.As(err, &ae):
		body.Error.Message = ae.msg
	default:
		body.Error.Message = err.Error()
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="upstat"`)
	}
	s.writeJSON(w, r, status, body)
}

// writeJSON answers with status and v encoded as JSON.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("api: encode response", "path", loggedPath(r.URL.Path), "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	s.writeJSONParts(w, status, append(b, '\n'))
}

// writeJSONParts answers with status and a JSON body made of parts, written
// one after the other (so a large shared part is not copied).
func (s *Server) writeJSONParts(w http.ResponseWriter, status int, parts ...[]byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(status)
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return
		}
	}
}
