package statuspage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

// fakePage is a Statuspage host whose documents a test can swap. With
// etags on it answers a matching If-None-Match with 304. It counts hits
// per path.
type fakePage struct {
	mu     sync.Mutex
	etags  bool
	docs   map[string][]byte
	ctypes map[string]string
	status map[string]int
	hits   map[string]int
	n304   int
}

func newFakePage(t *testing.T, etags bool) (*fakePage, *httptest.Server) {
	p := &fakePage{etags: etags, docs: map[string][]byte{}, ctypes: map[string]string{}, status: map[string]int{}, hits: map[string]int{}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

func (p *fakePage) set(path string, body []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.docs[path] = body
}

func (p *fakePage) fail(path string, status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status[path] = status
}

func (p *fakePage) hitsOf(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

func (p *fakePage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hits[r.URL.Path]++
	if code := p.status[r.URL.Path]; code != 0 {
		http.Error(w, "<html><body>unavailable</body></html>", code)
		return
	}
	body, ok := p.docs[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if p.etags {
		etag := fmt.Sprintf(`W/"%x"`, sha256.Sum256(body))
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			p.n304++
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	ct := p.ctypes[r.URL.Path]
	if ct == "" {
		ct = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write(body)
}

// serveFixtures puts the three Nimbus fixtures at their paths.
func (p *fakePage) serveFixtures(t *testing.T) {
	p.set(summaryPath, goldentest.Read(t, fixtureDir+"/groups-summary.json"))
	p.set(incidentsPath, goldentest.Read(t, fixtureDir+"/history-incidents.json"))
	p.set(maintenancesPath, goldentest.Read(t, fixtureDir+"/history-scheduled-maintenances.json"))
}

// newFixtureSource serves the Nimbus fixtures and returns a Source on
// them with its clock.
func newFixtureSource(t *testing.T, etags bool) (*fakePage, *clock, *Source) {
	t.Helper()
	page, srv := newFakePage(t, etags)
	page.serveFixtures(t)
	clk := newClock()
	return page, clk, newTestSource(t, srv.URL, nil, clk.Now)
}

// countDecodes wraps the Source's decoder and counts the documents parsed.
func countDecodes(s *Source) *atomic.Int32 {
	n := new(atomic.Int32)
	orig := s.decode
	s.decode = func(k docKind, b []byte) (*document, error) {
		n.Add(1)
		return orig(k, b)
	}
	return n
}

// clock is an injected, manually advanced time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 4, 16, 45, 0, 0, time.UTC)} }

// poll polls s and commits the snapshot, as the poller does once the
// aggregator recorded it.
func poll(t *testing.T, s *Source) *upstat.Snapshot {
	t.Helper()
	snap, err := s.Poll(t.Context())
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	commit(snap)
	return snap
}

// commit runs the snapshot's Commit, if any (a successful record).
func commit(snap *upstat.Snapshot) {
	if snap != nil && snap.Commit != nil {
		snap.Commit()
	}
}

func findIncident(t *testing.T, snap *upstat.Snapshot, id string) upstat.Incident {
	t.Helper()
	for _, inc := range snap.Incidents {
		if inc.ID == id {
			return inc
		}
	}
	t.Fatalf("incident %s not in snapshot", id)
	return upstat.Incident{}
}

// TestUnchangedSummaryParsesNothing: a 304 (or an identical body from a
// page without validators) on the summary, with no history due, returns
// NotModified without decoding anything.
func TestUnchangedSummaryParsesNothing(t *testing.T) {
	for _, tc := range []struct {
		name      string
		etags     bool
		want304At int // 304 answers the server gave after the second poll
	}{
		{"etag 304", true, 1},
		{"identical body, no validators", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, clk, s := newFixtureSource(t, tc.etags)
			decodes := countDecodes(s)

			first := poll(t, s)
			if first.NotModified || len(first.Components) == 0 {
				t.Fatalf("first poll: NotModified=%v with %d components, want a full snapshot", first.NotModified, len(first.Components))
			}
			if got := decodes.Load(); got != 3 {
				t.Fatalf("first poll decoded %d documents, want 3", got)
			}

			clk.Advance(time.Minute)
			second := poll(t, s)
			if !second.NotModified {
				t.Errorf("second poll: NotModified=false, want true")
			}
			if got := decodes.Load(); got != 3 {
				t.Errorf("second poll decoded %d more documents, want none", got-3)
			}
			if got := page.hitsOf(summaryPath); got != 2 {
				t.Errorf("summary fetched %d times, want 2", got)
			}
			if got := page.hitsOf(incidentsPath); got != 1 {
				t.Errorf("incidents.json fetched %d times, want 1 (history not due)", got)
			}
			page.mu.Lock()
			n304 := page.n304
			page.mu.Unlock()
			if n304 != tc.want304At {
				t.Errorf("server answered 304 %d times, want %d", n304, tc.want304At)
			}

			// History due but unchanged: still nothing to parse.
			clk.Advance(DefaultHistoryInterval)
			third := poll(t, s)
			if !third.NotModified || decodes.Load() != 3 {
				t.Errorf("third poll: NotModified=%v, decodes=%d; want true, 3", third.NotModified, decodes.Load())
			}
			if got := page.hitsOf(incidentsPath); got != 2 {
				t.Errorf("incidents.json fetched %d times after the interval, want 2", got)
			}
		})
	}
}

// withoutIncidents returns a summary with its unresolved incidents removed,
// as Statuspage serves it once they are resolved.
func withoutIncidents(t *testing.T, summary []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(summary, &m); err != nil {
		t.Fatal(err)
	}
	m["incidents"] = []any{}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDisappearedIncidentFetchesHistory: an incident leaving the summary
// makes the very next poll fetch incidents.json, whatever the cadence, so
// the resolution is reported within one poll.
func TestDisappearedIncidentFetchesHistory(t *testing.T) {
	page, srv := newFakePage(t, true)
	summary := goldentest.Read(t, fixtureDir+"/groups-summary.json")
	page.set(summaryPath, summary)
	page.set(incidentsPath, []byte(minimal[docIncidents]))
	page.set(maintenancesPath, goldentest.Read(t, fixtureDir+"/history-scheduled-maintenances.json"))
	clk := newClock()
	s := newTestSource(t, srv.URL, nil, clk.Now)

	if inc := findIncident(t, poll(t, s), "r7k2m9p4x1qd"); inc.Status != upstat.StateIdentified {
		t.Fatalf("before: status %s, want identified", inc.Status)
	}

	page.set(summaryPath, withoutIncidents(t, summary))
	page.set(incidentsPath, goldentest.Read(t, fixtureDir+"/history-incidents.json"))
	clk.Advance(time.Minute) // far from the 5m history interval
	snap := poll(t, s)
	if got := page.hitsOf(incidentsPath); got != 2 {
		t.Fatalf("incidents.json fetched %d times, want 2 (immediately after the disappearance)", got)
	}
	inc := findIncident(t, snap, "r7k2m9p4x1qd")
	wantResolved := time.Date(2026, 3, 4, 17, 24, 47, 912e6, time.UTC)
	if inc.Status != upstat.StateResolved || inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(wantResolved) {
		t.Errorf("after: status %s resolved_at %v, want resolved at %s", inc.Status, inc.ResolvedAt, wantResolved)
	}
	// The summary's component index names the history's components.
	if got := findIncident(t, snap, "b2ll8inv0ice").Components; len(got) != 1 || got[0] != "Billing" {
		t.Errorf("b2ll8inv0ice components = %q, want [Billing] (joined by code)", got)
	}

	clk.Advance(time.Minute)
	if snap := poll(t, s); !snap.NotModified {
		t.Errorf("quiet poll: NotModified=false, want true")
	}
	if got := page.hitsOf(incidentsPath); got != 2 {
		t.Errorf("incidents.json fetched %d times on a quiet poll, want still 2", got)
	}
}

// TestHistoryFailureKeepsSummary: a failing history endpoint does not fail
// the poll, and a resolution it was fetched for is retried on the next
// polls, a bounded number of times.
func TestHistoryFailureKeepsSummary(t *testing.T) {
	page, srv := newFakePage(t, true)
	summary := goldentest.Read(t, fixtureDir+"/groups-summary.json")
	page.serveFixtures(t)
	clk := newClock()
	s := newTestSource(t, srv.URL, nil, clk.Now)
	poll(t, s)

	page.set(summaryPath, withoutIncidents(t, summary))
	page.fail(incidentsPath, http.StatusServiceUnavailable)
	hits := page.hitsOf(incidentsPath)
	for i := 1; i <= maxResolveRetries+1; i++ {
		clk.Advance(30 * time.Second)
		snap, err := s.Poll(t.Context())
		if err != nil {
			t.Fatalf("poll %d: %v (a history failure must not fail the poll)", i, err)
		}
		commit(snap)
		if i == 1 && (snap.NotModified || len(snap.Components) != 10) {
			t.Fatalf("poll %d: NotModified=%v, %d components; want the new summary", i, snap.NotModified, len(snap.Components))
		}
		if i == 1 && (!snap.ListsAllOpen || snap.HistoryErr == "") {
			t.Errorf("poll %d: ListsAllOpen=%v HistoryErr=%q; want a complete listing whose history failed", i, snap.ListsAllOpen, snap.HistoryErr)
		}
		want := hits + min(i, maxResolveRetries)
		if got := page.hitsOf(incidentsPath); got != want {
			t.Errorf("after poll %d: incidents.json fetched %d times, want %d", i, got, want)
		}
	}
}

// TestRefusesNonJSON: an HTML page (error, bot challenge) or JSON of
// another shape is a clear error, never a panic or an empty snapshot.
func TestRefusesNonJSON(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body string
		want              string
		is                error
	}{
		{"html content type", "text/html; charset=utf-8", "<!DOCTYPE html><html><title>Just a moment...</title></html>", `content type "text/html`, nil},
		{"html body labelled json", "application/json", "<!DOCTYPE html><html><body>404</body></html>", "body starts with", nil},
		{"json array", "application/json", `[{"id":"x"}]`, "decode summary", nil},
		{"api error object", "application/json", `{"error":"rate limited"}`, "not a Statuspage document", errNotStatuspage},
		{"wrong field type", "application/json", `{"page":{},"components":{"id":"x"}}`, "decode summary", nil},
		{"bad timestamp", "application/json", `{"components":[{"id":"a","name":"A","updated_at":"yesterday"}]}`, "yesterday", upstat.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, srv := newFakePage(t, false)
			page.set(summaryPath, []byte(tc.body))
			page.ctypes[summaryPath] = tc.ctype
			s := newTestSource(t, srv.URL, nil, newClock().Now)
			snap, err := s.Poll(t.Context())
			if err == nil {
				t.Fatalf("poll returned %+v, want an error", snap)
			}
			if !strings.HasPrefix(err.Error(), "summary: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to start with \"summary: \" and contain %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
			if got := page.hitsOf(incidentsPath); got != 0 {
				t.Errorf("incidents.json fetched %d times after a failed summary, want 0", got)
			}
		})
	}
}

// yamlOptions decodes src strictly, as the config package does.
func yamlOptions(src string) func(any) error {
	if src == "" {
		return nil
	}
	return func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(src))
		dec.KnownFields(true)
		return dec.Decode(v)
	}
}

// TestHistoryCadence: with an injected clock, history is fetched on the
// first poll and then only once history_interval has passed.
func TestHistoryCadence(t *testing.T) {
	page, srv := newFakePage(t, true)
	page.serveFixtures(t)
	clk := newClock()
	s := newTestSource(t, srv.URL, yamlOptions("history_interval: 10m\n"), clk.Now)
	for i, step := range []struct {
		advance time.Duration
		want    int // history fetches so far
	}{
		{0, 1},
		{time.Minute, 1},
		{8*time.Minute + 59*time.Second, 1},
		{time.Second, 2}, // exactly 10m after the first
		{9 * time.Minute, 2},
		{time.Minute, 3},
		{25 * time.Minute, 4}, // one fetch after a long gap, not a catch-up burst
		{time.Minute, 4},
	} {
		clk.Advance(step.advance)
		poll(t, s)
		if got := page.hitsOf(incidentsPath); got != step.want {
			t.Errorf("step %d (+%s): incidents.json fetched %d times, want %d", i, step.advance, got, step.want)
		}
		if got := page.hitsOf(maintenancesPath); got != step.want {
			t.Errorf("step %d (+%s): scheduled-maintenances.json fetched %d times, want %d", i, step.advance, got, step.want)
		}
		if got := page.hitsOf(summaryPath); got != i+1 {
			t.Errorf("step %d: summary fetched %d times, want every poll (%d)", i, got, i+1)
		}
	}
}

func TestNewOptionsAndURL(t *testing.T) {
	for _, tc := range []struct {
		name, url, opts string
		wantBase        string
		wantEvery       time.Duration
		wantErr         string // substring; the error must wrap ErrInvalid
	}{
		{"defaults", "https://www.githubstatus.com", "", "https://www.githubstatus.com", DefaultHistoryInterval, ""},
		{"trailing slash", "https://abc123.statuspage.io/", "", "https://abc123.statuspage.io", DefaultHistoryInterval, ""},
		{"api url given", "https://status.example.com/api/v2/summary.json", "", "https://status.example.com", DefaultHistoryInterval, ""},
		{"interval", "https://status.example.com", "history_interval: 90s\n", "https://status.example.com", 90 * time.Second, ""},
		{"unknown option", "https://status.example.com", "history_intervall: 5m\n", "", 0, "history_intervall"},
		{"bad duration", "https://status.example.com", "history_interval: soon\n", "", 0, `history_interval: "soon"`},
		{"negative duration", "https://status.example.com", "history_interval: -5m\n", "", 0, "history_interval"},
		{"not http", "ftp://status.example.com", "", "", 0, "url"},
		{"no host", "https://", "", "", 0, "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(sources.Spec{Kind: Kind, URL: tc.url, Decode: yamlOptions(tc.opts)}, sources.Env{})
			if tc.wantErr != "" {
				if err == nil || !errors.Is(err, upstat.ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want an ErrInvalid naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.base != tc.wantBase || s.historyEvery != tc.wantEvery {
				t.Errorf("base %q every %s, want %q %s", s.base, s.historyEvery, tc.wantBase, tc.wantEvery)
			}
		})
	}
}

func TestRegistered(t *testing.T) {
	k, ok := sources.Lookup(Kind)
	if !ok || k.Name != Kind {
		t.Fatalf("kind %q not registered", Kind)
	}
	src, err := sources.New(sources.Spec{Kind: Kind, URL: "https://status.example.com"}, sources.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sources.Adapter(src).(*Source); !ok {
		t.Errorf("registry built %T, want *statuspage.Source", sources.Adapter(src))
	}
}

// TestSharedFetcherValidators: two Sources on one Fetcher and one page
// (the same page configured twice): the second's first request is
// conditional and gets a 304, yet it has nothing cached, so it refetches.
func TestSharedFetcherValidators(t *testing.T) {
	page, srv := newFakePage(t, true)
	page.serveFixtures(t)
	fetcher := sources.NewFetcher(sources.FetchOptions{Retries: -1, Timeout: 5 * time.Second})
	env := sources.Env{Fetcher: fetcher, Now: newClock().Now}
	var snaps []*upstat.Snapshot
	for range 2 {
		s, err := New(sources.Spec{Kind: Kind, URL: srv.URL}, env)
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, poll(t, s))
	}
	if snaps[1].NotModified || len(snaps[1].Incidents) != len(snaps[0].Incidents) || len(snaps[1].Incidents) == 0 {
		t.Errorf("second source: NotModified=%v, %d incidents; want the same full snapshot as the first (%d)",
			snaps[1].NotModified, len(snaps[1].Incidents), len(snaps[0].Incidents))
	}
}

// TestFailedPollCommitsNothing: a poll cancelled after a changed summary
// was fetched keeps neither that summary nor its validators, so the next
// poll reports it instead of "not modified".
func TestFailedPollCommitsNothing(t *testing.T) {
	page, _ := newFakePage(t, true)
	page.serveFixtures(t)
	var cancel atomic.Pointer[context.CancelFunc]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := cancel.Load(); c != nil && r.URL.Path == incidentsPath {
			(*c)() // the scheduler gives up while history is being fetched
		}
		page.ServeHTTP(w, r)
	}))
	defer srv.Close()
	clk := newClock()
	s := newTestSource(t, srv.URL, nil, clk.Now)
	poll(t, s)

	summary := goldentest.Read(t, fixtureDir+"/groups-summary.json")
	page.set(summaryPath, bytes.Replace(summary, []byte(`"indicator": "major"`), []byte(`"indicator": "critical"`), 1))
	clk.Advance(DefaultHistoryInterval)
	ctx, stop := context.WithCancel(t.Context())
	cancel.Store(&stop)
	if snap, err := s.Poll(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled poll = %+v, %v; want an error wrapping context.Canceled", snap, err)
	}
	cancel.Store(nil)

	snap := poll(t, s)
	if snap.NotModified || snap.Indicator == nil || *snap.Indicator != upstat.MajorOutage {
		t.Errorf("poll after a failed one: NotModified=%v, indicator %v; want the changed summary (major_outage)", snap.NotModified, snap.Indicator)
	}
}

// editHistory serves incidents.json with r7k2m9p4x1qd's title edited.
func (p *fakePage) editHistory(t *testing.T) {
	t.Helper()
	history := goldentest.Read(t, fixtureDir+"/history-incidents.json")
	p.set(incidentsPath, bytes.Replace(history, []byte("Elevated error rates"), []byte("Elevated error rates (edited)"), 1))
}

func incidentIDs(snap *upstat.Snapshot) []string {
	var ids []string
	for _, inc := range snap.Incidents {
		ids = append(ids, inc.ID)
	}
	return ids
}

// TestChangedHistoryUnchangedSummary: the summary is not kept between
// polls, so a changed history with an unchanged summary fetches the
// summary again (after a 304) or decodes the identical body it got, and
// the snapshot is as full as on the first poll.
func TestChangedHistoryUnchangedSummary(t *testing.T) {
	for _, tc := range []struct {
		name        string
		etags       bool
		wantSummary int // summary fetches after the second poll
	}{
		{"etag 304 refetches the summary", true, 3},
		{"identical body is decoded again", false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, clk, s := newFixtureSource(t, tc.etags)
			first := poll(t, s)

			page.editHistory(t)
			clk.Advance(DefaultHistoryInterval)
			second := poll(t, s)
			if second.NotModified || len(second.Components) != len(first.Components) || second.Indicator == nil {
				t.Fatalf("second poll: NotModified=%v, %d components, indicator %v; want the full snapshot (%d components)",
					second.NotModified, len(second.Components), second.Indicator, len(first.Components))
			}
			// All of the new incidents.json; of the unchanged maintenances,
			// those not completed over resolvedRetention ago.
			want := []string{"m9cert2rot8x", "r7k2m9p4x1qd", "m4db7fail0ov", "b2ll8inv0ice", "c9pm0noresat", "n0ne1mpact7z"}
			if got := incidentIDs(second); !slices.Equal(got, want) {
				t.Errorf("incidents %v, want %v", got, want)
			}
			if got := findIncident(t, second, "r7k2m9p4x1qd").Title; !strings.Contains(got, "(edited)") {
				t.Errorf("title %q, want the edited one", got)
			}
			if got := page.hitsOf(summaryPath); got != tc.wantSummary {
				t.Errorf("summary fetched %d times, want %d", got, tc.wantSummary)
			}

			clk.Advance(time.Minute)
			if snap := poll(t, s); !snap.NotModified {
				t.Errorf("quiet poll after: NotModified=false, want true (validators and digests committed)")
			}
		})
	}
}

