package alert

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/upstat/upstat"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeReader serves a settable list of vendors.
type fakeReader struct {
	upstat.Reader // other methods are not used by the engine
	mu            sync.Mutex
	vendors       []upstat.Vendor
	err           error
	calls         int // Vendors calls
}

func (f *fakeReader) set(v ...upstat.Vendor) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vendors = v
}

func (f *fakeReader) Vendors(ctx context.Context) ([]upstat.Vendor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return slices.Clone(f.vendors), f.err
}

// fakeNotifier records notifications and answers from a script.
type fakeNotifier struct {
	mu      sync.Mutex
	got     []Notification
	answers []error // consumed in order; nil means success; then success
	retry   bool
}

func (f *fakeNotifier) Notify(ctx context.Context, n Notification) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, n)
	if len(f.answers) == 0 {
		return false, nil
	}
	err := f.answers[0]
	f.answers = f.answers[1:]
	return err != nil && f.retry, err
}

func (f *fakeNotifier) sent() []Notification {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.got)
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func vendor(status upstat.Severity, comps ...upstat.Component) upstat.Vendor {
	return upstat.Vendor{
		VendorSummary: upstat.VendorSummary{ID: "stripe", Name: "Stripe", Status: status},
		Components:    comps,
	}
}

func comp(name string, s upstat.Severity) upstat.Component {
	return upstat.Component{Name: name, Status: s}
}

func withIncident(v upstat.Vendor, kind upstat.Kind, sev upstat.Severity, comps ...string) upstat.Vendor {
	st := upstat.StateInvestigating
	if kind == upstat.KindMaintenance {
		st = upstat.StateInProgress
	}
	v.Incidents = append(v.Incidents, upstat.Incident{
		ID: "stripe:" + string(kind), Vendor: "stripe", Kind: kind, Title: "Elevated errors", URL: "https://status.stripe.example/i/1",
		Severity: sev, Status: st, Components: comps, StartedAt: t0,
	})
	return v
}

func staleVendor(stale bool, lastSuccess time.Time) upstat.Vendor {
	v := vendor(upstat.Operational)
	v.Stale = stale
	v.LastSuccessAt = &lastSuccess
	return v
}

type harness struct {
	t     *testing.T
	clock *clock
	store *MemStore
	rd    *fakeReader
	nt    *fakeNotifier
	eng   *Engine
	reg   *prometheus.Registry
	seen  int
}

func newHarness(t *testing.T, store *MemStore, rules ...RuleConfig) *harness {
	t.Helper()
	return newServicesHarness(t, store, nil, rules...)
}

// newServicesHarness is newHarness with configured services.
func newServicesHarness(t *testing.T, store *MemStore, svcs []upstat.ServiceConfig, rules ...RuleConfig) *harness {
	t.Helper()
	h := &harness{t: t, clock: &clock{t: t0}, store: store, rd: &fakeReader{}, nt: &fakeNotifier{}, reg: prometheus.NewRegistry()}
	for i := range rules {
		if rules[i].Notify == nil {
			rules[i].Notify = []string{"ops"}
		}
	}
	eng, err := New(Options{
		Store: store, Reader: h.rd, Notifiers: map[string]Notifier{"ops": h.nt}, Rules: rules, Services: svcs,
		Now: h.clock.Now, Registry: h.reg,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.eng = eng
	return h
}

// evaluate runs one evaluation at t0+at and returns the notifications it
// enqueued, as "status[/component][ reminder]".
func (h *harness) evaluate(at time.Duration, v ...upstat.Vendor) []string {
	h.t.Helper()
	h.clock.set(t0.Add(at))
	h.rd.set(v...)
	if err := h.eng.Evaluate(context.Background()); err != nil {
		h.t.Fatalf("Evaluate at %s: %v", at, err)
	}
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	var out []string
	for _, d := range h.store.deliveries[h.seen:] {
		out = append(out, describe(d.Notification))
	}
	h.seen = len(h.store.deliveries)
	return out
}

func describe(n Notification) string {
	s := string(n.Status)
	if n.Alert.Component != "" {
		s += "/" + n.Alert.Component
	}
	if n.Reminder {
		s += " reminder"
	}
	return s
}

type tick struct {
	at     time.Duration
	v      upstat.Vendor
	want   []string // notifications enqueued at this tick
	firing int      // alerts firing after it
}

func TestStateMachine(t *testing.T) {
	f := false
	major, op := vendor(upstat.MajorOutage), vendor(upstat.Operational)
	m := time.Minute
	cases := []struct {
		name  string
		rule  RuleConfig
		ticks []tick
	}{
		{"for holds before firing", RuleConfig{Name: "r", MinSeverity: upstat.PartialOutage, For: 2 * m}, []tick{
			{0, major, nil, 0},
			{m, major, nil, 0},
			{2*m - time.Second, major, nil, 0},
			{2 * m, major, []string{"firing"}, 1},
			{3 * m, major, nil, 1},
		}},
		{"condition gone while pending restarts the wait", RuleConfig{Name: "r", MinSeverity: upstat.PartialOutage, For: 2 * m}, []tick{
			{0, major, nil, 0},
			{m, op, nil, 0},
			{2 * m, major, nil, 0},
			{3 * m, major, nil, 0},
			{4 * m, major, []string{"firing"}, 1},
		}},
		{"below min_severity never fires", RuleConfig{Name: "r", MinSeverity: upstat.PartialOutage}, []tick{
			{0, vendor(upstat.Degraded), nil, 0},
			{m, vendor(upstat.Degraded), nil, 0},
		}},
		{"absent min_severity means degraded", RuleConfig{Name: "r"}, []tick{
			{0, vendor(upstat.Maintenance), nil, 0},
			{m, vendor(upstat.Degraded), []string{"firing"}, 1},
		}},
		{"flapping fires once and resolves once", RuleConfig{Name: "r", MinSeverity: upstat.PartialOutage, For: 2 * m}, []tick{
			{0, major, nil, 0},
			{2 * m, major, []string{"firing"}, 1},
			{2*m + 30*time.Second, op, nil, 1},
			{3 * m, major, nil, 1},
			{3*m + 30*time.Second, op, nil, 1},
			{4 * m, major, nil, 1},
			{5 * m, op, nil, 1},
			{6 * m, major, nil, 1},
			{7 * m, op, nil, 1},
			{8 * m, op, nil, 1},
			{9 * m, op, []string{"resolved"}, 0},
			{10 * m, op, nil, 0},
		}},
		{"resolution without for is immediate", RuleConfig{Name: "r"}, []tick{
			{0, major, []string{"firing"}, 1},
			{m, op, []string{"resolved"}, 0},
			{2 * m, major, []string{"firing"}, 1},
		}},
		{"unknown never fires and does not resolve blind", RuleConfig{Name: "r", MinSeverity: upstat.Degraded}, []tick{
			{0, vendor(upstat.Unknown), nil, 0},
			{m, major, []string{"firing"}, 1},
			{2 * m, vendor(upstat.Unknown), nil, 1},
			{3 * m, op, []string{"resolved"}, 0},
		}},
		{"vendor maintenance ignored by default", RuleConfig{Name: "r"}, []tick{
			{0, withIncident(vendor(upstat.MajorOutage, comp("API", upstat.MajorOutage)), upstat.KindMaintenance, upstat.Maintenance, "API"), nil, 0},
			{m, withIncident(vendor(upstat.MajorOutage, comp("API", upstat.MajorOutage), comp("Dashboard", upstat.Degraded)), upstat.KindMaintenance, upstat.Maintenance, "API"), []string{"firing"}, 1},
		}},
		{"maintenance counts when not ignored", RuleConfig{Name: "r", MinSeverity: upstat.Maintenance, IgnoreMaintenance: &f}, []tick{
			{0, vendor(upstat.Maintenance), []string{"firing"}, 1},
		}},
		{"component under maintenance does not fire", RuleConfig{Name: "r", Components: []string{"API"}}, []tick{
			{0, withIncident(vendor(upstat.MajorOutage, comp("API", upstat.MajorOutage)), upstat.KindMaintenance, upstat.Maintenance, "API"), nil, 0},
			{m, vendor(upstat.MajorOutage, comp("API", upstat.Maintenance)), nil, 0},
			{2 * m, vendor(upstat.MajorOutage, comp("API", upstat.MajorOutage)), []string{"firing/API"}, 1},
		}},
		{"each matching component is its own alert", RuleConfig{Name: "r", Components: []string{"API*"}, MinSeverity: upstat.PartialOutage}, []tick{
			{0, vendor(upstat.MajorOutage, comp("API", upstat.MajorOutage), comp("API Docs", upstat.PartialOutage), comp("Dashboard", upstat.MajorOutage)), []string{"firing/API", "firing/API Docs"}, 2},
			{m, vendor(upstat.MajorOutage, comp("API", upstat.MajorOutage), comp("API Docs", upstat.Operational)), []string{"resolved/API Docs"}, 1},
			{2 * m, vendor(upstat.Operational), []string{"resolved/API"}, 0},
		}},
		{"stale rule fires while the source is failing", RuleConfig{Name: "r", OnStale: true, For: 5 * m}, []tick{
			{0, staleVendor(true, t0.Add(-20*m)), nil, 0},
			{5 * m, staleVendor(true, t0.Add(-20*m)), []string{"firing"}, 1},
			{6 * m, staleVendor(false, t0.Add(6*m)), nil, 1},
			{11 * m, staleVendor(false, t0.Add(11*m)), []string{"resolved"}, 0},
		}},
		{"stale rule ignores severity", RuleConfig{Name: "r", OnStale: true}, []tick{
			{0, major, nil, 0},
		}},
		{"repeat interval reminds while firing", RuleConfig{Name: "r", RepeatInterval: 10 * m}, []tick{
			{0, major, []string{"firing"}, 1},
			{5 * m, major, nil, 1},
			{10 * m, major, []string{"firing reminder"}, 1},
			{15 * m, major, nil, 1},
			{20 * m, major, []string{"firing reminder"}, 1},
			{21 * m, op, []string{"resolved"}, 0},
		}},
		{"vendor removed from config resolves", RuleConfig{Name: "r"}, []tick{
			{0, major, []string{"firing"}, 1},
			{m, upstat.Vendor{VendorSummary: upstat.VendorSummary{ID: "other", Status: upstat.MajorOutage}}, []string{"firing", "resolved"}, 1},
		}},
		{"vendor filter", RuleConfig{Name: "r", Vendors: []string{"github"}}, []tick{
			{0, major, nil, 0},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, NewMemStore(), tc.rule)
			for _, tk := range tc.ticks {
				got := h.evaluate(tk.at, tk.v)
				if !slices.Equal(got, tk.want) {
					t.Fatalf("at %s: enqueued %q, want %q", tk.at, got, tk.want)
				}
				firing, err := h.eng.Firing(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if len(firing) != tk.firing {
					t.Fatalf("at %s: %d firing, want %d: %+v", tk.at, len(firing), tk.firing, firing)
				}
				if g := value(h.t, h.eng.firing.WithLabelValues("r")); int(g) != tk.firing {
					t.Fatalf("at %s: upstat_alerts_firing = %v, want %d", tk.at, g, tk.firing)
				}
			}
		})
	}
}

func TestFiringAlertShape(t *testing.T) {
	h := newHarness(t, NewMemStore(), RuleConfig{Name: "payments-down", Components: []string{"API"}, MinSeverity: upstat.PartialOutage,
		For: time.Minute, Labels: map[string]string{"tier": "critical"}})
	v := withIncident(vendor(upstat.PartialOutage, comp("API", upstat.PartialOutage)), upstat.KindIncident, upstat.PartialOutage, "API")
	h.evaluate(0, v)
	h.evaluate(time.Minute, v)
	got, err := h.eng.Firing(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := upstat.Alert{Rule: "payments-down", Vendor: "stripe", Component: "API", Severity: upstat.PartialOutage,
		Since: t0, FiredAt: t0.Add(time.Minute), Labels: map[string]string{"tier": "critical"}}
	if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Fatalf("Firing = %+v, want [%+v]", got, want)
	}
	h.store.mu.Lock()
	n := h.store.deliveries[0].Notification
	h.store.mu.Unlock()
	if n.Incident == nil || n.Incident.Title != "Elevated errors" || n.Vendor.Name != "Stripe" || n.Key != AlertKey("payments-down", "stripe", "API") {
		t.Fatalf("notification = %+v", n)
	}
}

func TestRestart(t *testing.T) {
	ctx := context.Background()
	rule := RuleConfig{Name: "r", MinSeverity: upstat.PartialOutage, For: 2 * time.Minute}
	store := NewMemStore()
	h := newHarness(t, store, rule)
	h.evaluate(0, vendor(upstat.MajorOutage))
	h.evaluate(2*time.Minute, vendor(upstat.MajorOutage))
	if n, err := h.eng.Deliver(ctx); err != nil || n != 1 {
		t.Fatalf("Deliver = %d, %v; want 1 attempt", n, err)
	}

	// Restarted while still down: still firing, nothing sent again.
	h2 := newHarness(t, store, rule)
	h2.seen = h.seen
	if got := h2.evaluate(3*time.Minute, vendor(upstat.MajorOutage)); got != nil {
		t.Fatalf("after restart enqueued %q, want nothing", got)
	}
	firing, _ := h2.eng.Firing(ctx)
	if len(firing) != 1 || !firing[0].FiredAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("after restart Firing = %+v", firing)
	}
	if n, _ := h2.eng.Deliver(ctx); n != 0 {
		t.Fatalf("after restart %d deliveries attempted, want 0", n)
	}

	// Restarted long after the vendor recovered at 4m: resolved at once.
	h3 := newHarness(t, store, rule)
	h3.seen = h.seen
	recovered := vendor(upstat.Operational)
	at := t0.Add(4 * time.Minute)
	recovered.StatusChangedAt = &at
	if got := h3.evaluate(30*time.Minute, recovered); !slices.Equal(got, []string{"resolved"}) {
		t.Fatalf("after downtime enqueued %q, want [resolved]", got)
	}
	if n, _ := h3.eng.Deliver(ctx); n != 1 {
		t.Fatalf("resolution attempts = %d, want 1", n)
	}
	if got := h3.nt.sent(); len(got) != 1 || got[0].Status != StatusResolved {
		t.Fatalf("sent after restart = %+v", got)
	}
}

func TestCrashBeforeSendDeliversOnceAfterRestart(t *testing.T) {
	ctx := context.Background()
	rule := RuleConfig{Name: "r"}
	store := NewMemStore()
	h := newHarness(t, store, rule)
	h.evaluate(0, vendor(upstat.MajorOutage)) // fired, never delivered: "crash"

	h2 := newHarness(t, store, rule)
	h2.seen = h.seen
	h2.evaluate(time.Minute, vendor(upstat.MajorOutage))
	for range 3 {
		if _, err := h2.eng.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := h2.nt.sent(); len(got) != 1 || got[0].Status != StatusFiring {
		t.Fatalf("sent = %+v, want one firing", got)
	}
}

func TestDeliveryRetries(t *testing.T) {
	ctx := context.Background()
	errBoom := errors.New("http 503 Service Unavailable")
	cases := []struct {
		name      string
		answers   []error
		retry     bool
		at        []time.Duration // Deliver calls, from t0
		attempts  []int           // attempts made by each call
		state     DeliveryState
		sent      float64
		retries   float64
		failedCnt float64
	}{
		{"5xx retried with backoff then sent", []error{errBoom, errBoom}, true,
			[]time.Duration{0, time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second},
			[]int{1, 0, 1, 0, 1}, DeliverySent, 1, 2, 0},
		{"4xx is final and kept", []error{errors.New("http 400 Bad Request")}, false,
			[]time.Duration{0, time.Hour}, []int{1, 0}, DeliveryFailed, 0, 0, 1},
		{"gives up after MaxAttempts", []error{errBoom, errBoom, errBoom, errBoom}, true,
			[]time.Duration{0, 5 * time.Second, 15 * time.Second, time.Hour}, []int{1, 1, 1, 0}, DeliveryFailed, 0, 2, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{t: t0}
			store := NewMemStore()
			nt := &fakeNotifier{answers: tc.answers, retry: tc.retry}
			rd := &fakeReader{}
			rd.set(vendor(upstat.MajorOutage))
			eng, err := New(Options{Store: store, Reader: rd, Notifiers: map[string]Notifier{"ops": nt},
				Rules: []RuleConfig{{Name: "r", Notify: []string{"ops"}}}, Now: clk.Now,
				Retry: RetryPolicy{MinBackoff: 5 * time.Second, MaxAttempts: 3}})
			if err != nil {
				t.Fatal(err)
			}
			if err := eng.Evaluate(ctx); err != nil {
				t.Fatal(err)
			}
			for i, at := range tc.at {
				clk.set(t0.Add(at))
				n, err := eng.Deliver(ctx)
				if err != nil || n != tc.attempts[i] {
					t.Fatalf("Deliver at %s = %d, %v; want %d", at, n, err, tc.attempts[i])
				}
			}
			d := store.deliveries[0]
			if d.State != tc.state {
				t.Fatalf("state = %s, want %s (%+v)", d.State, tc.state, d)
			}
			if tc.state == DeliveryFailed {
				failed, _ := eng.FailedDeliveries(ctx, 10)
				if len(failed) != 1 || failed[0].LastError == "" {
					t.Fatalf("FailedDeliveries = %+v", failed)
				}
			}
			for result, want := range map[string]float64{"sent": tc.sent, "retry": tc.retries, "failed": tc.failedCnt} {
				if got := value(t, eng.notifications.WithLabelValues("ops", result)); got != want {
					t.Errorf("upstat_notifications_total{result=%q} = %v, want %v", result, got, want)
				}
			}
		})
	}
}

func TestResolutionNeverOvertakesFiring(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, NewMemStore(), RuleConfig{Name: "r"})
	h.nt.answers, h.nt.retry = []error{errors.New("http 502 Bad Gateway")}, true
	h.evaluate(0, vendor(upstat.MajorOutage))
	if _, err := h.eng.Deliver(ctx); err != nil { // firing fails, retry at +5s
		t.Fatal(err)
	}
	h.evaluate(time.Second, vendor(upstat.Operational)) // resolution enqueued, due now
	if n, _ := h.eng.Deliver(ctx); n != 0 {
		t.Fatalf("%d attempted while the firing waits for its retry, want 0", n)
	}
	h.clock.set(t0.Add(10 * time.Second))
	for range 2 {
		if _, err := h.eng.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, n := range h.nt.sent() {
		got = append(got, string(n.Status))
	}
	if want := []string{"firing", "firing", "resolved"}; !slices.Equal(got, want) {
		t.Fatalf("attempts = %q, want %q", got, want)
	}
}

// refresher is a fakeNotifier that asks to be refreshed every minute.
type refresher struct{ fakeNotifier }

func (r *refresher) RefreshInterval() time.Duration { return time.Minute }

func TestRefresherReceivesResends(t *testing.T) {
	clk := &clock{t: t0}
	store := NewMemStore()
	rd := &fakeReader{}
	am, chat := &refresher{}, &fakeNotifier{}
	eng, err := New(Options{Store: store, Reader: rd, Notifiers: map[string]Notifier{"am": am, "chat": chat},
		Rules: []RuleConfig{{Name: "r", Notify: []string{"am", "chat"}}}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, s := range []upstat.Severity{upstat.MajorOutage, upstat.MajorOutage, upstat.MajorOutage, upstat.Operational} {
		clk.set(t0.Add(time.Duration(i) * 30 * time.Second))
		rd.set(vendor(s))
		if err := eng.Evaluate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(chat.sent()); n != 2 {
		t.Errorf("chat got %d notifications, want 2 (firing, resolved)", n)
	}
	if n := len(am.sent()); n != 3 {
		t.Errorf("refresher got %d notifications, want 3 (firing, refresh at 1m, resolved)", n)
	}
}

func TestValidateRules(t *testing.T) {
	f := false
	cases := []struct {
		name string
		rule RuleConfig
		want string // substring of the error; "" for valid
	}{
		{"valid", RuleConfig{Name: "a", Vendors: []string{"stripe"}, Components: []string{"API*"}, Notify: []string{"ops"}, Labels: map[string]string{"tier": "critical"}}, ""},
		{"missing name", RuleConfig{Notify: []string{"ops"}}, "alerts.rules[0] (): name: required"},
		{"unknown notifier", RuleConfig{Name: "a", Notify: []string{"opz"}}, `alerts.rules[0] (a): notify: unknown notifier "opz"`},
		{"no notifier", RuleConfig{Name: "a"}, "(a): notify: required"},
		{"bad glob", RuleConfig{Name: "a", Components: []string{"[API"}, Notify: []string{"ops"}}, `(a): vendors/components: bad pattern "[API"`},
		{"stale with components", RuleConfig{Name: "a", OnStale: true, Components: []string{"API"}, Notify: []string{"ops"}}, "(a): components: an on_stale rule"},
		{"stale with severity", RuleConfig{Name: "a", OnStale: true, MinSeverity: upstat.MajorOutage, Notify: []string{"ops"}}, "(a): min_severity: an on_stale rule"},
		{"unknown severity", RuleConfig{Name: "a", MinSeverity: upstat.Unknown, Notify: []string{"ops"}}, "(a): min_severity: unknown is not on the scale"},
		{"maintenance ignored", RuleConfig{Name: "a", MinSeverity: upstat.Maintenance, Notify: []string{"ops"}}, "(a): min_severity: maintenance never fires"},
		{"maintenance counted", RuleConfig{Name: "a", MinSeverity: upstat.Maintenance, IgnoreMaintenance: &f, Notify: []string{"ops"}}, ""},
		{"negative for", RuleConfig{Name: "a", For: -time.Second, Notify: []string{"ops"}}, "(a): for: negative duration"},
		{"negative repeat", RuleConfig{Name: "a", RepeatInterval: -time.Second, Notify: []string{"ops"}}, "(a): repeat_interval: negative duration"},
		{"bad label", RuleConfig{Name: "a", Labels: map[string]string{"team-name": "x"}, Notify: []string{"ops"}}, `(a): labels: label name "team-name"`},
		{"severity source vendor", RuleConfig{Name: "a", SeveritySource: "vendor", Notify: []string{"ops"}}, ""},
		{"severity source any on components", RuleConfig{Name: "a", Components: []string{"API"}, SeveritySource: "any", Notify: []string{"ops"}}, ""},
		{"bad severity source", RuleConfig{Name: "a", SeveritySource: "guess", Notify: []string{"ops"}}, `(a): severity_source: "guess" is not one of vendor, text, any`},
		{"severity source on components", RuleConfig{Name: "a", Components: []string{"API"}, SeveritySource: "vendor", Notify: []string{"ops"}}, "(a): severity_source: only a rule on whole vendors"},
		{"severity source on stale", RuleConfig{Name: "a", OnStale: true, SeveritySource: "text", Notify: []string{"ops"}}, "(a): severity_source: only a rule on whole vendors"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateRules([]RuleConfig{tc.rule}, []string{"ops"})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ValidateRules = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, upstat.ErrInvalid) {
				t.Fatalf("ValidateRules = %v, want %q wrapping ErrInvalid", err, tc.want)
			}
		})
	}
	err := ValidateRules([]RuleConfig{{Name: "a", Notify: []string{"ops"}}, {Name: "a", Notify: []string{"ops"}}}, []string{"ops"})
	if err == nil || !strings.Contains(err.Error(), "alerts.rules[1] (a): name: duplicate of alerts.rules[0]") {
		t.Fatalf("duplicate names: %v", err)
	}
}

// value reads one gauge or counter.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatal(err)
	}
	if out.Gauge != nil {
		return out.Gauge.GetValue()
	}
	return out.Counter.GetValue()
}

