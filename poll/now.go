package poll

import (
	"container/heap"
	"time"
)

// PollNow moves the next poll of every source of vendor to now:
// something told upstat the vendor changed (a webhook), and a poll
// confirms it. A source whose poll is under way or already due is left
// to it, and one in backoff is polled all the same (one request, not a
// retry storm: its backoff resumes from the outcome). It returns how many
// polls it brought forward: 0 for a vendor without queued sources.
func (s *Scheduler) PollNow(vendor string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	n := 0
	for _, e := range s.entries {
		if e.t.Vendor != vendor || e.index < 0 || e.removed || !e.due.After(now) {
			continue
		}
		e.due = now
		heap.Fix(&s.queue, e.index)
		n++
	}
	if n > 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return n
}
