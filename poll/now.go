package poll

// PollNow moves the next poll of every running source of vendor to now:
// something told upstat the vendor changed (a webhook), and a poll
// confirms it. A source whose poll is under way is left to finish it, and
// one in backoff is polled all the same (one request, not a retry storm:
// its backoff resumes from the outcome). It returns how many polls it
// scheduled: 0 for a vendor without running sources.
func (s *Scheduler) PollNow(vendor string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, l := range s.loops {
		if l.t.Vendor == vendor && l.state != nil && l.state.now() {
			n++
		}
	}
	return n
}

// now fires the loop's timer at once unless a poll is in flight or the
// loop has ended; it reports whether it did.
func (l *loopState) now() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended || l.ctx.Err() != nil || !l.timer.Stop() {
		return false
	}
	l.timer.Reset(0)
	return true
}
