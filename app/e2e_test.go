package app

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
	"github.com/upstat/upstat/store/postgres/pgtest"
)

// harness runs the real app against the fixture server.
type harness struct {
	t *testing.T
	// cfg, when set, builds the configuration instead of config().
	cfg func() *config.Config
	// now, when set, is the app's clock instead of time.Now.
	now func() time.Time
	sim *fixtures.Server
	db  string
	// storage, when set, replaces the SQLite file db (a PostgreSQL URL).
	storage string
	base    string
	cancel  context.CancelFunc
	done    chan error
	app     *App
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	sim, err := fixtures.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	sim.AddVendor("acme", "Acme Cloud",
		fixtures.Component{ID: "api", Name: "API"},
		fixtures.Component{ID: "vm", Name: "VMs", Group: "Compute"})
	sim.AddVendor("other", "Other Inc", fixtures.Component{ID: "web", Name: "Website"})
	return &harness{t: t, sim: sim, db: filepath.Join(t.TempDir(), "e2e.db")}
}

func (h *harness) config() *config.Config {
	cfg := &config.Config{
		Listen:  "127.0.0.1:0",
		Storage: "sqlite:" + h.db,
		Poll:    config.Poll{Interval: time.Second, Timeout: time.Second, StaleAfter: 2 * time.Second, AllowPrivateNetworks: true},
		Vendors: []config.Vendor{
			{ID: "acme", Name: "Acme Cloud", Sources: []config.Source{{Kind: "statuspage", URL: h.sim.URL("acme")}}},
			{ID: "other", Name: "Other Inc", Sources: []config.Source{{Kind: "statuspage", URL: h.sim.URL("other")}}},
		},
	}
	if h.storage != "" {
		cfg.Storage = h.storage
	}
	if err := cfg.Complete(); err != nil {
		h.t.Fatal(err)
	}
	// Faster than a config may ask for, to keep the test short.
	for i := range cfg.Vendors {
		cfg.Vendors[i].Sources[0].Interval = 100 * time.Millisecond
	}
	return cfg
}

// start runs a fresh app process-equivalent on the same database.
func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := h.config
	if h.cfg != nil {
		cfg = h.cfg
	}
	a, err := New(ctx, cfg(), Options{StaleCheck: 50 * time.Millisecond, Now: h.now})
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	addr, err := a.Listen()
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	h.base, h.cancel, h.done, h.app = "http://"+addr.String(), cancel, make(chan error, 1), a
	done, exited := h.done, make(chan struct{})
	go func() {
		done <- a.Run(ctx) // buffered: never blocks, read by stop if it runs
		close(exited)
	}()
	// If the test fails before stop, still stop this app, so its
	// goroutines do not show up as leaks in the next test.
	h.t.Cleanup(func() {
		cancel()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
		}
	})
}

func (h *harness) stop() {
	h.t.Helper()
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		h.t.Fatal("app did not stop within 10s")
	}
}

