package alerttest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/alert"
)

// StoreSuite checks that a Store implementation keeps the contract the
// engine relies on. open returns a fresh empty store and a function that
// reopens it (as after a restart) with the same contents.
func StoreSuite(t *testing.T, open func(t *testing.T) (alert.Store, func() alert.Store)) {
	ctx := context.Background()
	t.Run("engine restart sends once", func(t *testing.T) {
		s, reopen := open(t)
		engineRestart(t, s, reopen)
	})
	t.Run("states round trip and delete", func(t *testing.T) {
		s, reopen := open(t)
		fired := At.Add(time.Minute)
		want := []alert.State{
			{Key: "k1", Rule: "r", Vendor: "stripe", Component: "API", Phase: alert.PhaseFiring, Severity: upstat.MajorOutage,
				Since: At, FiredAt: fired, NotifiedAt: fired, Labels: map[string]string{"tier": "critical"}, Notify: []string{"ops", "chat"}},
			{Key: "k2", Rule: "r", Vendor: "github", Phase: alert.PhasePending, Severity: upstat.Degraded, Since: At, Notify: []string{"ops"}},
		}
		if err := s.Apply(ctx, alert.Change{Put: want}); err != nil {
			t.Fatal(err)
		}
		want[1].Phase, want[1].ClearSince = alert.PhaseResolving, At.Add(2*time.Minute)
		if err := s.Apply(ctx, alert.Change{Put: want[1:]}); err != nil {
			t.Fatal(err)
		}
		got, err := reopen().AlertStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !sameStates(got, want) {
			t.Fatalf("AlertStates = %+v, want %+v", got, want)
		}
		if err := s.Apply(ctx, alert.Change{Delete: []string{"k1"}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := reopen().AlertStates(ctx); len(got) != 1 || got[0].Key != "k2" {
			t.Fatalf("after delete: %+v", got)
		}
	})
	t.Run("outbox order, head of line and outcomes", func(t *testing.T) {
		s, reopen := open(t)
		n := Sample(alert.StatusFiring)
		d := func(notifier, key string) alert.Delivery {
			return alert.Delivery{Notifier: notifier, AlertKey: key, Notification: n, State: alert.DeliveryPending,
				NextAttemptAt: At, CreatedAt: At, UpdatedAt: At}
		}
		c := alert.Change{Enqueue: []alert.Delivery{d("a", "k"), d("a", "k"), d("b", "k")}}
		if err := s.Apply(ctx, c); err != nil {
			t.Fatal(err)
		}
		ids := func(ds []alert.Delivery) []int64 {
			var out []int64
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		first, second, third := c.Enqueue[0].ID, c.Enqueue[1].ID, c.Enqueue[2].ID
		if !(first < second && second < third) {
			t.Fatalf("IDs %d, %d, %d not increasing", first, second, third)
		}
		due, err := s.DueDeliveries(ctx, At, 10)
		if err != nil || !reflect.DeepEqual(ids(due), []int64{first, third}) {
			t.Fatalf("due = %v, %v; want [%d %d]", ids(due), err, first, third)
		}
		if !reflect.DeepEqual(due[0].Notification, n) {
			t.Fatalf("notification round trip:\n got %+v\nwant %+v", due[0].Notification, n)
		}
		retry := due[0]
		retry.Attempts, retry.LastError, retry.NextAttemptAt = 1, "http 503", At.Add(time.Minute)
		if err := s.UpdateDelivery(ctx, retry); err != nil {
			t.Fatal(err)
		}
		if due, _ := reopen().DueDeliveries(ctx, At.Add(time.Second), 10); !reflect.DeepEqual(ids(due), []int64{third}) {
			t.Fatalf("while the head waits: due = %v, want [%d]", ids(due), third)
		}
		retry.State, retry.Attempts = alert.DeliveryFailed, 2
		if err := s.UpdateDelivery(ctx, retry); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.DueDeliveries(ctx, At, 1); !reflect.DeepEqual(ids(due), []int64{second}) {
			t.Fatalf("after the head failed, limit 1: due = %v, want [%d]", ids(due), second)
		}
		failed, err := reopen().Deliveries(ctx, alert.DeliveryFailed, 10)
		if err != nil || len(failed) != 1 || failed[0].ID != first || failed[0].LastError != "http 503" || failed[0].Attempts != 2 {
			t.Fatalf("failed deliveries = %+v, %v", failed, err)
		}
		retry.ID = 1 << 40
		if err := s.UpdateDelivery(ctx, retry); !errors.Is(err, upstat.ErrNotFound) {
			t.Fatalf("update of an unknown delivery: %v, want ErrNotFound", err)
		}
	})
}

// vendors is a Reader serving fixed vendors.
type vendors struct {
	upstat.Reader
	v []upstat.Vendor
}

func (r vendors) Vendors(context.Context) ([]upstat.Vendor, error) { return r.v, nil }

// countNotifier counts notifications by status.
type countNotifier map[alert.Status]int

func (c countNotifier) Notify(_ context.Context, n alert.Notification) (bool, error) {
	c[n.Status]++
	return false, nil
}

// engineRestart fires an alert, "crashes" before delivering, restarts on
// the reopened store: the firing is sent exactly once; a restart after the
// vendor recovered sends the resolution exactly once.
func engineRestart(t *testing.T, s alert.Store, reopen func() alert.Store) {
	ctx := context.Background()
	down := upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: "stripe", Status: upstat.MajorOutage}}
	up := down
	up.Status = upstat.Operational
	sent := countNotifier{}
	now := At
	run := func(store alert.Store, v upstat.Vendor, deliver bool) {
		t.Helper()
		eng, err := alert.New(alert.Options{Store: store, Reader: vendors{v: []upstat.Vendor{v}}, Now: func() time.Time { return now },
			Notifiers: map[string]alert.Notifier{"ops": sent}, Rules: []alert.RuleConfig{{Name: "r", Notify: []string{"ops"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.Evaluate(ctx); err != nil {
			t.Fatal(err)
		}
		for deliver {
			n, err := eng.Deliver(ctx)
			if err != nil {
				t.Fatal(err)
			}
			deliver = n > 0
		}
	}
	run(s, down, false)
	now = now.Add(time.Minute)
	run(reopen(), down, true)
	now = now.Add(time.Minute)
	run(reopen(), down, true)
	if sent[alert.StatusFiring] != 1 || sent[alert.StatusResolved] != 0 {
		t.Fatalf("after restarts while down: %v, want one firing", sent)
	}
	now = now.Add(time.Minute)
	run(reopen(), up, false)
	now = now.Add(time.Minute)
	run(reopen(), up, true)
	if sent[alert.StatusFiring] != 1 || sent[alert.StatusResolved] != 1 {
		t.Fatalf("after recovery: %v, want one firing and one resolved", sent)
	}
}

func sameStates(a, b []alert.State) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Key != y.Key || x.Rule != y.Rule || x.Vendor != y.Vendor || x.Component != y.Component || x.Phase != y.Phase ||
			x.Severity != y.Severity || !x.Since.Equal(y.Since) || !x.FiredAt.Equal(y.FiredAt) ||
			!x.ClearSince.Equal(y.ClearSince) || !x.NotifiedAt.Equal(y.NotifiedAt) ||
			len(x.Labels) != len(y.Labels) || !reflect.DeepEqual(x.Notify, y.Notify) {
			return false
		}
		for k, v := range x.Labels {
			if y.Labels[k] != v {
				return false
			}
		}
	}
	return true
}
