package aggregate

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

// encodedSummary decodes what EncodedSummary serves now.
func (e *env) encodedSummary() ([]upstat.VendorSummary, upstat.Severity) {
	e.t.Helper()
	b, totals, err := e.svc.EncodedSummary(context.Background())
	n, worst := totals.Vendors, totals.Worst
	if err != nil {
		e.t.Fatalf("encoded summary: %v", err)
	}
	var out []upstat.VendorSummary
	if err := json.Unmarshal(b, &out); err != nil {
		e.t.Fatalf("encoded summary: %v in %s", err, b)
	}
	if len(out) != n {
		e.t.Fatalf("encoded summary holds %d vendors, says %d", len(out), n)
	}
	return out, worst
}

// TestEncodedSummaryMatchesSummary: the encoded summary decodes to what
// Summary lists, and its worst status is the worst vendor's.
func TestEncodedSummaryMatchesSummary(t *testing.T) {
	e := newEnv(t, oneVendor("a"), oneVendor("b"))
	e.record("a", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.PartialOutage)}}, nil)
	got, worst := e.encodedSummary()
	want, err := e.svc.Summary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("encoded summary:\n%s\nwant\n%s", gb, wb)
	}
	if worst != upstat.PartialOutage {
		t.Errorf("worst = %v, want partial_outage", worst)
	}
}

// TestEncodedSummaryFreshness: a change readers see (an event) shows in
// the summary once 100ms have passed since it was built; a poll that only
// moves last_checked_at shows within a second.
func TestEncodedSummaryFreshness(t *testing.T) {
	for _, tc := range []struct {
		name string
		snap *upstat.Snapshot
		// visibleAfter is when the change must show; before it the
		// previous encoding is served.
		visibleAfter time.Duration
		show         func(upstat.VendorSummary, time.Time) bool
	}{
		{
			name:         "status change",
			snap:         &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.MajorOutage)}},
			visibleAfter: summaryMinAge,
			show:         func(v upstat.VendorSummary, _ time.Time) bool { return v.Status == upstat.MajorOutage },
		},
		{
			name:         "poll time only",
			snap:         &upstat.Snapshot{NotModified: true},
			visibleAfter: summaryMaxAge,
			show: func(v upstat.VendorSummary, polled time.Time) bool {
				return v.LastCheckedAt != nil && v.LastCheckedAt.Equal(polled)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, oneVendor("a"))
			e.record("a", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Operational)}}, nil)
			e.clock.Advance(time.Minute) // the first encoding is made now
			if got, _ := e.encodedSummary(); got[0].Status != upstat.Operational {
				t.Fatalf("before the change: %+v", got[0])
			}
			built := e.clock.Now()
			e.clock.Advance(10 * time.Millisecond)
			e.record("a", 0, tc.snap, nil)
			polled := normTime(e.clock.Now())
			e.clock.Advance(built.Add(tc.visibleAfter - time.Millisecond).Sub(e.clock.Now()))
			if got, _ := e.encodedSummary(); tc.show(got[0], polled) {
				t.Errorf("change served before %v: %+v", tc.visibleAfter, got[0])
			}
			e.clock.Advance(time.Millisecond)
			if got, _ := e.encodedSummary(); !tc.show(got[0], polled) {
				t.Errorf("change not served after %v: %+v", tc.visibleAfter, got[0])
			}
		})
	}
}