// TestKeptHistoryDropsOldResolved: a snapshot built from a new summary
// and history kept from an earlier fetch leaves out incidents resolved
// more than resolvedRetention ago (the aggregator has them), but keeps
// open ones, recent ones and those the summary lists; a history fetch
// that changes reports everything again.
func TestKeptHistoryDropsOldResolved(t *testing.T) {
	page, clk, s := newFixtureSource(t, true)
	all := []string{"m9cert2rot8x", "r7k2m9p4x1qd", "m4db7fail0ov", "b2ll8inv0ice", "c9pm0noresat", "k1ng5up8grd2", "n0ne1mpact7z", "s7orage9mgr1"}
	if got := incidentIDs(poll(t, s)); !slices.Equal(got, all) {
		t.Fatalf("first poll: incidents %v, want %v", got, all)
	}

	summary := goldentest.Read(t, fixtureDir+"/groups-summary.json")
	page.set(summaryPath, bytes.Replace(summary, []byte(`"indicator": "major"`), []byte(`"indicator": "critical"`), 1))
	clk.Advance(time.Minute)
	kept := []string{"m9cert2rot8x", "r7k2m9p4x1qd", "m4db7fail0ov"} // scheduled, listed, in progress
	if got := incidentIDs(poll(t, s)); !slices.Equal(got, kept) {
		t.Errorf("summary-only change: incidents %v, want %v (resolved over %s ago left out)", got, kept, resolvedRetention)
	}

	page.editHistory(t)
	clk.Advance(DefaultHistoryInterval)
	snap := poll(t, s)
	want := []string{"m9cert2rot8x", "r7k2m9p4x1qd", "m4db7fail0ov", "b2ll8inv0ice", "c9pm0noresat", "n0ne1mpact7z"}
	if got := incidentIDs(snap); !slices.Equal(got, want) {
		t.Errorf("changed incidents.json: incidents %v, want %v (all of it, and the kept maintenances)", got, want)
	}
}

