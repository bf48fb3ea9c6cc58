package app

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
)

// TestEndToEndLifecyclePerKind drives one incident through its lifecycle
// (open, update, resolve) on a simulated vendor of every platform the
// fixture server speaks, read by the kind of that name through the real
// app, and checks what the API then says.
func TestEndToEndLifecyclePerKind(t *testing.T) {
	h := newHarness(t)
	formats := fixtures.Formats()
	for _, f := range formats {
		h.sim.AddVendor(f, "Vendor on "+f, fixtures.Component{ID: "api", Name: "API"},
			fixtures.Component{ID: "db", Name: "Database", Group: "Storage"})
		must(t, h.sim.SetFormat(f, f))
	}
	var vendors []config.Vendor
	for _, f := range formats {
		kind, url, err := h.sim.Source(f)
		must(t, err)
		vendors = append(vendors, config.Vendor{ID: f, Name: "Vendor on " + f, Sources: []config.Source{{Kind: kind, URL: url}}})
	}
	h.cfg = h.configOf(5*time.Second, 100*time.Millisecond, vendors...)
	h.start()
	defer h.stop()
	for _, f := range formats {
		h.waitFor(f+" operational", func() bool { v := h.vendor(f); return v.Status == "operational" && v.LastSuccessAt != nil })
	}
	for _, f := range formats {
		must(t, h.sim.OpenIncident(f, "inc-"+f, "Database errors", "major", fixtures.Major, "We are investigating database errors.", "db"))
	}
	only := func(f string) incidentJSON {
		var list struct {
			Incidents []incidentJSON `json:"incidents"`
		}
		h.get("/api/v1/incidents?vendor="+f+"&state=all", &list)
		if len(list.Incidents) != 1 {
			return incidentJSON{}
		}
		return h.incident(url.PathEscape(list.Incidents[0].ID))
	}
	for _, f := range formats {
		h.waitFor(f+": incident opened", func() bool {
			in := only(f)
			st := h.vendor(f).Status
			return in.Status == "investigating" && in.ResolvedAt == nil && st != "operational" && st != "unknown"
		})
	}
	for _, f := range formats {
		must(t, h.sim.UpdateIncident(f, "inc-"+f, "identified", "A failed disk was found and is being replaced."))
	}
	for _, f := range formats {
		h.waitFor(f+": incident updated", func() bool {
			in := only(f)
			// Platforms say it with a lifecycle word, with the update's
			// text, or both; Instatus's summary has no text, Better
			// Stack's updates no word.
			return in.ResolvedAt == nil && (in.Status == "identified" || hasUpdate(in, "failed disk"))
		})
	}
	for _, f := range formats {
		must(t, h.sim.UpdateIncident(f, "inc-"+f, "resolved", "The disk was replaced; errors have stopped."))
	}
	for _, f := range formats {
		h.waitFor(f+": incident resolved", func() bool {
			in := only(f)
			return in.Status == "resolved" && in.ResolvedAt != nil && h.vendor(f).Status == "operational"
		})
		in := only(f)
		if in.Severity == "operational" || in.Severity == "unknown" {
			t.Errorf("%s: resolved incident severity %q, want the worst it reached", f, in.Severity)
		}
		// Azure says nothing but removing the item: upstat closes it.
		var closed struct {
			ClosedBy string `json:"closed_by"`
		}
		h.get("/api/v1/incidents/"+url.PathEscape(in.ID), &closed)
		if want := map[bool]string{true: "upstat", false: "vendor"}[f == "azure"]; closed.ClosedBy != want {
			t.Errorf("%s: closed_by %q, want %q", f, closed.ClosedBy, want)
		}
	}
}

// hasUpdate reports whether an incident has an update whose body
// contains text (updates posted within one second may tie in order).
func hasUpdate(in incidentJSON, text string) bool {
	for _, u := range in.Updates {
		if strings.Contains(u.Body, text) {
			return true
		}
	}
	return false
}

