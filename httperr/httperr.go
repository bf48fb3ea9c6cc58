// Package httperr is the one HTTP error type and the one Retry-After
// parser shared by everything upstat fetches (sources) and sends (alert),
// so both read a server's answer the same way.
package httperr

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is a non-2xx (and, for fetches, non-304) answer from a server.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Body is a short excerpt of the answer, with secrets already removed
	// by whoever built the error; empty when not kept.
	Body string
	// RetryAfter is the server's Retry-After as a wait from the time of
	// the answer; 0 when absent, unreadable, "0" or a date in the past.
	RetryAfter time.Duration
}

// Error returns "http 503 Service Unavailable", then ": body" when a body
// excerpt is kept, then " (retry after 30s)" when the server asked for a
// pause.
func (e *Error) Error() string {
	msg := fmt.Sprintf("http %d %s", e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// RetryAfter reads a Retry-After header value, either delay-seconds
// ("120") or an HTTP date, relative to now. ok is false when the value is
// absent or unreadable (a negative number, a word). "0" and a date at or
// before now are read (ok) as no wait at all: the server allows a retry
// at once.
func RetryAfter(h string, now time.Time) (wait time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		return time.Duration(min(secs, maxSecs)) * time.Second, true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	if !t.After(now) {
		return 0, true
	}
	return t.Sub(now), true
}

// New builds an Error for resp, with body as its excerpt (already
// scrubbed by the caller) and the response's Retry-After read against now.
func New(resp *http.Response, body string, now time.Time) *Error {
	ra, _ := RetryAfter(resp.Header.Get("Retry-After"), now)
	return &Error{Status: resp.StatusCode, Body: body, RetryAfter: ra}
}
