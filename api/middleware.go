package api

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/upstat/upstat"
)

// tokenCookie carries the read token for browsers that authenticated once
// with ?token=.
const tokenCookie = "upstat_token"

// openPaths never require a token (probes run without credentials).
func openPath(path string) bool { return path == "/healthz" || path == "/readyz" }

// authenticate enforces the read token on every request but the probes and
// the admin token on every non-read method. Tokens are compared in constant
// time and never logged or echoed.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hookPath(r.URL.Path) && r.Method == http.MethodPost {
			next.ServeHTTP(w, r) // authenticated by its own secret (handleHook)
			return
		}
		if !isRead(r.Method) {
			if !s.isAdmin(r) {
				s.writeError(w, r, &apiError{kind: upstat.ErrUnauthorized, msg: "admin token required"})
				return
			}
		} else if s.opt.ReadToken != "" && !openPath(r.URL.Path) {
			tok, how := requestToken(r)
			if !s.matches(tok, s.opt.ReadToken) && !s.matches(tok, s.opt.AdminToken) {
				s.writeError(w, r, &apiError{kind: upstat.ErrUnauthorized, msg: "missing or wrong token"})
				return
			}
			if how == "query" {
				http.SetCookie(w, &http.Cookie{
					Name: tokenCookie, Value: tok, Path: "/",
					HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
				})
			}
		}
		next.ServeHTTP(w, r)
	})
}

// RequireAdmin wraps h so that it runs only for requests carrying the admin
// token (as "Authorization: Bearer"; the query and cookie fallbacks are for
// reads only); others get 401. With no admin token configured it always
// refuses.
func (s *Server) RequireAdmin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.isAdmin(r) {
			s.writeError(w, r, &apiError{kind: upstat.ErrUnauthorized, msg: "admin token required"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// isAdmin reports whether r carries the admin token in its Authorization
// header.
func (s *Server) isAdmin(r *http.Request) bool {
	return s.matches(bearer(r), s.opt.AdminToken)
}

// matches compares a presented token with a configured one in constant
// time; an unset configured token matches nothing.
func (s *Server) matches(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// requestToken finds the token of a read request: the Authorization header,
// then ?token=, then the cookie; how says which.
func requestToken(r *http.Request) (tok, how string) {
	if tok := bearer(r); tok != "" {
		return tok, "header"
	}
	if tok := r.URL.Query().Get("token"); tok != "" {
		return tok, "query"
	}
	if c, err := r.Cookie(tokenCookie); err == nil {
		return c.Value, "cookie"
	}
	return "", ""
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader records code.
func (sr *statusRecorder) WriteHeader(code int) {
	if sr.status == 0 {
		sr.status = code
	}
	sr.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (sr *statusRecorder) Write(b []byte) (int, error) {
	if sr.status == 0 {
		sr.status = http.StatusOK
	}
	return sr.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (sr *statusRecorder) Unwrap() http.ResponseWriter { return sr.ResponseWriter }

// logRequests logs each request at debug level: method, path (never the
// query, which may hold a token), status and duration.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			s.log.Debug("http request", "method", r.Method, "path", loggedPath(r.URL.Path),
				"status", rec.status, "duration", time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

// recoverPanics turns a handler panic into a 500 JSON error (when nothing
// was written yet) and an error log line with the stack. http.ErrAbortHandler
// keeps its meaning.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			stack := debug.Stack()
			if hp, ok := v.(*handlerPanic); ok { // from timeoutRequests
				v, stack = hp.value, hp.stack
			}
			err := fmt.Errorf("api: handler panic: %v\n%s", v, stack)
			if rec.status != 0 {
				s.log.Error("api: request failed", "method", r.Method, "path", loggedPath(r.URL.Path), "err", err)
				return
			}
			s.writeError(w, r, err) // a 500, logged there
		}()
		next.ServeHTTP(rec, r)
	})
}
