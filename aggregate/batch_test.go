package aggregate

import (
	"context"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// TestPollTimesBatchedDataImmediate: a poll that changes data (a
// component's status, an error) is in the database as soon as Record
// returns; one that only moves poll times reaches it within the touch
// delay, and readers see it at once either way.
func TestPollTimesBatchedDataImmediate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, oneVendor("v"))
	e.db.SetTouchDelay(100 * time.Millisecond)
	comps := func(st upstat.Severity) *upstat.Snapshot {
		return &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", st)}}
	}
	e.record("v", 0, comps(upstat.Operational), nil)
	for _, tc := range []struct {
		name      string
		snap      *upstat.Snapshot
		err       error
		immediate bool
	}{
		{"not modified", &upstat.Snapshot{NotModified: true}, nil, false},
		{"status change", comps(upstat.MajorOutage), nil, true},
		{"same snapshot", comps(upstat.MajorOutage), nil, false},
		{"new error", nil, errTest("timeout"), true},
		{"same error", nil, errTest("timeout"), false},
		{"recovered", comps(upstat.MajorOutage), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Advance(time.Minute)
			now := e.clock.Now()
			e.record("v", 0, tc.snap, tc.err)
			if v := e.vendor("v"); !v.LastCheckedAt.Equal(now) {
				t.Errorf("reader: last checked %v, want %v", v.LastCheckedAt, now)
			}
			st, err := e.db.LoadVendor(ctx, "v")
			if err != nil {
				t.Fatal(err)
			}
			if got := st.LastCheckedAt != nil && st.LastCheckedAt.Equal(now); got != tc.immediate {
				t.Errorf("stored at once = %v, want %v", got, tc.immediate)
			}
			mem := e.vendor("v")
			if tc.immediate && (st.Status != mem.Status || st.LastError != mem.LastError) {
				t.Errorf("stored status %v error %q, reader %v %q", st.Status, st.LastError, mem.Status, mem.LastError)
			}
			deadline := time.Now().Add(5 * time.Second)
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for st.LastCheckedAt == nil || !st.LastCheckedAt.Equal(now) || !st.Sources[0].LastCheckedAt.Equal(now) {
				if time.Now().After(deadline) {
					t.Fatalf("poll time not stored within 5s: %v", st.LastCheckedAt)
				}
				<-tick.C
				if st, err = e.db.LoadVendor(ctx, "v"); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }
