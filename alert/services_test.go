package alert

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/upstat/upstat"
)

func TestServicesRule(t *testing.T) {
	svcs := []upstat.ServiceConfig{
		{ID: "checkout", DependsOn: []upstat.Dependency{{Vendor: "stripe", Components: []string{"API", "Checkout*"}, Impact: upstat.ImpactCritical}}},
		{ID: "login", DependsOn: []upstat.Dependency{{Vendor: "stripe", Components: []string{"API", "Checkout*"}, Impact: upstat.ImpactCritical}, {Vendor: "auth0", Impact: upstat.ImpactCritical}}},
		{ID: "docs", DependsOn: []upstat.Dependency{{Vendor: "stripe", Components: []string{"Dashboard"}, Impact: upstat.ImpactCritical}}},
	}
	h := newServicesHarness(t, NewMemStore(), svcs, RuleConfig{Name: "svc", Services: []string{"checkout", "login"}})
	v := vendor(upstat.MajorOutage, comp("API", upstat.Operational), comp("Checkout Sessions", upstat.PartialOutage), comp("Dashboard", upstat.MajorOutage))
	got := h.evaluate(0, v)
	if !slices.Equal(got, []string{"firing/Checkout Sessions"}) {
		t.Fatalf("notifications %v, want only the component checkout and login depend on", got)
	}
	firing, err := h.eng.Firing(context.Background())
	if err != nil || len(firing) != 1 || firing[0].Labels["services"] != "checkout,login" {
		t.Fatalf("firing %+v (%v), want one alert labelled services=checkout,login", firing, err)
	}
	if got := h.evaluate(60e9, vendor(upstat.Operational, comp("API", upstat.Operational), comp("Checkout Sessions", upstat.Operational))); !slices.Equal(got, []string{"resolved/Checkout Sessions"}) {
		t.Fatalf("notifications %v, want the resolution", got)
	}
}

func TestServicesRuleValidation(t *testing.T) {
	svcs := []upstat.ServiceConfig{{ID: "checkout", DependsOn: []upstat.Dependency{{Vendor: "stripe"}}}}
	_, err := New(Options{Store: NewMemStore(), Reader: &fakeReader{}, Notifiers: map[string]Notifier{"ops": &fakeNotifier{}},
		Rules: []RuleConfig{{Name: "r", Services: []string{"chekout"}, Notify: []string{"ops"}}}, Services: svcs, Registry: prometheus.NewRegistry()})
	var re *RuleError
	if !errors.As(err, &re) || re.Key != "services" {
		t.Fatalf("err %v, want a RuleError on services", err)
	}
	err = ValidateRules([]RuleConfig{{Name: "r", Services: []string{"checkout"}, Vendors: []string{"stripe"}, Notify: []string{"ops"}}}, []string{"ops"})
	if !errors.As(err, &re) || re.Key != "services" {
		t.Fatalf("err %v, want a RuleError on services for a rule that also names vendors", err)
	}
}
