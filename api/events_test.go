package api

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/api/apitest"
)

// eventReader returns a Reader holding n events alternating between a
// vendor status change and an incident opening.
func eventReader(n int) *apitest.Reader {
	r := fixtureReader()
	for i := range n {
		addEvent(r, nil, i)
	}
	return r
}

// addEvent commits the i-th test event to r and, when es is set, publishes
// it, as the aggregator does.
func addEvent(r *apitest.Reader, es *apitest.Events, i int) upstat.Event {
	ev := upstat.Event{At: apitest.Time("2024-05-02T10:00:00Z").Add(time.Duration(i) * time.Minute).In(paris),
		Type: upstat.EventVendorStatusChanged, Vendor: "github", From: upstat.Operational, To: upstat.Degraded}
	if i%2 == 1 {
		ev.Type, ev.IncidentID, ev.From, ev.To = upstat.EventIncidentOpened, "github:abc123", upstat.Operational, upstat.Operational
	}
	ev = r.AddEvent(ev)
	if es != nil {
		es.Publish(ev)
	}
	return ev
}

type eventsPage struct {
	Events     []map[string]any `json:"events"`
	NextCursor string           `json:"next_cursor"`
}

func (p eventsPage) ids() []string {
	var out []string
	for _, e := range p.Events {
		out = append(out, e["id"].(string))
	}
	return out
}

func TestEventsJSON(t *testing.T) {
	s, _ := newTestServer(t, eventReader(5), nil)
	var page eventsPage
	getJSON(t, s.Handler(), "/api/v1/events", http.StatusOK, &page)
	if got := strings.Join(page.ids(), ","); got != "ev-1,ev-2,ev-3,ev-4,ev-5" {
		t.Fatalf("ids = %s", got)
	}
	first := page.Events[0]
	for k, want := range map[string]any{"type": "vendor.status_changed", "vendor": "github",
		"from": "operational", "to": "degraded", "cursor": encodeEventCursor(1)} {
		if first[k] != want {
			t.Errorf("events[0].%s = %v, want %v", k, first[k], want)
		}
	}
	wantUTC(t, "events[0].at", first["at"], apitest.Time("2024-05-02T10:00:00Z"))
	if opened := page.Events[1]; opened["incident_id"] != "github:abc123" || opened["from"] != nil {
		t.Errorf("events[1] = %v, want incident_id and no from", opened)
	}
	if page.NextCursor != encodeEventCursor(5) {
		t.Errorf("next_cursor = %q, want the last event's", page.NextCursor)
	}

	getJSON(t, s.Handler(), "/api/v1/events?limit=2&since="+encodeEventCursor(2), http.StatusOK, &page)
	if got := strings.Join(page.ids(), ","); got != "ev-3,ev-4" || page.NextCursor != encodeEventCursor(4) {
		t.Errorf("page after 2 = %s next %q", got, page.NextCursor)
	}
	// Nothing new: an empty list and the same position to poll from.
	since := encodeEventCursor(5)
	getJSON(t, s.Handler(), "/api/v1/events?since="+since, http.StatusOK, &page)
	if len(page.Events) != 0 || page.NextCursor != since || page.Events == nil {
		t.Errorf("page after 5 = %v next %q, want [] and %q", page.Events, page.NextCursor, since)
	}
}

func TestEventsBadParameters(t *testing.T) {
	s, _ := newTestServer(t, eventReader(1), func(o *Options) { o.Events = apitest.NewEvents(4) })
	tests := []struct {
		query, param string
		header       http.Header
	}{
		{"since=zzz", "since", nil},
		{"since=" + encodeIncidentCursor(&upstat.IncidentCursor{ID: "x"}), "since", nil},
		{"since=" + base64.RawURLEncoding.EncodeToString([]byte("e1|-4")), "since", nil},
		{"since=a&since=b", "since", nil},
		{"limit=1001", "limit", nil},
		{"limit=0", "limit", nil},
		{"", "Last-Event-ID", http.Header{"Accept": {"text/event-stream"}, "Last-Event-Id": {"garbage"}}},
	}
	for _, tt := range tests {
		t.Run(tt.query+tt.param, func(t *testing.T) {
			rec := do(s.Handler(), http.MethodGet, "/api/v1/events?"+tt.query, tt.header)
			wantError(t, rec, http.StatusBadRequest, "bad_request", `invalid parameter "`+tt.param+`"`)
		})
	}
}