func TestClosedBefore(t *testing.T) {
	cutoff := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	before, after := wireTime(cutoff.Add(-time.Hour)), wireTime(cutoff.Add(time.Hour))
	for _, tc := range []struct {
		name string
		w    wireIncident
		want bool
	}{
		{"resolved before", wireIncident{Status: "resolved", ResolvedAt: before, UpdatedAt: before}, true},
		{"postmortem before", wireIncident{Status: "postmortem", UpdatedAt: before}, true},
		{"completed before", wireIncident{Status: "completed", UpdatedAt: before}, true},
		{"resolved after", wireIncident{Status: "resolved", ResolvedAt: after, UpdatedAt: after}, false},
		{"edited after its resolution", wireIncident{Status: "resolved", ResolvedAt: before, UpdatedAt: after}, false},
		{"open", wireIncident{Status: "monitoring", UpdatedAt: before}, false},
		{"scheduled", wireIncident{Status: "scheduled", UpdatedAt: before}, false},
		{"unknown status", wireIncident{Status: "weird", UpdatedAt: before}, false},
		{"resolved without times", wireIncident{Status: "resolved"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := closedBefore(&tc.w, cutoff); got != tc.want {
				t.Errorf("closedBefore = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestUncommittedPollIsRetriedInFull: a snapshot the aggregator failed to
// record is never committed, so the next poll does not see "unchanged"
// (304, identical digest) and returns the full snapshot again.
func TestUncommittedPollIsRetriedInFull(t *testing.T) {
	for _, etags := range []bool{true, false} {
		t.Run(fmt.Sprintf("etags=%v", etags), func(t *testing.T) {
			_, clk, s := newFixtureSource(t, etags)
			first, err := s.Poll(t.Context())
			if err != nil || first.NotModified {
				t.Fatalf("first poll: %v, %+v; want a full snapshot", err, first)
			}
			clk.Advance(time.Minute)
			// first was not committed: its record failed.
			second := poll(t, s)
			if second.NotModified || len(second.Components) != len(first.Components) {
				t.Fatalf("poll after a failed record: NotModified=%v with %d components, want the full %d",
					second.NotModified, len(second.Components), len(first.Components))
			}
			clk.Advance(time.Minute)
			if third := poll(t, s); !third.NotModified {
				t.Errorf("poll after a committed one: NotModified=false, want true")
			}
		})
	}
}
