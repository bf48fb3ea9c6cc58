package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// touchSetup opens a database holding vendor "v" with one source. The
// test may close it.
func touchSetup(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "upstat.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Configure(context.Background(), []VendorState{{VendorRecord: Vendor{ID: "v", Name: "V"},
		Sources: []Source{{Kind: "statuspage", URL: "https://v.example"}}}}); err != nil {
		t.Fatal(err)
	}
	return db, path
}

// timesChange is a change of poll times only: vendor and source checked
// at checked, successful at success.
func timesChange(checked, success time.Time) *Change {
	return &Change{VendorID: "v",
		Vendor:  &Vendor{ID: "v", LastCheckedAt: &checked, LastSuccessAt: &success},
		Sources: []Source{{Idx: 0, LastCheckedAt: &checked, LastSuccessAt: &success}}}
}

// storedTimes reads the vendor's and its source's last check and success.
func storedTimes(t *testing.T, db *DB) [4]*time.Time {
	t.Helper()
	st, err := db.LoadVendor(context.Background(), "v")
	if err != nil {
		t.Fatal(err)
	}
	s := st.Sources[0]
	return [4]*time.Time{st.LastCheckedAt, st.LastSuccessAt, s.LastCheckedAt, s.LastSuccessAt}
}

func allAt(t *testing.T, got [4]*time.Time, want time.Time) bool {
	t.Helper()
	for _, g := range got {
		if g == nil || !g.Equal(want) {
			return false
		}
	}
	return true
}

var touchT0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// TestTouchReachesTheDatabase: queued poll times are not written at once
// but within about the delay, by the timer alone.
func TestTouchReachesTheDatabase(t *testing.T) {
	db, _ := touchSetup(t)
	db.SetTouchDelay(200 * time.Millisecond)
	start := time.Now()
	if err := db.Touch(timesChange(touchT0, touchT0)); err != nil {
		t.Fatal(err)
	}
	if got := storedTimes(t, db); got[0] != nil {
		t.Fatalf("written at once: %v", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !allAt(t, storedTimes(t, db), touchT0) {
		if time.Now().After(deadline) {
			t.Fatalf("poll times not written after 5s: %v", storedTimes(t, db))
		}
		<-tick.C
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("poll times written after %v, want about 200ms", took)
	}
}

// TestTouchNeverGoesBack: queued times merge to the latest, and a flush
// never replaces a later time written by Apply meanwhile. Close writes
// what is queued.
func TestTouchNeverGoesBack(t *testing.T) {
	for _, tc := range []struct {
		name    string
		touches []time.Time // queued in order
		applied *time.Time  // written by Apply after the touches
		want    time.Time
	}{
		{"latest of the queued", []time.Time{touchT0.Add(2 * time.Second), touchT0.Add(time.Second)}, nil, touchT0.Add(2 * time.Second)},
		{"later Apply wins", []time.Time{touchT0}, ptrTime(touchT0.Add(time.Minute)), touchT0.Add(time.Minute)},
		{"later touch wins over Apply", []time.Time{touchT0.Add(time.Hour)}, ptrTime(touchT0), touchT0.Add(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, path := touchSetup(t)
			db.SetTouchDelay(time.Hour) // only Close flushes
			for _, at := range tc.touches {
				if err := db.Touch(timesChange(at, at)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.applied != nil {
				if err := db.Apply(context.Background(), timesChange(*tc.applied, *tc.applied)); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db2, err := Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			if got := storedTimes(t, db2); !allAt(t, got, tc.want) {
				t.Errorf("stored %v, want all %v", got, tc.want)
			}
			if err := db.Touch(timesChange(tc.want, tc.want)); err == nil {
				t.Errorf("Touch after Close: no error")
			}
		})
	}
}

func ptrTime(t time.Time) *time.Time { return &t }
