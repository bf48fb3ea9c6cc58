package poll

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/upstat/upstat"
)

// failingRecorder fails its first n records (a database that is busy or
// full), then records.
type failingRecorder struct {
	mu      sync.Mutex
	n       int
	records int
}

func (r *failingRecorder) Record(context.Context, string, int, *upstat.Snapshot, error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records++
	if r.records <= r.n {
		return errors.New("sqlite: begin: database is locked (5) (SQLITE_BUSY)")
	}
	return nil
}

func (r *failingRecorder) CheckStale(context.Context) error { return nil }

// TestCommitOnlyAfterRecord: a snapshot is committed (its adapter
// remembers validators and digests) only when its record succeeded, so
// the polls whose record failed are followed by full ones, and the first
// record that succeeds commits exactly its own snapshot.
func TestCommitOnlyAfterRecord(t *testing.T) {
	defer goleak.VerifyNone(t)
	const failures = 3
	rec := &failingRecorder{n: failures}
	var mu sync.Mutex
	polls, committed := 0, []int{}
	src := funcSource(func(context.Context) (*upstat.Snapshot, error) {
		mu.Lock()
		defer mu.Unlock()
		polls++
		n := polls
		snap := &upstat.Snapshot{}
		snap.OnCommit(func() {
			mu.Lock()
			defer mu.Unlock()
			committed = append(committed, n)
		})
		return snap, nil
	})
	s, err := New(Options{Recorder: rec, StartSpread: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background(), []Target{{Key: "a", Vendor: "a", Kind: "x", Source: src, Interval: 5 * time.Millisecond, Timeout: time.Second}})
	waitFor(t, 5*time.Second, "two commits", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(committed) >= 2
	})
	s.Stop()
	mu.Lock()
	defer mu.Unlock()
	if committed[0] != failures+1 || committed[1] != failures+2 {
		t.Errorf("committed polls %v, want %d, %d, ... (none of the %d whose record failed)", committed, failures+1, failures+2, failures)
	}
}
