package alert

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/upstat/upstat"
)

// TestRunEvaluatesAndDelivers runs the engine's loops for real: a vendor
// going down is notified without anyone calling Evaluate or Deliver, and
// Run returns, leaving no goroutine behind, when its context ends.
func TestRunEvaluatesAndDelivers(t *testing.T) {
	defer goleak.VerifyNone(t)
	rd := &fakeReader{}
	rd.set(vendor(upstat.MajorOutage))
	nt := &fakeNotifier{}
	eng, err := New(Options{Store: NewMemStore(), Reader: rd, Notifiers: map[string]Notifier{"ops": nt},
		Rules: []RuleConfig{{Name: "r", Notify: []string{"ops"}}}, EvalInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(nt.sent()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no notification within 5s")
		}
		time.Sleep(5 * time.Millisecond) // polling for a condition, not waiting a fixed time
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if got := nt.sent(); len(got) != 1 || got[0].Status != StatusFiring {
		t.Fatalf("sent %+v, want one firing", got)
	}
}

// blockingNotifier blocks every Notify until its context ends.
type blockingNotifier struct{ entered chan struct{} }

func (b *blockingNotifier) Notify(ctx context.Context, n Notification) (bool, error) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return true, ctx.Err()
}

// TestSlowReceiverNeverBlocksEvaluation: while a delivery hangs, the
// scheduler's Evaluate calls still complete and alerts still move.
func TestSlowReceiverNeverBlocksEvaluation(t *testing.T) {
	defer goleak.VerifyNone(t)
	rd := &fakeReader{}
	rd.set(vendor(upstat.MajorOutage))
	bn := &blockingNotifier{entered: make(chan struct{}, 1)}
	eng, err := New(Options{Store: NewMemStore(), Reader: rd, Notifiers: map[string]Notifier{"ops": bn},
		Rules: []RuleConfig{{Name: "r", Notify: []string{"ops"}}}, EvalInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := eng.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	select {
	case <-bn.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("delivery never started")
	}
	rd.set(vendor(upstat.Operational))
	evaluated := make(chan error, 1)
	go func() { evaluated <- eng.Evaluate(ctx) }()
	select {
	case err := <-evaluated:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Evaluate blocked behind a hanging delivery")
	}
	if firing, _ := eng.Firing(ctx); len(firing) != 0 {
		t.Fatalf("still firing: %+v", firing)
	}
	cancel()
	<-done
}