// sseMsg is one message of an event stream; comment is set for ": ..." lines.
type sseMsg struct{ id, event, data, comment string }

// streamClient is an open event stream read in the background.
type streamClient struct {
	resp *http.Response
	msgs chan sseMsg // closed when the stream ends
	stop context.CancelFunc
}

// newStreamServer serves s on a local listener whose connections have small
// socket buffers (so a client that stops reading blocks the server soon);
// streams are ended on cleanup.
func newStreamServer(t *testing.T, s *Server, es *apitest.Events) *httptest.Server {
	ts := httptest.NewUnstartedServer(s.Handler())
	ts.Listener = smallBuffers{ts.Listener}
	ts.Config.WriteTimeout = serverWriteTimeout // streams must outlive it
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(es.DropAll) // runs before ts.Close: no stream outlives the test
	return ts
}

// serverWriteTimeout is the http.Server WriteTimeout of stream tests.
const serverWriteTimeout = 100 * time.Millisecond

// smallBuffers shrinks the buffers of every connection it accepts.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(8 << 10)
		_ = tc.SetReadBuffer(8 << 10)
	}
	return c, err
}

// openStream requests the event stream at path; read says whether the body
// is consumed (a client that never reads simulates a stuck browser).
func openStream(t *testing.T, ts *httptest.Server, path string, header http.Header, read bool) *streamClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	for k, vs := range header {
		req.Header[k] = vs
	}
	client := ts.Client()
	if !read {
		// A client that never reads gets small buffers too.
		tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(8 << 10)
			}
			return c, err
		}}
		t.Cleanup(tr.CloseIdleConnections)
		client = &http.Client{Transport: tr}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	c := &streamClient{resp: resp, msgs: make(chan sseMsg, 1024), stop: cancel}
	t.Cleanup(func() { _ = resp.Body.Close() })
	if read && resp.StatusCode == http.StatusOK {
		go c.read(ctx)
	}
	return c
}

// read parses the stream into messages until it ends.
func (c *streamClient) read(ctx context.Context) {
	defer close(c.msgs)
	sc := bufio.NewScanner(c.resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	var m sseMsg
	for sc.Scan() {
		line := sc.Text()
		field, value, _ := strings.Cut(line, ": ")
		switch {
		case line == "":
			select {
			case c.msgs <- m:
			case <-ctx.Done():
				return
			}
			m = sseMsg{}
		case strings.HasPrefix(line, ":"):
			m.comment = strings.TrimPrefix(line, ": ")
		case field == "id":
			m.id = value
		case field == "event":
			m.event = value
		case field == "data":
			m.data = value
		}
	}
}

// next returns the next message that is not a heartbeat, failing after a
// deadline or when the stream ends.
func (c *streamClient) next(t *testing.T) sseMsg {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				t.Fatal("event stream ended")
			}
			if m.comment == "" {
				return m
			}
		case <-deadline:
			t.Fatal("no event within the deadline")
		}
	}
}

// wantSeqs asserts the next messages are the events with these Seqs, in
// order, with matching id, type and data.
func (c *streamClient) wantSeqs(t *testing.T, seqs ...int64) {
	t.Helper()
	for _, seq := range seqs {
		m := c.next(t)
		var data map[string]any
		if err := json.Unmarshal([]byte(m.data), &data); err != nil {
			t.Fatalf("data %q: %v", m.data, err)
		}
		want := encodeEventCursor(seq)
		if m.id != want || data["cursor"] != want || data["id"] != fmt.Sprintf("ev-%d", seq) || m.event != data["type"] {
			t.Fatalf("message %+v, want event %d", m, seq)
		}
	}
}

