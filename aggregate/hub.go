package aggregate

import (
	"sync"

	"github.com/upstat/upstat"
)

// hub fans committed events out to subscribers without ever blocking the
// writer: a subscriber whose buffer is full is dropped (its channel closed)
// and can catch up with Reader.Events.
type hub struct {
	buf  int
	mu   sync.Mutex
	subs map[chan upstat.Event]struct{}
}

func newHub(buf int) *hub {
	return &hub{buf: buf, subs: map[chan upstat.Event]struct{}{}}
}

// Subscribe returns a channel of the events committed after the call and a
// function that ends the subscription (safe to call more than once). A
// subscriber that falls behind by more than Options.SubscriberBuffer events
// is dropped: its channel is closed.
func (s *Service) Subscribe() (<-chan upstat.Event, func()) {
	return s.hub.subscribe()
}

func (h *hub) subscribe() (<-chan upstat.Event, func()) {
	ch := make(chan upstat.Event, h.buf)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.drop(ch)
	}
}

// drop closes and forgets ch if it is still subscribed. h.mu must be held.
func (h *hub) drop(ch chan upstat.Event) {
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

func (h *hub) publish(events []upstat.Event) {
	if len(events) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		for _, e := range events {
			select {
			case ch <- e:
				continue
			default:
				h.drop(ch)
			}
			break
		}
	}
}