// TestEvaluateWithoutRulesReadsNothing: with no rule and no alert to
// resolve, an evaluation does not read the vendors (at 10,000 vendors the
// read is the costliest there is); with a rule it does.
func TestEvaluateWithoutRulesReadsNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules []RuleConfig
		want  int
	}{
		{"no rules", nil, 0},
		{"one rule", []RuleConfig{{Name: "down", Notify: []string{"ops"}}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, NewMemStore(), tc.rules...)
			h.rd.set(vendor(upstat.MajorOutage))
			if err := h.eng.Evaluate(context.Background()); err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			h.rd.mu.Lock()
			defer h.rd.mu.Unlock()
			if h.rd.calls != tc.want {
				t.Errorf("Vendors calls = %d, want %d", h.rd.calls, tc.want)
			}
		})
	}
}

// shutdownNotifier delivers, then the process starts shutting down before
// the engine can record it (cancel is the engine's context).
type shutdownNotifier struct {
	fakeNotifier
	cancel context.CancelFunc
}

func (s *shutdownNotifier) Notify(ctx context.Context, n Notification) (bool, error) {
	retry, err := s.fakeNotifier.Notify(ctx, n)
	s.cancel()
	return retry, err
}

func TestShutdownRightAfterASendDoesNotResendAfterRestart(t *testing.T) {
	rule := RuleConfig{Name: "r"}
	store := NewMemStore()
	h := newHarness(t, store, rule)
	ctx, cancel := context.WithCancel(context.Background())
	nt := &shutdownNotifier{cancel: cancel}
	h.eng.notifiers["ops"] = nt
	h.evaluate(0, vendor(upstat.MajorOutage))
	_, _ = h.eng.Deliver(ctx) // sent; shutdown begins before the outcome is recorded
	if got := nt.sent(); len(got) != 1 {
		t.Fatalf("sent %d, want 1", len(got))
	}

	h2 := newHarness(t, store, rule) // the restart
	h2.seen = h.seen
	h2.evaluate(time.Minute, vendor(upstat.MajorOutage))
	for range 3 {
		if _, err := h2.eng.Deliver(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := h2.nt.sent(); len(got) != 0 {
		t.Fatalf("after restart the firing was sent again: %+v", got)
	}
}

// Two replicas' engines on one store, only the leader evaluating: the
// alert fires once, and the replica that takes over the leadership picks
// up the stored state instead of firing again.
func TestOnlyTheLeaderEvaluates(t *testing.T) {
	a, b, leader := twoReplicas(t)
	if f, err := b.eng.Firing(context.Background()); err != nil || len(f) != 0 {
		t.Fatalf("b firing before anything: %v, %v", f, err) // b has loaded the empty states
	}
	if got := b.evaluate(0, vendor(upstat.MajorOutage)); got != nil {
		t.Fatalf("a non-leader enqueued %q", got)
	}
	b.seen = 0
	if got := a.evaluate(time.Second, vendor(upstat.MajorOutage)); !slices.Equal(got, []string{"firing"}) {
		t.Fatalf("leader enqueued %q, want [firing]", got)
	}
	b.seen = a.seen
	leader.handTo("b")
	if got := b.evaluate(2*time.Second, vendor(upstat.MajorOutage)); got != nil {
		t.Fatalf("new leader enqueued %q, want nothing (already firing)", got)
	}
	if got := b.evaluate(3*time.Second, vendor(upstat.Operational)); !slices.Equal(got, []string{"resolved"}) {
		t.Fatalf("new leader enqueued %q on recovery, want [resolved]", got)
	}
	a.seen = b.seen
	if got := a.evaluate(4*time.Second, vendor(upstat.MajorOutage)); got != nil {
		t.Fatalf("former leader enqueued %q", got)
	}
}

// twoReplicas are the engines of replicas "a" and "b" on one store, a
// leading, with one rule (partial outage or worse).
func twoReplicas(t *testing.T) (a, b *harness, leader *leadership) {
	rule := RuleConfig{Name: "r", MinSeverity: upstat.PartialOutage}
	store := NewMemStore()
	a, b, leader = newHarness(t, store, rule), newHarness(t, store, rule), &leadership{}
	leader.handTo("a")
	a.eng.leader, b.eng.leader = leader.of("a"), leader.of("b")
	return a, b, leader
}

// leadership is who leads the alert engines of a test and in which term
// (a new term each time it changes hands, as the lease's generation).
type leadership struct {
	mu   sync.Mutex
	who  string
	term int64
}

func (l *leadership) handTo(who string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.who, l.term = who, l.term+1
}

// of is the Options.Leader of replica id.
func (l *leadership) of(id string) func() (int64, bool) {
	return func() (int64, bool) {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.term, l.who == id
	}
}

// A leader that loses the leadership and gets it back before it next
// evaluates (paused meanwhile) reads the states afresh: what the leader
// of the term between wrote is not lost. Otherwise its memory would lack
// the alert the other fired, and the recovery would resolve nothing.
func TestLeadershipRegainedReadsStatesAfresh(t *testing.T) {
	a, b, leader := twoReplicas(t)
	if got := a.evaluate(0, vendor(upstat.Operational)); got != nil {
		t.Fatalf("a enqueued %q while all is well", got)
	}
	leader.handTo("b") // a is paused: it does not evaluate in b's term
	b.seen = a.seen
	if got := b.evaluate(time.Second, vendor(upstat.MajorOutage)); !slices.Equal(got, []string{"firing"}) {
		t.Fatalf("b enqueued %q, want [firing]", got)
	}
	leader.handTo("a")
	a.seen = b.seen
	if got := a.evaluate(2*time.Second, vendor(upstat.MajorOutage)); got != nil {
		t.Fatalf("a, leading again, enqueued %q, want nothing (b fired it)", got)
	}
	if got := a.evaluate(3*time.Second, vendor(upstat.Operational)); !slices.Equal(got, []string{"resolved"}) {
		t.Fatalf("a enqueued %q on recovery, want [resolved]", got)
	}
}

// lostReply is a store whose Apply commits but reports an error, as a
// commit whose reply was lost does.
type lostReply struct{ *MemStore }

func (s lostReply) Apply(ctx context.Context, c Change) error {
	if err := s.MemStore.Apply(ctx, c); err != nil {
		return err
	}
	return errors.New("connection reset")
}

// After a failed save the stored states are the truth, whatever the
// engine computed: it reads them afresh before its next pass, so a
// change that was committed after all is not made (and notified) twice.
func TestFailedSaveReadsStatesAfresh(t *testing.T) {
	rule := RuleConfig{Name: "r", MinSeverity: upstat.PartialOutage}
	store := NewMemStore()
	h := newHarness(t, store, rule)
	h.eng.store = lostReply{store}
	h.rd.set(vendor(upstat.MajorOutage))
	if err := h.eng.Evaluate(context.Background()); err == nil {
		t.Fatal("Evaluate whose save failed: no error")
	}
	h.eng.store = store
	if got := h.evaluate(0, vendor(upstat.MajorOutage)); !slices.Equal(got, []string{"firing"}) {
		t.Fatalf("enqueued by the failed save and the pass after it: %q, want [firing] (once)", got)
	}
	if got := h.evaluate(time.Second, vendor(upstat.MajorOutage)); got != nil {
		t.Fatalf("the pass after the failed save enqueued %q, want nothing (the firing was stored)", got)
	}
	if got := h.evaluate(2*time.Second, vendor(upstat.Operational)); !slices.Equal(got, []string{"resolved"}) {
		t.Fatalf("recovery enqueued %q, want [resolved]", got)
	}
}
