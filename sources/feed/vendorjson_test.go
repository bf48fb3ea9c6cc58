package feed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
	_ "github.com/upstat/upstat/sources/instatus" // registers the instatus impact words
)

// TestStatuspageFeedReadsVendorImpact: a Statuspage history feed whose
// page answers /api/v2/incidents.json takes each listed incident's
// impact (critical → major_outage, none → operational) and components
// from it, marked vendor; when the page does not answer JSON, the
// severities stay guessed from the words, marked text, and the feed
// still reads.
func TestStatuspageFeedReadsVendorImpact(t *testing.T) {
	incidents, err := os.ReadFile("testdata/statuspage-incidents.json")
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		sev    upstat.Severity
		source string
		comps  []string
	}
	guessed := want{upstat.Degraded, upstat.SeverityFromText, []string{}}
	cases := []struct {
		name  string
		api   func(w http.ResponseWriter, r *http.Request)
		wants map[string]want
	}{
		{"api answers", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(incidents)
		}, map[string]want{
			"wz1lb0n8k2p4": {upstat.MajorOutage, upstat.SeverityFromVendor, []string{"Website", "Login"}},
			"q8d2ny7k3m1x": {upstat.Operational, upstat.SeverityFromVendor, []string{}},
		}},
		{"api off", http.NotFound, map[string]want{"wz1lb0n8k2p4": guessed, "q8d2ny7k3m1x": guessed}},
		{"api answers html", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>Not here</body></html>"))
		}, map[string]want{"wz1lb0n8k2p4": guessed, "q8d2ny7k3m1x": guessed}},
		{"api answers broken json", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(incidents[:len(incidents)/2])
		}, map[string]want{"wz1lb0n8k2p4": guessed, "q8d2ny7k3m1x": guessed}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/history.atom", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
				_, _ = w.Write(readFixture(t, "statuspage-history.atom"))
			})
			mux.HandleFunc(statuspageIncidentsPath, tc.api)
			srv := httptest.NewServer(mux)
			defer srv.Close()
			env := sources.Env{Fetcher: sources.NewFetcher(sources.FetchOptions{Retries: -1}), Now: func() time.Time { return mustTime(t, "2026-03-01T00:00:00Z") }}
			src, err := sources.New(sources.Spec{Kind: "atom", URL: srv.URL + "/history.atom", Vendor: "llc"}, env)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := src.Poll(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for id, w := range tc.wants {
				inc := find(t, snap.Incidents, id)
				if inc.Severity != w.sev || inc.SeveritySource != w.source || !slices.Equal(inc.Components, w.comps) {
					t.Errorf("%s: %v/%s components %q, want %v/%s %q", id, inc.Severity, inc.SeveritySource, inc.Components, w.sev, w.source, w.comps)
				}
			}
			if m := find(t, snap.Incidents, "m4y20dbupgr8"); m.Severity != upstat.Maintenance || m.SeveritySource != upstat.SeverityFromVendor {
				t.Errorf("maintenance: %v/%s, want maintenance/vendor", m.Severity, m.SeveritySource)
			}
		})
	}
}

// TestInstatusFeedReadsVendorImpact: an Instatus history feed whose page
// answers /summary.json takes the impact of the incidents it lists as
// active through the instatus table (MAJOROUTAGE → major_outage), marked
// vendor; the maintenance, not listed, keeps what the feed said.
func TestInstatusFeedReadsVendorImpact(t *testing.T) {
	summary, err := os.ReadFile("testdata/instatus-summary.json")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/history.rss", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(readFixture(t, "instatus-history.rss"))
	})
	mux.HandleFunc(vendorAPIs[FormatInstatus].path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(summary)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	env := sources.Env{Fetcher: sources.NewFetcher(sources.FetchOptions{Retries: -1}), Now: func() time.Time { return mustTime(t, "2026-03-01T00:00:00Z") }}
	src, err := sources.New(sources.Spec{Kind: "rss", URL: srv.URL + "/history.rss", Vendor: "hosting"}, env)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := src.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if inc := find(t, snap.Incidents, "cmx9k2l7p00a113qh2bd8rn4e"); inc.Severity != upstat.MajorOutage || inc.SeveritySource != upstat.SeverityFromVendor {
		t.Errorf("incident: %v/%s, want major_outage/vendor", inc.Severity, inc.SeveritySource)
	}
	if m := find(t, snap.Incidents, "cmx8r1t4q00b217zk5fe3wy9u"); m.Severity != upstat.Maintenance || m.SeveritySource != upstat.SeverityFromVendor {
		t.Errorf("maintenance: %v/%s, want maintenance/vendor", m.Severity, m.SeveritySource)
	}
}