// eventually polls cond until it holds, failing after a deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func TestEventStreamReplayThenLive(t *testing.T) {
	r, es := eventReader(3), apitest.NewEvents(16)
	s, _ := newTestServer(t, r, func(o *Options) { o.Events = es })
	ts := newStreamServer(t, s, es)

	c := openStream(t, ts, "/api/v1/events?since="+encodeEventCursor(1), nil, true)
	if ct := c.resp.Header.Get("Content-Type"); c.resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("stream answer %d %q", c.resp.StatusCode, ct)
	}
	c.wantSeqs(t, 2, 3)
	addEvent(r, es, 3)
	addEvent(r, es, 4)
	c.wantSeqs(t, 4, 5)

	// A reconnecting browser sends Last-Event-ID, which wins over ?since.
	c2 := openStream(t, ts, "/api/v1/events?since="+encodeEventCursor(1),
		http.Header{"Last-Event-Id": {encodeEventCursor(4)}}, true)
	c2.wantSeqs(t, 5)
	// since=<cursor of position 0> replays from the beginning.
	c3 := openStream(t, ts, "/api/v1/events?since="+encodeEventCursor(0), nil, true)
	c3.wantSeqs(t, 1, 2, 3, 4, 5)
}

func TestEventStreamWithoutPositionStartsLive(t *testing.T) {
	r, es := eventReader(3), apitest.NewEvents(16)
	s, _ := newTestServer(t, r, func(o *Options) { o.Events = es })
	ts := newStreamServer(t, s, es)

	for _, tt := range []struct{ name, path string }{
		{"no since", "/api/v1/events"},
		{"empty since", "/api/v1/events?since="},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eventually(t, "earlier streams to end", func() bool { return es.Subscribers() == 0 })
			c := openStream(t, ts, tt.path, nil, true)
			eventually(t, "the subscription", func() bool { return es.Subscribers() == 1 })
			n := int64(len(mustEvents(t, r)))
			// The stored history is not replayed: the first message is
			// the first event committed after connecting.
			addEvent(r, es, int(n))
			c.wantSeqs(t, n+1)
			// From then on the stream is positioned: a lost live event
			// is filled from the store.
			addEvent(r, nil, int(n)+1)
			addEvent(r, es, int(n)+2)
			c.wantSeqs(t, n+2, n+3)
		})
	}
}

// mustEvents returns every stored event of r.
func mustEvents(t *testing.T, r *apitest.Reader) []upstat.Event {
	t.Helper()
	evs, err := r.Events(t.Context(), 0, maxEventLimit)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// commitDuringReplay commits and publishes one event the first time the
// stream reads the store: the race between replay and live at the seam.
type commitDuringReplay struct {
	*apitest.Reader
	es   *apitest.Events
	once sync.Once
}

func (c *commitDuringReplay) Events(ctx context.Context, after int64, limit int) ([]upstat.Event, error) {
	c.once.Do(func() { addEvent(c.Reader, c.es, 9) })
	return c.Reader.Events(ctx, after, limit)
}

func TestEventStreamSeamHasNoDuplicatesOrGaps(t *testing.T) {
	es := apitest.NewEvents(16)
	r := &commitDuringReplay{Reader: eventReader(3), es: es}
	s, _ := newTestServer(t, r, func(o *Options) { o.Events = es })
	ts := newStreamServer(t, s, es)

	c := openStream(t, ts, "/api/v1/events?since="+encodeEventCursor(0), nil, true)
	// Event 4 was both replayed and delivered live: it must come once.
	c.wantSeqs(t, 1, 2, 3, 4)
	// Event 5 is committed but its live delivery is lost; 6 arrives live:
	// the stream fills the gap from the store, in order.
	addEvent(r.Reader, nil, 4)
	addEvent(r.Reader, es, 5)
	addEvent(r.Reader, es, 6)
	c.wantSeqs(t, 5, 6, 7)
}

func TestEventStreamHeartbeat(t *testing.T) {
	r, es := eventReader(0), apitest.NewEvents(16)
	s, _ := newTestServer(t, r, func(o *Options) { o.Events = es; o.HeartbeatInterval = 5 * time.Millisecond })
	ts := newStreamServer(t, s, es)
	c := openStream(t, ts, "/api/v1/events", nil, true)
	// Heartbeats keep coming past the server's WriteTimeout: the stream
	// renews its write deadline.
	start := time.Now()
	for time.Since(start) < 3*serverWriteTimeout {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				t.Fatalf("stream ended after %v", time.Since(start))
			}
			if m.comment != "heartbeat" || m.id != "" || m.data != "" {
				t.Fatalf("message %+v, want a heartbeat comment", m)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no heartbeat")
		}
	}
}

