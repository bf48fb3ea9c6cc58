package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
)

// limitRequests refuses, before anything else runs, a query string longer
// than MaxQueryBytes (414) and a declared body longer than MaxBodyBytes
// (413); it caps the body of every other non-read request at MaxBodyBytes,
// so a handler reading past it gets an *http.MaxBytesError (a 413 through
// writeError). The query itself is never echoed: it may hold a token.
func (s *Server) limitRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := len(r.URL.RawQuery); n > MaxQueryBytes {
			s.writeError(w, r, &apiError{kind: errURITooLong,
				msg: fmt.Sprintf("query string is %d bytes; the limit is %d", n, MaxQueryBytes)})
			return
		}
		if !isRead(r.Method) {
			if r.ContentLength > MaxBodyBytes {
				s.writeError(w, r, tooLarge(r.ContentLength))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// tooLarge is the 413 error for a body of n bytes (-1: unknown).
func tooLarge(n int64) error {
	size := "more than " + strconv.FormatInt(MaxBodyBytes, 10) + " bytes"
	if n >= 0 {
		size = strconv.FormatInt(n, 10) + " bytes"
	}
	return &apiError{kind: errTooLarge,
		msg: fmt.Sprintf("request body is %s; the limit is %d", size, MaxBodyBytes)}
}

// isEventStream reports whether r asks for the live event stream, the one
// response that is meant to last.
func isEventStream(r *http.Request) bool {
	return r.URL.Path == "/api/v1/events" && wantsEventStream(r)
}

// untimed reports whether r is exempt from the request timeout: the event
// stream, and /metrics, whose scraper sets its own timeout (a scrape of
// thousands of vendors can legitimately take longer than an API call).
func untimed(r *http.Request) bool {
	return isEventStream(r) || r.URL.Path == "/metrics"
}

// timeoutRequests gives every request but the event stream and /metrics
// Options.RequestTimeout: its context ends then, and if the handler has not
// finished, the client gets a 503 JSON error (code "timeout") at once.
// Like http.TimeoutHandler, the response is buffered until the handler
// returns, and a handler still running after the timeout gets
// http.ErrHandlerTimeout from its writes. Unlike it, ServeHTTP returns only
// once the handler has: nothing a request started outlives it (so
// http.Server.Shutdown still waits for every handler). A panic in the
// handler is re-raised on the serving goroutine, with the handler's stack,
// for recoverPanics.
func (s *Server) timeoutRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if untimed(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.opt.RequestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		bw := &bufferedWriter{header: make(http.Header)}
		done := make(chan struct{})
		var panicked any
		go func() {
			defer close(done)
			defer func() {
				if v := recover(); v != nil {
					panicked = v
					if v != http.ErrAbortHandler {
						panicked = &handlerPanic{value: v, stack: debug.Stack()}
					}
				}
			}()
			next.ServeHTTP(bw, r)
		}()
		select {
		case <-done:
			if panicked == nil {
				bw.copyTo(w)
			}
		case <-ctx.Done():
			bw.expire()
			// A client that went away gets no answer; one that waited too
			// long gets the 503 now, before the handler winds down.
			if errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
				s.writeError(w, r, context.DeadlineExceeded)
				_ = http.NewResponseController(w).Flush()
			}
			<-done
		}
		if panicked != nil {
			panic(panicked)
		}
	})
}

// timedOut logs that r ran out of time and returns the error to answer.
// Whichever notices first, the handler (its context's deadline) or
// timeoutRequests, the client gets the same 503.
func (s *Server) timedOut(r *http.Request) error {
	s.log.Warn("api: request timed out", "method", r.Method, "path", loggedPath(r.URL.Path), "timeout", s.opt.RequestTimeout)
	return &apiError{kind: errTimeout, msg: "request took longer than " + s.opt.RequestTimeout.String()}
}

// handlerPanic carries a panic from the goroutine of timeoutRequests to the
// serving goroutine, with the stack where it happened.
type handlerPanic struct {
	value any
	stack []byte
}

// bufferedWriter holds a response until the handler has finished, as
// http.TimeoutHandler does.
type bufferedWriter struct {
	mu      sync.Mutex
	header  http.Header
	body    bytes.Buffer
	shared  [][]byte // after body: slices queued by writeShared, not copied
	status  int
	expired bool
}

// Header returns the buffered header map.
func (b *bufferedWriter) Header() http.Header { return b.header }

// WriteHeader records the status (the first one wins).
func (b *bufferedWriter) WriteHeader(code int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.status == 0 && !b.expired {
		b.status = code
	}
}

// Write buffers p; after the timeout it fails with http.ErrHandlerTimeout.
func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.expired {
		return 0, http.ErrHandlerTimeout
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// writeShared queues p without copying it (a 3.5 MB summary at 10,000
// vendors, twenty times a second): p must never be modified. Later Writes
// are not allowed.
func (b *bufferedWriter) writeShared(p []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.expired {
		return http.ErrHandlerTimeout
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	b.shared = append(b.shared, p)
	return nil
}

// sharedWriter is implemented by a ResponseWriter that can send a slice
// the caller never modifies without copying it.
type sharedWriter interface {
	writeShared(p []byte) error
}

// expire makes every later write fail.
func (b *bufferedWriter) expire() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expired = true
}

// copyTo sends the buffered response to w (once the handler returned).
func (b *bufferedWriter) copyTo(w http.ResponseWriter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	dst := w.Header()
	for k, vs := range b.header {
		dst[k] = vs
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	if b.body.Len() > 0 {
		if _, err := w.Write(b.body.Bytes()); err != nil {
			return
		}
	}
	for _, p := range b.shared {
		if _, err := w.Write(p); err != nil {
			return
		}
	}
}
