package feed

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upstat/upstat"
	"github.com/upstat/upstat/sources"
	"github.com/upstat/upstat/sources/goldentest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const fixtures = "../../fixtures/feed"

func golden(r Result) []byte {
	return goldentest.Marshal(r.Format, &upstat.Snapshot{Incidents: r.Incidents})
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGolden(t *testing.T) {
	now := mustTime(t, "2026-03-01T00:00:00Z")
	cases := []struct {
		file string
		cfg  Config
	}{
		{"statuspage-history.atom", Config{}},
		{"statuspage-history-edited.atom", Config{}},
		{"statuspage-history-rss.rss", Config{}},
		{"incidentio-history.atom", Config{}},
		{"instatus-history.rss", Config{}},
		{"intervals-blog.rss", Config{Match: []string{"interruption", "outage", "downtime"}, Now: now}},
		{"status-blog.json", Config{Now: mustTime(t, "2024-03-14T12:00:00Z")}},
		{"ops-blog.rss", Config{Now: mustTime(t, "2025-03-11T12:00:00Z")}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			res, err := Parse(readFixture(t, tc.file), tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			goldentest.Compare(t, goldentest.Path(fixtures, tc.file), golden(res), *update)
		})
	}
}

func find(t *testing.T, incs []upstat.Incident, id string) upstat.Incident {
	t.Helper()
	for _, inc := range incs {
		if inc.ID == id {
			return inc
		}
	}
	t.Fatalf("no incident %q among %d", id, len(incs))
	return upstat.Incident{}
}

// The seed incident report: seven updates, resolved at 20:40 EDT.
func TestStatuspageIncidentReport(t *testing.T) {
	for _, file := range []string{"statuspage-history.atom", "statuspage-history-rss.rss"} {
		t.Run(file, func(t *testing.T) {
			res, err := Parse(readFixture(t, file), Config{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != FormatStatuspage {
				t.Errorf("format %q, want statuspage", res.Format)
			}
			inc := find(t, res.Incidents, "wz1lb0n8k2p4")
			if len(inc.Updates) != 7 {
				t.Errorf("%d updates, want 7", len(inc.Updates))
			}
			if inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(mustTime(t, "2018-05-02T00:40:00Z")) {
				t.Errorf("resolved at %v, want 2018-05-02T00:40:00Z", inc.ResolvedAt)
			}
			if inc.Status != upstat.StateResolved || !inc.StartedAt.Equal(mustTime(t, "2018-05-01T22:10:00Z")) {
				t.Errorf("status %s started %s", inc.Status, inc.StartedAt)
			}
			if inc.URL != "https://status.example-llc.com/incidents/wz1lb0n8k2p4" {
				t.Errorf("url %q", inc.URL)
			}
			ny := find(t, res.Incidents, "q8d2ny7k3m1x")
			if !ny.StartedAt.Equal(mustTime(t, "2018-01-01T04:50:00Z")) {
				t.Errorf("new-year incident started %s, want 2018-01-01T04:50:00Z (Dec 31 2017 23:50 EST)", ny.StartedAt)
			}
			m := find(t, res.Incidents, "m4y20dbupgr8")
			if m.Kind != upstat.KindMaintenance || m.Status != upstat.StateScheduled || m.Severity != upstat.Maintenance {
				t.Errorf("maintenance read as %s %s %s", m.Kind, m.Status, m.Severity)
			}
			if m.ScheduledFor == nil || !m.ScheduledFor.Equal(mustTime(t, "2018-05-20T06:00:00Z")) ||
				m.ScheduledUntil == nil || !m.ScheduledUntil.Equal(mustTime(t, "2018-05-20T08:00:00Z")) {
				t.Errorf("window %v – %v", m.ScheduledFor, m.ScheduledUntil)
			}
		})
	}
}

// An entry edited in place (title, resolved body, a shifted stamp) keeps
// its incident id and every update id: it updates the record.
func TestEditedEntryUpdatesInPlace(t *testing.T) {
	before, err := Parse(readFixture(t, "statuspage-history.atom"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	after, err := Parse(readFixture(t, "statuspage-history-edited.atom"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Incidents) != len(after.Incidents) {
		t.Fatalf("%d incidents before, %d after", len(before.Incidents), len(after.Incidents))
	}
	a, b := find(t, before.Incidents, "wz1lb0n8k2p4"), find(t, after.Incidents, "wz1lb0n8k2p4")
	if a.Title == b.Title || b.Title != "Sign-in failures on the website" {
		t.Errorf("title not updated: %q → %q", a.Title, b.Title)
	}
	if len(a.Updates) != len(b.Updates) {
		t.Fatalf("%d updates before, %d after", len(a.Updates), len(b.Updates))
	}
	changed := 0
	for i := range a.Updates {
		if a.Updates[i].ID != b.Updates[i].ID {
			t.Errorf("update %d id %q → %q", i, a.Updates[i].ID, b.Updates[i].ID)
		}
		if a.Updates[i].Body != b.Updates[i].Body || !a.Updates[i].At.Equal(b.Updates[i].At) {
			changed++
		}
	}
	if changed != 2 {
		t.Errorf("%d updates changed, want 2 (resolved body, identified stamp)", changed)
	}
	if !b.UpdatedAt.Equal(mustTime(t, "2018-05-08T09:30:00Z")) {
		t.Errorf("updated_at %s, want the entry's <updated>", b.UpdatedAt)
	}
}

func TestFormats(t *testing.T) {
	res, err := Parse(readFixture(t, "incidentio-history.atom"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	open := find(t, res.Incidents, "01KJ3Q8W2X5ZB7M9C4D6F8G0H2")
	if open.Status != upstat.StateIdentified || open.Severity != upstat.PartialOutage || !open.Active() {
		t.Errorf("incident.io open incident: %s %s", open.Status, open.Severity)
	}
	if strings.Join(open.Components, "|") != "Batch API|Files" || strings.Contains(open.URL, ".com//") {
		t.Errorf("components %q url %q", open.Components, open.URL)
	}
	if m := find(t, res.Incidents, "01KJ0A1B2C3D4E5F6G7H8J9K0M"); m.Kind != upstat.KindMaintenance || m.Active() {
		t.Errorf("incident.io scheduled maintenance: %s %s", m.Kind, m.Status)
	}

	res, err = Parse(readFixture(t, "instatus-history.rss"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != FormatInstatus {
		t.Fatalf("format %q", res.Format)
	}
	inc := find(t, res.Incidents, "cmx9k2l7p00a113qh2bd8rn4e")
	if len(inc.Updates) != 3 || !inc.StartedAt.Equal(mustTime(t, "2026-12-31T23:38:10Z")) ||
		inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(mustTime(t, "2027-01-01T00:40:12Z")) {
		t.Errorf("instatus timeline across New Year: %d updates, %s – %v", len(inc.Updates), inc.StartedAt, inc.ResolvedAt)
	}
	if strings.Join(inc.Components, "|") != "Builds|Deployments" || strings.HasSuffix(inc.Updates[2].Body, "..") {
		t.Errorf("components %q, last body %q", inc.Components, inc.Updates[2].Body)
	}
	m := find(t, res.Incidents, "cmx8r1t4q00b217zk5fe3wy9u")
	if m.Kind != upstat.KindMaintenance || m.Status != upstat.StateCompleted {
		t.Errorf("instatus maintenance: %s %s", m.Kind, m.Status)
	}
}

// Generic feeds: only matching entries are incidents, and a post is
// active only while it is younger than active_for and does not say the
// problem is over.
func TestGenericActiveFor(t *testing.T) {
	res, err := Parse(readFixture(t, "intervals-blog.rss"), Config{Match: []string{"interruption", "outage", "downtime"}, Now: mustTime(t, "2026-03-01T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != FormatGeneric || len(res.Incidents) != 1 {
		t.Fatalf("format %s, %d incidents, want generic and only the interruption post", res.Format, len(res.Incidents))
	}
	if inc := res.Incidents[0]; inc.Title != "Intervals Service Interruption Update" || inc.Active() || inc.ResolvedAt == nil {
		t.Errorf("intervals post %q: status %s resolved %v, want not active", inc.Title, inc.Status, inc.ResolvedAt)
	}

	body := readFixture(t, "status-blog.json")
	const apiErrors = "https://acme.example/blog/2024/03/14/api-errors"
	cases := []struct {
		name       string
		now        string
		activeFor  time.Duration
		wantActive bool
	}{
		{"four hours after the post", "2024-03-14T12:00:00Z", 0, true},
		{"a day after the post", "2024-03-15T08:00:00Z", 0, false},
		{"past a short active_for", "2024-03-14T12:00:00Z", time.Hour, false},
		{"within a long active_for", "2024-03-16T12:00:00Z", 72 * time.Hour, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Parse(body, Config{Now: mustTime(t, tc.now), ActiveFor: tc.activeFor})
			if err != nil {
				t.Fatal(err)
			}
			inc := find(t, res.Incidents, apiErrors)
			if inc.Active() != tc.wantActive {
				t.Errorf("active %v (status %s), want %v", inc.Active(), inc.Status, tc.wantActive)
			}
			if tc.wantActive && res.Expiry.IsZero() {
				t.Error("active entry without expiry")
			}
			if !tc.wantActive && inc.ResolvedAt == nil {
				t.Error("inactive incident without resolved_at")
			}
			if login := find(t, res.Incidents, "https://acme.example/blog/2024/03/12/login-outage"); login.Active() {
				t.Error("a post that says the problem is over is active")
			}
			for _, inc := range res.Incidents {
				if strings.Contains(inc.ID, "new-dashboard") {
					t.Error("an unrelated post is an incident")
				}
			}
		})
	}
}

func TestParseRobustness(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		wantErr bool
		wantN   int
	}{
		{"not a feed", "<html><body>Just a moment...</body></html>", true, 0},
		{"empty body", "", true, 0},
		{"emptied atom feed", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>`, false, 0},
		{"entry without content", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</id><title>Outage</title></entry></feed>`, false, 0},
		{"statuspage entry with garbage content", `<rss version="2.0"><channel><item><title>x</title><link>https://s.example/incidents/abc</link><description>&lt;p&gt;&lt;small&gt;Foo 99, 99:99 ZZZ&lt;/small&gt;&lt;strong&gt;???&lt;/strong&gt;&lt;/p&gt;</description></item></channel></rss>`, false, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Parse([]byte(tc.body), Config{Now: mustTime(t, "2024-01-01T00:00:00Z")})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if len(res.Incidents) != tc.wantN {
				t.Errorf("%d incidents, want %d", len(res.Incidents), tc.wantN)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	cases := []struct {
		name    string
		opts    map[string]any
		wantErr string
	}{
		{"defaults", map[string]any{}, ""},
		{"all", map[string]any{"match": []string{"outage"}, "active_for": "48h", "format": "generic", "zone": "Europe/Berlin"}, ""},
		{"bad format", map[string]any{"format": "atomz"}, "format"},
		{"bad zone", map[string]any{"zone": "Mars/Olympus"}, "zone"},
		{"unknown key", map[string]any{"selectors": "x"}, "selectors"},
		{"negative active_for", map[string]any{"active_for": "-1h"}, "active_for"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sources.New(sources.Spec{Kind: "rss", URL: "http://127.0.0.1/feed", Decode: Decoder(tc.opts)}, sources.Env{})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !errors.Is(err, upstat.ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err %v, want ErrInvalid naming %q", err, tc.wantErr)
			}
		})
	}
}

// End to end: the adapter fetches through the shared fetcher, answers
// NotModified on a 304 and updates in place when the feed is edited.
func TestPollEndToEnd(t *testing.T) {
	var file atomic.Value
	file.Store("statuspage-history.atom")
	var hits, apiHits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == statuspageIncidentsPath { // a page whose API is off
			apiHits.Add(1)
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		name := file.Load().(string)
		etag := `"` + name + `"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		_, _ = w.Write(readFixture(t, name))
	}))
	defer srv.Close()
	env := sources.Env{Fetcher: sources.NewFetcher(sources.FetchOptions{Retries: -1}), Now: func() time.Time { return mustTime(t, "2026-03-01T00:00:00Z") }}
	src, err := sources.New(sources.Spec{Kind: "atom", URL: srv.URL + "/history.atom", Vendor: "llc"}, env)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	snap, err := src.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.NotModified || snap.HasComponents || len(snap.Incidents) != 3 {
		t.Fatalf("first poll: not_modified %v has_components %v incidents %d", snap.NotModified, snap.HasComponents, len(snap.Incidents))
	}
	// Not recorded (no Commit): the same body is read again in full.
	snap, err = src.Poll(ctx)
	if err != nil || snap.NotModified || len(snap.Incidents) != 3 {
		t.Fatalf("poll after a failed record: %v, %+v; want the feed read again", err, snap)
	}
	snap.Commit()
	snap, err = src.Poll(ctx)
	if err != nil || !snap.NotModified {
		t.Fatalf("second poll: %v, not_modified %v", err, snap != nil && snap.NotModified)
	}
	file.Store("statuspage-history-edited.atom")
	snap, err = src.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Incidents) != 3 || find(t, snap.Incidents, "wz1lb0n8k2p4").Title != "Sign-in failures on the website" {
		t.Errorf("edited feed: %d incidents", len(snap.Incidents))
	}
	if hits.Load() != 4 {
		t.Errorf("%d requests, want 4", hits.Load())
	}
	// Each full read asked the page's API once; it did not answer, so the
	// open incident's severity stays guessed from its words.
	if apiHits.Load() != 3 {
		t.Errorf("%d incidents.json requests, want 3 (one per full read)", apiHits.Load())
	}
	for _, inc := range snap.Incidents {
		if inc.Kind == upstat.KindIncident && inc.SeveritySource != upstat.SeverityFromText {
			t.Errorf("%s: severity_source %q without the API, want text", inc.ID, inc.SeveritySource)
		}
	}
}

// An identical generic feed is re-read once its active entry expires, so
// the incident closes without the feed changing.
func TestPollExpiresGenericEntry(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(readFixture(t, "status-blog.json"))
	}))
	defer srv.Close()
	var now atomic.Value
	now.Store(mustTime(t, "2024-03-14T12:00:00Z"))
	env := sources.Env{Fetcher: sources.NewFetcher(sources.FetchOptions{Retries: -1}), Now: func() time.Time { return now.Load().(time.Time) }}
	src, err := sources.New(sources.Spec{Kind: "feed", URL: srv.URL, Decode: Decoder(map[string]any{"match": []string{"errors"}})}, env)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	snap, err := src.Poll(ctx)
	if err != nil || len(snap.Incidents) != 1 || !snap.Incidents[0].Active() {
		t.Fatalf("first poll: %v %+v", err, snap)
	}
	snap.Commit()
	if snap, err = src.Poll(ctx); err != nil || !snap.NotModified {
		t.Fatalf("identical body before expiry: %v %+v", err, snap)
	}
	now.Store(mustTime(t, "2024-03-15T09:00:00Z"))
	snap, err = src.Poll(ctx)
	if err != nil || snap.NotModified || len(snap.Incidents) != 1 || snap.Incidents[0].Active() {
		t.Fatalf("after expiry: %v %+v", err, snap)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"statuspage-history.atom", "statuspage-history-rss.rss", "incidentio-history.atom", "instatus-history.rss", "status-blog.json"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`<rss><channel><item><description>&lt;p&gt;&lt;small&gt;Dec 31, 23:59 PST&lt;/small&gt;</description></item></channel></rss>`))
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := Parse(body, Config{Now: now})
		if err != nil {
			return
		}
		for _, inc := range res.Incidents {
			if inc.ID == "" {
				t.Fatalf("incident without id: %+v", inc)
			}
			for i := 1; i < len(inc.Updates); i++ {
				if inc.Updates[i].At.Before(inc.Updates[i-1].At) {
					t.Fatalf("updates out of order: %+v", inc.Updates)
				}
			}
		}
	})
}