func TestEventStreamClientCap(t *testing.T) {
	r, es := eventReader(0), apitest.NewEvents(16)
	s, _ := newTestServer(t, r, func(o *Options) { o.Events = es; o.MaxSSEClients = 2 })
	ts := newStreamServer(t, s, es)

	c1 := openStream(t, ts, "/api/v1/events", nil, true)
	openStream(t, ts, "/api/v1/events", nil, true)
	over := openStream(t, ts, "/api/v1/events", nil, false)
	if over.resp.StatusCode != http.StatusServiceUnavailable || over.resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third client got %d, want 503 with Retry-After", over.resp.StatusCode)
	}
	var body errorBody
	if err := json.NewDecoder(over.resp.Body).Decode(&body); err != nil || body.Error.Code != "unavailable" {
		t.Fatalf("503 body %+v (%v)", body, err)
	}
	// The JSON listing is not a stream and is not capped.
	if rec := do(s.Handler(), http.MethodGet, "/api/v1/events", nil); rec.Code != http.StatusOK {
		t.Errorf("JSON events while streams are full = %d", rec.Code)
	}
	// A client leaving frees its place.
	c1.stop()
	eventually(t, "the first stream to end", func() bool { return s.sseClients.Load() == 1 })
	if again := openStream(t, ts, "/api/v1/events", nil, true); again.resp.StatusCode != http.StatusOK {
		t.Errorf("client after one left got %d", again.resp.StatusCode)
	}
}

func TestEventStreamEndsWhenSubscriptionDropped(t *testing.T) {
	r, es := eventReader(1), apitest.NewEvents(16)
	s, _ := newTestServer(t, r, func(o *Options) { o.Events = es })
	ts := newStreamServer(t, s, es)
	c := openStream(t, ts, "/api/v1/events?since="+encodeEventCursor(0), nil, true)
	c.wantSeqs(t, 1)
	es.DropAll()
	select {
	case m, ok := <-c.msgs:
		if ok {
			t.Fatalf("got %+v, want the stream to end", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stream still open after its subscription was dropped")
	}
	eventually(t, "the handler to return", func() bool { return s.sseClients.Load() == 0 })
}

func TestEventStreamSlowClientDoesNotBlockOthers(t *testing.T) {
	r, es := apitest.NewReader(), apitest.NewEvents(8)
	s, logs := newTestServer(t, r, func(o *Options) { o.Events = es; o.SSEWriteTimeout = time.Second })
	ts := newStreamServer(t, s, es)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})

	stuck := openStream(t, ts, "/api/v1/events", nil, false) // never reads
	fast := openStream(t, ts, "/api/v1/events", nil, true)
	eventually(t, "both subscriptions", func() bool { return es.Subscribers() == 2 })

	// 100 events of 32 KiB: far more than the stuck client's socket
	// buffers hold, so its handler blocks on a write.
	big := strings.Repeat("x", 32<<10)
	for i := range int64(100) {
		ev := r.AddEvent(upstat.Event{Type: upstat.EventVendorStale, Vendor: big})
		es.Publish(ev)
		fast.wantSeqs(t, i+1)
	}
	eventually(t, "the stuck client's stream to end", func() bool { return s.sseClients.Load() == 1 })
	if stuck.resp.StatusCode != http.StatusOK {
		t.Fatalf("stuck client status %d", stuck.resp.StatusCode)
	}
	// The fast client is still served.
	es.Publish(r.AddEvent(upstat.Event{Type: upstat.EventVendorRecovered, Vendor: "v"}))
	fast.wantSeqs(t, 101)
}

