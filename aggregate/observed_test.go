package aggregate

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/upstat/upstat"
)

// TestSetObserved: the observed signal shows on the vendor and the
// summary beside the reported status, which it never changes; failing and
// recovering are events; it survives a reconfiguration.
func TestSetObserved(t *testing.T) {
	e := newEnv(t, oneVendor("gh"))
	ctx := context.Background()
	e.record("gh", 0, &upstat.Snapshot{HasComponents: true, Components: []upstat.Component{comp("API", upstat.Operational)}}, nil)
	seen := e.events(0)
	after := seen[len(seen)-1].Seq
	if v := e.vendor("gh"); v.Observed != nil {
		t.Fatalf("observed = %+v before any probe result, want none", v.Observed)
	}

	for _, o := range []upstat.Observed{
		{Status: upstat.ObservedOK, Since: at(1), Failing: nil},
		{Status: upstat.ObservedFailing, Since: at(2), Failing: []string{"api"}},
		{Status: upstat.ObservedFailing, Since: at(2), Failing: []string{"api", "smtp"}},
		{Status: upstat.ObservedOK, Since: at(3)},
	} {
		if err := e.svc.SetObserved(ctx, "gh", o); err != nil {
			t.Fatal(err)
		}
		v := e.vendor("gh")
		if v.Observed == nil || v.Observed.Status != o.Status || !v.Observed.Since.Equal(o.Since) {
			t.Fatalf("observed = %+v, want %+v", v.Observed, o)
		}
		if v.Status != upstat.Operational {
			t.Fatalf("reported status = %s, want operational: the observed signal changed it", v.Status)
		}
	}
	if got := types(e.events(after)); !reflect.DeepEqual(got, []string{"vendor.observed_failing", "vendor.observed_ok"}) {
		t.Fatalf("events = %v", got)
	}
	sum, err := e.svc.Summary(ctx)
	if err != nil || sum[0].Observed == nil || sum[0].Observed.Status != upstat.ObservedOK {
		t.Fatalf("summary observed = %+v, %v", sum[0].Observed, err)
	}
	if enc, _ := e.encodedSummary(); enc[0].Observed == nil || enc[0].Observed.Status != upstat.ObservedOK {
		t.Fatalf("encoded summary observed = %+v", enc[0].Observed)
	}
	if err := e.svc.Configure(ctx, e.cfg); err != nil {
		t.Fatal(err)
	}
	if v := e.vendor("gh"); v.Observed == nil || v.Observed.Status != upstat.ObservedOK {
		t.Fatalf("observed after Configure = %+v, want kept", v.Observed)
	}
	if err := e.svc.SetObserved(ctx, "nope", upstat.Observed{}); !errors.Is(err, upstat.ErrNotFound) {
		t.Fatalf("unknown vendor: %v", err)
	}
}
