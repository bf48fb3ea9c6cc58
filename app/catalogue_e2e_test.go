package app

import (
	"strings"
	"testing"
	"time"

	"github.com/upstat/upstat/config"
	"github.com/upstat/upstat/fixtures"
)

// catalogued configures the catalogue vendor id, named by its id alone as
// a user writes it, with its source's URL pointed at the simulated vendor
// sim instead of the vendor's real page (no test touches the internet).
func (h *harness) catalogued(id, sim string) {
	build := h.configOf(30*time.Second, 50*time.Millisecond, config.Vendor{ID: id})
	h.cfg = func() *config.Config {
		cfg := build()
		if len(cfg.Vendors[0].Sources) != 1 {
			h.t.Fatalf("catalogue vendor %s resolved to %+v", id, cfg.Vendors[0].Sources)
		}
		cfg.Vendors[0].Sources[0].URL = h.sim.URL(sim)
		return cfg
	}
}

// catalogueSource is the one source of a vendor as the API shows it, and
// the vendor's status.
type catalogueSource struct {
	Kind      string `json:"kind"`
	LastError string `json:"last_error"`
	status    string
}

func (h *harness) onlySource(id string) catalogueSource {
	h.t.Helper()
	var v struct {
		Status  string            `json:"status"`
		Sources []catalogueSource `json:"sources"`
	}
	h.get("/api/v1/vendors/"+id, &v)
	if len(v.Sources) != 1 {
		h.t.Fatalf("%s: sources = %+v", id, v.Sources)
	}
	v.Sources[0].status = v.Status
	return v.Sources[0]
}

// A vendor taken from the catalogue (github: Statuspage) whose page moves
// to Instatus is detected again and read as Instatus, shown on its source
// as auto→instatus, and is never shown operational because of the move.
func TestEndToEndCatalogueVendorFollowsAMove(t *testing.T) {
	h := newHarness(t)
	h.sim.AddVendor("gh", "GitHub", fixtures.Component{ID: "api", Name: "API"}, fixtures.Component{ID: "git", Name: "Git"})
	must(t, h.sim.OpenIncident("gh", "g1", "API errors", "major", fixtures.Partial, "Investigating API errors.", "api"))
	h.catalogued("github", "gh")
	h.start()
	defer h.stop()
	h.waitFor("read as statuspage", func() bool {
		s := h.onlySource("github")
		return s.Kind == "auto→statuspage" && s.status == "partial_outage"
	})

	must(t, h.sim.SetFormat("gh", "instatus"))
	h.waitFor("read as instatus", func() bool {
		s := h.onlySource("github")
		if s.status == "operational" || s.status == "unknown" {
			t.Fatalf("vendor shown %s during the move (source %+v)", s.status, s)
		}
		return s.Kind == "auto→instatus" && s.LastError == ""
	})
	// It keeps being read: a change on the new platform shows.
	must(t, h.sim.OpenIncident("gh", "g2", "Git down", "critical", fixtures.Major, "Git operations fail.", "git"))
	h.waitFor("the new platform's incident", func() bool {
		s := h.onlySource("github")
		return s.status == "major_outage" && s.Kind == "auto→instatus"
	})
}

// A healthy catalogue vendor is read as its catalogued kind from the
// first poll: nothing is probed (the probes before Better Stack's fetch
// summary.json, which Better Stack's page never serves to its adapter).
// A 503 is an outage, not a move: however often it repeats, nothing is
// detected again.
func TestEndToEndCatalogueVendorNoProbe(t *testing.T) {
	h := newHarness(t)
	h.sim.AddVendor("aw", "Appwrite", fixtures.Component{ID: "api", Name: "API"})
	must(t, h.sim.SetFormat("aw", "betterstack"))
	h.catalogued("appwrite", "aw")
	h.start()
	defer h.stop()
	h.waitFor("read as betterstack", func() bool {
		s := h.onlySource("appwrite")
		return s.Kind == "auto→betterstack" && s.status == "operational"
	})
	probes := func() int {
		return h.sim.Hits("aw", "summary.json") + h.sim.Hits("aw", "summary") + h.sim.Hits("aw", "ping")
	}
	if n := probes(); n != 0 {
		t.Errorf("the first poll of a catalogue vendor probed: %d probe fetches", n)
	}

	must(t, h.sim.SetFault("aw", fixtures.Fault{Status: 503}))
	// A poll makes at most 3 requests (the fetcher retries a 503 twice):
	// more than 9 answered 503 means at least 4 polls failed, past the 3
	// consecutive failures after which a 404 would detect again.
	failed := h.sim.Hits("aw", "index.json")
	h.waitFor("4 polls answered 503", func() bool {
		s := h.onlySource("appwrite")
		return strings.Contains(s.LastError, "503") && h.sim.Hits("aw", "index.json") > failed+9
	})
	if n := probes(); n != 0 {
		t.Errorf("a 503 made the catalogue vendor detect again: %d probe fetches", n)
	}
	if s := h.onlySource("appwrite"); s.Kind != "auto→betterstack" || !strings.HasPrefix(s.LastError, "auto→betterstack: ") {
		t.Errorf("source during the outage: %+v", s)
	}
}