func (h *harness) get(path string, v any) {
	h.t.Helper()
	resp, err := http.Get(h.base + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		h.t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
}

type vendorJSON struct {
	Status          string     `json:"status"`
	Stale           bool       `json:"stale"`
	LastError       string     `json:"last_error"`
	LastSuccessAt   *time.Time `json:"last_success_at"`
	ActiveIncidents int        `json:"active_incidents"`
	Components      []struct {
		Name, Group, Status string
	} `json:"components"`
}

type incidentJSON struct {
	ID         string     `json:"id"`
	Status     string     `json:"status"`
	Severity   string     `json:"severity"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Updates    []struct {
		Status string `json:"status"`
		Body   string `json:"body"`
	} `json:"updates"`
}

type eventJSON struct {
	Type       string `json:"type"`
	Vendor     string `json:"vendor"`
	IncidentID string `json:"incident_id"`
}

func (h *harness) vendor(id string) vendorJSON {
	var v vendorJSON
	h.get("/api/v1/vendors/"+id, &v)
	return v
}

func (h *harness) incident(id string) incidentJSON {
	var in incidentJSON
	h.get("/api/v1/incidents/"+id, &in)
	return in
}

func (h *harness) events() []eventJSON {
	var out []eventJSON
	cursor := ""
	for {
		var page struct {
			Events     []eventJSON `json:"events"`
			NextCursor string      `json:"next_cursor"`
		}
		h.get("/api/v1/events?since="+cursor, &page)
		out = append(out, page.Events...)
		if page.NextCursor == "" || page.NextCursor == cursor || len(page.Events) == 0 {
			return out
		}
		cursor = page.NextCursor
	}
}

func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestEndToEndIncidentLifecycleFailureAndRestart(t *testing.T) {
	defer verifyNoLeak(t)
	lifecycle(t, newHarness(t))
}

// The same scenario with the state in PostgreSQL: the restart reads the
// incident back from it.
func TestEndToEndOnPostgres(t *testing.T) {
	h := newHarness(t)
	h.storage = pgtest.Schema(t)
	defer verifyNoLeak(t)
	lifecycle(t, h)
}

func verifyNoLeak(t *testing.T) {
	goleak.VerifyNone(t, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

// lifecycle: an incident opens, updates, survives a restart, resolves;
// the source fails (stale, data kept) and recovers.
func lifecycle(t *testing.T, h *harness) {
	h.start()
	h.waitFor("acme operational", func() bool { return h.vendor("acme").Status == "operational" })

	// Incident opens.
	must(t, h.sim.OpenIncident("acme", "inc1", "API errors", "major", fixtures.Partial, "Investigating API errors.", "api"))
	h.waitFor("incident seen", func() bool { return h.vendor("acme").ActiveIncidents == 1 })
	if v := h.vendor("acme"); v.Status != "partial_outage" {
		t.Fatalf("vendor status %q, want partial_outage", v.Status)
	}
	// Updated.
	must(t, h.sim.UpdateIncident("acme", "inc1", "identified", "Cause identified."))
	h.waitFor("second update", func() bool { return len(h.incident("acme:inc1").Updates) == 2 })

	// Restart in the middle of the incident.
	h.stop()
	h.start()
	if in := h.incident("acme:inc1"); len(in.Updates) != 2 || in.Status != "identified" {
		t.Fatalf("after restart: %+v", in)
	}
	// Resolved.
	must(t, h.sim.UpdateIncident("acme", "inc1", "resolved", "All good."))
	h.waitFor("resolution", func() bool { return h.incident("acme:inc1").Status == "resolved" })
	h.waitFor("acme operational again", func() bool { return h.vendor("acme").Status == "operational" })

	in := h.incident("acme:inc1")
	if in.ResolvedAt == nil || in.Severity != "partial_outage" {
		t.Errorf("resolved incident: %+v", in)
	}
	var got []string
	for _, u := range in.Updates {
		got = append(got, u.Status)
	}
	if strings.Join(got, ",") != "investigating,identified,resolved" {
		t.Errorf("updates = %v", got)
	}
	var list struct {
		Incidents []incidentJSON `json:"incidents"`
	}
	h.get("/api/v1/incidents?vendor=acme&state=all", &list)
	if len(list.Incidents) != 1 {
		t.Errorf("incidents for acme = %d, want exactly 1", len(list.Incidents))
	}
	var types []string
	for _, e := range h.events() {
		if e.IncidentID == "acme:inc1" {
			types = append(types, e.Type)
		}
	}
	if len(types) < 3 || types[0] != "incident.opened" || types[len(types)-1] != "incident.resolved" ||
		strings.Count(strings.Join(types, ","), "incident.opened") != 1 {
		t.Errorf("incident events = %v, want opened, updated…, resolved", types)
	}

	// The source starts failing: errors shown at once, stale after the
	// window, last data kept, the other vendor untouched.
	before := h.vendor("acme")
	otherBefore := h.vendor("other").LastSuccessAt
	must(t, h.sim.SetFault("acme", fixtures.Fault{Status: 503}))
	h.waitFor("last_error", func() bool { return strings.Contains(h.vendor("acme").LastError, "503") })
	if v := h.vendor("acme"); v.Stale {
		t.Error("stale before the stale window passed")
	}
	h.waitFor("stale", func() bool { return h.vendor("acme").Stale })
	v := h.vendor("acme")
	if v.Status != before.Status || len(v.Components) != len(before.Components) || len(v.Components) != 2 {
		t.Errorf("stale vendor lost its data: before %+v after %+v", before, v)
	}
	h.waitFor("other vendor still polled", func() bool {
		o := h.vendor("other")
		return !o.Stale && o.LastSuccessAt != nil && otherBefore != nil && o.LastSuccessAt.After(*otherBefore)
	})

	// Recovery.
	must(t, h.sim.SetFault("acme", fixtures.Fault{}))
	h.waitFor("recovered", func() bool { v := h.vendor("acme"); return !v.Stale && v.LastError == "" })
	recovered := 0
	for _, e := range h.events() {
		if e.Vendor == "acme" && e.Type == "vendor.recovered" {
			recovered++
		}
	}
	if recovered != 1 {
		t.Errorf("vendor.recovered events = %d, want 1", recovered)
	}
	h.stop()
}

func TestNeverSucceededVendorIsUnknown(t *testing.T) {
	h := newHarness(t)
	must(t, h.sim.SetFault("acme", fixtures.Fault{Body: "<html>Just a moment...</html>", ContentType: "application/json"}))
	h.start()
	defer h.stop()
	h.waitFor("error recorded", func() bool { return h.vendor("acme").LastError != "" })
	v := h.vendor("acme")
	if v.Status != "unknown" {
		t.Errorf("never-succeeded vendor status %q, want unknown", v.Status)
	}
	if !strings.Contains(v.LastError, "JSON") {
		t.Errorf("last_error %q does not explain the bot page", v.LastError)
	}
	var sum struct {
		Status string `json:"status"`
	}
	h.get("/api/v1/summary", &sum)
	if sum.Status == "" {
		t.Error("summary without status")
	}
}