// A vendor configured with kind auto is read with the kind detected from
// its page's address, shown on its source as "auto→<kind>"; when the
// page moves to another platform, the source fails as the old kind a few
// times, detects again and reads the new platform, without the vendor
// ever being shown operational by mistake.
func TestEndToEndAutoFollowsAPlatformMove(t *testing.T) {
	h := newHarness(t)
	h.sim.AddVendor("mover", "Mover", fixtures.Component{ID: "api", Name: "API"})
	must(t, h.sim.SetFormat("mover", "instatus"))
	must(t, h.sim.OpenIncident("mover", "m1", "API errors", "major", fixtures.Partial, "Investigating API errors.", "api"))
	h.cfg = h.configOf(30*time.Second, 50*time.Millisecond,
		config.Vendor{ID: "mover", Name: "Mover", Sources: []config.Source{{Kind: "auto", URL: h.sim.URL("mover")}}})
	type sourceJSON struct {
		Kind      string `json:"kind"`
		LastError string `json:"last_error"`
	}
	source := func() (sourceJSON, string) {
		var v struct {
			Status  string       `json:"status"`
			Sources []sourceJSON `json:"sources"`
		}
		h.get("/api/v1/vendors/mover", &v)
		if len(v.Sources) != 1 {
			t.Fatalf("sources = %+v", v.Sources)
		}
		return v.Sources[0], v.Status
	}
	h.start()
	defer h.stop()
	h.waitFor("read as instatus", func() bool { s, st := source(); return s.Kind == "auto→instatus" && st == "partial_outage" })

	must(t, h.sim.SetFormat("mover", "cachet"))
	h.waitFor("read as cachet", func() bool {
		s, st := source()
		if st == "operational" || st == "unknown" {
			t.Fatalf("vendor shown %s during the move", st)
		}
		return s.Kind == "auto→cachet" && s.LastError == ""
	})
}

// TestEndToEndLifecycleFeedsAndHTML drives one incident through its
// lifecycle on a simulated Statuspage history feed, a blog feed and an
// emoji-headings HTML page, read by the feed and html kinds through the
// real app. The pages' clock moves two minutes a step (an HTML page
// changes at most once a minute).
func TestEndToEndLifecycleFeedsAndHTML(t *testing.T) {
	h := newHarness(t)
	pages, err := fixtures.StartPages("127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { pages.Close() })
	var mu sync.Mutex
	clock := time.Now().Add(-time.Hour).Truncate(time.Minute)
	pages.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	tick := func() { mu.Lock(); clock = clock.Add(2 * time.Minute); mu.Unlock() }
	var srcs []fixtures.PageSource
	for _, p := range []string{fixtures.PageAtom, fixtures.PageRSS, fixtures.PageHTML} {
		src, err := pages.Add("page-"+p, "Page "+p, p)
		must(t, err)
		srcs = append(srcs, src)
	}
	var vendors []config.Vendor
	for _, p := range srcs {
		src, err := config.SourceWithOptions(p.Kind, p.URL, p.Options)
		must(t, err)
		vendors = append(vendors, config.Vendor{ID: p.Vendor, Name: p.Name, Sources: []config.Source{src}})
	}
	h.cfg = h.configOf(30*time.Second, 100*time.Millisecond, vendors...)
	h.start()
	defer h.stop()
	active := func(vendor string) (open, resolved int) {
		var list struct {
			Incidents []incidentJSON `json:"incidents"`
		}
		h.get("/api/v1/incidents?vendor="+vendor+"&state=all", &list)
		for _, in := range list.Incidents {
			if in.ResolvedAt == nil {
				open++
			} else {
				resolved++
			}
		}
		return open, resolved
	}
	for _, p := range srcs {
		h.waitFor(p.Vendor+": its past read", func() bool { open, resolved := active(p.Vendor); return open == 0 && resolved > 0 })
		_, before := active(p.Vendor)
		tick()
		what, _, ok, err := pages.Step(p.Vendor)
		if err != nil || !ok || what != "incident.opened" {
			t.Fatalf("%s: step = %q %v %v", p.Vendor, what, ok, err)
		}
		h.waitFor(p.Vendor+": incident open", func() bool { open, _ := active(p.Vendor); return open == 1 })
		for what != "incident.resolved" {
			tick()
			if what, _, ok, err = pages.Step(p.Vendor); err != nil || !ok {
				t.Fatalf("%s: step = %q %v %v", p.Vendor, what, ok, err)
			}
		}
		h.waitFor(p.Vendor+": incident resolved", func() bool { open, resolved := active(p.Vendor); return open == 0 && resolved == before+1 })
	}
}

// configOf returns a configuration builder for vendors on h's database,
// stale after staleAfter, every source polled every `every` (faster than
// a configuration may ask, to keep the tests short).
func (h *harness) configOf(staleAfter, every time.Duration, vendors ...config.Vendor) func() *config.Config {
	return func() *config.Config {
		cfg := &config.Config{Listen: "127.0.0.1:0", Storage: "sqlite:" + h.db, Vendors: vendors,
			Poll: config.Poll{Interval: time.Second, Timeout: time.Second, StaleAfter: staleAfter, AllowPrivateNetworks: true}}
		must(h.t, cfg.Complete())
		for i := range cfg.Vendors {
			for j := range cfg.Vendors[i].Sources {
				cfg.Vendors[i].Sources[j].Interval = every
			}
		}
		return cfg
	}
}