func TestEventStreamWithoutEventSource(t *testing.T) {
	s, _ := newTestServer(t, eventReader(1), nil)
	rec := do(s.Handler(), http.MethodGet, "/api/v1/events", http.Header{"Accept": {"text/event-stream"}})
	wantError(t, rec, http.StatusServiceUnavailable, "unavailable", "live events")
}

// pageCap is a Reader whose event pages hold at most two events.
type pageCap struct{ *apitest.Reader }

func (p pageCap) Events(ctx context.Context, after int64, limit int) ([]upstat.Event, error) {
	return p.Reader.Events(ctx, after, min(limit, 2))
}

func TestEventStreamReplaysPastAReaderPageCap(t *testing.T) {
	r, es := eventReader(5), apitest.NewEvents(16)
	s, _ := newTestServer(t, pageCap{r}, func(o *Options) { o.Events = es })
	ts := newStreamServer(t, s, es)
	c := openStream(t, ts, "/api/v1/events?since="+encodeEventCursor(0), nil, true)
	c.wantSeqs(t, 1, 2, 3, 4, 5)
	addEvent(r, es, 5)
	c.wantSeqs(t, 6)
}

func TestMessageCache(t *testing.T) {
	var c messageCache
	ev := func(seq int64, vendor string) upstat.Event {
		return upstat.Event{Seq: seq, ID: fmt.Sprintf("ev-%d", seq), Type: upstat.EventVendorStale, Vendor: vendor}
	}
	// 1 and 65 share a slot: each must still come back as itself.
	for _, e := range []upstat.Event{ev(1, "a"), ev(65, "b"), ev(1, "a"), ev(2, "c"), ev(65, "b")} {
		msg, err := c.message(e)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("id: %s\nevent: vendor.stale\ndata: ", encodeEventCursor(e.Seq))
		if !strings.HasPrefix(string(msg), want) || !strings.Contains(string(msg), `"vendor":"`+e.Vendor+`"`) ||
			!strings.HasSuffix(string(msg), "}\n\n") {
			t.Errorf("message of %d = %q", e.Seq, msg)
		}
	}
	first, _ := c.message(ev(7, "x"))
	again, _ := c.message(ev(7, "x"))
	if &first[0] != &again[0] {
		t.Error("the same event was encoded twice")
	}
}

// An operational "to" is a value, not an absence: a vendor that goes stale
// while operational says so.
func TestEventsShowOperationalWhereTheTypeCarriesIt(t *testing.T) {
	r := apitest.NewReader()
	r.AddEvent(upstat.Event{At: apitest.Time("2024-05-02T10:00:00Z"), Type: upstat.EventVendorStale, Vendor: "github", To: upstat.Operational})
	r.AddEvent(upstat.Event{At: apitest.Time("2024-05-02T10:01:00Z"), Type: upstat.EventVendorRecovered, Vendor: "github"})
	s, _ := newTestServer(t, r, nil)
	var page eventsPage
	getJSON(t, s.Handler(), "/api/v1/events", http.StatusOK, &page)
	if len(page.Events) != 2 {
		t.Fatalf("events = %v", page.Events)
	}
	if stale := page.Events[0]; stale["to"] != "operational" || stale["from"] != nil {
		t.Errorf("vendor.stale = %v, want to=operational and no from", stale)
	}
	if rec := page.Events[1]; rec["to"] != nil || rec["from"] != nil {
		t.Errorf("vendor.recovered = %v, want neither from nor to", rec)
	}
}
