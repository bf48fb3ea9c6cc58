package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/upstat/upstat"
)

// eventJSON is an Event as the API shows it: with its cursor, and with from
// and to present exactly when the event's type carries them (Event.Carries),
// so "operational" is shown rather than taken for absent.
type eventJSON struct {
	upstat.Event
	From   *upstat.Severity `json:"from,omitempty"`
	To     *upstat.Severity `json:"to,omitempty"`
	Cursor string           `json:"cursor"`
}

// newEventJSON converts ev for the API.
func newEventJSON(ev upstat.Event) eventJSON {
	ev.At = ev.At.UTC()
	out := eventJSON{Event: ev, Cursor: encodeEventCursor(ev.Seq)}
	from, to := ev.Carries()
	if from {
		out.From = &ev.From
	}
	if to {
		out.To = &ev.To
	}
	return out
}

// eventsResponse is the body of GET /api/v1/events.
type eventsResponse struct {
	Events     []eventJSON `json:"events"`
	NextCursor string      `json:"next_cursor"`
}

// handleEvents serves GET /api/v1/events: a page of events after the
// cursor "since" (from the beginning without it), oldest first, or the live
// stream when the client accepts text/event-stream (see serveEventStream:
// without a position, the stream starts live, not from the beginning).
// next_cursor is where the next poll resumes: the last event returned, or
// since itself when there was nothing new; it is never empty.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := singleValued(q, "since", "limit"); err != nil {
		s.writeError(w, r, err)
		return
	}
	after, err := decodeEventCursor("since", q.Get("since"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := parseLimit(q.Get("limit"), defaultEventLimit, maxEventLimit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if wantsEventStream(r) {
		s.serveEventStream(w, r, after, q.Get("since") != "")
		return
	}
	evs, err := s.opt.Reader.Events(r.Context(), after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := eventsResponse{Events: make([]eventJSON, len(evs)), NextCursor: encodeEventCursor(after)}
	for i, ev := range evs {
		out.Events[i] = newEventJSON(ev)
		out.NextCursor = out.Events[i].Cursor
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// replayPage is how many events one Reader call fetches while replaying.
const replayPage = 500

// serveEventStream streams events as Server-Sent Events. With a position
// (the Last-Event-ID header, which a reconnecting browser sends and which
// wins over ?since=; positioned says whether since was given), it first
// sends the stored events after it, then live ones: it subscribes before
// reading the store and skips live events already sent, so nothing is
// duplicated or lost at the seam. Without a position the stream starts
// LIVE: only events committed after the client connected, no replay of the
// history (a page that has just rendered the current state needs nothing
// older; the JSON listing serves history). Either way a live event that
// skips ahead triggers a read of the store to fill the gap. The stream ends
// when the client leaves, a write times out, or the EventSource drops the
// subscription (the client then reconnects with Last-Event-ID).
func (s *Server) serveEventStream(w http.ResponseWriter, r *http.Request, after int64, positioned bool) {
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		seq, err := decodeEventCursor("Last-Event-ID", id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		after, positioned = seq, true
	}
	if s.opt.Events == nil {
		s.writeError(w, r, &apiError{kind: errUnavailable, msg: "live events are not available"})
		return
	}
	if n := s.sseClients.Add(1); n > int64(s.opt.MaxSSEClients) {
		s.sseClients.Add(-1)
		w.Header().Set("Retry-After", "10")
		s.writeError(w, r, &apiError{kind: errUnavailable, msg: "too many event-stream clients"})
		return
	}
	defer s.sseClients.Add(-1)

	live, unsubscribe := s.opt.Events.Subscribe()
	defer unsubscribe()

	st := &eventStream{s: s, w: w, rc: http.NewResponseController(w), last: after, live: !positioned}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if err := st.flush(); err != nil {
		return
	}
	ctx := r.Context()
	if positioned {
		if err := st.catchUp(ctx); err != nil {
			st.fail(r, err)
			return
		}
	}
	beat := time.NewTicker(s.opt.HeartbeatInterval)
	defer beat.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			err = st.write([]byte(heartbeat))
		case ev, ok := <-live:
			if ok && st.live { // the first event after connecting sets the position
				st.last, st.live = ev.Seq-1, false
			}
			switch {
			case !ok:
				return
			case ev.Seq <= st.last:
			case ev.Seq > st.last+1:
				if err = st.catchUp(ctx); err == nil {
					err = st.send(ev) // in case the store did not show it yet
				}
			default:
				err = st.send(ev)
			}
		}
		if err != nil {
			st.fail(r, err)
			return
		}
	}
}

// eventStream is one SSE client's connection and position.
type eventStream struct {
	s    *Server
	w    http.ResponseWriter
	rc   *http.ResponseController
	last int64 // Seq of the last event sent
	live bool  // no position yet: the next live event sets it
}

// catchUp sends every stored event after the last one sent.
func (st *eventStream) catchUp(ctx context.Context) error {
	for {
		before := st.last
		evs, err := st.s.opt.Reader.Events(ctx, st.last, replayPage)
		if err != nil {
			return fmt.Errorf("replay events: %w", err)
		}
		if len(evs) == 0 {
			return nil
		}
		// Loop until an empty page: a Reader may cap the page below
		// replayPage.
		for _, ev := range evs {
			if err := st.send(ev); err != nil {
				return err
			}
		}
		if st.last == before {
			return nil // nothing newer came back: never spin
		}
	}
}

// send writes one event and advances the position.
func (st *eventStream) send(ev upstat.Event) error {
	if ev.Seq <= st.last {
		return nil
	}
	msg, err := st.s.sseMessages.message(ev)
	if err != nil {
		return err
	}
	if err := st.write(msg); err != nil {
		return err
	}
	st.last = ev.Seq
	return nil
}

// heartbeat is the comment line an idle stream gets.
const heartbeat = ": heartbeat\n\n"

// write sends msg and flushes it, within the write timeout.
func (st *eventStream) write(msg []byte) error {
	err := st.rc.SetWriteDeadline(time.Now().Add(st.s.opt.SSEWriteTimeout))
	if err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("set write deadline: %w", err)
	}
	if _, err := st.w.Write(msg); err != nil {
		return fmt.Errorf("write event stream: %w", err)
	}
	return st.flush()
}

// flush pushes buffered output to the client.
func (st *eventStream) flush() error {
	if err := st.rc.Flush(); err != nil {
		return fmt.Errorf("flush event stream: %w", err)
	}
	return nil
}

// fail ends a stream on err; a client that went away is not worth more
// than a debug line.
func (st *eventStream) fail(r *http.Request, err error) {
	level := st.s.log.Warn
	if r.Context().Err() != nil {
		level = st.s.log.Debug
	}
	level("api: event stream ended", "err", err, "last_seq", st.last)
}

// messageCache holds the SSE messages of recent events, so that an event
// going out to every stream is encoded once rather than once per client.
// An event's content never changes once it has a Seq, so a hit is always
// right. The zero value is ready to use.
type messageCache struct {
	mu    sync.Mutex
	slots [64]struct {
		seq int64
		msg []byte
	}
}

// message returns the SSE message of ev (id, event, data lines), shared:
// callers must not modify it.
func (c *messageCache) message(ev upstat.Event) ([]byte, error) {
	slot := &c.slots[uint64(ev.Seq)%uint64(len(c.slots))]
	c.mu.Lock()
	if slot.msg != nil && slot.seq == ev.Seq {
		msg := slot.msg
		c.mu.Unlock()
		return msg, nil
	}
	c.mu.Unlock()
	data, err := json.Marshal(newEventJSON(ev))
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	msg := fmt.Appendf(nil, "id: %s\nevent: %s\ndata: %s\n\n", encodeEventCursor(ev.Seq), ev.Type, data)
	c.mu.Lock()
	slot.seq, slot.msg = ev.Seq, msg
	c.mu.Unlock()
	return msg, nil
}
