package alert

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat"
)

func observedVendor(reported upstat.Severity, obs upstat.ObservedStatus) upstat.Vendor {
	v := vendor(reported)
	if obs != "" {
		v.Observed = &upstat.Observed{Status: obs, Since: t0, Failing: []string{}}
	}
	return v
}

// TestSignals: each signal fires and resolves on what it watches.
func TestSignals(t *testing.T) {
	const (
		ok      = upstat.ObservedOK
		failing = upstat.ObservedFailing
		unknown = upstat.ObservedUnknown
	)
	op, down := upstat.Operational, upstat.MajorOutage
	for _, c := range []struct {
		signal Signal
		steps  []upstat.Vendor
		want   [][]string
	}{
		{"", []upstat.Vendor{observedVendor(op, failing), observedVendor(down, failing)},
			[][]string{nil, {"firing"}}},
		{SignalObserved, []upstat.Vendor{observedVendor(down, ok), observedVendor(op, failing), observedVendor(op, unknown), observedVendor(op, ok)},
			[][]string{nil, {"firing"}, nil, {"resolved"}}}, // unknown leaves it firing
		{SignalObserved, []upstat.Vendor{observedVendor(down, ""), observedVendor(op, "")}, // no probes: never
			[][]string{nil, nil}},
		{SignalAny, []upstat.Vendor{observedVendor(op, failing), observedVendor(down, ok), observedVendor(op, ok)},
			[][]string{{"firing"}, nil, {"resolved"}}},
		{SignalBoth, []upstat.Vendor{observedVendor(op, failing), observedVendor(down, ok), observedVendor(down, failing), observedVendor(down, ok)},
			[][]string{nil, nil, {"firing"}, {"resolved"}}},
	} {
		h := newHarness(t, NewMemStore(), RuleConfig{Name: "r", Signal: c.signal})
		var got [][]string
		for i, v := range c.steps {
			got = append(got, h.evaluate(time.Duration(i)*time.Minute, v))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("signal %q: notifications %v, want %v", c.signal, got, c.want)
		}
	}
}

// TestObservedFiresFirst: the vendor's endpoint fails before its page
// says so; a signal observed rule fires at once, a reported one only once
// the page posts.
func TestObservedFiresFirst(t *testing.T) {
	h := newHarness(t, NewMemStore(), RuleConfig{Name: "observed", Signal: SignalObserved}, RuleConfig{Name: "reported"})
	firing := func() []string {
		as, err := h.eng.Firing(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.Rule)
		}
		return out
	}
	h.evaluate(0, observedVendor(upstat.Operational, upstat.ObservedOK))
	h.evaluate(time.Minute, observedVendor(upstat.Operational, upstat.ObservedFailing))
	if got := strings.Join(firing(), ","); got != "observed" {
		t.Fatalf("after the probes failed: firing %q, want observed only", got)
	}
	h.evaluate(2*time.Minute, observedVendor(upstat.MajorOutage, upstat.ObservedFailing))
	if got := len(firing()); got != 2 {
		t.Fatalf("after the page posted: %d firing, want both", got)
	}
}

func TestSignalValidation(t *testing.T) {
	for _, c := range []struct {
		rule RuleConfig
		msg  string
	}{
		{RuleConfig{Name: "a", Notify: []string{"ops"}, Signal: "probes"}, `want reported, observed, any or both`},
		{RuleConfig{Name: "b", Notify: []string{"ops"}, Signal: SignalObserved, Components: []string{"API"}}, "about whole vendors"},
		{RuleConfig{Name: "c", Notify: []string{"ops"}, Signal: SignalAny, OnStale: true}, "about whole vendors"},
		{RuleConfig{Name: "e", Notify: []string{"ops"}, Signal: SignalBoth, Services: []string{"checkout"}}, "about whole vendors"},
	} {
		err := ValidateRules([]RuleConfig{c.rule}, []string{"ops"})
		if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "signal") {
			t.Errorf("%+v: %v, want a signal error with %q", c.rule, err, c.msg)
		}
	}
	if err := ValidateRules([]RuleConfig{{Name: "d", Notify: []string{"ops"}, Signal: SignalBoth}}, []string{"ops"}); err != nil {
		t.Errorf("both on a vendor rule: %v", err)
	}
}
