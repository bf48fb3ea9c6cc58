package poll

import (
	"context"
	"testing"
	"time"
)

// TestPollNow: a target on an hour's interval is polled at once when its
// vendor is asked for, and only that vendor's targets.
func TestPollNow(t *testing.T) {
	rec := newRecorder()
	s, err := New(Options{Recorder: rec, StartSpread: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background(), []Target{
		{Key: "a/0", Vendor: "a", Source: funcSource(quick), Interval: time.Hour, Timeout: time.Second},
		{Key: "a/1", Vendor: "a", Index: 1, Source: funcSource(quick), Interval: time.Hour, Timeout: time.Second},
		{Key: "b/0", Vendor: "b", Source: funcSource(quick), Interval: time.Hour, Timeout: time.Second},
	})
	defer s.Stop()
	waitFor(t, 5*time.Second, "the first polls", func() bool { return rec.count("a") == 2 && rec.count("b") == 1 })

	if n := s.PollNow("a"); n != 2 {
		t.Fatalf("PollNow(a) = %d, want 2", n)
	}
	waitFor(t, 5*time.Second, "the polls asked for", func() bool { return rec.count("a") == 4 })
	if got := rec.count("b"); got != 1 {
		t.Errorf("vendor b polled %d times, want 1: PollNow(a) touched it", got)
	}
	if n := s.PollNow("nobody"); n != 0 {
		t.Errorf("PollNow(nobody) = %d, want 0", n)
	}
}
